/*! shopwidget v1.0.3 | recently viewed products */
(function (window, document) {
  "use strict";
  var STORAGE_KEY = "recently_viewed";
  var MAX_ITEMS = 8;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORAGE_KEY)) || [];
    } catch (err) {
      return [];
    }
  }

  function remember(product) {
    var items = load().filter(function (item) {
      return item.id !== product.id;
    });
    items.unshift(product);
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(items.slice(0, MAX_ITEMS)));
  }

  function render(container) {
    var items = load();
    if (!items.length) {
      container.hidden = true;
      return;
    }
    container.innerHTML = items
      .map(function (item) {
        return '<a href="' + item.url + '">' + item.title + "</a>";
      })
      .join("");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var product = document.querySelector("[data-product-id]");
    if (product) {
      remember({
        id: product.getAttribute("data-product-id"),
        title: product.getAttribute("data-product-title"),
        url: window.location.pathname
      });
    }
    var container = document.getElementById("recently-viewed");
    if (container) {
      render(container);
    }
  });
})(window, document);
