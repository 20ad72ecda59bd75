/* lazyimg 2.0 — load images when they scroll into view */
(function (root, factory) {
  if (typeof define === "function" && define.amd) define([], factory);
  else if (typeof module === "object" && module.exports) module.exports = factory();
  else root.LazyImg = factory();
})(this, function () {
  var defaults = { selector: "img[data-src]", rootMargin: "200px 0px", threshold: 0.01 };
  function load(img) {
    var src = img.getAttribute("data-src");
    var srcset = img.getAttribute("data-srcset");
    if (srcset) img.srcset = srcset;
    if (src) img.src = src;
    img.removeAttribute("data-src");
    img.classList.add("lazy-loaded");
  }
  function LazyImg(options) {
    this.options = Object.assign({}, defaults, options || {});
    this.images = document.querySelectorAll(this.options.selector);
    this.observe();
  }
  LazyImg.prototype.observe = function () {
    var self = this;
    if (!("IntersectionObserver" in window)) {
      Array.prototype.forEach.call(this.images, load);
      return;
    }
    this.observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { self.observer.unobserve(entry.target); load(entry.target); }
      });
    }, { rootMargin: this.options.rootMargin, threshold: this.options.threshold });
    Array.prototype.forEach.call(this.images, function (img) { self.observer.observe(img); });
  };
  LazyImg.prototype.destroy = function () { if (this.observer) this.observer.disconnect(); };
  return LazyImg;
});
