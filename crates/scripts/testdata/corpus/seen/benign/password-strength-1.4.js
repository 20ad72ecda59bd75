/* password strength meter 1.4 */
(function () {
  function score(pw) {
    var s = 0;
    if (pw.length >= 8) s++;
    if (pw.length >= 12) s++;
    if (/[A-Z]/.test(pw) && /[a-z]/.test(pw)) s++;
    if (/\d/.test(pw)) s++;
    if (/[^A-Za-z0-9]/.test(pw)) s++;
    return Math.min(s, 4);
  }
  var labels = ["very weak", "weak", "fair", "good", "strong"];
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[name=password]");
    var meter = document.getElementById("password-meter");
    if (!input || !meter) return;
    input.addEventListener("keyup", function () {
      var s = score(input.value);
      meter.value = s;
      meter.textContent = labels[s];
    });
  });
})();
