/* split-test snippet 5 — assigns a variant and redirects to the variant's page */
(function () {
  var experiments = window.__experiments || [];
  function bucket(id) {
    var m = document.cookie.match(new RegExp("(?:^|; )ab_" + id + "=([^;]+)"));
    if (m) return m[1];
    var v = Math.random() < 0.5 ? "a" : "b";
    document.cookie = "ab_" + id + "=" + v + "; path=/; max-age=2592000";
    return v;
  }
  for (var i = 0; i < experiments.length; i++) {
    var e = experiments[i];
    if (location.pathname !== e.path) continue;
    var v = bucket(e.id);
    if (v === "b" && e.variantPath) {
      location.replace(e.variantPath + location.search);
      break;
    }
  }
})();
