/* sticky header 1.2 */
(function () {
  var header = document.querySelector(".site-header");
  if (!header) return;
  var last = 0, ticking = false;
  function update() {
    var y = window.pageYOffset;
    header.classList.toggle("is-stuck", y > 80);
    header.classList.toggle("is-hidden", y > last && y > 300);
    last = y;
    ticking = false;
  }
  window.addEventListener("scroll", function () {
    if (!ticking) { window.requestAnimationFrame(update); ticking = true; }
  }, { passive: true });
})();
