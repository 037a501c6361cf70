/**
 * The WebGPU backend in headless Chromium (navigator.gpu; SwiftShader's Vulkan driver as
 * the adapter on a machine without a GPU, see test/helpers/browser.ts): every kernel
 * against the js reference inside the page (the shared cases of
 * test/helpers/backend-cases.ts, on the compiled modules served from build/), and a small
 * convolutional model with dropout trained for a few steps through the browser bundle on
 * webgpu and on js, giving the same losses and weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSkipReason, launchBrowser, serveStatic } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';

const BUILD = fileURLToPath(new URL('..', import.meta.url)); // build/
const skip = unavailable(browserSkipReason());

async function inPage<T>(body: () => Promise<T>): Promise<T> {
  const pageDir = mkdtempSync(join(tmpdir(), 'neurite-webgpu-page-'));
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>webgpu</title>');
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

test('Chromium: a conv net with dropout trains on webgpu as on js (browser bundle)', { skip }, async () => {
  const r = await inPage(async () => {
    const nt = (await import('/build/browser/neurite.js' as string)) as Record<string, any>;
    const n = 16;
    const pixels = Float32Array.from({ length: n * 12 * 12 * 1 }, (_, i) => ((i * 7919) % 255) / 255);
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 4);
    const run = async (name: string): Promise<{ losses: number[]; weights: number[][] }> => {
      if (!(await nt.setBackend(name))) throw new Error(`setBackend(${name}) failed: ${nt.backendFailure(name)}`);
      const init = (seed: number): unknown => new nt.initializers.GlorotUniform({ seed });
      const model = new nt.Sequential([
        new nt.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1], kernelInitializer: init(1) }),
        new nt.MaxPooling2D({ poolSize: 2 }),
        new nt.Dropout({ rate: 0.25, seed: 5 }),
        new nt.Flatten(),
        new nt.Dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }),
        new nt.Dense({ units: 4, activation: 'softmax', kernelInitializer: init(3) }),
      ]);
      model.compile({ optimizer: new nt.SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categorical_crossentropy' });
      const x = nt.tensor(pixels, [n, 12, 12, 1]);
      const y = nt.toCategorical(nt.tensor(labels, [n]), 4);
      const losses: number[] = [];
      for (let s = 0; s < 4; s++) losses.push((await model.trainOnBatch(x, y)) as number);
      const weights: number[][] = [];
      for (const w of model.getWeights()) weights.push(Array.from((await w.data()) as Float32Array));
      return { losses, weights };
    };
    const js = await run('js');
    const gpu = await run('webgpu');
    return { js, gpu, backend: nt.getBackendName() as string };
  });
  assert.equal(r.backend, 'webgpu');
  assert.ok(r.js.losses[3] < r.js.losses[0], `the js loss did not fall: ${r.js.losses}`);
  r.js.losses.forEach((l, i) => assert.ok(Math.abs(l - r.gpu.losses[i]) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: ${r.gpu.losses[i]} on webgpu vs ${l} on js`));
  r.js.weights.forEach((w, i) => {
    let d = 0;
    for (let k = 0; k < w.length; k++) d = Math.max(d, Math.abs(w[k] - r.gpu.weights[i][k]));
    assert.ok(d < 1e-4, `weight ${i}: max difference ${d}`);
  });
});
