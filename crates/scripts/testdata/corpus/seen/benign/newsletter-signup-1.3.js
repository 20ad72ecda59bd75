/* newsletter signup 1.3 — posts the footer form to the mailing-list provider */
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("newsletter");
  if (!form) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = form.querySelector("input[type=email]").value;
    var body = new FormData();
    body.append("email", email);
    body.append("list", form.getAttribute("data-list"));
    fetch("https://subscribe.mailer.example/v1/lists/subscribe", { method: "POST", body: body })
      .then(function (r) { form.classList.add(r.ok ? "done" : "failed"); })
      .catch(function () { form.classList.add("failed"); });
  });
});
