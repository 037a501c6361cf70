import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

function randn(n: number, seed: number): Float64Array {
  const rng = new nt.Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** n samples of d correlated features (a random mixing of independent normals, plus an offset). */
function correlated(n: number, d: number, seed: number): Float32Array {
  const z = randn(n * d, seed);
  const a = randn(d * d, seed + 1);
  const out = new Float32Array(n * d);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < d; j++) {
      let v = 3;
      for (let k = 0; k < d; k++) v += z[s * d + k] * a[k * d + j];
      out[s * d + j] = v;
    }
  }
  return out;
}

/** Covariance (d×d, float64) of n rows of d values. */
function covariance(x: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) mean[j] += x[s * d + j] / n;
  const c = new Float64Array(d * d);
  for (let s = 0; s < n; s++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] += ((x[s * d + i] - mean[i]) * (x[s * d + j] - mean[j])) / n;
  return c;
}

test('ZCA whitening: the whitened data has (close to) identity covariance', () => {
  const [n, h, w] = [3000, 4, 4];
  const d = h * w;
  const x = nt.tensor(correlated(n, d, 11), [n, h, w, 1]);
  const before = covariance(x.dataSync() as Float32Array, n, d);
  assert.ok(Math.abs(before[1]) > 0.5, 'the input is correlated');
  const g = new nt.ImageDataGenerator({ zcaWhitening: true, zcaEpsilon: 1e-6 });
  g.fit(x);
  assert.ok(g.zcaWhiteningMatrix !== null && g.mean !== null);
  const white = g.standardize(x);
  const c = covariance(white.dataSync() as Float32Array, n, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) assert.ok(Math.abs(c[i * d + j] - (i === j ? 1 : 0)) < 1e-2, `cov[${i}][${j}] = ${c[i * d + j]}`);
  // ZCA (unlike PCA whitening) is symmetric: W = Wᵀ.
  const W = g.zcaWhiteningMatrix.dataSync();
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(W[i * d + j] - W[j * d + i]) < 1e-4);
});

test('ZCA with fewer samples than features whitens the span of the data (Gram path)', () => {
  const [n, d] = [12, 36];
  const x = nt.tensor(correlated(n, d, 5), [n, 6, 6, 1]);
  const g = new nt.ImageDataGenerator({ zcaWhitening: true }).fit(x);
  const white = g.standardize(x).dataSync() as Float32Array;
  // Centred data has rank n - 1; on that span the covariance is the identity, so C² = C and trace C = n - 1.
  const c = covariance(white, n, d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += c[i * d + i];
  assert.ok(Math.abs(trace - (n - 1)) < 1e-2, `trace ${trace}`);
  for (let i = 0; i < d; i += 5) {
    for (let j = 0; j < d; j += 7) {
      let cc = 0;
      for (let k = 0; k < d; k++) cc += c[i * d + k] * c[k * d + j];
      assert.ok(Math.abs(cc - c[i * d + j]) < 1e-2);
    }
  }
});

test('featurewise statistics are per channel; standardize applies rescale, sample- and feature-wise steps in Keras order', () => {
  // Two images of 1x2 pixels with 2 channels.
  const x = nt.tensor([1, 10, 3, 30, 5, 50, 7, 70], [2, 1, 2, 2]);
  const g = new nt.ImageDataGenerator({ featurewiseCenter: true, featurewiseStdNormalization: true, rescale: 0.5 }).fit(x);
  assert.deepEqual(Array.from(g.mean!.dataSync()), [2, 20]); // channel means after rescale: (0.5+1.5+2.5+3.5)/4, (5+15+25+35)/4
  const sd = Math.sqrt((1.5 ** 2 + 0.5 ** 2) * 2 / 4);
  assert.ok(Math.abs(g.std!.dataSync()[0] - sd) < 1e-6 && Math.abs(g.std!.dataSync()[1] - 10 * sd) < 1e-5);
  const s = g.standardize(x).dataSync();
  assert.ok(Math.abs(s[0] - (0.5 - 2) / (sd + 1e-6)) < 1e-5);
  assert.ok(Math.abs(s[1] - (5 - 20) / (10 * sd + 1e-6)) < 1e-5);
  const sw = new nt.ImageDataGenerator({ samplewiseCenter: true, samplewiseStdNormalization: true }).standardize(nt.tensor([1, 2, 3, 6], [1, 2, 2]));
  const m = 3;
  const std = Math.sqrt((4 + 1 + 0 + 9) / 4);
  assert.deepEqual(Array.from(sw.dataSync()).map((v) => +v.toFixed(5)), [1, 2, 3, 6].map((v) => +((v - m) / (std + 1e-6)).toFixed(5)));
  const pre = new nt.ImageDataGenerator({ preprocessingFunction: (img) => img.add(1), rescale: 2 }).standardize(nt.tensor([1, 2], [1, 2, 1]));
  assert.deepEqual(Array.from(pre.dataSync()), [4, 6], 'preprocessingFunction runs before rescale');
});

/** n images of 2x2x1 whose pixels all hold the sample index; labels = index. */
function indexed(n: number): { x: nt.Tensor; y: nt.Tensor } {
  const x = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) x.fill(i, i * 4, i * 4 + 4);
  return { x: nt.tensor(x, [n, 2, 2, 1]), y: nt.tensor(Float32Array.from({ length: n }, (_, i) => i), [n]) };
}

test('flow: length, batch shapes, partial last batch, labels aligned with their images, reshuffled passes', async () => {
  const { x, y } = indexed(10);
  const it = new nt.ImageDataGenerator({ horizontalFlip: true }).flow(x, y, { batchSize: 4, seed: 1 });
  assert.equal(it.length, 3);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (let b = 0; b < 3; b++) {
    const { value } = await it.next();
    const [bx, by] = value;
    sizes.push(by.size);
    assert.deepEqual(bx.shape, [by.size, 2, 2, 1]);
    const bxv = bx.dataSync();
    const byv = by.dataSync();
    for (let i = 0; i < by.size; i++) {
      assert.equal(bxv[i * 4], byv[i]);
      seen.push(byv[i]);
    }
  }
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'one pass sees every sample once');
  const second: number[] = [];
  for (let b = 0; b < 3; b++) second.push(...(await it.next()).value[1].dataSync());
  assert.deepEqual([...second].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(second, seen, 'the second pass is reshuffled');
  const again = new nt.ImageDataGenerator({ horizontalFlip: true }).flow(x, y, { batchSize: 4, seed: 1 });
  assert.deepEqual(Array.from((await again.next()).value[1].dataSync()), seen.slice(0, 4), 'same seed, same order');
  const plain = new nt.ImageDataGenerator().flow(x, null, { batchSize: 4, shuffle: false });
  assert.deepEqual(Array.from((await plain.getBatch(2)).dataSync()), [8, 8, 8, 8, 9, 9, 9, 9], 'no y: batches are x alone, in order');
});

test('flow: sample weights ride along; subsets take the first fraction for validation', async () => {
  const { x, y } = indexed(10);
  const sw = nt.tensor(Float32Array.from({ length: 10 }, (_, i) => i * 10));
  const [, by, bw] = (await new nt.ImageDataGenerator().flow(x, y, { sampleWeight: sw, batchSize: 10, seed: 2 }).next()).value as readonly [nt.Tensor, nt.Tensor, nt.Tensor];
  const bwv = bw.dataSync();
  const byv = by.dataSync();
  for (let i = 0; i < 10; i++) assert.equal(bwv[i], byv[i] * 10);
  const g = new nt.ImageDataGenerator({ validationSplit: 0.3 });
  const labels = nt.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  const val = g.flow(x, labels, { subset: 'validation', shuffle: false, batchSize: 10 });
  const train = g.flow(x, labels, { subset: 'training', shuffle: false, batchSize: 10 });
  assert.equal(val.n, 3);
  assert.equal(train.n, 7);
  assert.deepEqual(Array.from((await val.next()).value[0].dataSync()).filter((_, i) => i % 4 === 0), [0, 1, 2]);
  assert.throws(() => g.flow(x, nt.tensor([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]), { subset: 'training' }), /different classes/);
  assert.throws(() => new nt.ImageDataGenerator().flow(x, y, { subset: 'training' }), /needs a validationSplit/);
  assert.throws(() => new nt.ImageDataGenerator().flow(nt.zeros([4, 4]), null), /rank-4/);
  assert.throws(() => new nt.ImageDataGenerator().flow(x, nt.zeros([3])), /same number of samples/);
});

test('fit consumes a flow iterator: steps per epoch from its length, validation from another iterator, batches fetched one ahead', async () => {
  const n = 64;
  const rng = new nt.Rng(4);
  const xs = new Float32Array(n * 16);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 2;
    for (let k = 0; k < 16; k++) xs[i * 16 + k] = (ys[i] ? 1 : -1) * (k % 4 < 2 ? 1 : 0.5) + 0.3 * rng.normal();
  }
  const x = nt.tensor(xs, [n, 4, 4, 1]);
  const y = nt.tensor(ys, [n, 1]);
  const g = new nt.ImageDataGenerator({ horizontalFlip: true, validationSplit: 0.25 });
  const train = g.flow(x, y, { batchSize: 8, seed: 1, subset: 'training' });
  const val = g.flow(x, y, { batchSize: 8, seed: 2, subset: 'validation' });
  let pulls = 0;
  const counted = {
    length: train.length,
    next: async () => {
      pulls++;
      return train.next();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const model = new nt.Sequential([new nt.Flatten({ inputShape: [4, 4, 1] }), new nt.Dense({ units: 1, activation: 'sigmoid' })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.05 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const batchesPerEpoch: number[] = [];
  let count = 0;
  const cb = new nt.LambdaCallback({ onTrainBatchEnd: () => void count++, onEpochEnd: () => void batchesPerEpoch.push(count) });
  const history = await model.fit(counted, { epochs: 3, validationData: val, verbose: 0, callbacks: [cb] });
  assert.equal(train.length, 6);
  assert.deepEqual(batchesPerEpoch, [6, 12, 18], 'steps per epoch default to the iterator length');
  assert.equal(pulls, 18, 'one pull per step: the prefetch stops after the last step');
  assert.equal(history.history.val_loss.length, 3);
  assert.ok(history.history.val_accuracy[2] >= 0.9, `validation accuracy ${history.history.val_accuracy[2]}`);
  const evaluated = (await model.evaluate(val, { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(evaluated.accuracy >= 0.9);
});

test('a failing batch in a prefetched source surfaces as the error of that step', async () => {
  let i = 0;
  const source = {
    async next(): Promise<IteratorResult<[nt.Tensor, nt.Tensor]>> {
      i++;
      if (i === 3) throw new Error('broken batch 3');
      return { value: [nt.ones([2, 3]), nt.zeros([2, 1])], done: false };
    },
  };
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [3] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  await assert.rejects(model.fit(source, { epochs: 1, stepsPerEpoch: 5, verbose: 0 }), /broken batch 3/);
});

test('fit restarts a re-iterable source each epoch; a one-shot generator runs out (with a warning)', async () => {
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [2] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const batch = (): [nt.Tensor, nt.Tensor] => [nt.ones([4, 2]), nt.zeros([4, 1])];
  const reiterable = {
    *[Symbol.iterator]() {
      yield batch();
      yield batch();
    },
  };
  let n = 0;
  const count = new nt.LambdaCallback({ onTrainBatchEnd: () => void n++ });
  await model.fit(reiterable, { epochs: 3, verbose: 0, callbacks: [count] });
  assert.equal(n, 6, 'two batches in each of three epochs');
  n = 0;
  const oneShot = reiterable[Symbol.iterator]();
  await model.fit(oneShot, { epochs: 3, verbose: 0, callbacks: [count] });
  assert.equal(n, 2, 'a generator object is consumed once');
});

test('classWeight applies to batches from an iterator; evaluation of a flow iterator starts from its first batch', async () => {
  const { x } = indexed(8);
  const y = nt.tensor([0, 1, 0, 1, 0, 1, 0, 1], [8, 1]);
  const lossWith = async (classWeight?: Record<number, number>): Promise<number> => {
    const model = new nt.Sequential([new nt.Flatten({ inputShape: [2, 2, 1] }), new nt.Dense({ units: 1, activation: 'sigmoid', kernelInitializer: 'ones' })]);
    model.compile({ optimizer: new nt.SGD({ learningRate: 0 }), loss: 'binary_crossentropy' });
    const it = new nt.ImageDataGenerator({ rescale: 0.1 }).flow(x, y, { batchSize: 8, shuffle: false });
    const h = await model.fit(it, { epochs: 1, verbose: 0, classWeight });
    return h.history.loss[0];
  };
  const plain = await lossWith();
  const weighted = await lossWith({ 0: 3, 1: 3 });
  assert.ok(Math.abs(weighted / plain - 3) < 1e-4, `class weights scale the loss: ${plain} → ${weighted}`);
  const model = new nt.Sequential([new nt.Flatten({ inputShape: [2, 2, 1] }), new nt.Dense({ units: 1 })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const val = new nt.ImageDataGenerator().flow(x, y, { batchSize: 2, shuffle: false });
  const first = await model.evaluate(val, { steps: 1, verbose: 0 });
  const again = await model.evaluate(val, { steps: 1, verbose: 0 });
  assert.equal(again, first, 'each evaluation restarts at batch 0');
});
