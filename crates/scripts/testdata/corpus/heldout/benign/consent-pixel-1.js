/* marketing pixel 1 — loads only after marketing consent */
window.addEventListener("consentchange", function (ev) {
  if (!ev.detail || !ev.detail.marketing) return;
  var px = new Image(1, 1);
  px.src = "https://px.adplatform.example/t?ev=pageview&u=" + encodeURIComponent(location.href) +
    "&r=" + encodeURIComponent(document.referrer) + "&cb=" + Date.now();
  px.style.display = "none";
  document.body.appendChild(px);
});
