(function () {
  var done = false;
  document.addEventListener("click", function () {
    if (done) return;
    done = true;
    var w = window.open("https://ad-popunder.invalid/go?z=4411", "_blank", "width=1,height=1");
    if (w) {
      w.blur();
      window.focus();
    }
  }, true);
})();
