/* draft autosave 2.1 — keeps long form answers if the tab closes */
(function () {
  var PREFIX = "draft:" + location.pathname + ":";
  function key(el) { return PREFIX + (el.name || el.id); }
  function restore(el) {
    var saved = localStorage.getItem(key(el));
    if (saved && !el.value) el.value = saved;
  }
  function save(el) {
    if (el.value) localStorage.setItem(key(el), el.value);
    else localStorage.removeItem(key(el));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var fields = document.querySelectorAll("textarea[data-autosave]");
    Array.prototype.forEach.call(fields, function (el) {
      restore(el);
      var t;
      el.addEventListener("input", function () { clearTimeout(t); t = setTimeout(function () { save(el); }, 500); });
      if (el.form) el.form.addEventListener("submit", function () { localStorage.removeItem(key(el)); });
    });
  });
})();
