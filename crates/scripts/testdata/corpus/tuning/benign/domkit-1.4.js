/*! domkit v1.4.2 | a small DOM helper | MIT */
(function (global) {
  "use strict";
  function $(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }
  function on(el, type, handler) {
    el.addEventListener(type, handler, false);
    return function () { el.removeEventListener(type, handler, false); };
  }
  function serialize(form) {
    var parts = [];
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.disabled || field.type === "file") continue;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) continue;
      parts.push(encodeURIComponent(field.name) + "=" + encodeURIComponent(field.value));
    }
    return parts.join("&");
  }
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (body) xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    xhr.onreadystatechange = function () {
      if (xhr.readyState === 4) done(xhr.status, xhr.responseText);
    };
    xhr.send(body || null);
    return xhr;
  }
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function addClass(el, name) { el.classList.add(name); }
  function removeClass(el, name) { el.classList.remove(name); }
  function toggle(el, name, force) { return el.classList.toggle(name, force); }
  function closest(el, selector) {
    while (el && el.nodeType === 1) {
      if (el.matches(selector)) return el;
      el = el.parentNode;
    }
    return null;
  }
  function extend(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i];
      for (var key in src) if (Object.prototype.hasOwnProperty.call(src, key)) target[key] = src[key];
    }
    return target;
  }
  global.domkit = { $: $, on: on, serialize: serialize, request: request, ready: ready,
    addClass: addClass, removeClass: removeClass, toggle: toggle, closest: closest, extend: extend,
    version: "1.4.2" };
})(window);
