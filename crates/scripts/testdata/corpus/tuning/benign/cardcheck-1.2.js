/* cardcheck 1.2 — client-side payment form validation (Luhn, expiry, CVC) */
(function () {
  function luhn(num) {
    var sum = 0, alt = false;
    for (var i = num.length - 1; i >= 0; i--) {
      var n = parseInt(num.charAt(i), 10);
      if (alt) { n *= 2; if (n > 9) n -= 9; }
      sum += n; alt = !alt;
    }
    return sum % 10 === 0;
  }
  function digits(s) { return s.replace(/\D/g, ""); }
  function validExpiry(month, year) {
    var m = parseInt(month, 10), y = parseInt(year, 10);
    if (!(m >= 1 && m <= 12)) return false;
    var now = new Date(), full = y < 100 ? 2000 + y : y;
    return full > now.getFullYear() || (full === now.getFullYear() && m >= now.getMonth() + 1);
  }
  function mark(field, ok) {
    field.classList.toggle("is-invalid", !ok);
    field.setAttribute("aria-invalid", ok ? "false" : "true");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("payment-form");
    if (!form) return;
    var number = form.querySelector("[name=cardnumber]");
    var cvc = form.querySelector("[name=cvc]");
    var month = form.querySelector("[name=exp_month]");
    var year = form.querySelector("[name=exp_year]");
    number.addEventListener("input", function () {
      var v = digits(number.value).slice(0, 19);
      number.value = v.replace(/(\d{4})(?=\d)/g, "$1 ");
    });
    form.addEventListener("submit", function (ev) {
      var ok = true;
      var n = digits(number.value);
      ok = luhn(n) && n.length >= 12 && ok; mark(number, luhn(n));
      var c = digits(cvc.value); mark(cvc, c.length >= 3); ok = ok && c.length >= 3;
      var e = validExpiry(month.value, year.value); mark(month, e); ok = ok && e;
      if (!ok) ev.preventDefault();
    });
  });
})();
