/**
 * The WebGPU backend end to end, on whatever adapter Dawn finds (SwiftShader's Vulkan
 * driver on machines without a GPU; see test/helpers/webgpu.ts): every kernel against the
 * js reference through the shared cases, reads only through data(), mnist_cnn training
 * steps that follow the js backend, the two real Keras fixtures reproducing Keras'
 * outputs on 1000 real MNIST images, flat memory over a 100-epoch fit, and backend
 * selection (NEURITE_BACKEND=webgpu, and the message and usual order without an adapter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gpuFailure, testGpu } from './helpers/webgpu.js';
import { unavailable } from './helpers/oracle.js';
import * as nt from '../src/index.js';
import { jsBackend } from '../src/backends/js/index.js';
import { compareBackends, data } from './helpers/backend-cases.js';
import { fixture, mnistDir } from './helpers/shared.js';
import { readNpy } from './helpers/npy.js';
import { loadModelH5 } from '../src/io/h5/index.js';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);
const HOME = nt.getBackendName();

async function onWebGpu<T>(body: () => Promise<T>): Promise<T> {
  assert.equal(await nt.setBackend('webgpu'), true, `setBackend('webgpu') failed: ${nt.backendFailure('webgpu')}`);
  try {
    return await body();
  } finally {
    await nt.setBackend(HOME as nt.BackendName);
  }
}

test('setBackend(webgpu) starts the backend on the adapter and reports it', { skip }, async (t) => {
  await onWebGpu(async () => {
    assert.equal(nt.getBackendName(), 'webgpu');
    const gpu = nt.webgpuDevice();
    assert.ok(gpu !== null);
    t.diagnostic(`adapter: ${gpu.adapterInfo.vendor} ${gpu.adapterInfo.architecture} (${gpu.adapterInfo.description})`);
    assert.ok(nt.availableBackends().includes('webgpu'));
  });
  assert.equal(nt.getBackendName(), HOME);
});

test('every kernel matches the js reference (shared cases, test/helpers/backend-cases.ts)', { skip }, async () => {
  await onWebGpu(async () => {
    const r = await compareBackends(nt.backend(), jsBackend, { float32Arithmetic: true });
    assert.deepEqual(r.failures.map((f) => `${f.what}: ${f.detail}`), []);
    assert.ok(r.checked > 400, `only ${r.checked} comparisons ran`);
  });
});

test('values leave the GPU only through data(); host tensors move to the GPU once, on first use', { skip }, async () => {
  const host = nt.tensor([1, 2, 3, 4], [2, 2]);
  await onWebGpu(async () => {
    const y = nt.matmul(host, host);
    assert.equal(host.storage.memory.name, 'webgpu');
    assert.throws(() => y.dataSync(), /cannot be read synchronously; use await tensor.data\(\)/);
    assert.deepEqual(Array.from(await y.data()), [7, 10, 15, 22]);
    assert.deepEqual(await y.array(), [[7, 10], [15, 22]]);
    const idx = nt.argmax(y, 1);
    assert.equal(idx.dtype, 'int32');
    assert.deepEqual(Array.from(await idx.data()), [1, 1]);
  });
});

test('mnist_cnn training steps on webgpu follow the js backend (same weights within float tolerance)', { skip }, async () => {
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const labels = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const n = 16;
  const pixels = Float32Array.from(images.data.subarray(0, n * 784) as ArrayLike<number>, (v) => v / 255);
  const y = nt.toCategorical(nt.tensor(Int32Array.from(labels.data.subarray(0, n) as ArrayLike<number>), [n]), 10);
  const x = nt.tensor(pixels, [n, 28, 28, 1]);
  const run = async (): Promise<{ losses: number[]; weights: Float32Array[] }> => {
    const model = mnistCnn(1);
    model.compile({ optimizer: new nt.SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categorical_crossentropy' });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) losses.push((await model.trainOnBatch(x, y)) as number);
    const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
    return { losses, weights };
  };
  await nt.setBackend('js');
  const ref = await run();
  await nt.setBackend(HOME as nt.BackendName);
  const gpu = await onWebGpu(run);
  assert.ok(ref.losses[2] < ref.losses[0], `the js loss did not fall: ${ref.losses}`);
  ref.losses.forEach((l, i) => assert.ok(Math.abs(l - gpu.losses[i]) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: loss ${gpu.losses[i]} on webgpu vs ${l} on js`));
  ref.weights.forEach((w, i) => {
    let d = 0;
    let scale = 0;
    for (let k = 0; k < w.length; k++) {
      d = Math.max(d, Math.abs(w[k] - gpu.weights[i][k]));
      scale = Math.max(scale, Math.abs(w[k]));
    }
    assert.ok(d <= 1e-4 * Math.max(1, scale), `weight ${i}: max difference ${d} (max |w| ${scale})`);
  });
});

for (const c of [
  { name: 'dig94_mlp_logits', shape: [1000, 28, 28] },
  // The CNN on the first 250 images: SwiftShader emulates the GPU on the CPU (1000 took ~80 s).
  { name: 'kilneta_cnn_dropout', shape: [250, 28, 28, 1] },
]) {
  test(`the real Keras file ${c.name}.h5 reproduces Keras' outputs on the first ${c.shape[0]} MNIST test images on webgpu`, { skip }, async () => {
    const model = await loadModelH5(fixture('keras-h5', `${c.name}.h5`));
    const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
    const pixels = Float32Array.from(images.data.subarray(0, c.shape[0] * 784) as ArrayLike<number>, (v) => v / 255);
    const expected = (readNpy(fixture('keras-h5', `expected_${c.name}_first1000.npy`)).data as Float32Array).subarray(0, c.shape[0] * 10);
    const out = await onWebGpu(async () => {
      const y = model.predict(nt.tensor(pixels, c.shape), { batchSize: 250 }) as nt.Tensor;
      assert.equal(y.storage.memory.name, 'webgpu');
      return (await y.data()) as Float32Array;
    });
    let maxDiff = 0;
    for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - expected[i]));
    assert.ok(maxDiff <= 1e-4, `max abs diff vs Keras ${maxDiff}`);
  });
}

test('nt.memory() stays flat over a 100-epoch fit on webgpu', { skip }, async () => {
  await onWebGpu(async () => {
    const x = nt.tensor(data(256 * 20, 5), [256, 20]);
    const y = nt.tensor(data(256, 6), [256, 1]);
    const model = new nt.Sequential([new nt.Dense({ units: 32, activation: 'relu', inputShape: [20] }), new nt.Dense({ units: 1 })]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const bytes: number[] = [];
    await model.fit(x, y, {
      epochs: 100,
      batchSize: 64,
      verbose: 0,
      callbacks: [new nt.LambdaCallback({ onEpochEnd: () => { bytes.push(nt.memory().backends.webgpu?.bytes ?? 0); } })],
    });
    assert.equal(bytes.length, 100);
    assert.ok(bytes[99] > 0, 'no webgpu buffers were counted');
    // After warm-up, live GPU bytes do not grow with the epochs (unreachable tensors are
    // returned as the event loop turns; a leak of one batch's tensors per epoch would add
    // far more than this slack).
    const early = Math.max(...bytes.slice(5, 15));
    const late = Math.max(...bytes.slice(90));
    assert.ok(late <= early * 1.5 + 65536, `webgpu bytes grew from ${early} (epochs 5-15) to ${late} (epochs 90-100)`);
  });
});

test('NEURITE_BACKEND=webgpu runs on the GPU; without an adapter it says why and takes the usual order', { skip }, () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(index)}).then(async (nt) => { const a = nt.ones([64, 64]); const s = nt.sum(nt.matmul(a, a)); console.log(nt.getBackendName(), (await s.data())[0]); });`;
  const ok = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: 'webgpu' } });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), `webgpu ${64 * 64 * 64}`);
  const none = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: 'webgpu', VK_ICD_FILENAMES: '/nonexistent/icd.json' } });
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stderr, /NEURITE_BACKEND=webgpu, but the webgpu backend is unavailable \(WebGPU found no adapter/);
  assert.notEqual(none.stdout.split(' ')[0], 'webgpu');
});
