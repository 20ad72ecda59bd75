(function () {
  var done = false;
  var ad = "https://cheap-deals-today.invalid/r?c=" + Math.floor(Math.random() * 1e9);
  document.addEventListener("click", function () {
    if (done) return;
    done = true;
    window.open(location.href, "_blank");
    setTimeout(function () { window.location.href = ad; }, 50);
  }, true);
})();
