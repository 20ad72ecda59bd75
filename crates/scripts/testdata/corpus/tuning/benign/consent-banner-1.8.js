/* consent banner 1.8 — cookie consent with categories */
var ConsentBanner = (function () {
  var KEY = "consent_v1";
  var state = null;
  function read() {
    try { return JSON.parse(localStorage.getItem(KEY)); } catch (e) { return null; }
  }
  function write(s) {
    state = s;
    localStorage.setItem(KEY, JSON.stringify(s));
    document.cookie = KEY + "=" + (s.analytics ? "1" : "0") + (s.marketing ? "1" : "0") + "; path=/; max-age=31536000";
    window.dispatchEvent(new CustomEvent("consentchange", { detail: s }));
  }
  function render() {
    var box = document.createElement("div");
    box.className = "consent-banner";
    box.innerHTML = '<p>We use cookies to improve the shop.</p>' +
      '<button data-c="all">Accept all</button><button data-c="none">Only necessary</button>';
    box.addEventListener("click", function (ev) {
      var c = ev.target.getAttribute("data-c");
      if (!c) return;
      write({ analytics: c === "all", marketing: c === "all", ts: Date.now() });
      box.parentNode.removeChild(box);
    });
    document.body.appendChild(box);
  }
  function init() {
    state = read();
    if (!state) render();
    return state;
  }
  return { init: init, get: function () { return state; }, reset: function () { localStorage.removeItem(KEY); render(); } };
})();
document.addEventListener("DOMContentLoaded", ConsentBanner.init);
