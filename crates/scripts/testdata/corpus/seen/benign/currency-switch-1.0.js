/* currency switcher 1.0 */
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("currency");
  if (!select) return;
  var current = (document.cookie.match(/(?:^|; )currency=([A-Z]{3})/) || [])[1] || "EUR";
  select.value = current;
  select.addEventListener("change", function () {
    document.cookie = "currency=" + select.value + "; path=/; max-age=31536000";
    location.reload();
  });
});
