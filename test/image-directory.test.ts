import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const CLASSES = ['pullover', 'trouser', 'tshirt']; // labels 2, 1, 0 of Fashion-MNIST
const LABELS = [2, 1, 0];
const PER_CLASS = 10;
let root = '';
/** The original pixels of each written file, by relative path. */
const originals = new Map<string, Float32Array>();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'neurite-flowdir-'));
  const img = await nt.readIdxFile(join(FASHION, 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(FASHION, 't10k-labels-idx1-ubyte.gz'));
  for (let c = 0; c < CLASSES.length; c++) {
    mkdirSync(join(root, 'tree', CLASSES[c]), { recursive: true });
    let k = 0;
    for (let i = 0; i < lab.data.length && k < PER_CLASS; i++) {
      if (lab.data[i] !== LABELS[c]) continue;
      const pixels = Float32Array.from(img.data.subarray(i * 784, (i + 1) * 784));
      const name = `${CLASSES[c]}/img_${String(k).padStart(2, '0')}.png`;
      await nt.saveImg(join(root, 'tree', name), nt.tensor(pixels, [28, 28, 1]), { scale: false });
      originals.set(name, pixels);
      k++;
    }
  }
  writeFileSync(join(root, 'tree', 'tshirt', 'notes.txt'), 'not an image');
});

after(() => rmSync(root, { recursive: true, force: true }));

test('flowFromDirectory over real PNG files: class indices, sorted file names, counts, shapes and exact pixels', async () => {
  const it = new nt.ImageDataGenerator().flowFromDirectory(join(root, 'tree'), { targetSize: [28, 28], colorMode: 'grayscale', batchSize: 8, shuffle: false, verbose: false });
  assert.deepEqual(it.classIndices, { pullover: 0, trouser: 1, tshirt: 2 });
  assert.equal(it.samples, 30);
  assert.equal(it.length, 4);
  assert.equal(it.filenames[0], 'pullover/img_00.png');
  assert.equal(it.filenames[29], 'tshirt/img_09.png');
  assert.deepEqual(Array.from(it.classes.slice(8, 12)), [0, 0, 1, 1]);
  let total = 0;
  for (let b = 0; b < it.length; b++) {
    const [x, y] = (await it.next()).value;
    assert.deepEqual(x.shape, [b < 3 ? 8 : 6, 28, 28, 1]);
    assert.deepEqual(y.shape, [x.shape[0], 3]);
    const xv = x.dataSync();
    const yv = y.dataSync();
    for (let i = 0; i < x.shape[0]; i++) {
      const k = b * 8 + i;
      const name = it.filenames[k];
      assert.deepEqual(Array.from(xv.subarray(i * 784, (i + 1) * 784)), Array.from(originals.get(name)!), `pixels of ${name}`);
      assert.equal(yv[i * 3 + it.classes[k]], 1);
      total++;
    }
  }
  assert.equal(total, 30);
});

test('flowFromDirectory: colour modes, resizing, rescale and every class mode', async () => {
  const dir = join(root, 'tree');
  const g = new nt.ImageDataGenerator({ rescale: 1 / 255 });
  const [rgb] = (await g.flowFromDirectory(dir, { targetSize: [28, 28], batchSize: 4, shuffle: false, verbose: false }).next()).value;
  assert.deepEqual(rgb.shape, [4, 28, 28, 3]);
  const first = originals.get('pullover/img_00.png')!;
  const rgbValues = rgb.dataSync();
  for (const p of [0, 300, 500]) for (let ch = 0; ch < 3; ch++) assert.ok(Math.abs(rgbValues[p * 3 + ch] - first[p] / 255) < 1e-6, 'grey replicated to RGB, rescaled');
  const [small] = (await g.flowFromDirectory(dir, { targetSize: [14, 21], colorMode: 'rgba', interpolation: 'bilinear', batchSize: 2, verbose: false }).next()).value;
  assert.deepEqual(small.shape, [2, 14, 21, 4]);
  assert.ok(small.dataSync()[3] === 1, 'opaque alpha channel');
  const sparse = (await g.flowFromDirectory(dir, { targetSize: [28, 28], classMode: 'sparse', shuffle: false, batchSize: 30, verbose: false }).next()).value[1];
  assert.deepEqual(Array.from(sparse.dataSync()), Array.from({ length: 30 }, (_, i) => Math.floor(i / 10)));
  const input = (await g.flowFromDirectory(dir, { targetSize: [28, 28], colorMode: 'grayscale', classMode: 'input', batchSize: 3, verbose: false }).next()).value;
  assert.deepEqual(Array.from(input[1].dataSync()), Array.from(input[0].dataSync()));
  const none = (await g.flowFromDirectory(dir, { targetSize: [28, 28], classMode: null, batchSize: 3, verbose: false }).next()).value;
  assert.ok(none instanceof nt.Tensor);
  const binary = g.flowFromDirectory(dir, { targetSize: [28, 28], classes: ['trouser', 'tshirt'], classMode: 'binary', shuffle: false, batchSize: 20, verbose: false });
  assert.deepEqual(binary.classIndices, { trouser: 0, tshirt: 1 });
  assert.deepEqual(Array.from((await binary.next()).value[1].dataSync()), [...Array(10).fill(0), ...Array(10).fill(1)]);
  assert.throws(() => g.flowFromDirectory(dir, { classMode: 'binary', verbose: false }), /exactly 2 classes/);
});

test('flowFromDirectory subsets split each class: the first fraction is validation', async () => {
  const g = new nt.ImageDataGenerator({ validationSplit: 0.2 });
  const val = g.flowFromDirectory(join(root, 'tree'), { targetSize: [28, 28], subset: 'validation', shuffle: false, verbose: false });
  const train = g.flowFromDirectory(join(root, 'tree'), { targetSize: [28, 28], subset: 'training', shuffle: false, verbose: false });
  assert.equal(val.samples, 6);
  assert.equal(train.samples, 24);
  assert.deepEqual(val.filenames, ['pullover/img_00.png', 'pullover/img_01.png', 'trouser/img_00.png', 'trouser/img_01.png', 'tshirt/img_00.png', 'tshirt/img_01.png']);
  assert.ok(!train.filenames.some((f) => val.filenames.includes(f)));
});

test('flowFromDirectory trains a model through fit (augmented, one pass per epoch)', async () => {
  const g = new nt.ImageDataGenerator({ rescale: 1 / 255, rotationRange: 10, widthShiftRange: 0.1, zoomRange: 0.1 });
  const it = g.flowFromDirectory(join(root, 'tree'), { targetSize: [28, 28], colorMode: 'grayscale', batchSize: 10, seed: 3, verbose: false });
  const model = new nt.Sequential([new nt.Flatten({ inputShape: [28, 28, 1] }), new nt.Dense({ units: 3, activation: 'softmax' })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const h = await model.fit(it, { epochs: 6, verbose: 0 });
  assert.equal(h.history.loss.length, 6);
  assert.ok(h.history.loss[5] < h.history.loss[0], `loss falls: ${h.history.loss.join(', ')}`);
  assert.ok(h.history.accuracy[5] >= 0.8, `accuracy ${h.history.accuracy[5]}`);
});

test('seeded augmented batches do not depend on file timing when requested together', async () => {
  const g = new nt.ImageDataGenerator({ rotationRange: 30, zoomRange: 0.2 });
  const args = { targetSize: [28, 28] as const, colorMode: 'grayscale' as const, batchSize: 5, seed: 8, verbose: false };
  const a = g.flowFromDirectory(join(root, 'tree'), args);
  const b = g.flowFromDirectory(join(root, 'tree'), args);
  const together = await Promise.all([a.next(), a.next(), a.next()]);
  const inTurn = [await b.next(), await b.next(), await b.next()];
  together.forEach((r, i) => assert.deepEqual(Array.from(r.value[0].dataSync()), Array.from(inTurn[i].value[0].dataSync()), `batch ${i}`));
});

test('a corrupted image names the file; empty and missing directories are clear errors', async () => {
  const bad = join(root, 'bad');
  mkdirSync(join(bad, 'a'), { recursive: true });
  const good = readFileSync(join(root, 'tree', 'pullover', 'img_00.png'));
  writeFileSync(join(bad, 'a', 'ok.png'), good);
  writeFileSync(join(bad, 'a', 'truncated.png'), good.subarray(0, 60));
  const it = new nt.ImageDataGenerator().flowFromDirectory(bad, { targetSize: [28, 28], batchSize: 2, verbose: false });
  await assert.rejects(it.next(), (e: Error) => e.message.includes('truncated.png') && e.message.includes('cannot decode'));
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.throws(() => new nt.ImageDataGenerator().flowFromDirectory(empty, { verbose: false }), /has no class sub-folders/);
  mkdirSync(join(empty, 'cats'));
  assert.throws(() => new nt.ImageDataGenerator().flowFromDirectory(empty, { verbose: false }), /no images found/);
  assert.throws(() => new nt.ImageDataGenerator().flowFromDirectory(join(root, 'nope'), { verbose: false }), /does not exist/);
  assert.throws(() => new nt.ImageDataGenerator().flowFromDirectory(join(root, 'tree'), { colorMode: 'cmyk' as nt.ColorMode, verbose: false }), /colorMode must be one of/);
  await assert.rejects(nt.loadImg(join(bad, 'a', 'truncated.png')), /truncated\.png/);
});

test('loadImg and saveImg round-trip an RGB image exactly (PNG is lossless)', async () => {
  const rng = new nt.Rng(9);
  const x = nt.tensor(Float32Array.from({ length: 5 * 7 * 3 }, () => rng.int(256)), [5, 7, 3]);
  const path = join(root, 'rgb.png');
  await nt.saveImg(path, x, { scale: false });
  const y = await nt.loadImg(path);
  assert.deepEqual(y.shape, [5, 7, 3]);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
  const grey = await nt.loadImg(path, { colorMode: 'grayscale' });
  const [r, g, b] = [x.dataSync()[0], x.dataSync()[1], x.dataSync()[2]];
  assert.equal(grey.dataSync()[0], (19595 * r + 38470 * g + 7471 * b + 32768) >> 16, 'PIL luminance');
});
