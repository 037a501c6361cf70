/**
 * Bad training data is rejected up front, and a diverging run stops itself.
 *
 * - NaN / ±Infinity in x, y or sample weights given to fit, evaluate, trainOnBatch,
 *   testOnBatch or validationData: an error naming the array, the sample (row) and the
 *   element's full index, before any weight changes.
 * - From a data source (generator): each batch is checked as it arrives; the error names the
 *   batch and the row, and the batches before it have trained.
 * - TerminateOnNaN (Keras): a real model with an absurd learning rate diverges; fit stops
 *   after the first batch whose loss is NaN/Inf, History holds that epoch, stopTraining is
 *   set and the weights are exactly those left by that batch.
 * Data: the first 2000 images of Debian's Fashion-MNIST test split, x/255.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { Sequential } from '../src/models/index.js';
import { Dense, Flatten } from '../src/layers/index.js';
import { LambdaCallback, TerminateOnNaN } from '../src/callbacks/index.js';
import { SGD } from '../src/optimizers/index.js';

const N = 2000;

interface Data {
  /** [N, 28, 28, 1] pixels / 255. */
  readonly pixels: Float32Array;
  /** [N] labels 0..9. */
  readonly labels: Int32Array;
}

let cached: Data | null = null;
async function data(): Promise<Data> {
  if (cached) return cached;
  const [x, y] = await nt.datasets.fashionMnist.loadSplit('test', { download: false });
  cached = {
    pixels: Float32Array.from(x.dataSync().subarray(0, N * 784), (v) => v / 255),
    labels: Int32Array.from(y.dataSync().subarray(0, N)),
  };
  return cached;
}

function oneHot(labels: Int32Array): Float32Array {
  const out = new Float32Array(labels.length * 10);
  labels.forEach((l, i) => (out[i * 10 + l] = 1));
  return out;
}

function model(): Sequential {
  const m = new Sequential([new Flatten({ inputShape: [28, 28, 1] }), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 10, activation: 'softmax' })]);
  m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'categorical_crossentropy' });
  return m;
}

function snapshot(m: Sequential): Float32Array[] {
  return m.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

function assertSameWeights(a: Float32Array[], b: Float32Array[]): void {
  assert.equal(a.length, b.length);
  a.forEach((w, i) => {
    assert.equal(w.length, b[i].length);
    for (let k = 0; k < w.length; k++) if (!Object.is(w[k], b[i][k])) assert.fail(`weight ${i} element ${k}: ${w[k]} vs ${b[i][k]}`);
  });
}

async function arrays(): Promise<{ x: Float32Array; y: Float32Array }> {
  const d = await data();
  return { x: d.pixels.slice(), y: oneHot(d.labels) };
}

test('fit: NaN in x is rejected up front with the row and the full element index; no weight changes', async () => {
  const { x, y } = await arrays();
  x[1234 * 784 + 5 * 28 + 7] = NaN; // element [1234, 5, 7, 0]
  const m = model();
  const before = snapshot(m);
  await assert.rejects(
    m.fit(nt.tensor(x, [N, 28, 28, 1]), nt.tensor(y, [N, 10]), { verbose: 0, epochs: 1 }),
    (e: Error) => e instanceof RangeError && /^fit \(model \w+\): x contains NaN in sample 1234 \(element 147 of that row\) at index \[1234, 5, 7, 0\]/.test(e.message),
  );
  assertSameWeights(snapshot(m), before);
});

test('fit: Infinity in the targets and in sample weights is named with its position', async () => {
  const { x, y } = await arrays();
  y[17 * 10 + 3] = Infinity;
  const m = model();
  const before = snapshot(m);
  await assert.rejects(m.fit(nt.tensor(x, [N, 28, 28, 1]), nt.tensor(y, [N, 10]), { verbose: 0 }), /y contains Infinity in sample 17 \(element 3 of that row\) at index \[17, 3\]/);
  const clean = oneHot((await data()).labels);
  const sw = new Float32Array(N).fill(1);
  sw[1999] = -Infinity;
  await assert.rejects(m.fit(nt.tensor(x, [N, 28, 28, 1]), nt.tensor(clean, [N, 10]), { verbose: 0, sampleWeight: nt.tensor(sw, [N]) }), /sampleWeight contains -Infinity in sample 1999 \(element 0 of that row\) at index \[1999\]/);
  assertSameWeights(snapshot(m), before);
});

test('fit: NaN in validationData is rejected before the first training step', async () => {
  const { x, y } = await arrays();
  const xv = x.slice(0, 100 * 784);
  xv[42 * 784 + 783] = NaN;
  const m = model();
  const before = snapshot(m);
  await assert.rejects(
    m.fit(nt.tensor(x, [N, 28, 28, 1]), nt.tensor(y, [N, 10]), { verbose: 0, validationData: [nt.tensor(xv, [100, 28, 28, 1]), nt.tensor(y.slice(0, 1000), [100, 10])] }),
    /validationData: x contains NaN in sample 42 \(element 783 of that row\) at index \[42, 27, 27, 0\]/,
  );
  assertSameWeights(snapshot(m), before);
});

test('evaluate, trainOnBatch and testOnBatch reject non-finite arrays with the position', async () => {
  const { x, y } = await arrays();
  const m = model();
  const before = snapshot(m);
  const bad = x.slice(0, 64 * 784);
  bad[63 * 784 + 28 * 10] = -Infinity; // [63, 10, 0, 0]
  const xb = nt.tensor(bad, [64, 28, 28, 1]);
  const yb = nt.tensor(y.slice(0, 640), [64, 10]);
  await assert.rejects(m.evaluate(xb, yb, { verbose: 0 }), /^RangeError: evaluate \(model \w+\): x contains -Infinity in sample 63 \(element 280 of that row\) at index \[63, 10, 0, 0\]/);
  await assert.rejects(() => m.trainOnBatch(xb, yb), /trainOnBatch \(model \w+\): x contains -Infinity in sample 63 .*at index \[63, 10, 0, 0\]/);
  await assert.rejects(() => m.testOnBatch(xb, yb), /testOnBatch \(model \w+\): x contains -Infinity in sample 63/);
  assertSameWeights(snapshot(m), before);
  // The clean batch still trains (the check does not reject finite data).
  const loss = await m.trainOnBatch(nt.tensor(x.slice(0, 64 * 784), [64, 28, 28, 1]), yb);
  assert.ok(Number.isFinite(loss as number));
});

test('fit from a generator: each batch is checked as it arrives; the error names the batch and row, earlier batches trained', async () => {
  const { x, y } = await arrays();
  const batch = 50;
  function* source(): Generator<[nt.Tensor, nt.Tensor]> {
    for (let b = 0; b < 6; b++) {
      const xs = x.slice(b * batch * 784, (b + 1) * batch * 784);
      if (b === 3) xs[7 * 784 + 400] = NaN; // batch 3, row 7, [7, 14, 8, 0]
      yield [nt.tensor(xs, [batch, 28, 28, 1]), nt.tensor(y.slice(b * batch * 10, (b + 1) * batch * 10), [batch, 10])];
    }
  }
  const m = model();
  const trained: number[] = [];
  let afterLast: Float32Array[] = [];
  const spy = new LambdaCallback({ onTrainBatchEnd: (b) => { trained.push(b); afterLast = snapshot(m); } });
  await assert.rejects(m.fit(source(), { verbose: 0, callbacks: [spy] }), /fit \(model \w+\): x of batch 3 contains NaN in sample 7 \(element 400 of that row\) at index \[7, 14, 8, 0\]/);
  assert.deepEqual(trained, [0, 1, 2]);
  assertSameWeights(snapshot(m), afterLast);
  // evaluate on a source names the batch too.
  function* evalSource(): Generator<[nt.Tensor, nt.Tensor]> {
    yield [nt.tensor(x.slice(0, 784 * 10), [10, 28, 28, 1]), nt.tensor(y.slice(0, 100), [10, 10])];
    const ys = y.slice(0, 100);
    ys[4 * 10 + 9] = Infinity;
    yield [nt.tensor(x.slice(0, 784 * 10), [10, 28, 28, 1]), nt.tensor(ys, [10, 10])];
  }
  await assert.rejects(m.evaluate(evalSource(), { verbose: 0 }), /y of batch 1 contains Infinity in sample 4 \(element 9 of that row\) at index \[4, 9\]/);
});

test('TerminateOnNaN: a real model with an absurd learning rate stops after the batch whose loss is not finite', async () => {
  const d = await data();
  // Linear regression of the label from the pixels with SGD at lr 1000: every step multiplies
  // the error by about lr·|x|² ≫ 1, so the loss overflows float32 within a few batches.
  const x = nt.tensor(d.pixels, [N, 784]);
  const y = nt.tensor(Float32Array.from(d.labels), [N, 1]);
  const m = new Sequential([new Dense({ units: 1, inputShape: [784] })]);
  m.compile({ optimizer: new SGD({ learningRate: 1000 }), loss: 'mse' });
  const losses: number[] = [];
  const weightsAfter: Float32Array[][] = [];
  const spy = new LambdaCallback({
    onTrainBatchEnd: (_b, logs) => {
      losses.push(logs.loss as number);
      weightsAfter.push(snapshot(m));
    },
  });
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  let history: nt.History;
  try {
    // The spy runs before TerminateOnNaN so it sees the stopping batch too.
    history = await m.fit(x, y, { batchSize: 32, epochs: 5, shuffle: false, verbose: 0, callbacks: [spy, new TerminateOnNaN()] });
  } finally {
    console.log = log;
  }
  const firstBad = losses.findIndex((l) => !Number.isFinite(l));
  assert.ok(firstBad > 0, `the loss should start finite and then diverge; got ${losses.slice(0, 5).join(', ')}`);
  assert.ok(firstBad < Math.ceil(N / 32), 'it diverges within the first epoch');
  assert.equal(losses.length, firstBad + 1, 'no batch ran after the first non-finite loss');
  assert.equal(m.stopTraining, true);
  assert.deepEqual(history.epoch, [0], 'fit ended in the first of 5 epochs');
  assert.equal(history.history.loss.length, 1);
  assert.ok(!Number.isFinite(history.history.loss[0]), `History records the invalid loss; got ${history.history.loss[0]}`);
  assertSameWeights(snapshot(m), weightsAfter[firstBad]);
  assert.deepEqual(printed, [`Batch ${firstBad}: Invalid loss, terminating training`]);
});
