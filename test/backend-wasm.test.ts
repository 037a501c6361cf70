/**
 * The WebAssembly SIMD backend in Node: every kernel against the js reference (threaded
 * and single-threaded builds), a model trained on it against the same model trained on
 * js, backend selection (native → wasm → js) and clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import { jsBackend } from '../src/backends/js/index.js';
import { KernelModule, createWasmBackend } from '../src/backends/wasm/index.js';
import { BackendIO, compareBackends, data } from './helpers/backend-cases.js';
import { unavailable } from './helpers/oracle.js';

const ST = new URL('../wasm/neurite-kernels.wasm', import.meta.url);
const MT = new URL('../wasm/neurite-kernels-mt.wasm', import.meta.url);
const built = existsSync(ST) && existsSync(MT);
const skip = unavailable(!built && 'the wasm kernels were not built (npm run build needs clang and lld)');

function report(r: { checked: number; failures: { what: string; detail: string }[] }): void {
  assert.ok(r.checked > 400, `only ${r.checked} comparisons ran`);
  assert.deepEqual(r.failures.map((f) => `${f.what}: ${f.detail}`), []);
}

test('every kernel of the single-threaded build matches the js reference', { skip }, async () => {
  const kernels = new KernelModule(new WebAssembly.Module(readFileSync(ST)), { shared: false, threads: 1 });
  assert.equal(kernels.threadCount(), 1);
  report(await compareBackends(createWasmBackend(kernels), jsBackend));
});

test('every kernel of the threaded build matches the js reference, on several threads', { skip }, async () => {
  const { Worker } = await import('node:worker_threads');
  const { WORKER_BODY } = await import('../src/backends/wasm/module.js');
  const workers: InstanceType<typeof Worker>[] = [];
  const kernels = new KernelModule(new WebAssembly.Module(readFileSync(MT)), {
    shared: true,
    threads: 3,
    startWorker: (module, memory, tid, stackTop) => {
      const w = new Worker(`${WORKER_BODY}\nstart(require('node:worker_threads').workerData);`, { eval: true, workerData: { module, memory, tid, stackTop } });
      workers.push(w);
      return w;
    },
  });
  const deadline = Date.now() + 20_000;
  while (kernels.threadCount() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(kernels.threadCount(), 3, 'the worker threads did not start');
  try {
    report(await compareBackends(createWasmBackend(kernels), jsBackend));
  } finally {
    kernels.terminate();
  }
});

test('a model trained on wasm follows the same path as on js', { skip }, async () => {
  const x = nt.tensor(data(64 * 8 * 8 * 2, 7, 0, 1), [64, 8, 8, 2]);
  const y = nt.utils.toCategorical(nt.tensor(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 3), [64]), 3);
  const losses: Record<string, number[]> = {};
  const weights: Record<string, Float32Array[]> = {};
  for (const name of ['js', 'wasm'] as const) {
    nt.setBackend(name);
    const model = new nt.Sequential([
      new nt.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 1 }) }),
      new nt.MaxPooling2D({ poolSize: 2 }),
      new nt.BatchNormalization(),
      new nt.Flatten(),
      new nt.Dense({ units: 40, activation: 'relu', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 2 }) }),
      new nt.Dense({ units: 3, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 3 }) }),
    ]);
    // SGD: Adam would turn round-off in near-zero gradients into whole steps of size lr.
    model.compile({ optimizer: new nt.SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categorical_crossentropy' });
    losses[name] = [];
    for (let step = 0; step < 5; step++) losses[name].push((await model.trainOnBatch(x, y)) as number);
    weights[name] = model.getWeights().map((w) => w.dataSync() as Float32Array);
  }
  nt.setBackend('native');
  assert.ok(losses.js[4] < losses.js[0], `js loss did not fall: ${losses.js}`);
  losses.js.forEach((l, i) => assert.ok(Math.abs(l - losses.wasm[i]) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: loss ${losses.wasm[i]} on wasm vs ${l} on js`));
  weights.js.forEach((w, i) => {
    let d = 0;
    for (let k = 0; k < w.length; k++) d = Math.max(d, Math.abs(w[k] - weights.wasm[i][k]));
    assert.ok(d < 1e-4, `weight ${i}: max difference ${d}`);
  });
});

test('without the native addon Node picks wasm, says so once, and NEURITE_BACKEND=wasm forces it', { skip }, () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(index)}).then((nt) => { const a = nt.ones([64, 64]); nt.matmul(a, a); console.log(nt.getBackendName()); });`;
  const env: NodeJS.ProcessEnv = { ...process.env, NEURITE_NATIVE_PATH: '/nonexistent/neurite_native.node' };
  delete env.NEURITE_BACKEND;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'wasm');
  assert.match(r.stderr, /native backend is unavailable .*running on the slower 'wasm' backend/);
  const forced = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: 'wasm', NEURITE_WASM_THREADS: '1' } });
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(forced.stdout.trim(), 'wasm');
  assert.equal(forced.stderr.trim(), '');
});

test('a kernel that would exceed the wasm memory fails with a clear error and the backend keeps working', { skip }, async () => {
  nt.setBackend('wasm');
  try {
    // 30000² floats: more than the 2 GiB a wasm memory can hold.
    assert.throws(() => nt.broadcastTo(nt.zeros([1, 1]), [30000, 30000]), /wasm backend: out of memory/);
    const a = nt.tensor(data(100 * 100, 3), [100, 100]);
    const got = nt.matmul(a, a).dataSync();
    const io = new BackendIO(jsBackend);
    const want = await io.run(100 * 100, (o) => jsBackend.matmul(a.dataSync(), a.dataSync(), o as Float32Array, { batchA: 1, batchB: 1, m: 100, k: 100, n: 100, transA: false, transB: false }));
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-3, `element ${i}`);
  } finally {
    nt.setBackend('native');
  }
});
