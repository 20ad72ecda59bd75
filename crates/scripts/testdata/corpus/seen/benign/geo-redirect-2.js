/* country site suggestion 2 — sends visitors to their country's shop once */
(function () {
  var sites = { de: "https://www.shop.example/de/", fr: "https://www.shop.example/fr/" };
  if (document.cookie.indexOf("site_choice=") >= 0) return;
  var lang = (navigator.language || "en").slice(0, 2).toLowerCase();
  var target = sites[lang];
  document.cookie = "site_choice=" + lang + "; path=/; max-age=31536000";
  if (target && location.pathname === "/") location.replace(target);
})();
