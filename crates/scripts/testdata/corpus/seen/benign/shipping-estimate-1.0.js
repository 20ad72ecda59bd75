/* shipping estimate 1.0 — delivery price on the checkout page as the postcode is typed */
(function () {
  if (location.pathname.indexOf("/checkout") !== 0) return;
  var field = document.getElementById("shipping-postcode");
  var out = document.getElementById("shipping-price");
  if (!field || !out) return;
  function estimate() {
    var code = field.value.replace(/\s+/g, "").toUpperCase();
    if (code.length < 5) { out.textContent = ""; return; }
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/checkout/shipping-estimate?postcode=" + encodeURIComponent(code));
    xhr.onload = function () {
      if (xhr.status === 200) out.textContent = JSON.parse(xhr.responseText).formatted;
    };
    xhr.send();
  }
  field.addEventListener("change", estimate);
  field.addEventListener("blur", estimate);
})();
