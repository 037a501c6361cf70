/**
 * The Playground in headless Chromium: the page loads, trains Neurite in its Web Worker on
 * the circle data to more than 0.9 test accuracy (read from the page), and its canvas shows a
 * decision boundary around the circle (blue in the middle, orange in the corners).
 * Screenshots go to test-artifacts/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, serveStatic, type StaticServer } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** The longest a training run may take before the test gives up. */
const TRAIN_TIMEOUT_MS = 60_000;

/** Builds the bundle and the Playground into a private temporary folder. */
function buildPlayground(): string {
  const out = mkdtempSync(join(tmpdir(), 'neurite-playground-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build-browser.mjs'), '--quiet', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, `build-browser failed:\n${r.stderr}`);
  return join(out, 'playground');
}

interface Readouts {
  state: string | undefined;
  epoch: number;
  testAccuracy: number;
  trainAccuracy: number;
  testLoss: number;
  trainLoss: number;
  backend: string;
}

function readouts(page: Page): Promise<Readouts> {
  return page.evaluate(() => {
    const text = (id: string): string => document.getElementById(id)?.textContent ?? '';
    return {
      state: document.body.dataset.state,
      epoch: Number(text('epoch').replace(/,/g, '')),
      testAccuracy: Number(text('test-accuracy')),
      trainAccuracy: Number(text('train-accuracy')),
      testLoss: Number(text('test-loss')),
      trainLoss: Number(text('train-loss')),
      backend: (document.getElementById('backend') as HTMLSelectElement | null)?.value ?? '',
    };
  });
}

/** Every STEP-th pixel of the boundary canvas in each direction. */
const STEP = 4;

interface Sampled {
  /** Samples per row (and per column: the canvas is square). */
  size: number;
  /** RGB triples, row-major. */
  rgb: number[];
}

/** The boundary canvas, sampled in the page (a full getImageData is slow to ship over CDP). */
function pixels(page: Page): Promise<Sampled> {
  return page.evaluate((step) => {
    const c = document.getElementById('boundary') as HTMLCanvasElement;
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    const size = Math.floor(c.width / step);
    const rgb: number[] = [];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = 4 * (y * step * c.width + x * step);
        rgb.push(d[i] as number, d[i + 1] as number, d[i + 2] as number);
      }
    }
    return { size, rgb };
  }, STEP);
}

/** Mean RGB over a small square of samples around (fx, fy), fractions of the canvas size. */
function patch(px: Sampled, fx: number, fy: number, half = 1): [number, number, number] {
  const cx = Math.round(fx * px.size);
  const cy = Math.round(fy * px.size);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = cy - half; y <= cy + half; y++) {
    for (let x = cx - half; x <= cx + half; x++) {
      for (let k = 0; k < 3; k++) sum[k] = (sum[k] as number) + (px.rgb[3 * (y * px.size + x) + k] as number);
      n++;
    }
  }
  return sum.map((v) => v / n) as [number, number, number];
}

const skip = unavailable(browserSkipReason());

describe('Playground', { skip }, () => {
  let dir = '';
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    dir = buildPlayground();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await serveStatic({ '/': dir }, { isolated: true });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dirname(dir), { recursive: true, force: true });
  });

  test('loads, starts its worker and shows the circle data at epoch 0', async () => {
    await page.goto(`${server.url}/index.html#dataset=circle&seed=1`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.epoch === '0', null, { timeout: 30_000 });
    const r = await readouts(page);
    assert.ok(['js', 'wasm'].includes(r.backend), `backend shown: ${r.backend}`);
    assert.equal(r.epoch, 0);
    assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1, `untrained accuracy is a number in [0, 1]: ${r.testAccuracy}`);
    assert.match(await page.textContent('#params') ?? '', /^250 training and 250 test points; 25 weights\./);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-start.png') });
    assert.deepEqual(errors, []);
  });

  test('step trains exactly one epoch', async () => {
    await page.click('#step');
    await page.waitForFunction(() => document.body.dataset.epoch === '1', null, { timeout: 30_000 });
    assert.equal((await readouts(page)).epoch, 1);
  });

  test('trains to > 0.9 test accuracy on the circle, and the heat map shows the circle', async () => {
    const before = await pixels(page);
    await page.click('#play-pause');
    await page.waitForFunction(() => Number(document.getElementById('test-accuracy')?.textContent) > 0.9, null, { timeout: TRAIN_TIMEOUT_MS, polling: 250 });
    await page.click('#play-pause');
    await page.waitForFunction(() => document.body.dataset.state === 'paused');
    const r = await readouts(page);
    assert.ok(r.testAccuracy > 0.9, `test accuracy ${r.testAccuracy}`);
    assert.ok(r.epoch > 1, `epochs trained: ${r.epoch}`);
    assert.ok(r.testLoss < 0.5 && r.trainLoss < 0.5, `losses: train ${r.trainLoss}, test ${r.testLoss}`);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-circle-trained.png') });

    const afterPx = await pixels(page);
    let changed = 0;
    const samples = before.rgb.length / 3;
    for (let i = 0; i < before.rgb.length; i += 3) {
      if (Math.abs((before.rgb[i] as number) - (afterPx.rgb[i] as number)) + Math.abs((before.rgb[i + 2] as number) - (afterPx.rgb[i + 2] as number)) > 30) changed++;
    }
    assert.ok(changed > samples / 10, `the heat map changed at ${changed} of ${samples} sampled pixels`);
    // The network column draws each hidden neuron's output: 4 + 2 images, none left blank grey.
    const neurons = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLCanvasElement>('#layers canvas.neuron'), (c) => {
        const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs((d[i] as number) - (d[i + 2] as number)) > 40) coloured++;
        return coloured;
      }),
    );
    assert.equal(neurons.length, 6);
    for (const coloured of neurons) assert.ok(coloured > 0, `every neuron image shows its output: ${neurons.join(', ')}`);
    // The inner disc (label 1) is blue, the corners (beyond the outer ring) orange.
    const [cr, , cb] = patch(afterPx, 0.5, 0.5);
    assert.ok(cb > cr + 40, `centre is blue: r ${cr}, b ${cb}`);
    for (const [fx, fy] of [[0.05, 0.05], [0.95, 0.05], [0.05, 0.9], [0.95, 0.9]] as const) {
      const [r0, , b0] = patch(afterPx, fx, fy);
      assert.ok(r0 > b0 + 40, `corner (${fx}, ${fy}) is orange: r ${r0}, b ${b0}`);
    }
    assert.deepEqual(errors, []);
  });

  test('the controls change the problem: spiral with more features and layers', async () => {
    await page.goto('about:blank');
    await page.goto(`${server.url}/index.html#dataset=spiral&noise=0&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2&hidden=8,8,5&activation=tanh&learningRate=0.03&batchSize=10&seed=1`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.epoch === '0', null, { timeout: 30_000 });
    assert.match(await page.textContent('#params') ?? '', /^250 training and 250 test points; (\d+) weights\./);
    // 7 features → 8 → 8 → 5 → 1: 7·8+8 + 8·8+8 + 8·5+5 + 5+1 = 187 weights.
    assert.match(await page.textContent('#params') ?? '', / 187 weights\./);
    assert.equal(await page.locator('#layers .layer').count(), 3);
    await page.click('#play-pause');
    await page.waitForFunction(() => Number(document.body.dataset.epoch) >= 100, null, { timeout: TRAIN_TIMEOUT_MS, polling: 250 });
    await page.click('#play-pause');
    await page.click('#show-test');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-spiral.png') });
    assert.deepEqual(errors, []);
  });
});

describe('Playground on WebGPU (Chromium with SwiftShader as the adapter)', { skip }, () => {
  let dir = '';
  let browser: Browser;
  let server: StaticServer;

  before(async () => {
    dir = buildPlayground();
    server = await serveStatic({ '/': dir }, { isolated: true });
    browser = await launchBrowser({ webgpu: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dirname(dir), { recursive: true, force: true });
  });

  test('offers webgpu where the browser has it, switches to it, shows it and trains there', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(`${server.url}/index.html#dataset=circle&seed=1`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.body.dataset.epoch === '0', null, { timeout: 30_000 });
    const options = await page.$$eval('#backend option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(options.includes('webgpu'), `backends offered: ${options.join(', ')}`);
    assert.notEqual((await readouts(page)).backend, 'webgpu', 'webgpu is offered, not chosen');
    await page.selectOption('#backend', 'webgpu');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && (document.getElementById('backend') as HTMLSelectElement).value === 'webgpu' && document.body.dataset.epoch === '0', null, { timeout: 60_000 });
    assert.match(await page.textContent('#status') ?? '', /running on the 'webgpu' backend/);
    await page.click('#step');
    await page.waitForFunction(() => document.body.dataset.epoch === '1', null, { timeout: 60_000 });
    const r = await readouts(page);
    assert.equal(r.backend, 'webgpu');
    assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1 && r.trainLoss > 0, `after one epoch on webgpu: accuracy ${r.testAccuracy}, loss ${r.trainLoss}`);
    assert.deepEqual(errors, []);
  });
});
