// Checkout form: validates locally and pretends to pay. Nothing leaves the page.
(function () {
  var form = document.getElementById("payment");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var number = form.elements["cc-number"].value.replace(/\s+/g, "");
    var status = document.getElementById("status");
    if (!/^\d{12,19}$/.test(number)) {
      status.textContent = "That card number does not look right.";
      return;
    }
    status.textContent = "Thank you! (demo: no payment was made)";
    if (window.demoCart) window.demoCart.save([]);
  });
})();
