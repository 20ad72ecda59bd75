/* feedback widget 1.9 — "Was this page helpful?" with an optional message */
(function () {
  var API = "https://api.feedbackly.example/v1/responses";
  function widget() {
    var box = document.createElement("form");
    box.className = "feedback";
    box.innerHTML = '<p>Was this page helpful?</p><label><input type="radio" name="helpful" value="yes">Yes</label>' +
      '<label><input type="radio" name="helpful" value="no">No</label><input type="email" name="email" placeholder="Email (optional)">' +
      '<textarea name="message"></textarea><button>Send</button>';
    box.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {};
      Array.prototype.forEach.call(box.elements, function (el) {
        if (el.name && (el.type !== "radio" || el.checked)) data[el.name] = el.value;
      });
      data.page = location.pathname;
      fetch(API, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) })
        .then(function () { box.innerHTML = "<p>Thank you!</p>"; });
    });
    return box;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var slot = document.getElementById("feedback-slot");
    if (slot) slot.appendChild(widget());
  });
})();
