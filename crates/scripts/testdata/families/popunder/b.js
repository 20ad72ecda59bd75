document.body.addEventListener("mousedown", function handler(e) {
  var a = document.createElement("a");
  a.href = "https://adserve-click.invalid/p?" + Date.now();
  a.target = "_blank";
  document.body.appendChild(a);
  window.open(a.href);
  location.assign("https://adserve-click.invalid/land");
  document.body.removeEventListener("mousedown", handler);
});
