/* social share 3 — share buttons open the network's dialog in a small window */
(function () {
  var networks = {
    microblog: "https://share.microblog.example/intent?url=",
    photos: "https://photos.social.example/share?u="
  };
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-share]");
    if (!btn) return;
    e.preventDefault();
    var base = networks[btn.getAttribute("data-share")];
    if (!base) return;
    window.open(base + encodeURIComponent(location.href), "share", "width=600,height=480,noopener");
  });
})();
