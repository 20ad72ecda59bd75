/* live filter 1.1 — narrows the product list as you type */
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("filter");
  var cards = document.querySelectorAll(".product-card");
  if (!box) return;
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    Array.prototype.forEach.call(cards, function (card) {
      var text = card.getAttribute("data-name").toLowerCase();
      card.hidden = q.length > 0 && text.indexOf(q) < 0;
    });
  });
});
