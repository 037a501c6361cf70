/**
 * Metrics: the stateful property (batches accumulate to the value over the concatenated
 * data, which is not the mean of batch values), resetState, sample weights, Keras' docstring
 * examples, float64 references worked out here, Keras' 'accuracy' resolution rule, and
 * Precision/Recall/AUC against brute-force counts (AUC against the exact Mann–Whitney area,
 * within the error of Keras' thresholds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import * as M from '../src/metrics/index.js';
import * as L from '../src/losses/index.js';

type Rows = number[][];

const close = (a: number, e: number, tol: number, what: string): void => assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}: got ${a}, expected ${e} (tol ${tol})`);
const sumOf = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);
const meanOf = (v: readonly number[]): number => sumOf(v) / v.length;
const weightedMean = (v: readonly number[], w?: readonly number[]): number => (w ? sumOf(v.map((x, i) => x * w[i])) / sumOf(w) : meanOf(v));
const argmaxOf = (r: readonly number[]): number => r.indexOf(Math.max(...r));

function randRows(n: number, c: number, seed: number, draw: (rng: nt.Rng) => number): Rows {
  const rng = new nt.Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: c }, () => Math.fround(draw(rng))));
}
const randInts = (n: number, hi: number, seed: number): number[] => {
  const rng = new nt.Rng(seed);
  return Array.from({ length: n }, () => rng.int(hi));
};
const oneHotRows = (labels: readonly number[], c: number): Rows => labels.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0)));

/** Rows [start, start + size) of a tensor. */
const rowsSlice = (x: Tensor, start: number, size: number): Tensor => nt.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [size, ...x.shape.slice(1)]);

const BATCHES = [3, 5, 4];
const N = 12;
const C = 5;

/** Feeds the data in BATCHES to a fresh metric; returns it and the per-batch results. */
async function feed(make: () => M.Metric, t: Tensor, p: Tensor, w?: Tensor): Promise<{ metric: M.Metric; perBatch: number[] }> {
  const metric = make();
  const perBatch: number[] = [];
  let start = 0;
  for (const size of BATCHES) {
    const one = make();
    const args: [Tensor, Tensor, Tensor?] = [rowsSlice(t, start, size), rowsSlice(p, start, size), w && rowsSlice(w, start, size)];
    metric.updateState(...args);
    one.updateState(...args);
    perBatch.push((await one.resultAsync()));
    start += size;
  }
  return { metric, perBatch };
}

// ---- the stateful property against float64 references ------------------------------------

interface Case {
  readonly name: string;
  readonly make: () => M.Metric;
  readonly t: Tensor;
  readonly p: Tensor;
  /** The value over the whole data (weights per sample), in float64. */
  readonly ref: (w?: number[]) => number;
}

const probs = randRows(N, C, 1, (r) => r.uniform());
const labels = randInts(N, C, 2);
const bin = randRows(N, 3, 3, (r) => (r.uniform() < 0.5 ? 0 : 1));
const binP = randRows(N, 3, 4, (r) => r.uniform());
const reg = randRows(N, 3, 5, (r) => r.normal());
const regP = randRows(N, 3, 6, (r) => r.normal());

function inTopK(row: readonly number[], target: number, k: number): number {
  return row.filter((v) => v > row[target]).length < k ? 1 : 0;
}

function cases(): Case[] {
  const perRow = (f: (i: number) => number) => (w?: number[]): number => weightedMean(Array.from({ length: N }, (_, i) => f(i)), w);
  return [
    { name: 'BinaryAccuracy', make: () => new M.BinaryAccuracy(), t: nt.tensor(bin), p: nt.tensor(binP), ref: perRow((i) => meanOf(bin[i].map((v, j) => (v === (binP[i][j] > 0.5 ? 1 : 0) ? 1 : 0)))) },
    { name: 'BinaryAccuracy(threshold 0.7)', make: () => new M.BinaryAccuracy({ threshold: 0.7 }), t: nt.tensor(bin), p: nt.tensor(binP), ref: perRow((i) => meanOf(bin[i].map((v, j) => (v === (binP[i][j] > 0.7 ? 1 : 0) ? 1 : 0)))) },
    { name: 'CategoricalAccuracy', make: () => new M.CategoricalAccuracy(), t: nt.tensor(oneHotRows(labels, C)), p: nt.tensor(probs), ref: perRow((i) => (argmaxOf(probs[i]) === labels[i] ? 1 : 0)) },
    { name: 'SparseCategoricalAccuracy', make: () => new M.SparseCategoricalAccuracy(), t: nt.tensor(labels), p: nt.tensor(probs), ref: perRow((i) => (argmaxOf(probs[i]) === labels[i] ? 1 : 0)) },
    { name: 'SparseCategoricalAccuracy [N, 1] labels', make: () => new M.SparseCategoricalAccuracy(), t: nt.tensor(labels.map((l) => [l])), p: nt.tensor(probs), ref: perRow((i) => (argmaxOf(probs[i]) === labels[i] ? 1 : 0)) },
    { name: 'TopKCategoricalAccuracy(k=2)', make: () => new M.TopKCategoricalAccuracy({ k: 2 }), t: nt.tensor(oneHotRows(labels, C)), p: nt.tensor(probs), ref: perRow((i) => inTopK(probs[i], labels[i], 2)) },
    { name: 'SparseTopKCategoricalAccuracy(k=3)', make: () => new M.SparseTopKCategoricalAccuracy({ k: 3 }), t: nt.tensor(labels), p: nt.tensor(probs), ref: perRow((i) => inTopK(probs[i], labels[i], 3)) },
    { name: 'MeanSquaredError', make: () => new M.MeanSquaredError(), t: nt.tensor(reg), p: nt.tensor(regP), ref: perRow((i) => meanOf(reg[i].map((v, j) => (regP[i][j] - v) ** 2))) },
    { name: 'MeanAbsoluteError', make: () => new M.MeanAbsoluteError(), t: nt.tensor(reg), p: nt.tensor(regP), ref: perRow((i) => meanOf(reg[i].map((v, j) => Math.abs(regP[i][j] - v)))) },
    { name: 'MeanAbsolutePercentageError', make: () => new M.MeanAbsolutePercentageError(), t: nt.tensor(reg), p: nt.tensor(regP), ref: perRow((i) => 100 * meanOf(reg[i].map((v, j) => Math.abs((v - regP[i][j]) / Math.max(Math.abs(v), 1e-7))))) },
    { name: 'RootMeanSquaredError', make: () => new M.RootMeanSquaredError(), t: nt.tensor(reg), p: nt.tensor(regP), ref: (w) => Math.sqrt(weightedMean(reg.map((r, i) => meanOf(r.map((v, j) => (regP[i][j] - v) ** 2))), w)) },
    { name: 'Precision', make: () => new M.Precision(), t: nt.tensor(bin), p: nt.tensor(binP), ref: (w) => confusionRef(bin, binP, 0.5, w).precision },
    { name: 'Recall', make: () => new M.Recall(), t: nt.tensor(bin), p: nt.tensor(binP), ref: (w) => confusionRef(bin, binP, 0.5, w).recall },
    { name: 'AUC', make: () => new M.AUC(), t: nt.tensor(bin), p: nt.tensor(binP), ref: (w) => bucketAuc(bin.flat(), binP.flat(), M.aucThresholds(200), w && bin.flatMap((r, i) => r.map(() => w[i]))) },
  ];
}

/** Brute-force weighted confusion counts at one threshold (predictions > threshold). */
function confusionRef(t: Rows, p: Rows, threshold: number, w?: number[]): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  t.forEach((r, i) => r.forEach((v, j) => {
    const wt = w ? w[i] : 1;
    const pos = p[i][j] > threshold;
    if (pos && v !== 0) tp += wt;
    else if (pos) fp += wt;
    else if (v !== 0) fn += wt;
  }));
  return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

/**
 * Keras' interpolated ROC AUC computed independently as a Mann–Whitney count over
 * threshold buckets: a positive beats a negative when more thresholds lie below it; pairs in
 * one bucket count ½. (The trapezoids through the ROC points sum to exactly this.)
 */
function bucketAuc(t: readonly number[], p: readonly number[], thresholds: readonly number[], w?: readonly number[]): number {
  const thr = thresholds.map((x) => Math.fround(x));
  const bucket = (v: number): number => thr.filter((x) => v > x).length;
  return pairAuc(t, p.map(bucket), w);
}

/** Σ w⁺w⁻ ([s⁺ > s⁻] + ½[s⁺ = s⁻]) / (Σw⁺ Σw⁻): the exact area under the ROC of scores s. */
function pairAuc(t: readonly number[], s: readonly number[], w?: readonly number[]): number {
  let num = 0;
  let wp = 0;
  let wn = 0;
  t.forEach((ti, i) => {
    if (ti !== 0) wp += w ? w[i] : 1;
    else wn += w ? w[i] : 1;
  });
  t.forEach((ti, i) => {
    if (ti === 0) return;
    t.forEach((tj, j) => {
      if (tj !== 0) return;
      const ww = (w ? w[i] : 1) * (w ? w[j] : 1);
      num += s[i] > s[j] ? ww : s[i] === s[j] ? ww / 2 : 0;
    });
  });
  return num / (wp * wn);
}

const weights = Array.from({ length: N }, (_, i) => [0.5, 2, 0, 1, 3, 1.5][i % 6]);

for (const c of cases()) {
  test(`${c.name}: batches accumulate to the value over all the data (float64 reference), with and without sample weights`, async () => {
    const whole = c.make();
    whole.updateState(c.t, c.p);
    close((await whole.resultAsync()), c.ref(), 1e-6, `${c.name} whole`);
    const { metric } = await feed(c.make, c.t, c.p);
    close((await metric.resultAsync()), c.ref(), 1e-6, `${c.name} batched`);
    const wt = nt.tensor(weights);
    const weighted = await feed(c.make, c.t, c.p, wt);
    close((await weighted.metric.resultAsync()), c.ref(weights), 1e-6, `${c.name} weighted`);
    assert.ok(Math.abs(c.ref(weights) - c.ref()) > 1e-4, `${c.name}: the weights must change the value for this check to mean anything`);
  });
}

test('stateful: the epoch value is not the mean of batch values (accuracy, MSE and the Mean used for the loss)', async () => {
  for (const c of cases().filter((x) => ['SparseCategoricalAccuracy', 'MeanSquaredError', 'BinaryAccuracy'].includes(x.name))) {
    const { metric, perBatch } = await feed(c.make, c.t, c.p);
    assert.ok(Math.abs(meanOf(perBatch) - (await metric.resultAsync())) > 1e-3, `${c.name}: batch mean ${meanOf(perBatch)} vs epoch ${(await metric.resultAsync())} — pick data where they differ`);
    close((await metric.resultAsync()), c.ref(), 1e-6, c.name);
  }
  // The loss mean of compile(): batch losses weighted by batch sizes.
  const m = new M.Mean({ name: 'loss' });
  m.updateState(2, 32);
  m.updateState(4, 16);
  close((await m.resultAsync()), (2 * 32 + 4 * 16) / 48, 1e-7, 'Mean of batch losses');
  assert.equal(m.name, 'loss');
});

test('resetState zeroes the state; the metric then behaves like a fresh one', async () => {
  for (const c of cases()) {
    const m = c.make();
    m.updateState(c.t, c.p, nt.tensor(weights));
    m.resetState();
    assert.ok(m.variables.length >= 2, `${c.name} has state variables`);
    for (const v of m.variables) assert.ok(Array.from(await v.data()).every((x) => x === 0), `${c.name}: ${v.name} is zero after reset`);
    assert.ok(m.variables.every((v) => !v.trainable), `${c.name}: state is not trainable`);
    m.updateState(rowsSlice(c.t, 0, 5), rowsSlice(c.p, 0, 5));
    const fresh = c.make();
    fresh.updateState(rowsSlice(c.t, 0, 5), rowsSlice(c.p, 0, 5));
    assert.equal((await m.resultAsync()), (await fresh.resultAsync()), c.name);
  }
});

// ---- Keras docstring examples ------------------------------------------------------------

test('Keras docstring examples: Mean, accuracies, regression metrics', async () => {
  const T = (x: unknown): Tensor => nt.tensor(x as number[]);
  const check = async (m: M.Metric, t: unknown, p: unknown, plain: number, sw: number[], weighted: number, what: string): Promise<void> => {
    m.updateState(T(t), T(p));
    close((await m.resultAsync()), plain, 1e-6, `${what}`);
    m.resetState();
    m.updateState(T(t), T(p), nt.tensor(sw));
    close((await m.resultAsync()), weighted, 1e-6, `${what} weighted`);
  };
  const mean = new M.Mean();
  mean.updateState(T([1, 3, 5, 7]));
  close((await mean.resultAsync()), 4, 0, 'Mean');
  mean.resetState();
  mean.updateState(T([1, 3, 5, 7]), T([1, 1, 0, 0]));
  close((await mean.resultAsync()), 2, 0, 'Mean weighted');
  await check(new M.BinaryAccuracy(), [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], 0.75, [1, 0, 0, 1], 0.5, 'BinaryAccuracy');
  await check(new M.CategoricalAccuracy(), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3, 'CategoricalAccuracy');
  await check(new M.SparseCategoricalAccuracy(), [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3, 'SparseCategoricalAccuracy');
  await check(new M.TopKCategoricalAccuracy({ k: 1 }), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3, 'TopKCategoricalAccuracy');
  await check(new M.SparseTopKCategoricalAccuracy({ k: 1 }), [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3, 'SparseTopKCategoricalAccuracy');
  await check(new M.MeanSquaredError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.25, [1, 0], 0.5, 'MeanSquaredError');
  await check(new M.MeanAbsoluteError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.25, [1, 0], 0.5, 'MeanAbsoluteError');
  await check(new M.MeanAbsolutePercentageError(), [[0, 1], [0, 0]], [[1, 1], [0, 0]], 250000000, [1, 0], 500000000, 'MeanAbsolutePercentageError');
  await check(new M.Precision(), [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, [0, 0, 1, 0], 1, 'Precision');
  await check(new M.Recall(), [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, [0, 0, 1, 0], 1, 'Recall');
  await check(new M.AUC({ numThresholds: 3 }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], 0.75, [1, 0, 0, 1], 1, 'AUC');
  const top2 = new M.Precision({ topK: 2 });
  top2.updateState(T([0, 0, 1, 1]), T([1, 1, 1, 1]));
  close((await top2.resultAsync()), 0, 0, 'Precision topK=2 (ties: lower index first)');
  const top4 = new M.Precision({ topK: 4 });
  top4.updateState(T([0, 0, 1, 1]), T([1, 1, 1, 1]));
  close((await top4.resultAsync()), 0.5, 0, 'Precision topK=4');
});

test('in_top_k: a target tied with the k-th value counts; out-of-range and non-finite targets do not', async () => {
  const p = nt.tensor([[0.3, 0.3, 0.3, 0.1], [0.5, 0.2, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [Number.NaN, 0.2, 0.3, 0.4]]);
  assert.deepEqual(Array.from(await M.inTopK(p, nt.tensor([2, 2, 7, 0]), 1).data()), [1, 0, 0, 0]);
  assert.deepEqual(Array.from(await M.inTopK(p, nt.tensor([3, 1, 3, 3]), 2).data()), [0, 1, 1, 1]);
});

// ---- Precision and Recall options --------------------------------------------------------

test('Precision/Recall: several thresholds, classId, topK and [N] weights over [N, C] predictions against brute-force counts', async () => {
  const t = nt.tensor(bin);
  const p = nt.tensor(binP);
  const thresholds = [0.2, 0.5, 0.8];
  const prec = new M.Precision({ thresholds });
  const rec = new M.Recall({ thresholds });
  prec.updateState(t, p, nt.tensor(weights));
  rec.updateState(t, p, nt.tensor(weights));
  const precs = await prec.resultsAsync();
  const recs = await rec.resultsAsync();
  thresholds.forEach((th, i) => {
    close(precs[i], confusionRef(bin, binP, th, weights).precision, 1e-6, `precision@${th}`);
    close(recs[i], confusionRef(bin, binP, th, weights).recall, 1e-6, `recall@${th}`);
  });
  await assert.rejects(() => prec.resultAsync(), /3 thresholds; read them with results\(\)/);
  // classId: only column 1.
  const col = (rows: Rows, j: number): Rows => rows.map((r) => [r[j]]);
  const pc = new M.Precision({ classId: 1 });
  pc.updateState(t, p);
  close((await pc.resultAsync()), confusionRef(col(bin, 1), col(binP, 1), 0.5).precision, 1e-6, 'classId');
  // topK = 1 over 3 columns: only each row's largest prediction may be positive (threshold −1e10).
  const top = binP.map((r) => r.map((v, j) => (j === argmaxOf(r) ? v : -1e10)));
  const rk = new M.Recall({ topK: 1 });
  rk.updateState(t, p);
  close((await rk.resultAsync()), confusionRef(bin, top, -1e10).recall, 1e-6, 'recall topK');
  const pk = new M.Precision({ topK: 1, thresholds: 0.6 });
  pk.updateState(t, p);
  close((await pk.resultAsync()), confusionRef(bin, top, 0.6).precision, 1e-6, 'precision topK + threshold');
  assert.notEqual(confusionRef(bin, top, 0.6).precision, confusionRef(bin, binP, 0.6).precision, 'topK changes the value');
});

// ---- AUC ------------------------------------------------------------------------------

test('AUC (ROC, interpolation) on random data: equals the threshold-bucket Mann–Whitney count and the exact area within the bucket error', async () => {
  const n = 60;
  const rng = new nt.Rng(77);
  const y = Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0));
  const s = y.map((v) => Math.fround(Math.min(1, Math.max(0, 0.5 + 0.25 * (v ? 1 : -1) * 0.6 + 0.25 * rng.normal()))));
  const w = y.map(() => 0.5 + rng.uniform());
  for (const numThresholds of [200, 11]) {
    for (const ws of [undefined, w]) {
      const m = new M.AUC({ numThresholds });
      m.updateState(nt.tensor(y), nt.tensor(s), ws && nt.tensor(ws));
      const thr = M.aucThresholds(numThresholds);
      const keras = bucketAuc(y, s, thr, ws);
      close((await m.resultAsync()), keras, 1e-6, `AUC(${numThresholds}) vs bucket count`);
      // Interpolation error: pairs sharing a bucket count ½ instead of 0 or 1.
      const exact = pairAuc(y, s, ws);
      const b = s.map((v) => thr.filter((x) => v > Math.fround(x)).length);
      let shared = 0;
      y.forEach((yi, i) => y.forEach((yj, j) => {
        if (yi === 1 && yj === 0 && b[i] === b[j]) shared += (ws ? ws[i] * ws[j] : 1) / 2;
      }));
      const wp = sumOf(y.map((v, i) => (v ? (ws ? ws[i] : 1) : 0)));
      const wn = sumOf(y.map((v, i) => (v ? 0 : ws ? ws[i] : 1)));
      const bound = shared / (wp * wn);
      assert.ok(Math.abs((await m.resultAsync()) - exact) <= bound + 1e-6, `AUC(${numThresholds}) ${(await m.resultAsync())} vs exact ${exact}: error above the bound ${bound}`);
      if (numThresholds === 200) assert.ok(bound < 0.01, `with 200 thresholds the bound is small (${bound})`);
      else assert.ok(Math.abs((await m.resultAsync()) - exact) > 1e-4, 'with 11 thresholds the approximation visibly differs from the exact area');
    }
  }
});

test('AUC: PR interpolation (Davis & Goadrich), minoring/majoring, explicit thresholds, fromLogits', async () => {
  const y = nt.tensor([0, 0, 1, 1]);
  const s = nt.tensor([0, 0.5, 0.3, 0.9]);
  const run = async (args: M.AucArgs, p: Tensor = s): Promise<number> => {
    const m = new M.AUC(args);
    m.updateState(y, p);
    return (await m.resultAsync());
  };
  // tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2]: slopes [1/3, 1], intercepts [2/3, 0],
  // P ratios [4, 1] → (1/3)(1 + (2/3)·ln 4)/2 + 1·1/2.
  close(await run({ numThresholds: 3, curve: 'PR' }), ((1 / 3) * (1 + (2 / 3) * Math.log(4))) / 2 + 0.5, 1e-6, 'PR interpolation');
  close(await run({ numThresholds: 3, summationMethod: 'minoring' }), 0.5, 1e-7, 'ROC minoring');
  close(await run({ numThresholds: 3, summationMethod: 'majoring' }), 1, 1e-7, 'ROC majoring');
  close(await run({ numThresholds: 3, curve: 'PR', summationMethod: 'minoring' }), 0.25, 1e-7, 'PR minoring');
  close(await run({ numThresholds: 3, curve: 'PR', summationMethod: 'majoring' }), 1, 1e-7, 'PR majoring');
  close(await run({ thresholds: [0.5] }), 0.75, 1e-7, 'explicit thresholds = numThresholds 3');
  const logits = nt.tensor([-3, 0.2, -0.4, 2]);
  close(await run({ fromLogits: true }, logits), await run({}, nt.sigmoid(logits)), 1e-7, 'fromLogits');
  const m = new M.AUC({ numThresholds: 3 });
  assert.deepEqual(m.thresholds.map((x) => x), [-1e-7, 0.5, 1 + 1e-7]);
  assert.equal(M.aucThresholds(200).length, 200);
  close(M.aucThresholds(200)[1], 1 / 199, 1e-15, 'first inner threshold');
});

// ---- 'accuracy' resolution -----------------------------------------------------------------

test("resolveAccuracy follows Keras' rule and names the metric as written", async () => {
  const kind = (info: M.AccuracyInfo, id: 'accuracy' | 'acc' = 'accuracy'): [string, string] => {
    const m = M.resolveAccuracy(id, info);
    return [m.getClassName(), m.name];
  };
  assert.deepEqual(kind({ lossName: 'binary_crossentropy', yPredShape: [32, 5], yTrueShape: [32, 5] }), ['BinaryAccuracy', 'accuracy']);
  assert.deepEqual(kind({ lossName: 'BinaryCrossentropy', yPredShape: [32, 5] }, 'acc'), ['BinaryAccuracy', 'acc']);
  assert.deepEqual(kind({ lossName: 'mean_squared_error', yPredShape: [32, 1], yTrueShape: [32, 1] }), ['BinaryAccuracy', 'accuracy']);
  assert.deepEqual(kind({ lossName: 'sparse_categorical_crossentropy', yPredShape: [32, 10], yTrueShape: [32] }), ['SparseCategoricalAccuracy', 'accuracy']);
  assert.deepEqual(kind({ lossName: 'sparseCategoricalCrossentropy', yPredShape: [32, 10] }), ['SparseCategoricalAccuracy', 'accuracy']);
  assert.deepEqual(kind({ lossName: 'my_loss', yPredShape: [32, 10], yTrueShape: [32] }), ['SparseCategoricalAccuracy', 'accuracy']);
  assert.deepEqual(kind({ lossName: 'my_loss', yPredShape: [32, 10], yTrueShape: [32, 1] }, 'acc'), ['SparseCategoricalAccuracy', 'acc']);
  assert.deepEqual(kind({ lossName: 'categorical_crossentropy', yPredShape: [32, 10], yTrueShape: [32, 10] }), ['CategoricalAccuracy', 'accuracy']);
  assert.deepEqual(kind({ yPredShape: [32, 10] }), ['CategoricalAccuracy', 'accuracy']);
  // Through getMetric, and for 'crossentropy'.
  assert.equal(M.getMetric('acc', { lossName: 'binary_crossentropy', yPredShape: [4, 1] }).getClassName(), 'BinaryAccuracy');
  assert.equal(M.getMetric('crossentropy', { yPredShape: [4, 3], yTrueShape: [4] }).getClassName(), 'SparseCategoricalCrossentropy');
  assert.throws(() => M.getMetric('accuracy'), /depends on the loss and the output shape/);
  // The resolved metric computes the right thing on such data.
  const m = M.resolveAccuracy('accuracy', { lossName: 'sparse_categorical_crossentropy', yPredShape: [N, C], yTrueShape: [N] });
  m.updateState(nt.tensor(labels), nt.tensor(probs));
  close((await m.resultAsync()), meanOf(labels.map((l, i) => (argmaxOf(probs[i]) === l ? 1 : 0))), 1e-7, 'resolved value');
});

// ---- registry and config -------------------------------------------------------------------

test('getMetric: identifiers, names as written, functions and losses wrapped in a mean, config round trip', async () => {
  const expect: Record<string, string[]> = {
    BinaryAccuracy: ['binary_accuracy', 'binaryAccuracy'],
    CategoricalAccuracy: ['categorical_accuracy', 'categoricalAccuracy'],
    SparseCategoricalAccuracy: ['sparse_categorical_accuracy', 'sparseCategoricalAccuracy'],
    TopKCategoricalAccuracy: ['top_k_categorical_accuracy', 'topKCategoricalAccuracy'],
    SparseTopKCategoricalAccuracy: ['sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy'],
    MeanSquaredError: ['mse', 'MSE', 'mean_squared_error', 'meanSquaredError'],
    MeanAbsoluteError: ['mae', 'mean_absolute_error', 'meanAbsoluteError'],
    MeanAbsolutePercentageError: ['mape', 'mean_absolute_percentage_error', 'meanAbsolutePercentageError'],
    Precision: ['precision'],
    Recall: ['recall'],
    AUC: ['auc'],
    Mean: ['mean'],
  };
  for (const [cls, ids] of Object.entries(expect)) {
    assert.equal(M.getMetric(cls).getClassName(), cls);
    for (const id of ids) {
      const m = M.getMetric(id);
      assert.equal(m.getClassName(), cls, id);
      assert.equal(m.name, id, `${id} is named as written`);
    }
  }
  assert.equal(M.getMetric('AUC').name, 'auc');
  assert.equal(M.getMetric('TopKCategoricalAccuracy').name, 'top_k_categorical_accuracy');
  function absError(yTrue: Tensor, yPred: Tensor): Tensor {
    return nt.abs(nt.sub(yPred, yTrue)).reshape([yTrue.shape[0]]);
  }
  const f = M.getMetric(absError);
  assert.equal(f.name, 'absError');
  f.updateState(nt.tensor([[1], [2]]), nt.tensor([[2], [5]]));
  f.updateState(nt.tensor([[0]]), nt.tensor([[1]]));
  close((await f.resultAsync()), (1 + 3 + 1) / 3, 1e-7, 'wrapped function');
  const viaLoss = M.getMetric(new L.CategoricalCrossentropy());
  assert.equal(viaLoss.name, 'categorical_crossentropy');
  viaLoss.updateState(nt.tensor([[0, 1, 0], [0, 0, 1]]), nt.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]));
  close((await viaLoss.resultAsync()), (-Math.log(0.95) - Math.log(0.1)) / 2, 1e-5, 'wrapped loss');
  const own = new M.Recall();
  assert.equal(M.getMetric(own), own);
  for (const m of [new M.AUC({ numThresholds: 50, curve: 'PR', fromLogits: true }), new M.AUC({ thresholds: [0.3, 0.6] }), new M.Precision({ thresholds: [0.3, 0.6], classId: 2 }), new M.Recall({ topK: 3 }), new M.BinaryAccuracy({ threshold: 0.3, name: 'ba' }), new M.SparseTopKCategoricalAccuracy({ k: 2 })]) {
    const back = M.getMetric({ class_name: m.getClassName(), config: m.getConfig() });
    assert.equal(back.getClassName(), m.getClassName());
    assert.deepEqual(back.getConfig(), m.getConfig());
  }
  assert.deepEqual(new M.BinaryAccuracy().getConfig(), { name: 'binary_accuracy', dtype: 'float32', threshold: 0.5 });
});

test('errors name the metric, the argument and what is allowed', async () => {
  assert.throws(() => M.getMetric('accurracy'), /Unknown metric 'accurracy'.*categorical_accuracy/s);
  assert.throws(() => new M.AUC({ curve: 'XY' as M.AucCurve }), /curve must be one of 'ROC', 'PR'/);
  assert.throws(() => new M.AUC({ numThresholds: 1 }), /numThresholds must be at least 2/);
  assert.throws(() => new M.Precision({ thresholds: [0.5, 1.5] }), /thresholds must be a number or a non-empty list of numbers in \[0, 1\]/);
  assert.throws(() => new M.TopKCategoricalAccuracy({ k: 0 }), /k must be at least 1/);
  assert.throws(() => new M.CategoricalAccuracy().updateState(nt.tensor([[0, 1]]), nt.tensor([[0.1, 0.2, 0.7]])), /categorical_accuracy: y_true and y_pred must have the same shape; got y_true \[1, 2\] and y_pred \[1, 3\]/);
  assert.throws(() => new M.SparseCategoricalAccuracy().updateState(nt.tensor([[0, 1]]), nt.tensor([[0.1, 0.9]])), /one label per row/);
  assert.throws(() => new M.Mean().updateState(nt.tensor([1, 2]), nt.tensor([1, 2, 3])), /sample_weight of shape \[3\] does not fit/);
  assert.throws(() => M.getMetric({ class_name: 'Precision', config: { top_kk: 1 } }), /Precision: unknown config key 'top_kk'/);
});
