/**
 * Models in the browser, in headless Chromium with the browser bundle:
 *  - save to and load from indexeddb:// and localstorage:// (same predictions; listed and
 *    removed), and a downloads:// save whose two files Neurite in Node and TensorFlow.js
 *    read with the same predictions;
 *  - loadModel from files picked with an <input type="file"> (the real tfjs fixture:
 *    tfjs' own outputs on MNIST images);
 *  - fromPixels on ImageData, a canvas, an <img> and an ImageBitmap, with 1, 3 and 4 channels.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs';
import { browserSkipReason, buildBrowserBundle, launchBrowser, openBundlePage, serveStatic, type StaticServer } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';
import { fixture } from './helpers/shared.js';
import * as nt from '../src/index.js';

const skip = unavailable(browserSkipReason());

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe('browser storage, picked files and fromPixels', { skip }, () => {
  let out = '';
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    out = await buildBrowserBundle();
    server = await serveStatic({ '/': join(out, 'browser'), '/fixture': fixture('tfjs', 'shruti_dense_browser') });
    browser = await launchBrowser();
    page = await browser.newPage({ acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await openBundlePage(page, server, '<input id="files" type="file" multiple>');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('indexeddb:// and localstorage:// keep a model: saved, listed, loaded with the same predictions, removed', async () => {
    const r = (await page.evaluate(`(async () => {
      const nt = window.nt;
      nt.setSeed(1);
      const model = new nt.Sequential([new nt.Dense({ units: 4, activation: 'relu', inputShape: [3] }), new nt.BatchNormalization(), new nt.Dense({ units: 2, activation: 'softmax' })]);
      const x = nt.tensor([[1, 2, 3], [-1, 0.5, 2]]);
      const want = Array.from(model.predict(x).dataSync());
      const results = {};
      for (const url of ['indexeddb://my-model', 'localstorage://my-model']) {
        await model.save(url);
        const listed = (await nt.listBrowserModels()).includes(url);
        const loaded = await nt.loadModel(url);
        const got = Array.from(loaded.predict(x).dataSync());
        const removed = await nt.removeBrowserModel(url);
        let missing = '';
        try { await nt.loadModel(url); } catch (e) { missing = e.message; }
        results[url] = { listed, got, removed, missing };
      }
      return { want, results };
    })()`)) as { want: number[]; results: Record<string, { listed: boolean; got: number[]; removed: boolean; missing: string }> };
    for (const [url, res] of Object.entries(r.results)) {
      assert.ok(res.listed, `${url} is listed`);
      assert.equal(maxDiff(res.got, r.want), 0, url);
      assert.ok(res.removed, `${url} removed`);
      assert.match(res.missing, /no model 'my-model' in (IndexedDB|localStorage)/);
    }
    assert.deepEqual(errors, []);
  });

  test('downloads:// gives name.json and name.weights.bin, which Neurite (Node) and TensorFlow.js read with the same predictions', async () => {
    const downloads: Record<string, Buffer> = {};
    const collect = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        const path = await d.path();
        downloads[d.suggestedFilename()] = readFileSync(path as string);
        if (Object.keys(downloads).length === 2) resolve();
      });
    });
    const want = (await page.evaluate(`(async () => {
      const nt = window.nt;
      nt.setSeed(2);
      const model = new nt.Sequential([new nt.Dense({ units: 5, activation: 'tanh', inputShape: [4] }), new nt.Dense({ units: 3 })]);
      await model.save('downloads://web-model');
      return Array.from(model.predict(nt.tensor([[0.1, 0.2, 0.3, 0.4]])).dataSync());
    })()`)) as number[];
    await collect;
    assert.deepEqual(Object.keys(downloads).sort(), ['web-model.json', 'web-model.weights.bin']);
    const json = downloads['web-model.json'].toString('utf8');
    const model = await nt.loadModel({ modelJson: json, weights: new Uint8Array(downloads['web-model.weights.bin']) });
    assert.ok(maxDiff(await (model.predict(nt.tensor([[0.1, 0.2, 0.3, 0.4]])) as nt.Tensor).data(), want) < 1e-6);
    const parsed = JSON.parse(json) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const bin = downloads['web-model.weights.bin'];
    const tfModel = await tf.loadLayersModel({ load: async () => ({ modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest[0].weights, weightData: new Uint8Array(bin).buffer as ArrayBuffer }) });
    assert.ok(maxDiff(await (tfModel.predict(tf.tensor([[0.1, 0.2, 0.3, 0.4]])) as tf.Tensor).data(), want) < 1e-5, 'TensorFlow.js reads the download');
  });

  test('loadModel(input.files) and loadModel(url): the real tfjs fixture, picked with <input type="file"> or fetched, reproduces tfjs\' outputs', async () => {
    const dir = fixture('tfjs', 'shruti_dense_browser');
    await page.setInputFiles('#files', [join(dir, 'my-model.json'), join(dir, 'my-model.weights.bin')]);
    const x = nt.npyToTensor(nt.readNpy(fixture('tfjs', 'tfjs_shruti_dense_browser_input.npy')));
    const want = nt.npyToTensor(nt.readNpy(fixture('tfjs', 'tfjs_shruti_dense_browser_expected.npy')));
    const got = (await page.evaluate(`(async (values) => {
      const nt = window.nt;
      const model = await nt.loadModel(document.getElementById('files').files);
      return Array.from(model.predict(nt.tensor(values, [100, 784])).dataSync());
    })(${JSON.stringify(Array.from(x.dataSync()))})`)) as number[];
    assert.ok(maxDiff(got, want.dataSync()) < 1e-4);
    // The same files from a URL (fetch; the shards found beside model.json).
    const fromUrl = (await page.evaluate(`(async (values) => {
      const nt = window.nt;
      const model = await nt.loadModel(new URL('./fixture/my-model.json', location.href).href);
      return Array.from(model.predict(nt.tensor(values, [100, 784])).dataSync());
    })(${JSON.stringify(Array.from(x.dataSync()))})`)) as number[];
    assert.ok(maxDiff(fromUrl, want.dataSync()) < 1e-4);
    await page.setInputFiles('#files', [join(dir, 'my-model.json')]);
    const missing = (await page.evaluate(`(async () => { try { await window.nt.loadModel(document.getElementById('files').files); return ''; } catch (e) { return e.message; } })()`)) as string;
    assert.match(missing, /names weight files that were not picked: (\.\/)?my-model\.weights\.bin/);
  });

  test('fromPixels reads ImageData, a canvas, an <img> and an ImageBitmap as int32 [height, width, channels]', async () => {
    const r = (await page.evaluate(`(async () => {
      const nt = window.nt;
      const w = 3, h = 2;
      const data = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < w * h; i++) data.set([10 * i, 20 + i, 200 - i, 255], i * 4);
      const image = new ImageData(data, w, h);
      const canvas = document.createElement('canvas');
      canvas.width = w; canvas.height = h;
      canvas.getContext('2d').putImageData(image, 0, 0);
      const img = new Image();
      img.src = canvas.toDataURL('image/png');
      await img.decode();
      const bitmap = await createImageBitmap(image);
      const read = (t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) });
      let bad = '';
      try { nt.fromPixels(image, 2); } catch (e) { bad = e.message; }
      return {
        expected: Array.from(data),
        imageData: read(nt.fromPixels(image, 4)),
        canvas: read(nt.fromPixels(canvas)),
        img: read(nt.fromPixels(img, 1)),
        bitmap: read(nt.fromPixels(bitmap, 4)),
        bad,
      };
    })()`)) as Record<string, { shape: number[]; dtype: string; values: number[] }> & { expected: number[]; bad: string };
    const rgba = r.expected;
    const channels = (n: number): number[] => Array.from({ length: 6 }, (_, i) => rgba.slice(i * 4, i * 4 + n)).flat();
    assert.deepEqual(r.imageData, { shape: [2, 3, 4], dtype: 'int32', values: rgba });
    assert.deepEqual(r.canvas, { shape: [2, 3, 3], dtype: 'int32', values: channels(3) });
    assert.deepEqual(r.img, { shape: [2, 3, 1], dtype: 'int32', values: channels(1) });
    assert.deepEqual(r.bitmap, { shape: [2, 3, 4], dtype: 'int32', values: rgba });
    assert.match(r.bad, /numChannels must be 1, 3 or 4; got 2/);
    assert.deepEqual(errors, []);
  });

  test('in Node, fromPixels takes ImageData-like objects; browser storage URLs say they need a browser', async () => {
    const t = nt.fromPixels({ data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), width: 2, height: 1 }, 3);
    assert.deepEqual([t.shape, t.dtype, Array.from(t.dataSync())], [[1, 2, 3], 'int32', [1, 2, 3, 5, 6, 7]]);
    await assert.rejects(nt.loadModel('indexeddb://x'), /this runtime has no indexedDB/);
  });
});
