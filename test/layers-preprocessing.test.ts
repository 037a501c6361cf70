/**
 * The preprocessing layers against values computed by hand from Keras' formulas, and their
 * state through save/load (.h5, .keras and the native file): Rescaling, CenterCrop,
 * RandomFlip, Normalization (adapt), Discretization (adapt) and CategoryEncoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';

const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
};

test('Rescaling is x·scale + offset; CenterCrop takes the window at ⌊(H − h)/2⌋, ⌊(W − w)/2⌋', async () => {
  const x = nt.tensor([0, 51, 255, 128], [1, 2, 2, 1]);
  near(await (new nt.Rescaling({ scale: 1 / 127.5, offset: -1 }).apply(x) as Tensor).data(), [0, 51, 255, 128].map((v) => v / 127.5 - 1), 1e-6, 'rescaling');
  // 5×4 image, values = 10·row + col; crop 2×3: rows from ⌊3/2⌋ = 1, cols from ⌊1/2⌋ = 0.
  const img = nt.tensor(Array.from({ length: 20 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)), [1, 5, 4, 1]);
  assert.deepEqual(Array.from(await (new nt.CenterCrop({ height: 2, width: 3 }).apply(img) as Tensor).data()), [10, 11, 12, 20, 21, 22]);
  assert.throws(() => new nt.CenterCrop({ height: 6, width: 2 }).apply(img), /smaller than the crop 6×2/);
});

test('RandomFlip: the identity at inference; in training each image is itself or its mirror, per mode', async () => {
  const img = nt.tensor(Array.from({ length: 2 * 2 * 3 }, (_, i) => i), [2, 2, 3, 1]);
  const rows = (await img.data()) as Float32Array;
  const mirror = (v: ArrayLike<number>, b: number, axis: 'h' | 'v'): number[] =>
    Array.from({ length: 6 }, (_, i) => {
      const [r, c] = [Math.floor(i / 3), i % 3];
      return v[b * 6 + (axis === 'h' ? r * 3 + (2 - c) : (1 - r) * 3 + c)];
    });
  const layer = new nt.RandomFlip({ mode: 'horizontal', seed: 3 });
  assert.deepEqual(Array.from(await (layer.apply(img) as Tensor).data()), Array.from(rows));
  const seen = new Set<string>();
  for (let k = 0; k < 12; k++) {
    const out = (await (layer.apply(img, { training: true }) as Tensor).data()) as Float32Array;
    for (let b = 0; b < 2; b++) {
      const got = Array.from(out.slice(b * 6, b * 6 + 6));
      const same = got.every((v, i) => v === rows[b * 6 + i]);
      const flipped = got.every((v, i) => v === mirror(rows, b, 'h')[i]);
      assert.ok(same || flipped, `sample ${b}: ${got}`);
      seen.add(same ? 'kept' : 'flipped');
    }
  }
  assert.deepEqual([...seen].sort(), ['flipped', 'kept']);
});

test('Normalization.adapt: mean and (biased) variance per feature; the output (x − mean)/√variance; invert; axis null', async () => {
  const data = [
    [1, 10],
    [2, 20],
    [4, 60],
  ];
  const norm = new nt.Normalization();
  await norm.adapt(nt.tensor(data));
  const mean = [7 / 3, 30];
  const variance = [(1 + 4 + 16) / 3 - (7 / 3) ** 2, (100 + 400 + 3600) / 3 - 900];
  near(await (norm.meanWeight as Tensor).data(), mean, 1e-5, 'mean');
  near(await (norm.varianceWeight as Tensor).data(), variance, 1e-3, 'variance');
  const x = nt.tensor([[3, 0]]);
  near(await (norm.apply(x) as Tensor).data(), [(3 - mean[0]) / Math.sqrt(variance[0]), (0 - 30) / Math.sqrt(variance[1])], 1e-5, 'normalized');
  // A Dataset of batches adapts the same way.
  const fromDataset = new nt.Normalization();
  await fromDataset.adapt(nt.data.Dataset.fromTensorSlices(nt.tensor(data)).batch(2));
  near(await (fromDataset.meanWeight as Tensor).data(), mean, 1e-5, 'mean from a Dataset');
  // Given statistics, inverted: mean + x·√variance.
  near(await (new nt.Normalization({ mean: [1, 2], variance: [4, 9], invert: true }).apply(nt.tensor([[1, 1]])) as Tensor).data(), [3, 5], 1e-6, 'invert');
  // axis null: one mean and variance over everything.
  const all = new nt.Normalization({ axis: null });
  await all.adapt(nt.tensor([[1, 3], [5, 7]]));
  near(await (all.apply(nt.tensor([[4, 4]])) as Tensor).data(), [0, 0], 1e-6, 'axis null');
});

test('an adapted Normalization travels with the model: .h5, .keras and the native file give the same predictions', async () => {
  const norm = new nt.Normalization();
  await norm.adapt(nt.tensor([[1, 10], [2, 20], [4, 60]]));
  const x = nt.tensor([[3, 0]]);
  const model = new nt.Sequential([norm, new nt.Dense({ units: 1 })]);
  model.build([null, 2]);
  const want = Array.from(await (model.predict(x) as Tensor).data());
  const dir = mkdtempSync(join(tmpdir(), 'neurite-prep-'));
  try {
    for (const file of ['m.h5', 'm.keras', 'm.nw']) {
      await model.save(join(dir, file));
      const back = await nt.loadModel(join(dir, file));
      near(await (back.predict(x) as Tensor).data(), want, 1e-6, file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Discretization: the bucket is the number of boundaries ≤ x; one_hot/multi_hot/count; adapt gives the quantiles; boundaries saved', async () => {
  const boundaries = [0, 1, 2.5];
  const xs = [-3, 0, 0.5, 1, 2.4, 2.5, 9];
  const bucket = (v: number): number => boundaries.filter((b) => b <= v).length;
  const layer = new nt.Discretization({ binBoundaries: boundaries });
  const out = layer.apply(nt.tensor([xs])) as Tensor;
  assert.equal(out.dtype, 'int32');
  assert.deepEqual(Array.from(await out.data()), xs.map(bucket));
  const counted = new nt.Discretization({ binBoundaries: boundaries, outputMode: 'count' }).apply(nt.tensor([xs])) as Tensor;
  assert.deepEqual(Array.from(await counted.data()), [0, 1, 2, 3].map((k) => xs.filter((v) => bucket(v) === k).length));
  const hot = new nt.Discretization({ binBoundaries: boundaries, outputMode: 'one_hot' }).apply(nt.tensor([[0.5], [9]])) as Tensor;
  assert.deepEqual(Array.from(await hot.data()), [0, 1, 0, 0, 0, 0, 0, 1]);
  const adapted = new nt.Discretization({ numBins: 4 });
  await adapted.adapt(nt.tensor(Array.from({ length: 101 }, (_, i) => i)));
  near(adapted.binBoundaries as number[], [25, 50, 75], 1e-6, 'quartiles');
  const model = new nt.Sequential([adapted]);
  model.build([null, 3]);
  const back = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(model)))) as nt.Model;
  assert.deepEqual(Array.from(await (back.predict(nt.tensor([[10, 60, 99]])) as Tensor).data()), [0, 2, 3]);
});

test('CategoryEncoding: multi_hot, count and one_hot vectors of integer tokens; tokens out of range are an error', async () => {
  const ids = nt.tensor([[0, 2, 2], [3, 3, 1]], [2, 3], 'int32');
  assert.deepEqual(Array.from(await (new nt.CategoryEncoding({ numTokens: 4 }).apply(ids) as Tensor).data()), [1, 0, 1, 0, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(await (new nt.CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(ids) as Tensor).data()), [1, 0, 2, 0, 0, 1, 0, 2]);
  const oneHot = new nt.CategoryEncoding({ numTokens: 3, outputMode: 'one_hot' }).apply(nt.tensor([2, 0], [2], 'int32')) as Tensor;
  assert.deepEqual([oneHot.shape, Array.from(await oneHot.data())], [[2, 3], [0, 0, 1, 1, 0, 0]]);
  assert.throws(() => new nt.CategoryEncoding({ numTokens: 3 }).apply(nt.tensor([[3]], [1, 1], 'int32')), /tokens must be in \[0, 3\); got values from 3 to 3/);
});

test('Resizing: bilinear with half-pixel centres (tf.image.resize), nearest, and the centre cropped to the aspect ratio first', async () => {
  // 1×2 → 1×4 along the width: source x = (j + 0.5)/2 − 0.5 → −0.25, 0.25, 0.75, 1.25 (clamped): values 10, 12.5, 17.5, 20.
  const x = nt.tensor([10, 20], [1, 1, 2, 1]);
  near(await (new nt.Resizing({ height: 1, width: 4 }).apply(x) as Tensor).data(), [10, 12.5, 17.5, 20], 1e-5, 'bilinear');
  near(await (new nt.Resizing({ height: 1, width: 4, interpolation: 'nearest' }).apply(x) as Tensor).data(), [10, 10, 20, 20], 1e-6, 'nearest');
  // 2×4 image to 1×1 with cropToAspectRatio: the central 2×2 (columns 1, 2), then its average.
  const wide = nt.tensor([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 4, 1]);
  near(await (new nt.Resizing({ height: 1, width: 1, cropToAspectRatio: true }).apply(wide) as Tensor).data(), [(1 + 2 + 5 + 6) / 4], 1e-5, 'cropped');
});

test('RandomCrop, RandomContrast, RandomBrightness follow Keras\' formulas in training and are the identity (or the central crop) at inference', async () => {
  const img = nt.tensor(Array.from({ length: 2 * 4 * 4 }, (_, i) => i % 16 + 100 * Math.floor(i / 16)), [2, 4, 4, 1]);
  const crop = new nt.RandomCrop({ height: 2, width: 3, seed: 1 });
  assert.deepEqual(Array.from(await (crop.apply(img) as Tensor).data()), [4, 5, 6, 8, 9, 10, 104, 105, 106, 108, 109, 110], 'inference: the central window');
  for (let k = 0; k < 5; k++) {
    const v = Array.from(await (crop.apply(img, { training: true }) as Tensor).data());
    const [top, left] = [Math.floor(v[0] / 4), v[0] % 4];
    assert.deepEqual(v, [0, 1].flatMap((b) => [0, 1].flatMap((r) => [0, 1, 2].map((c) => 100 * b + (top + r) * 4 + left + c))), `window at ${top}, ${left}`);
  }
  const x = nt.tensor([50, 100, 150, 200, 10, 20, 30, 40], [2, 2, 2, 1]);
  const contrast = new nt.RandomContrast({ factor: [0.5, 0.5], seed: 2 });
  assert.deepEqual(Array.from(await (contrast.apply(x) as Tensor).data()), [50, 100, 150, 200, 10, 20, 30, 40]);
  const c = Array.from(await (contrast.apply(x, { training: true }) as Tensor).data());
  for (const [b, mean] of [[0, 125], [1, 25]] as const) {
    const factor = (c[b * 4] - mean) / ([50, 10][b] - mean);
    assert.ok(factor >= 0.5 - 1e-5 && factor <= 1.5 + 1e-5, `contrast factor ${factor}`);
    for (let i = 0; i < 4; i++) near([c[b * 4 + i]], [Math.min(255, Math.max(0, ([50, 100, 150, 200, 10, 20, 30, 40][b * 4 + i] - mean) * factor + mean))], 1e-3, `image ${b} pixel ${i}`);
  }
  const bright = new nt.RandomBrightness({ factor: 0.1, seed: 3 });
  const y = Array.from(await (bright.apply(x, { training: true }) as Tensor).data());
  for (let b = 0; b < 2; b++) {
    const delta = y[b * 4 + 1] - [100, 20][b];
    assert.ok(Math.abs(delta) <= 25.5 + 1e-4, `δ·255 = ${delta} within ±0.1·255`);
    for (let i = 0; i < 4; i++) near([y[b * 4 + i]], [Math.min(255, Math.max(0, [50, 100, 150, 200, 10, 20, 30, 40][b * 4 + i] + delta))], 1e-3, `bright ${b} ${i}`);
  }
  assert.throws(() => new nt.RandomBrightness({ factor: [0.5, 0.2] }), /factor must be a number or \[lower, upper\]/);
});

test('the random image layers draw anew at every planned training step (fit and trainOnBatch replay plans)', async () => {
  const x = nt.tensor(Array.from({ length: 2 * 4 * 4 }, (_, i) => (i * 37) % 11), [2, 4, 4, 1]);
  const y = nt.tensor([[0.5], [0.25]]);
  for (const layer of [new nt.RandomFlip({ seed: 3 }), new nt.RandomCrop({ height: 2, width: 2, seed: 3 }), new nt.RandomContrast({ factor: 0.5, seed: 3 }), new nt.RandomBrightness({ factor: 0.3, seed: 3 })]) {
    const model = new nt.Sequential([layer, new nt.Flatten(), new nt.Dense({ units: 1 })]);
    model.compile({ optimizer: new nt.SGD({ learningRate: 0 }), loss: 'mse' });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    assert.ok(new Set(losses.map((l) => l.toFixed(5))).size > 1, `${layer.getClassName()}: the same loss at every step (${losses.join(', ')})`);
  }
});
