/*! lightbox 1.6.1 — image overlays for galleries */
(function (window, document) {
  var overlay, img, caption, items = [], current = -1;
  function build() {
    overlay = document.createElement("div");
    overlay.className = "lb-overlay";
    overlay.innerHTML = '<figure><img alt=""><figcaption></figcaption></figure><button class="lb-close">×</button>';
    img = overlay.querySelector("img");
    caption = overlay.querySelector("figcaption");
    overlay.addEventListener("click", function (e) {
      if (e.target === overlay || e.target.className === "lb-close") close();
    });
    document.body.appendChild(overlay);
  }
  function show(i) {
    if (!overlay) build();
    current = (i + items.length) % items.length;
    img.src = items[current].href;
    caption.textContent = items[current].title || "";
    overlay.classList.add("open");
  }
  function close() { overlay.classList.remove("open"); current = -1; }
  document.addEventListener("keydown", function (e) {
    if (current < 0) return;
    if (e.key === "Escape") close();
    else if (e.key === "ArrowRight") show(current + 1);
    else if (e.key === "ArrowLeft") show(current - 1);
  });
  document.addEventListener("DOMContentLoaded", function () {
    items = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    items.forEach(function (a, i) {
      a.addEventListener("click", function (e) { e.preventDefault(); show(i); });
    });
  });
  window.Lightbox = { show: show, close: close };
})(window, document);
