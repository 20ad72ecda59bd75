/* address lookup 3.0 — postcode and street completion on the checkout address form */
(function () {
  var KEY = document.currentScript && document.currentScript.getAttribute("data-key");
  var API = "https://api.addressfinder.example/v3/find";
  function suggest(input, list) {
    var text = input.value;
    if (text.length < 3) { list.innerHTML = ""; return; }
    fetch(API + "?key=" + encodeURIComponent(KEY) + "&text=" + encodeURIComponent(text) + "&country=GB")
      .then(function (r) { return r.json(); })
      .then(function (res) {
        list.innerHTML = "";
        res.items.forEach(function (item) {
          var o = document.createElement("option");
          o.value = item.text;
          list.appendChild(o);
        });
      });
  }
  if (location.pathname.indexOf("/checkout") !== 0) return;
  var street = document.querySelector("input[name='billing[street]']");
  if (!street) return;
  var list = document.createElement("datalist");
  list.id = "addr-suggest";
  street.setAttribute("list", list.id);
  street.parentNode.appendChild(list);
  var t;
  street.addEventListener("keyup", function () { clearTimeout(t); t = setTimeout(function () { suggest(street, list); }, 200); });
})();
