/* error reporter 5 — uncaught errors to the monitoring service */
(function (w) {
  var DSN = "https://ingest.errorwatch.example/api/42/store";
  var sent = 0;
  function report(message, stack) {
    if (sent++ > 10) return;
    var body = JSON.stringify({ message: String(message).slice(0, 500), stack: String(stack || "").slice(0, 4000),
      url: location.href, ua: navigator.userAgent, ts: Date.now() });
    if (navigator.sendBeacon) navigator.sendBeacon(DSN, body);
  }
  w.addEventListener("error", function (e) { report(e.message, e.error && e.error.stack); });
  w.addEventListener("unhandledrejection", function (e) { report(e.reason, e.reason && e.reason.stack); });
})(window);
