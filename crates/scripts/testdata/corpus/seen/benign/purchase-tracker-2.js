/* purchase tracker 2 — conversion event on the order confirmation page */
(function () {
  if (!/\/checkout\/success/.test(location.pathname)) return;
  var total = document.querySelector(".order-total");
  var order = document.querySelector("[data-order-id]");
  var payload = JSON.stringify({
    event: "purchase",
    order: order ? order.getAttribute("data-order-id") : null,
    value: total ? parseFloat(total.textContent.replace(/[^\d.]/g, "")) : 0,
    currency: document.documentElement.getAttribute("data-currency") || "EUR"
  });
  navigator.sendBeacon("https://events.conversionpixel.example/v2/collect", payload);
})();
