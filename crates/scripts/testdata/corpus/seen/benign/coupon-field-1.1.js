/* coupon field 1.1 — applies a discount code on the checkout page */
document.addEventListener("DOMContentLoaded", function () {
  if (location.pathname.indexOf("/checkout") !== 0) return;
  var input = document.getElementById("coupon-code");
  var button = document.getElementById("apply-coupon");
  var note = document.getElementById("coupon-note");
  if (!input || !button) return;
  button.addEventListener("click", function (e) {
    e.preventDefault();
    fetch("/checkout/coupon", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code: input.value.trim() }) })
      .then(function (r) { return r.json(); })
      .then(function (res) { note.textContent = res.message; if (res.ok) location.reload(); });
  });
});
