/* video embed 2 — click-to-load video frames */
(function () {
  function toFrame(el) {
    var id = el.getAttribute("data-video");
    var f = document.createElement("iframe");
    f.src = "https://player.videohost.example/embed/" + encodeURIComponent(id) + "?autoplay=1";
    f.allow = "autoplay; fullscreen";
    f.width = el.offsetWidth; f.height = el.offsetHeight;
    el.parentNode.replaceChild(f, el);
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest && ev.target.closest("[data-video]");
    if (el) { ev.preventDefault(); toFrame(el); }
  });
})();
