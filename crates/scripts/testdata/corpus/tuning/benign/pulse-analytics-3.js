/* pulse analytics snippet v3 — page views, clicks and timing */
(function (w, d) {
  var endpoint = "https://collect.pulse-analytics.example/v3/event";
  var queue = [];
  function cid() {
    var m = d.cookie.match(/(?:^|; )_pulse=([^;]+)/);
    if (m) return m[1];
    var id = Math.random().toString(36).slice(2) + Date.now().toString(36);
    d.cookie = "_pulse=" + id + "; path=/; max-age=63072000; SameSite=Lax";
    return id;
  }
  function send(type, data) {
    var payload = JSON.stringify({ t: type, cid: cid(), url: location.href, ref: d.referrer, ts: Date.now(), d: data || {} });
    if (navigator.sendBeacon) navigator.sendBeacon(endpoint, payload);
    else { var img = new Image(); img.src = endpoint + "?p=" + encodeURIComponent(payload); }
  }
  function track(type, data) { queue.push([type, data]); if (queue.length > 10) flush(); }
  function flush() { while (queue.length) { var e = queue.shift(); send(e[0], e[1]); } }
  d.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[data-track]") : null;
    if (a) track("click", { id: a.getAttribute("data-track") });
  });
  w.addEventListener("pagehide", flush);
  w.addEventListener("load", function () {
    var t = performance.timing;
    track("timing", { dns: t.domainLookupEnd - t.domainLookupStart, load: t.loadEventStart - t.navigationStart });
  });
  track("pageview");
  w.pulse = { track: track, flush: flush };
})(window, document);
