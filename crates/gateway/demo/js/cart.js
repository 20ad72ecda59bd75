// Cart kept in localStorage; the badge in the header shows the count.
(function () {
  var PRICES = { "flask-750": 2900, "pack-28": 11900, "knife-09": 5400 };
  function load() {
    try { return JSON.parse(localStorage.getItem("cart") || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem("cart", JSON.stringify(items)); render(items); }
  function render(items) {
    var count = document.getElementById("cart-count");
    if (count) count.textContent = String(items.length);
    var total = document.getElementById("total");
    if (total) {
      var cents = items.reduce(function (sum, sku) { return sum + (PRICES[sku] || 0); }, 0);
      total.textContent = "€" + (cents / 100).toFixed(2);
    }
  }
  document.querySelectorAll(".products li").forEach(function (li) {
    li.querySelector("button").addEventListener("click", function () {
      var items = load();
      items.push(li.getAttribute("data-sku"));
      save(items);
    });
  });
  window.demoCart = { load: load, save: save };
  render(load());
})();
