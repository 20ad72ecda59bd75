/* minicart 2.2 — add to cart without a page load */
(function () {
  function update(count) {
    var badge = document.querySelector(".cart-count");
    if (badge) badge.textContent = count;
  }
  function post(form) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action, true);
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    xhr.onload = function () {
      if (xhr.status === 200) update(JSON.parse(xhr.responseText).count);
    };
    var fields = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name) fields.push(encodeURIComponent(el.name) + "=" + encodeURIComponent(el.value));
    }
    xhr.send(fields.join("&"));
  }
  document.addEventListener("submit", function (ev) {
    if (!ev.target.matches("form.add-to-cart")) return;
    ev.preventDefault();
    post(ev.target);
  });
})();
