/* hosted fields SDK 3 — card fields in provider frames, tokens back by postMessage */
(function (w) {
  var ORIGIN = "https://fields.cardvault.example";
  function mount(selector, field) {
    var holder = document.querySelector(selector);
    var frame = document.createElement("iframe");
    frame.src = ORIGIN + "/v3/field.html#" + field;
    frame.setAttribute("title", field);
    frame.style.border = "0";
    holder.appendChild(frame);
    return frame;
  }
  function HostedFields(opts) {
    this.frames = {
      number: mount(opts.number, "card-number"),
      expiry: mount(opts.expiry, "card-expiry"),
      cvc: mount(opts.cvc, "card-cvc")
    };
    this.pending = null;
    var self = this;
    w.addEventListener("message", function (ev) {
      if (ev.origin !== ORIGIN || !self.pending) return;
      if (ev.data.type === "token") self.pending.resolve(ev.data.token);
      if (ev.data.type === "error") self.pending.reject(new Error(ev.data.message));
      self.pending = null;
    });
  }
  HostedFields.prototype.tokenize = function () {
    var self = this;
    return new Promise(function (resolve, reject) {
      self.pending = { resolve: resolve, reject: reject };
      self.frames.number.contentWindow.postMessage({ type: "tokenize" }, ORIGIN);
    });
  };
  w.HostedFields = HostedFields;
})(window);
