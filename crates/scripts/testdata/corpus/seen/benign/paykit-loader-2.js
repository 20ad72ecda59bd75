/* paykit loader 2 — loads the payment provider's hosted fields on the checkout page */
(function () {
  var PROVIDER = "https://js.paykit.example/v2/hosted-fields.js";
  function load(cb) {
    if (window.Paykit) return cb(window.Paykit);
    var s = document.createElement("script");
    s.src = PROVIDER;
    s.async = true;
    s.onload = function () { cb(window.Paykit); };
    document.head.appendChild(s);
  }
  if (location.pathname.indexOf("/checkout") === 0) {
    load(function (Paykit) {
      var fields = Paykit.hostedFields({
        key: document.querySelector("meta[name=paykit-key]").content,
        fields: { number: "#card-number", cvc: "#card-cvc", expiry: "#card-expiry" }
      });
      document.getElementById("payment-form").addEventListener("submit", function (ev) {
        ev.preventDefault();
        fields.tokenize().then(function (token) {
          document.getElementById("payment-token").value = token.id;
          ev.target.submit();
        });
      });
    });
  }
})();
