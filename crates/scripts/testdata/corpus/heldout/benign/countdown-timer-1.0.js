/* countdown 1.0 — time left in a sale */
(function () {
  var els = document.querySelectorAll("[data-countdown]");
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    for (var i = 0; i < els.length; i++) {
      var end = Date.parse(els[i].getAttribute("data-countdown"));
      var left = Math.max(0, Math.floor((end - now) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      els[i].textContent = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      if (!left) els[i].classList.add("ended");
    }
  }
  if (els.length) { tick(); setInterval(tick, 1000); }
})();
