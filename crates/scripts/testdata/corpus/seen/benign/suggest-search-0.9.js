/* suggest 0.9 — search-as-you-type for the shop's search box */
(function () {
  var API = "/api/search/suggest";
  var timer = null, last = "", box, list;
  function render(items) {
    list.innerHTML = "";
    items.slice(0, 8).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.title;
      li.addEventListener("click", function () { location.href = item.url; });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }
  function query() {
    var q = box.value.trim();
    if (q === last || q.length < 2) return;
    last = q;
    fetch(API + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(render)
      .catch(function () { render([]); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    box = document.querySelector("input[name=q]");
    if (!box) return;
    list = document.createElement("ul");
    list.className = "suggest";
    box.parentNode.appendChild(list);
    box.addEventListener("keyup", function () { clearTimeout(timer); timer = setTimeout(query, 150); });
  });
})();
