/* tag loader 1 — loads the site's marketing tags after consent */
(function (w, d, layer) {
  w[layer] = w[layer] || [];
  w[layer].push({ "tl.start": new Date().getTime(), event: "tl.js" });
  var tags = [
    { id: "ads", src: "https://ads.adnetwork.example/conversion.js" },
    { id: "pixel", src: "https://connect.social.example/pixel.js" }
  ];
  function inject(tag) {
    var f = d.getElementsByTagName("script")[0];
    var j = d.createElement("script");
    j.async = true;
    j.src = tag.src;
    j.setAttribute("data-tag", tag.id);
    f.parentNode.insertBefore(j, f);
  }
  w.addEventListener("consentchange", function (ev) {
    if (ev.detail && ev.detail.marketing) tags.forEach(inject);
  });
})(window, document, "dataLayer");
