/* express pay 2 — the browser's Payment Request sheet on the checkout page */
(function () {
  if (!window.PaymentRequest || location.pathname.indexOf("/checkout") !== 0) return;
  var button = document.getElementById("express-pay");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var total = button.getAttribute("data-total");
    var request = new PaymentRequest(
      [{ supportedMethods: "https://pay.walletprovider.example/pay" }],
      { total: { label: "Order total", amount: { currency: "EUR", value: total } } }
    );
    request.show().then(function (response) {
      return fetch("/checkout/express", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(response.details) })
        .then(function (r) { return response.complete(r.ok ? "success" : "fail"); });
    }).catch(function () {});
  });
})();
