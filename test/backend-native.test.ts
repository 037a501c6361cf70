/**
 * Every native kernel against the js reference kernel on seeded random shapes (odd sizes,
 * strides, padding, broadcasting), at sizes above the native backend's small-tensor
 * cut-over so the C++ code really runs.
 *
 * Tolerance: |native − js| ≤ 1e-4·(|js| + mean|js|). Both backends round to float32 but
 * sum in different orders (BLAS blocking, threads, float vs double accumulators); such
 * errors scale with the magnitude of the summed terms, which mean|js| stands for, so an
 * output that cancels to ~0 is not held to a relative bound it cannot meet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import { jsBackend } from '../src/backends/js/index.js';
import { createNativeBackend } from '../src/backends/native/backend.js';
import type { Backend } from '../src/backends/interface.js';
import { UNARY_CODES } from '../src/backends/codes.js';
import { BackendIO, compareBackends, CONV_CASES, data } from './helpers/backend-cases.js';
import { unavailable } from './helpers/oracle.js';

const addon = nt.nativeAddon();
const skip = unavailable(addon === null && `native backend not available: ${nt.backendFailure('native') ?? 'not built'}`);
const native: Backend | null = addon ? createNativeBackend(addon) : null;


test('the backend in use is reported (and is native when the addon was built)', (t) => {
  t.diagnostic(`backend: ${nt.getBackendName()}; available: ${nt.availableBackends().join(', ')}`);
  const built = existsSync(new URL('../../native/build/Release/neurite_native.node', import.meta.url));
  if (process.env.NEURITE_REQUIRE_NATIVE === '1') {
    assert.ok(built, 'the native addon was not built by npm install');
    assert.ok(nt.availableBackends().includes('native'), `native backend failed to load: ${nt.backendFailure('native')}`);
  }
  if (built && !process.env.NEURITE_BACKEND) assert.equal(nt.getBackendName(), 'native');
});

test('without the addon, Neurite runs on wasm (or js without the wasm build) and says so in one line on stderr', () => {
  const fallback = existsSync(new URL('../wasm/neurite-kernels.wasm', import.meta.url)) ? 'wasm' : 'js';
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(index)}).then((nt) => { nt.add(nt.ones([2]), 1); nt.mul(nt.ones([2]), 2); console.log(nt.getBackendName()); });`;
  const env: NodeJS.ProcessEnv = { ...process.env, NEURITE_NATIVE_PATH: '/nonexistent/neurite_native.node' };
  delete env.NEURITE_BACKEND;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), fallback);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('neurite:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`native backend is unavailable .*running on the slower '${fallback}' backend.*libopenblas-dev.*npm rebuild neurite`));
  // Forcing js is a choice, not a fallback: no warning.
  const forced = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...env, NEURITE_BACKEND: 'js' } });
  assert.equal(forced.stderr.trim(), '');
  // Forcing a backend that cannot load is an error.
  const bad = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...env, NEURITE_BACKEND: 'native' } });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /NEURITE_BACKEND=native: that backend is not available/);
});

test('every kernel matches the js reference (shared cases, test/helpers/backend-cases.ts)', { skip }, async () => {
  const r = await compareBackends(native!, jsBackend, { only: ['unary', 'binary', 'reduce', 'matmul', 'pool', 'norm', 'movement', 'optimizers', 'rnn'] });
  assert.deepEqual(r.failures.map((f) => `${f.what}: ${f.detail}`), []);
  assert.ok(r.checked > 400, `only ${r.checked} comparisons ran`);
});

test('conv2d forward, input gradient and filter gradient on both native engines', { skip }, async () => {
  // oneDNN (when built with it) and the built-in im2col/GEMM kernels.
  for (const engine of ['direct', 'dnnl', 'im2col'] as const) {
    if (addon!.setConvEngine(engine) !== engine) continue;
    const r = await compareBackends(native!, jsBackend, { only: ['conv'] });
    assert.deepEqual(r.failures.map((f) => `${engine}: ${f.what}: ${f.detail}`), []);
    assert.ok(r.checked >= CONV_CASES.length * 4);
  }
  addon!.setConvEngine('auto');
});

test('dropout masks are identical on both backends for a seed', { skip }, async () => {
  const io = new BackendIO(native!);
  for (const [size, rate, seed] of [[10007, 0.5, 1], [5000, 0.1, 2 ** 31 + 12345], [3001, 0.9, 7.5e12]] as const) {
    const a = await io.run(size, (o) => native!.dropoutMask(o, rate, seed));
    const b = await io.run(size, (o) => jsBackend.dropoutMask(o as Float32Array, rate, seed));
    assert.deepEqual(a, b, `mask size ${size} rate ${rate} seed ${seed}`);
    const x = data(size, seed % 1000);
    x[1] = Number.NaN;
    x[2] = Number.NEGATIVE_INFINITY;
    const fused = io.out(size);
    const mask = io.out(size);
    native!.dropout(io.in(x), fused, mask, rate, seed);
    assert.deepEqual(await io.get(mask), b, 'the fused dropout writes the same mask');
    assert.deepEqual(await io.get(fused), Float32Array.from(x, (v, i) => v * b[i]), 'the fused dropout writes x · mask');
    const dropped = a.filter((v) => v === 0).length / size;
    assert.ok(Math.abs(dropped - rate) < 0.03, `dropped fraction ${dropped} for rate ${rate}`);
  }
});

test('the addon rejects buffers that are too small instead of overrunning them', { skip }, () => {
  assert.throws(() => addon!.unary(UNARY_CODES.neg, new Float32Array(4), new Float32Array(4), 8, 0, 0), /holds 4 elements; the kernel needs 8/);
  assert.throws(() => addon!.matmul(new Float32Array(4), new Float32Array(4), new Float32Array(3), 1, 1, 2, 2, 2, false, false, null, false), /needs 4/);
  assert.throws(() => addon!.conv2d(new Float32Array(4), new Float32Array(4), new Float32Array(4), new Int32Array(3), null, false), /needs 16/);
  assert.throws(() => addon!.unary(UNARY_CODES.neg, new Int32Array(4) as unknown as Float32Array, new Float32Array(4), 4, 0, 0), /must be a Float32Array/);
});

test('changing the thread count between kernels keeps results exact (new workers do not join the last job)', { skip }, () => {
  const before = addon!.threads();
  const [m, k, n] = [4, 9216, 128];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.5));
  const want = new Float32Array(m * n);
  addon!.matmul(a, b, want, 1, 1, m, k, n, false, false, null, false);
  try {
    for (let round = 0; round < 50; round++) {
      addon!.setThreads(1 + (round % 4));
      const got = new Float32Array(m * n);
      addon!.matmul(a, b, got, 1, 1, m, k, n, false, false, null, false);
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-3 * (1 + Math.abs(want[i]!)), `round ${round} [${i}]: ${got[i]} vs ${want[i]}`);
    }
  } finally {
    addon!.setThreads(before);
  }
  assert.equal(addon!.threads(), before);
});

test('oneDNN GEMMs and convolutions survive signals (a profiler ticking every 50 µs): no heap corruption', { skip }, () => {
  // oneDNN's JIT GEMM points rsp into the heap, so a signal handler running meanwhile wrote
  // its frame over the heap (oneDNN issue #4845): under `--cpu-prof` this loop aborted with
  // "corrupted size vs. prev_size" within a second. The addon now blocks asynchronous
  // signals while oneDNN runs (native/src/dnnl_conv.h, SignalsBlocked).
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(index)}).then(async (nt) => {
    if (nt.getBackendName() !== 'native') throw new Error('not on native: ' + nt.getBackendName());
    const shapes = [[256, 784, 512, false, false], [128, 784, 512, false, false], [512, 128, 256, true, false], [128, 512, 784, false, true]];
    let s = 0;
    for (let i = 0; i < 120; i++) {
      const [m, k, n, ta, tb] = shapes[i % shapes.length];
      const a = nt.randomUniform(ta ? [k, m] : [m, k], { seed: i });
      const b = nt.randomUniform(tb ? [n, k] : [k, n], { seed: i + 1 });
      s += (await nt.matmul(a, b, { transposeA: ta, transposeB: tb }).data())[0];
      const x = nt.randomUniform([16, 28, 28, 8], { seed: i });
      const w = nt.randomUniform([3, 3, 8, 32], { seed: i + 2 });
      s += (await nt.conv2d(x, w, { padding: 'same' }).data())[0];
    }
    console.log(Number.isFinite(s) ? 'ok' : 'nan');
  });`;
  const dir = mkdtempSync(join(tmpdir(), 'neurite-prof-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NEURITE_BACKEND;
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', dir, '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oneDNN keeps a Variable\'s convolution weights in its layout: reordered again only when they change', { skip }, async (t) => {
  if (addon!.setConvEngine('dnnl') !== 'dnnl') {
    addon!.setConvEngine('auto');
    return; // a build without oneDNN has no reorders to keep (CI builds with it: the engine test above checks)
  }
  const prev = nt.getBackendName() as nt.BackendName;
  await nt.setBackend('native');
  try {
    const x = nt.randomUniform([8, 12, 12, 16], { seed: 3 });
    const w = new nt.Variable(nt.randomUniform([3, 3, 16, 32], { seed: 4 }));
    const reference = async (): Promise<Float32Array> => {
      // The same weights as a plain tensor (no stamp): reordered on every call.
      const plain = nt.tensor(await w.data(), w.shape);
      return (await nt.conv2d(x, plain, { padding: 'same' }).data()) as Float32Array;
    };
    addon!.takeWeightReorders();
    const first = await nt.conv2d(x, w, { padding: 'same' }).data();
    const firstReorders = addon!.takeWeightReorders();
    assert.ok(firstReorders <= 1, `first call: ${firstReorders} reorders`);
    t.diagnostic(`first call reordered the weights ${firstReorders} time(s)`);
    const second = await nt.conv2d(x, w, { padding: 'same' }).data();
    assert.equal(addon!.takeWeightReorders(), 0, 'unchanged weights were reordered again');
    assert.deepEqual(second, first);
    assert.deepEqual(first, await reference());
    addon!.takeWeightReorders();
    if (firstReorders === 0) return; // oneDNN chose HWIO itself: nothing to keep
    // A write bumps the version: the next call reorders, and sees the new values.
    w.assign(nt.randomUniform([3, 3, 16, 32], { seed: 5 }));
    const third = await nt.conv2d(x, w, { padding: 'same' }).data();
    assert.equal(addon!.takeWeightReorders(), 1);
    assert.notDeepEqual(third, first);
    assert.deepEqual(third, await reference());
    // Another Variable of the same geometry keeps its own copy; neither reads the other's.
    const w2 = new nt.Variable(nt.randomUniform([3, 3, 16, 32], { seed: 6 }));
    const a = await nt.conv2d(x, w2, { padding: 'same' }).data();
    const b = await nt.conv2d(x, w, { padding: 'same' }).data();
    assert.deepEqual(b, third);
    assert.deepEqual(a, await nt.conv2d(x, nt.tensor(await w2.data(), w2.shape), { padding: 'same' }).data());
    // The input gradient (conv2dBackpropInput) keeps its own layout and follows writes too.
    const dy = nt.randomUniform([8, 12, 12, 32], { seed: 7 });
    const inputGrad = (f: nt.Tensor): Promise<Float32Array> => nt.grad((v: nt.Tensor) => nt.conv2d(v, f, { padding: 'same' }))(x, dy).data() as Promise<Float32Array>;
    const plainGrad = async (): Promise<Float32Array> => inputGrad(nt.tensor(await w.data(), w.shape));
    addon!.takeWeightReorders();
    const g1 = await inputGrad(w);
    assert.ok(addon!.takeWeightReorders() <= 1);
    assert.deepEqual(await inputGrad(w), g1);
    assert.equal(addon!.takeWeightReorders(), 0, 'unchanged weights were reordered again for the input gradient');
    assert.deepEqual(g1, await plainGrad());
    w.assign(nt.randomUniform([3, 3, 16, 32], { seed: 8 }));
    const g2 = await inputGrad(w);
    assert.notDeepEqual(g2, g1);
    assert.deepEqual(g2, await plainGrad());
  } finally {
    addon!.setConvEngine('auto');
    await nt.setBackend(prev);
  }
});
