/* wishlist 2.3 — hearts on product cards, synced to the account */
(function () {
  var KEY = "wishlist";
  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; } }
  function store(list) { localStorage.setItem(KEY, JSON.stringify(list)); }
  function sync(list) {
    return fetch("/account/wishlist", { method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(list) });
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-wish]");
    if (!btn) return;
    var id = btn.getAttribute("data-wish");
    var list = load();
    var at = list.indexOf(id);
    if (at >= 0) list.splice(at, 1); else list.push(id);
    store(list);
    btn.classList.toggle("on", at < 0);
    if (document.body.getAttribute("data-logged-in") === "1") sync(list);
  });
})();
