// A stand-in for a third-party analytics tag: counts page views locally.
(function () {
  var key = "views:" + location.pathname;
  var views = Number(sessionStorage.getItem(key) || "0") + 1;
  sessionStorage.setItem(key, String(views));
  window.demoAnalytics = { views: views, page: location.pathname };
})();
