/**
 * The WebGPU backend in headless Chromium (navigator.gpu; SwiftShader's Vulkan driver as
 * the adapter on a machine without a GPU, see test/helpers/browser.ts): every kernel
 * against the js reference inside the page (the shared cases of
 * test/helpers/backend-cases.ts, on the compiled modules served from build/), Keras'
 * mnist_cnn trained for a few steps on real MNIST images through the browser bundle on
 * webgpu and on js, giving the same losses and weights; the two real Keras .h5 fixtures,
 * loaded in Node and saved as Neurite JSON (the browser has no HDF5 reader), reproduce
 * Keras' outputs on 1000 real MNIST test images on webgpu inside the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as nt from '../src/index.js';
import { loadModelH5 } from '../src/io/h5/index.js';
import { fixture, mnistDir } from './helpers/shared.js';
import { readNpy } from './helpers/npy.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSkipReason, launchBrowser, serveStatic } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';

const BUILD = fileURLToPath(new URL('..', import.meta.url)); // build/
const skip = unavailable(browserSkipReason());

async function inPage<T>(body: () => Promise<T>, prepare?: (pageDir: string) => Promise<void>): Promise<T> {
  const pageDir = mkdtempSync(join(tmpdir(), 'neurite-webgpu-page-'));
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>webgpu</title>');
  await prepare?.(pageDir);
  const server = await serveStatic({ '/build/': BUILD, '/page/': pageDir });
  const browser = await launchBrowser({ webgpu: true });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/page/index.html`);
    const result = (await page.evaluate(body)) as T;
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await browser.close();
    await server.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
}

test('Chromium: every webgpu kernel matches the js reference', { skip }, async (t) => {
  const r = await inPage(async () => {
    const load = (path: string): Promise<Record<string, any>> => import(path); // untyped: URLs on the test server
    const webgpu = await load('/build/src/backends/webgpu/index.js');
    const registry = await load('/build/src/backends/registry.js');
    const js = await load('/build/src/backends/js/index.js');
    const cases = await load('/build/test/helpers/backend-cases.js');
    if (!(await registry.setBackend('webgpu'))) return { error: `setBackend(webgpu) failed: ${registry.backendFailure('webgpu')}` };
    const info = webgpu.webgpuDevice().adapterInfo;
    const report = await cases.compareBackends(registry.backend(), js.jsBackend, { float32Arithmetic: true });
    return { adapter: `${info.vendor} ${info.architecture}`, backend: registry.getBackendName(), checked: report.checked as number, failures: report.failures as { what: string; detail: string }[] };
  });
  assert.ok(!('error' in r), String((r as { error?: string }).error));
  const ok = r as { adapter: string; backend: string; checked: number; failures: { what: string; detail: string }[] };
  t.diagnostic(`adapter in Chromium: ${ok.adapter}`);
  assert.equal(ok.backend, 'webgpu');
  assert.deepEqual(ok.failures.map((f) => `${f.what}: ${f.detail}`), []);
  assert.ok(ok.checked > 400, `only ${ok.checked} comparisons ran`);
});

test('Chromium: mnist_cnn training steps on webgpu follow the js backend (browser bundle, real MNIST)', { skip }, async () => {
  const n = 16;
  const prepare = async (dir: string): Promise<void> => {
    const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
    const labels = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
    const pixels = Float32Array.from(images.data.subarray(0, n * 784) as ArrayLike<number>, (v) => v / 255);
    writeFileSync(join(dir, 'pixels.bin'), new Uint8Array(pixels.buffer));
    writeFileSync(join(dir, 'labels.json'), JSON.stringify(Array.from(labels.data.subarray(0, n) as ArrayLike<number>)));
  };
  const r = await inPage(async () => {
    const nt = (await import('/build/browser/neurite.js' as string)) as Record<string, any>;
    const pixels = new Float32Array(await (await fetch('/page/pixels.bin')).arrayBuffer());
    const labels = (await (await fetch('/page/labels.json')).json()) as number[];
    const n = labels.length;
    const run = async (name: string): Promise<{ losses: number[]; weights: number[][] }> => {
      if (!(await nt.setBackend(name))) throw new Error(`setBackend(${name}) failed: ${nt.backendFailure(name)}`);
      // Keras' mnist_cnn with seeded initializers (examples/cnn-fashion-mnist.ts mnistCnn(1)).
      const init = (seed: number): unknown => new nt.initializers.GlorotUniform({ seed });
      const model = new nt.Sequential([
        new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(1) }),
        new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
        new nt.MaxPooling2D({ poolSize: 2 }),
        new nt.Dropout({ rate: 0.25, seed: 11 }),
        new nt.Flatten(),
        new nt.Dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }),
        new nt.Dropout({ rate: 0.5, seed: 12 }),
        new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
      ]);
      model.compile({ optimizer: new nt.SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categorical_crossentropy' });
      const x = nt.tensor(pixels, [n, 28, 28, 1]);
      const y = nt.toCategorical(nt.tensor(Int32Array.from(labels), [n]), 10);
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) losses.push((await model.trainOnBatch(x, y)) as number);
      const weights: number[][] = [];
      for (const w of model.getWeights()) weights.push(Array.from((await w.data()) as Float32Array));
      return { losses, weights };
    };
    const js = await run('js');
    const gpu = await run('webgpu');
    return { js, gpu, backend: nt.getBackendName() as string };
  }, prepare);
  assert.equal(r.backend, 'webgpu');
  assert.ok(r.js.losses[2] < r.js.losses[0], `the js loss did not fall: ${r.js.losses}`);
  r.js.losses.forEach((l, i) => assert.ok(Math.abs(l - r.gpu.losses[i]) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: ${r.gpu.losses[i]} on webgpu vs ${l} on js`));
  r.js.weights.forEach((w, i) => {
    let d = 0;
    let scale = 0;
    for (let k = 0; k < w.length; k++) {
      d = Math.max(d, Math.abs(w[k] - r.gpu.weights[i][k]));
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
  test(`Chromium: the real Keras file ${c.name}.h5 reproduces Keras' outputs on the first ${c.shape[0]} MNIST test images on webgpu`, { skip }, async () => {
    const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
    const pixels = Float32Array.from(images.data.subarray(0, c.shape[0] * 784) as ArrayLike<number>, (v) => v / 255);
    const expected = (readNpy(fixture('keras-h5', `expected_${c.name}_first1000.npy`)).data as Float32Array).subarray(0, c.shape[0] * 10);
    const prepare = async (dir: string): Promise<void> => {
      const model = await loadModelH5(fixture('keras-h5', `${c.name}.h5`));
      await model.save(join(dir, 'model.json'));
      writeFileSync(join(dir, 'pixels.bin'), new Uint8Array(pixels.buffer));
      // The page function runs in the browser: what it needs comes from files.
      writeFileSync(join(dir, 'shape.json'), JSON.stringify(c.shape));
    };
    const r = (await inPage(async () => {
      const ntb = (await import('/build/browser/neurite.js' as string)) as Record<string, any>;
      if (!(await ntb.setBackend('webgpu'))) return { error: `setBackend(webgpu) failed: ${ntb.backendFailure('webgpu')}` };
      const model = await ntb.loadModel(new URL('/page/model.json', location.href));
      const px = new Float32Array(await (await fetch('/page/pixels.bin')).arrayBuffer());
      const shape = (await (await fetch('/page/shape.json')).json()) as number[];
      const y = model.predict(ntb.tensor(px, shape), { batchSize: 250 });
      return { backend: ntb.getBackendName() as string, out: Array.from((await y.data()) as Float32Array) };
    }, prepare)) as { backend: string; out: number[] } | { error: string };
    assert.ok(!('error' in r), 'error' in r ? r.error : '');
    const ok = r as { backend: string; out: number[] };
    assert.equal(ok.backend, 'webgpu');
    assert.equal(ok.out.length, expected.length);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ok.out[i] - expected[i]));
    assert.ok(maxDiff <= 1e-4, `max abs diff vs Keras in Chromium ${maxDiff}`);
  });
}
