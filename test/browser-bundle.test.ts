/**
 * The browser bundle (scripts/build-browser.mjs → neurite.js) in headless Chromium: it loads
 * without errors, exports the browser API, and a tiny model's forward pass, training steps
 * and an autograd gradient give the same numbers as Neurite in Node (js backend) and as a
 * hand computation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, buildBrowserBundle, launchBrowser, openBundlePage, serveStatic, type StaticServer } from './helpers/browser.js';
import * as node from '../src/index.js';
import { skipOrFail, unavailable } from './helpers/oracle.js';


type Nt = typeof import('../src/browser.js');

interface TinyRun {
  before: number[];
  losses: number[];
  after: number[];
  weights: number[];
  gradValue: number;
  grad: number[];
}

/**
 * The same code runs in Node and (as source text) in the page, so it may use nothing but its
 * argument and JavaScript globals.
 */
async function tinyRun(nt: Nt): Promise<TinyRun> {
  const model = new nt.Sequential([new nt.Dense({ units: 3, activation: 'tanh', inputShape: [2] }), new nt.Dense({ units: 1, activation: 'sigmoid' })]);
  model.setWeights([
    nt.tensor([
      [0.5, -0.3, 0.8],
      [-0.2, 0.7, 0.1],
    ]),
    nt.tensor([0.1, -0.1, 0.05]),
    nt.tensor([[0.6], [-0.4], [0.9]]),
    nt.tensor([-0.2]),
  ]);
  model.compile({ optimizer: new nt.SGD({ learningRate: 0.5 }), loss: 'binary_crossentropy' });
  const x = nt.tensor([
    [1, 2],
    [-1, 0.5],
    [0.3, -0.7],
    [2, -1],
  ]);
  const y = nt.tensor([[1], [0], [1], [0]]);
  const out = (t: unknown): number[] => Array.from((t as { dataSync(): ArrayLike<number> }).dataSync());
  const before = out(model.predict(x));
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  const after = out(model.predict(x));
  const weights = model.getWeights().flatMap(out);
  const g = nt.valueAndGrad((t) => nt.sum(nt.mul(nt.tanh(t), t)))(nt.tensor([0.5, -1.5, 2]));
  return { before, losses, after, weights, gradValue: g.value.item(), grad: out(g.grad) };
}

function assertClose(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  });
}

const skip = unavailable(browserSkipReason());

describe('browser bundle', { skip }, () => {
  let out = '';
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    out = await buildBrowserBundle();
    server = await serveStatic({ '/': join(out, 'browser') });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    // A blank page on the bundle's origin that imports the bundle as a module.
    await openBundlePage(page, server);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('loads in Chromium without errors and exports the browser API on the js backend', async () => {
    const NODE_ONLY = ['ModelCheckpoint', 'CSVLogger', 'ImageDataGenerator', 'loadImg', 'getFile', 'nativeAddon'];
    for (const n of NODE_ONLY) assert.ok(n in node, `Node's entry exports ${n}`);
    const info = await page.evaluate((nodeOnly) => {
      const nt = (window as unknown as { nt: Record<string, unknown> & { getBackendName(): string; availableBackends(): string[] } }).nt;
      const names = ['tensor', 'Sequential', 'Model', 'Dense', 'Conv2D', 'LSTM', 'SGD', 'Adam', 'EarlyStopping', 'LambdaCallback', 'toCategorical', 'Tokenizer', 'loadModel', 'setBackend', 'valueAndGrad'];
      return {
        missing: names.filter((n) => typeof nt[n] !== 'function'),
        namespaces: ['losses', 'metrics', 'optimizers', 'regularizers', 'activations', 'callbacks', 'utils'].filter((n) => typeof nt[n] !== 'object'),
        nodeOnly: nodeOnly.filter((n) => n in nt),
        backend: nt.getBackendName(),
        available: nt.availableBackends(),
      };
    }, NODE_ONLY);
    assert.deepEqual(info.missing, []);
    assert.deepEqual(info.namespaces, []);
    assert.deepEqual(info.nodeOnly, []);
    assert.equal(info.backend, 'js');
    assert.ok(!info.available.includes('native'), `no native backend in a browser: ${info.available.join(', ')}`);
    assert.deepEqual(errors, []);
  });

  test('a tiny model trains to the same numbers in Chromium as in Node, and as by hand', async () => {
    const inBrowser = (await page.evaluate(`(${tinyRun.toString()})(window.nt)`)) as TinyRun;
    node.setBackend('js');
    const inNode = await tinyRun(node as unknown as Nt);
    for (const key of ['before', 'losses', 'after', 'weights', 'grad'] as const) assertClose(inBrowser[key], inNode[key], 1e-6, key);
    assertClose([inBrowser.gradValue], [inNode.gradValue], 1e-6, 'gradValue');

    // Hand reference: the forward pass before training, and d/dt Σ t·tanh(t) = tanh(t) + t·(1 − tanh²(t)).
    const W1 = [
      [0.5, -0.3, 0.8],
      [-0.2, 0.7, 0.1],
    ];
    const b1 = [0.1, -0.1, 0.05];
    const W2 = [0.6, -0.4, 0.9];
    const xs = [
      [1, 2],
      [-1, 0.5],
      [0.3, -0.7],
      [2, -1],
    ];
    const forward = xs.map(([a, b]) => {
      const h = b1.map((bias, j) => Math.tanh((a as number) * (W1[0]?.[j] as number) + (b as number) * (W1[1]?.[j] as number) + bias));
      const z = h.reduce((s, v, j) => s + v * (W2[j] as number), -0.2);
      return 1 / (1 + Math.exp(-z));
    });
    assertClose(inBrowser.before, forward, 1e-6, 'forward by hand');
    const ys = [1, 0, 1, 0];
    const bce = -forward.reduce((s, p, i) => s + (ys[i] ? Math.log(p) : Math.log(1 - p)), 0) / 4;
    assertClose([inBrowser.losses[0] as number], [bce], 1e-5, 'first loss by hand');
    assert.ok((inBrowser.losses[2] as number) < (inBrowser.losses[0] as number), `SGD lowers the loss: ${inBrowser.losses.join(', ')}`);
    const t = [0.5, -1.5, 2];
    assertClose(inBrowser.grad, t.map((v) => Math.tanh(v) + v * (1 - Math.tanh(v) ** 2)), 1e-6, 'gradient by hand');
    assertClose([inBrowser.gradValue], [t.reduce((s, v) => s + v * Math.tanh(v), 0)], 1e-6, 'value by hand');
    assert.deepEqual(errors, []);
  });

  test('with the wasm backend (once the bundle exports loadWasmBackend), the tiny model still matches Node', async (t) => {
    const exported = await page.evaluate(() => typeof (window as unknown as { nt: { loadWasmBackend?: unknown } }).nt.loadWasmBackend === 'function');
    if (!exported) return t.skip('this bundle does not export loadWasmBackend');
    if (!existsSync(join(out, 'browser', 'neurite-kernels.wasm'))) return skipOrFail(t, 'build/wasm/neurite-kernels.wasm is not built');
    const r = (await page.evaluate(`(async () => {
      const nt = window.nt;
      const ok = await nt.loadWasmBackend({ wasm: new URL('./neurite-kernels.wasm', location.href) });
      nt.setBackend('wasm');
      const backend = nt.getBackendName();
      const run = await (${tinyRun.toString()})(nt);
      nt.setBackend('js');
      return { ok, backend, run };
    })()`)) as { ok: boolean; backend: string; run: TinyRun };
    assert.equal(r.ok, true);
    assert.equal(r.backend, 'wasm');
    node.setBackend('js');
    const inNode = await tinyRun(node as unknown as Nt);
    for (const key of ['before', 'losses', 'after', 'weights', 'grad'] as const) assertClose(r.run[key], inNode[key], 1e-4, `wasm ${key}`);
    assert.deepEqual(errors, []);
  });
});
