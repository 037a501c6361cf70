/**
 * Losses: every loss against float64 values worked out here from Keras' formulas (tf.keras 2
 * epsilons and clipping), the literal values of Keras' own docstring examples, reductions and
 * sample weights, fromLogits against the probability path, label smoothing, extreme logits,
 * the registry, and the gradient of each loss w.r.t. yPred against central differences of
 * the float64 reference loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import * as L from '../src/losses/index.js';
import { item } from './helpers/read.js';

type Rows = number[][];
const EPS = 1e-7;
const EPS32 = Math.fround(1e-7);
const ONE_M_EPS32 = Math.fround(1 - 1e-7);

// ---- float64 references (per sample, one row = one sample) ------------------------------

const meanOf = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sumOf = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);
const clipTo = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const rowwise = (f: (t: number[], p: number[]) => number) => (t: Rows, p: Rows): number[] => t.map((r, i) => f(r, p[i]));
const isBinary = (t: Rows): boolean => t.every((r) => r.every((v) => v === 0 || v === 1));
const logSoftmax = (x: number[]): number[] => {
  const m = Math.max(...x);
  const lse = m + Math.log(sumOf(x.map((v) => Math.exp(v - m))));
  return x.map((v) => v - lse);
};

const REF = {
  mse: rowwise((t, p) => meanOf(t.map((v, j) => (p[j] - v) ** 2))),
  mae: rowwise((t, p) => meanOf(t.map((v, j) => Math.abs(p[j] - v)))),
  mape: rowwise((t, p) => 100 * meanOf(t.map((v, j) => Math.abs((v - p[j]) / Math.max(Math.abs(v), EPS))))),
  msle: rowwise((t, p) => meanOf(t.map((v, j) => (Math.log(Math.max(p[j], EPS) + 1) - Math.log(Math.max(v, EPS) + 1)) ** 2))),
  hinge: (t: Rows, p: Rows): number[] => {
    const conv = isBinary(t);
    return rowwise((tr, pr) => meanOf(tr.map((v, j) => Math.max(1 - (conv ? 2 * v - 1 : v) * pr[j], 0))))(t, p);
  },
  squaredHinge: (t: Rows, p: Rows): number[] => {
    const conv = isBinary(t);
    return rowwise((tr, pr) => meanOf(tr.map((v, j) => Math.max(1 - (conv ? 2 * v - 1 : v) * pr[j], 0) ** 2)))(t, p);
  },
  categoricalHinge: rowwise((t, p) => Math.max(Math.max(...t.map((v, j) => (1 - v) * p[j])) - sumOf(t.map((v, j) => v * p[j])) + 1, 0)),
  logCosh: rowwise((t, p) => meanOf(t.map((v, j) => Math.log(Math.cosh(p[j] - v))))),
  huber: rowwise((t, p) => meanOf(t.map((v, j) => (Math.abs(p[j] - v) <= 1 ? 0.5 * (p[j] - v) ** 2 : Math.abs(p[j] - v) - 0.5)))),
  kld: rowwise((t, p) => sumOf(t.map((v, j) => clipTo(v, EPS, 1) * Math.log(clipTo(v, EPS, 1) / clipTo(p[j], EPS, 1))))),
  poisson: rowwise((t, p) => meanOf(t.map((v, j) => p[j] - v * Math.log(p[j] + EPS)))),
  cosine: rowwise((t, p) => {
    const nt2 = Math.sqrt(Math.max(sumOf(t.map((v) => v * v)), 1e-12));
    const np2 = Math.sqrt(Math.max(sumOf(p.map((v) => v * v)), 1e-12));
    return -sumOf(t.map((v, j) => (v / nt2) * (p[j] / np2)));
  }),
  bce: (ls = 0) => rowwise((t, p) => meanOf(t.map((v0, j) => {
    const v = v0 * (1 - ls) + 0.5 * ls;
    const q = clipTo(p[j], EPS32, ONE_M_EPS32);
    return -(v * Math.log(q + EPS) + (1 - v) * Math.log(1 - q + EPS));
  }))),
  bceLogits: (ls = 0) => rowwise((t, x) => meanOf(t.map((v0, j) => {
    const v = v0 * (1 - ls) + 0.5 * ls;
    return (1 - v) * softplus(x[j]) + v * softplus(-x[j]);
  }))),
  cce: (ls = 0) => rowwise((t, p) => {
    const s = sumOf(p);
    return -sumOf(t.map((v0, j) => (v0 * (1 - ls) + ls / t.length) * Math.log(clipTo(p[j] / s, EPS32, ONE_M_EPS32))));
  }),
  cceLogits: (ls = 0) => rowwise((t, x) => {
    const lsm = logSoftmax(x);
    return -sumOf(t.map((v0, j) => (v0 * (1 - ls) + ls / t.length) * lsm[j]));
  }),
  scce: (labels: number[], p: Rows): number[] => labels.map((c, i) => -logSoftmax(p[i].map((v) => Math.log(clipTo(v, EPS32, ONE_M_EPS32))))[c]),
  scceLogits: (labels: number[], x: Rows): number[] => labels.map((c, i) => -logSoftmax(x[i])[c]),
};

// ---- helpers ----------------------------------------------------------------------------

const t2 = (rows: Rows): Tensor => nt.tensor(rows);
const rowsOf = async (x: Tensor): Promise<Rows> => (await x.array()) as Rows;
const f32rows = (rows: Rows): Rows => rows.map((r) => r.map((v) => Math.fround(v)));

function close(actual: number | readonly number[], expected: number | readonly number[], tol: number, what: string): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `${what}: length ${a.length} vs ${e.length}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol * Math.max(1, Math.abs(e[i])), `${what}[${i}]: got ${v}, expected ${e[i]} (tol ${tol})`));
}

const values = async (x: Tensor): Promise<number[]> => Array.from(await x.data());

/** Random rows drawn by `draw` (float32-representable). */
function randRows(n: number, c: number, seed: number, draw: (rng: nt.Rng) => number): Rows {
  const rng = new nt.Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: c }, () => Math.fround(draw(rng))));
}

const oneHotRows = (labels: number[], c: number): Rows => labels.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0)));
const randLabels = (n: number, c: number, seed: number): number[] => {
  const rng = new nt.Rng(seed);
  return Array.from({ length: n }, () => rng.int(c));
};
const normalizeRows = (rows: Rows): Rows => f32rows(rows.map((r) => r.map((v) => v / sumOf(r))));

// ---- every loss against its float64 reference ------------------------------------------

interface Case {
  readonly name: string;
  readonly loss: L.Loss;
  readonly t: Rows;
  readonly p: Rows;
  readonly ref: (t: Rows, p: Rows) => number[];
}

const N = 6;
const C = 4;
const probsT = normalizeRows(randRows(N, C, 11, (r) => 0.05 + r.uniform()));
const probsP = normalizeRows(randRows(N, C, 12, (r) => 0.05 + r.uniform()));
const binT = randRows(N, C, 13, (r) => (r.uniform() < 0.5 ? 0 : 1));
const labels = randLabels(N, C, 14);

function cases(): Case[] {
  const gauss = (seed: number): Rows => randRows(N, C, seed, (r) => r.normal());
  const pos = (seed: number): Rows => randRows(N, C, seed, (r) => 0.1 + 2 * r.uniform());
  const signs = randRows(N, C, 15, (r) => (r.uniform() < 0.5 ? -1 : 1));
  return [
    { name: 'MeanSquaredError', loss: new L.MeanSquaredError(), t: gauss(1), p: gauss(2), ref: REF.mse },
    { name: 'MeanAbsoluteError', loss: new L.MeanAbsoluteError(), t: gauss(3), p: gauss(4), ref: REF.mae },
    { name: 'MeanAbsolutePercentageError', loss: new L.MeanAbsolutePercentageError(), t: gauss(5), p: gauss(6), ref: REF.mape },
    { name: 'MeanSquaredLogarithmicError', loss: new L.MeanSquaredLogarithmicError(), t: pos(7), p: pos(8), ref: REF.msle },
    { name: 'Hinge (0/1 labels)', loss: new L.Hinge(), t: binT, p: gauss(9), ref: REF.hinge },
    { name: 'Hinge (-1/1 labels)', loss: new L.Hinge(), t: signs, p: gauss(10), ref: REF.hinge },
    { name: 'SquaredHinge', loss: new L.SquaredHinge(), t: binT, p: gauss(16), ref: REF.squaredHinge },
    { name: 'CategoricalHinge', loss: new L.CategoricalHinge(), t: oneHotRows(labels, C), p: gauss(17), ref: REF.categoricalHinge },
    { name: 'LogCosh', loss: new L.LogCosh(), t: gauss(18), p: gauss(19), ref: REF.logCosh },
    { name: 'Huber', loss: new L.Huber(), t: gauss(20), p: gauss(21), ref: REF.huber },
    { name: 'KLDivergence', loss: new L.KLDivergence(), t: probsT, p: probsP, ref: REF.kld },
    { name: 'Poisson', loss: new L.Poisson(), t: pos(22), p: pos(23), ref: REF.poisson },
    { name: 'CosineSimilarity', loss: new L.CosineSimilarity(), t: gauss(24), p: gauss(25), ref: REF.cosine },
    { name: 'BinaryCrossentropy', loss: new L.BinaryCrossentropy(), t: binT, p: randRows(N, C, 26, (r) => 0.02 + 0.96 * r.uniform()), ref: REF.bce() },
    { name: 'BinaryCrossentropy fromLogits', loss: new L.BinaryCrossentropy({ fromLogits: true }), t: binT, p: randRows(N, C, 27, (r) => 4 * r.normal()), ref: REF.bceLogits() },
    { name: 'CategoricalCrossentropy', loss: new L.CategoricalCrossentropy(), t: oneHotRows(labels, C), p: pos(28), ref: REF.cce() },
    { name: 'CategoricalCrossentropy soft targets', loss: new L.CategoricalCrossentropy(), t: probsT, p: probsP, ref: REF.cce() },
    { name: 'CategoricalCrossentropy fromLogits', loss: new L.CategoricalCrossentropy({ fromLogits: true }), t: oneHotRows(labels, C), p: randRows(N, C, 29, (r) => 3 * r.normal()), ref: REF.cceLogits() },
  ];
}

for (const c of cases()) {
  test(`${c.name}: per-sample losses equal the float64 formula`, async () => {
    const got = c.loss.call(t2(c.t), t2(c.p));
    assert.deepEqual([...got.shape], [N]);
    close(await values(got), c.ref(c.t, c.p), 2e-5, c.name);
    close(await item(c.loss.compute(t2(c.t), t2(c.p))), meanOf(c.ref(c.t, c.p)), 2e-5, `${c.name} (reduced)`);
  });
}

test('SparseCategoricalCrossentropy: per-sample losses equal the float64 formula (labels [N] and [N, 1], probabilities and logits)', async () => {
  const p = randRows(N, C, 30, (r) => 0.05 + r.uniform());
  const x = randRows(N, C, 31, (r) => 3 * r.normal());
  const lab = nt.tensor(labels);
  const lab2 = nt.tensor(labels.map((l) => [l]));
  const probs = new L.SparseCategoricalCrossentropy();
  close(await values(probs.call(lab, t2(p))), REF.scce(labels, p), 2e-5, 'scce [N]');
  close(await values(probs.call(lab2, t2(p))), REF.scce(labels, p), 2e-5, 'scce [N,1]');
  close(await values(probs.call(nt.cast(lab, 'int32'), t2(p))), REF.scce(labels, p), 2e-5, 'scce int32 labels');
  close(await values(new L.SparseCategoricalCrossentropy({ fromLogits: true }).call(lab, t2(x))), REF.scceLogits(labels, x), 2e-5, 'scce logits');
  // Sparse equals categorical on one-hot targets.
  close(await values(probs.call(lab, t2(normalizeRows(p)))), await values(new L.CategoricalCrossentropy().call(t2(oneHotRows(labels, C)), t2(normalizeRows(p)))), 1e-6, 'scce = cce');
});

test('SparseCategoricalCrossentropy: per-pixel labels [N, H, W] against [N, H, W, C]', async () => {
  const x = nt.randomNormal([2, 3, 2, 4], { seed: 3 });
  const y = nt.tensor([[[0, 1], [2, 3], [1, 1]], [[3, 3], [0, 2], [2, 0]]]);
  const l = new L.SparseCategoricalCrossentropy({ fromLogits: true });
  const per = l.call(y, x);
  assert.deepEqual([...per.shape], [2, 3, 2]);
  const rows = await rowsOf(nt.reshape(x, [12, 4]));
  const labs = Array.from(await y.data());
  close(await values(per), REF.scceLogits(labs, rows), 2e-5, 'per-pixel');
  close(await item(l.compute(y, x)), meanOf(REF.scceLogits(labs, rows)), 2e-5, 'per-pixel mean');
});

// ---- Keras docstring examples (values printed to 3 decimals) and hand-verified literals --

interface Doc {
  readonly make: (reduction?: L.Reduction) => L.Loss;
  readonly t: Rows | number[];
  readonly p: Rows;
  readonly sw: number[];
  readonly auto: number;
  readonly weighted: number;
  readonly sum: number;
  readonly none: number[];
}

const DOCS: Record<string, Doc> = {
  MeanSquaredError: { make: (r) => new L.MeanSquaredError({ reduction: r }), t: [[0, 1], [0, 0]], p: [[1, 1], [1, 0]], sw: [0.7, 0.3], auto: 0.5, weighted: 0.25, sum: 1.0, none: [0.5, 0.5] },
  MeanAbsoluteError: { make: (r) => new L.MeanAbsoluteError({ reduction: r }), t: [[0, 1], [0, 0]], p: [[1, 1], [1, 0]], sw: [0.7, 0.3], auto: 0.5, weighted: 0.25, sum: 1.0, none: [0.5, 0.5] },
  MeanAbsolutePercentageError: { make: (r) => new L.MeanAbsolutePercentageError({ reduction: r }), t: [[2, 1], [2, 3]], p: [[1, 1], [1, 0]], sw: [0.7, 0.3], auto: 50, weighted: 20, sum: 100, none: [25, 75] },
  MeanSquaredLogarithmicError: { make: (r) => new L.MeanSquaredLogarithmicError({ reduction: r }), t: [[0, 1], [0, 0]], p: [[1, 1], [1, 0]], sw: [0.7, 0.3], auto: 0.24, weighted: 0.12, sum: 0.48, none: [0.24, 0.24] },
  Hinge: { make: (r) => new L.Hinge({ reduction: r }), t: [[0, 1], [0, 0]], p: [[0.6, 0.4], [0.4, 0.6]], sw: [1, 0], auto: 1.3, weighted: 0.55, sum: 2.6, none: [1.1, 1.5] },
  SquaredHinge: { make: (r) => new L.SquaredHinge({ reduction: r }), t: [[0, 1], [0, 0]], p: [[0.6, 0.4], [0.4, 0.6]], sw: [1, 0], auto: 1.86, weighted: 0.73, sum: 3.72, none: [1.46, 2.26] },
  CategoricalHinge: { make: (r) => new L.CategoricalHinge({ reduction: r }), t: [[0, 1], [0, 0]], p: [[0.6, 0.4], [0.4, 0.6]], sw: [1, 0], auto: 1.4, weighted: 0.6, sum: 2.8, none: [1.2, 1.6] },
  LogCosh: { make: (r) => new L.LogCosh({ reduction: r }), t: [[0, 1], [0, 0]], p: [[1, 1], [0, 0]], sw: [0.8, 0.2], auto: 0.108, weighted: 0.087, sum: 0.217, none: [0.217, 0] },
  KLDivergence: { make: (r) => new L.KLDivergence({ reduction: r }), t: [[0, 1], [0, 0]], p: [[0.6, 0.4], [0.4, 0.6]], sw: [0.8, 0.2], auto: 0.458, weighted: 0.366, sum: 0.916, none: [0.916, -3.08e-6] },
  Poisson: { make: (r) => new L.Poisson({ reduction: r }), t: [[0, 1], [0, 0]], p: [[1, 1], [0, 0]], sw: [0.8, 0.2], auto: 0.5, weighted: 0.4, sum: 0.999, none: [0.999, 0] },
  CosineSimilarity: { make: (r) => new L.CosineSimilarity({ axis: 1, reduction: r }), t: [[0, 1], [1, 1]], p: [[1, 0], [1, 1]], sw: [0.8, 0.2], auto: -0.5, weighted: -0.0999, sum: -0.999, none: [-0, -0.999] },
  'BinaryCrossentropy(fromLogits)': { make: (r) => new L.BinaryCrossentropy({ fromLogits: true, reduction: r }), t: [[0, 1], [0, 0]], p: [[-18.6, 0.51], [2.94, -12.8]], sw: [0.8, 0.2], auto: 0.865, weighted: 0.243, sum: 1.730, none: [0.235, 1.496] },
  CategoricalCrossentropy: { make: (r) => new L.CategoricalCrossentropy({ reduction: r }), t: [[0, 1, 0], [0, 0, 1]], p: [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], sw: [0.3, 0.7], auto: 1.177, weighted: 0.814, sum: 2.354, none: [0.0513, 2.303] },
  SparseCategoricalCrossentropy: { make: (r) => new L.SparseCategoricalCrossentropy({ reduction: r }), t: [1, 2], p: [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], sw: [0.3, 0.7], auto: 1.177, weighted: 0.814, sum: 2.354, none: [0.0513, 2.303] },
};

for (const [name, d] of Object.entries(DOCS)) {
  test(`${name}: Keras docstring example (auto, sample_weight, sum, none)`, async () => {
    const t = nt.tensor(d.t);
    const p = t2(d.p);
    // Keras prints these to 3 significant decimals, truncating: within 1e-3.
    close(await item(d.make().compute(t, p)), d.auto, 1e-3, `${name} auto`);
    close(await item(d.make().compute(t, p, nt.tensor(d.sw))), d.weighted, 1e-3, `${name} weighted`);
    close(await item(d.make('sum').compute(t, p)), d.sum, 1e-3, `${name} sum`);
    close(await values(d.make('none').compute(t, p)), d.none, 1e-3, `${name} none`);
  });
}

test('hand-verified literals: exact Keras values to 1e-6', async () => {
  // BinaryCrossentropy on probabilities: [−(2·log 0.4)/2, −(log 0.6 + log 0.4)/2] (ε shifts them by < 3e-7).
  const bce = new L.BinaryCrossentropy({ reduction: 'none' }).compute(t2([[0, 1], [0, 0]]), t2([[0.6, 0.4], [0.4, 0.6]]));
  close(await values(bce), [-Math.log(0.4), -(Math.log(0.6) + Math.log(0.4)) / 2], 1e-6, 'bce none');
  // KLDivergence second sample: 1e-7·(log(1e-7/0.4) + log(1e-7/0.6)).
  const kld = new L.KLDivergence({ reduction: 'none' }).compute(t2([[0, 1], [0, 0]]), t2([[0.6, 0.4], [0.4, 0.6]]));
  close((await values(kld))[1] * 1e6, 1e-7 * (Math.log(1e-7 / 0.4) + Math.log(1e-7 / 0.6)) * 1e6, 1e-5, 'kld tiny');
  // LogCosh: log(cosh(1))/2 for the first sample.
  close((await values(new L.LogCosh({ reduction: 'none' }).compute(t2([[0, 1], [0, 0]]), t2([[1, 1], [0, 0]]))))[0], Math.log(Math.cosh(1)) / 2, 1e-6, 'logcosh');
  // MSLE: (log 2)²/2 per sample.
  close(await item(new L.MeanSquaredLogarithmicError().compute(t2([[0, 1], [0, 0]]), t2([[1, 1], [1, 0]]))), Math.LN2 ** 2 / 2, 1e-6, 'msle');
  // Label smoothing 0.2, labels [1, 0] → [0.9, 0.1], p = [0.9, 0.2]: worked out by hand = 0.3434280.
  close(await item(new L.BinaryCrossentropy({ labelSmoothing: 0.2 }).compute(t2([[1, 0]]), t2([[0.9, 0.2]]))), 0.343428, 1e-6, 'bce smoothing');
  // CCE smoothing 0.3 over 3 classes: target [0.1, 0.8, 0.1] against [0.1, 0.7, 0.2] = 0.6765423.
  close(await item(new L.CategoricalCrossentropy({ labelSmoothing: 0.3 }).compute(t2([[0, 1, 0]]), t2([[0.1, 0.7, 0.2]]))), 0.6765423, 1e-6, 'cce smoothing');
  // Huber δ = 1: errors 0.5 (½·0.25) and 2 (2 − ½) → mean 0.8125.
  close(await item(new L.Huber().compute(t2([[0, 0]]), t2([[0.5, 2]]))), 0.8125, 1e-7, 'huber');
});

// ---- reductions and sample weights ------------------------------------------------------

test('reductions: none = per-sample, sum = Σ, sum_over_batch_size = Σ / count; sample weights of shape [N], [N, 1] and scalar', async () => {
  const t = t2(randRows(5, 3, 40, (r) => r.normal()));
  const p = t2(randRows(5, 3, 41, (r) => r.normal()));
  const w = [0.5, 2, 0, 1, 3];
  const per = REF.mse(await rowsOf(t), await rowsOf(p));
  const weighted = per.map((v, i) => v * w[i]);
  close(await values(new L.MeanSquaredError({ reduction: 'none' }).compute(t, p)), per, 1e-6, 'none');
  close(await values(new L.MeanSquaredError({ reduction: 'none' }).compute(t, p, nt.tensor(w))), weighted, 1e-6, 'none weighted');
  close(await item(new L.MeanSquaredError({ reduction: 'sum' }).compute(t, p, nt.tensor(w))), sumOf(weighted), 1e-6, 'sum');
  const mean = new L.MeanSquaredError();
  close(await item(mean.compute(t, p, nt.tensor(w))), sumOf(weighted) / 5, 1e-6, 'sum_over_batch_size divides by the count, not Σw');
  close(await item(mean.compute(t, p, nt.tensor(w.map((v) => [v])))), sumOf(weighted) / 5, 1e-6, '[N, 1] weights');
  close(await item(mean.compute(t, p, nt.scalar(2))), (2 * sumOf(per)) / 5, 1e-6, 'scalar weight');
  close(await item(new L.MeanSquaredError({ reduction: 'auto' }).compute(t, p)), meanOf(per), 1e-6, "'auto'");
});

test('reductions: sequence losses [N, T] with weights [N] broadcast over T; labels [N] against predictions [N, 1]', async () => {
  const t = nt.randomNormal([3, 4, 2], { seed: 5 });
  const p = nt.randomNormal([3, 4, 2], { seed: 6 });
  const per = new L.MeanAbsoluteError({ reduction: 'none' }).compute(t, p);
  assert.deepEqual([...per.shape], [3, 4]);
  const w = [1, 0, 2];
  const perRows = await rowsOf(per);
  const expected = sumOf(perRows.flatMap((r, i) => r.map((v) => v * w[i]))) / 12;
  close(await item(new L.MeanAbsoluteError().compute(t, p, nt.tensor(w))), expected, 1e-6, 'sequence weights');
  const y = nt.tensor([0, 1, 1]);
  const q = nt.tensor([[0.2], [0.7], [0.9]]);
  const perSample = new L.BinaryCrossentropy().call(y, q);
  assert.deepEqual([...perSample.shape], [3]);
  close(await values(perSample), [-Math.log(0.8), -Math.log(0.7), -Math.log(0.9)], 1e-6, 'bce [N] vs [N,1]');
});

test('SparseCategoricalCrossentropy ignoreClass: ignored entries give 0 and the mean is over valid entries only', async () => {
  const p = randRows(5, 3, 50, (r) => 0.1 + r.uniform());
  const labs = [0, 255, 2, 1, 255];
  const l = new L.SparseCategoricalCrossentropy({ ignoreClass: 255, reduction: 'none' });
  const per = await values(l.compute(nt.tensor(labs), t2(p)));
  const valid = [0, 2, 3];
  const ref = REF.scce([0, 0, 2, 1, 0], p);
  close(per, labs.map((c, i) => (c === 255 ? 0 : ref[i])), 2e-5, 'none');
  const mean = await item(new L.SparseCategoricalCrossentropy({ ignoreClass: 255 }).compute(nt.tensor(labs), t2(p)));
  close(mean, sumOf(valid.map((i) => ref[i])) / 3, 2e-5, 'mean over the 3 valid entries');
  const sw = [1, 5, 2, 0.5, 5];
  const wmean = await item(new L.SparseCategoricalCrossentropy({ ignoreClass: 255 }).compute(nt.tensor(labs), t2(p), nt.tensor(sw)));
  close(wmean, sumOf(valid.map((i) => ref[i] * sw[i])) / 3, 2e-5, 'weighted');
  // Thrown by the call where the labels can be read then, else (labels made on a GPU) by the next read.
  await assert.rejects(async () => {
    await new L.SparseCategoricalCrossentropy().call(nt.tensor(labs), t2(p)).data();
  }, /labels must be integers in \[0, 3\)/);
});

// ---- fromLogits, label smoothing, extreme values ------------------------------------------

test('fromLogits equals the probability path (sigmoid / softmax of the logits)', async () => {
  const x = t2(randRows(N, C, 60, (r) => 3 * r.normal()));
  const y = t2(binT);
  close(await values(new L.BinaryCrossentropy({ fromLogits: true }).call(y, x)), await values(new L.BinaryCrossentropy().call(y, nt.sigmoid(x))), 1e-4, 'bce');
  const oh = t2(oneHotRows(labels, C));
  close(await values(new L.CategoricalCrossentropy({ fromLogits: true }).call(oh, x)), await values(new L.CategoricalCrossentropy().call(oh, nt.softmax(x))), 1e-5, 'cce');
  const lab = nt.tensor(labels);
  close(await values(new L.SparseCategoricalCrossentropy({ fromLogits: true }).call(lab, x)), await values(new L.SparseCategoricalCrossentropy().call(lab, nt.softmax(x))), 1e-5, 'scce');
  close(await values(new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }).call(oh, x)), await values(new L.CategoricalCrossentropy({ labelSmoothing: 0.2 }).call(oh, nt.softmax(x))), 1e-5, 'cce smoothed');
});

test('label smoothing: BCE towards 0.5, CCE towards 1/C, against the float64 formulas', async () => {
  const p = randRows(N, C, 61, (r) => 0.05 + 0.9 * r.uniform());
  const x = randRows(N, C, 62, (r) => 2 * r.normal());
  close(await values(new L.BinaryCrossentropy({ labelSmoothing: 0.2 }).call(t2(binT), t2(p))), REF.bce(0.2)(binT, p), 2e-5, 'bce');
  close(await values(new L.BinaryCrossentropy({ labelSmoothing: 0.2, fromLogits: true }).call(t2(binT), t2(x))), REF.bceLogits(0.2)(binT, x), 2e-5, 'bce logits');
  const oh = oneHotRows(labels, C);
  close(await values(new L.CategoricalCrossentropy({ labelSmoothing: 0.1 }).call(t2(oh), t2(p))), REF.cce(0.1)(oh, p), 2e-5, 'cce');
  close(await values(new L.CategoricalCrossentropy({ labelSmoothing: 0.1, fromLogits: true }).call(t2(oh), t2(x))), REF.cceLogits(0.1)(oh, x), 2e-5, 'cce logits');
  const plain = new L.BinaryCrossentropy().call(t2(binT), t2(p));
  const smoothed = await values(new L.BinaryCrossentropy({ labelSmoothing: 0.2 }).call(t2(binT), t2(p)));
  assert.ok((await values(plain)).some((v, i) => Math.abs(v - smoothed[i]) > 1e-3), 'smoothing changes the loss');
});

test('extreme logits (±100) give finite, exact losses and finite gradients', async () => {
  const x = t2([[100, -100], [-100, 100]]);
  const bce = new L.BinaryCrossentropy({ fromLogits: true, reduction: 'none' });
  close(await values(bce.compute(t2([[0, 1], [1, 0]]), x)), [100, 100], 1e-6, 'bce wrong side');
  const right = await values(bce.compute(t2([[1, 0], [0, 1]]), x));
  assert.ok(right.every((v) => v >= 0 && v < 1e-30), `bce right side ≈ 0: ${right}`);
  const z = t2([[100, -100, 0]]);
  close(await item(new L.CategoricalCrossentropy({ fromLogits: true }).compute(t2([[0, 1, 0]]), z)), 200, 1e-6, 'cce');
  close(await item(new L.SparseCategoricalCrossentropy({ fromLogits: true }).compute(nt.tensor([2]), z)), 100, 1e-6, 'scce');
  const grads = [
    nt.grad((v) => bce.compute(t2([[0, 1], [1, 0]]), v).sum())(x),
    nt.grad((v) => new L.CategoricalCrossentropy({ fromLogits: true }).compute(t2([[0, 1, 0]]), v))(z),
    nt.grad((v) => new L.SparseCategoricalCrossentropy({ fromLogits: true }).compute(nt.tensor([1]), v))(z),
    nt.grad((v) => new L.BinaryCrossentropy().compute(t2([[0, 1]]), v))(t2([[1, 0]])),
  ];
  for (const g of grads) assert.ok((await values(g)).every(Number.isFinite), `finite gradient: ${await values(g)}`);
  close(await values(grads[0]), [0.5, -0.5, -0.5, 0.5], 1e-6, 'bce grad = (sigmoid(x) − y) / 2 (mean over the 2 columns)');
});

// ---- gradients against central differences of the float64 loss ----------------------------

/** d(loss)/d(yPred) from autograd against (L64(p + h) − L64(p − h)) / 2h of the float64 reference. */
async function checkLossGradient(name: string, f: (x: Tensor) => Tensor, p: Rows, ref: (p: Rows) => number, h = 1e-5): Promise<void> {
  const [g] = nt.grads(f)([t2(p)]);
  const analytic = await values(g);
  let peak = 0;
  let k = 0;
  for (let i = 0; i < p.length; i++) {
    for (let j = 0; j < p[i].length; j++, k++) {
      const plus = p.map((r) => [...r]);
      const minus = p.map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      const numeric = (ref(plus) - ref(minus)) / (2 * h);
      peak = Math.max(peak, Math.abs(numeric));
      const tol = 1e-6 + 2e-4 * Math.max(Math.abs(numeric), Math.abs(analytic[k]));
      assert.ok(Math.abs(analytic[k] - numeric) <= tol, `${name}: d/dp[${i}][${j}] analytic ${analytic[k]} vs numeric ${numeric}`);
    }
  }
  assert.ok(peak > 1e-3, `${name}: the gradient is zero everywhere checked; the check would be vacuous`);
}

/** Rows of values at least `margin` from every kink of g(value, column, row). */
function awayRows(n: number, c: number, seed: number, draw: (rng: nt.Rng) => number, ok: (v: number, i: number, j: number) => boolean): Rows {
  const rng = new nt.Rng(seed);
  return Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, j) => {
    for (;;) {
      const v = Math.fround(draw(rng));
      if (ok(v, i, j)) return v;
    }
  }));
}

test('gradients of every loss w.r.t. yPred match central differences of the float64 formula', async () => {
  const n = 4;
  const c = 3;
  const gt = randRows(n, c, 70, (r) => r.normal());
  const bt = randRows(n, c, 71, (r) => (r.uniform() < 0.5 ? 0 : 1));
  const labs = randLabels(n, c, 72);
  const oh = oneHotRows(labs, c);
  const pt = normalizeRows(randRows(n, c, 73, (r) => 0.1 + r.uniform()));
  const far = (m: number) => (v: number, i: number, j: number): boolean => Math.abs(v - gt[i][j]) > m;
  const signed = (v: number, i: number, j: number): boolean => Math.abs(1 - (2 * bt[i][j] - 1) * v) > 0.05;
  const gauss = (seed: number): Rows => randRows(n, c, seed, (r) => r.normal());
  const sw = nt.tensor([0.5, 1, 2, 1.5]);
  const mean = (ref: (t: Rows, p: Rows) => number[], t: Rows, w?: number[]) => (p: Rows): number => meanOf(ref(t, p).map((v, i) => v * (w ? w[i] : 1)));
  const G: [string, L.Loss, Rows, Rows, (t: Rows, p: Rows) => number[]][] = [
    ['mse', new L.MeanSquaredError(), gt, gauss(74), REF.mse],
    ['mae', new L.MeanAbsoluteError(), gt, awayRows(n, c, 75, (r) => r.normal(), far(0.05)), REF.mae],
    ['mape', new L.MeanAbsolutePercentageError(), gt, awayRows(n, c, 76, (r) => r.normal(), far(0.05)), REF.mape],
    ['msle', new L.MeanSquaredLogarithmicError(), pt, randRows(n, c, 77, (r) => 0.1 + 2 * r.uniform()), REF.msle],
    ['hinge', new L.Hinge(), bt, awayRows(n, c, 78, (r) => 2 * r.normal(), signed), REF.hinge],
    ['squared_hinge', new L.SquaredHinge(), bt, awayRows(n, c, 79, (r) => 2 * r.normal(), signed), REF.squaredHinge],
    ['categorical_hinge', new L.CategoricalHinge(), oh, randRows(n, c, 80, (r) => 0.3 * r.normal()), REF.categoricalHinge],
    ['log_cosh', new L.LogCosh(), gt, gauss(81), REF.logCosh],
    ['huber', new L.Huber(), gt, awayRows(n, c, 82, (r) => 2 * r.normal(), (v, i, j) => Math.abs(Math.abs(v - gt[i][j]) - 1) > 0.05), REF.huber],
    ['kl_divergence', new L.KLDivergence(), pt, normalizeRows(randRows(n, c, 83, (r) => 0.1 + r.uniform())), REF.kld],
    ['poisson', new L.Poisson(), pt, randRows(n, c, 84, (r) => 0.2 + r.uniform()), REF.poisson],
    ['cosine_similarity', new L.CosineSimilarity(), gt, gauss(85), REF.cosine],
    ['binary_crossentropy', new L.BinaryCrossentropy(), bt, randRows(n, c, 86, (r) => 0.05 + 0.9 * r.uniform()), REF.bce()],
    ['binary_crossentropy logits smoothed', new L.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), bt, gauss(87), REF.bceLogits(0.1)],
    ['categorical_crossentropy', new L.CategoricalCrossentropy(), oh, randRows(n, c, 88, (r) => 0.2 + r.uniform()), REF.cce()],
    ['categorical_crossentropy logits', new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), oh, gauss(89), REF.cceLogits(0.1)],
  ];
  for (const [name, loss, t, p, ref] of G) await checkLossGradient(name, (v) => loss.compute(t2(t), v), p, mean(ref, t));
  // Sample weights scale each sample's gradient.
  const w = Array.from(await sw.data());
  await checkLossGradient('mse weighted', (v) => new L.MeanSquaredError().compute(t2(gt), v, sw), gauss(90), mean(REF.mse, gt, w));
  const x = gauss(91);
  await checkLossGradient('sparse_categorical_crossentropy logits', (v) => new L.SparseCategoricalCrossentropy({ fromLogits: true }).compute(nt.tensor(labs), v), x, (q) => meanOf(REF.scceLogits(labs, q)));
  const q = randRows(n, c, 92, (r) => 0.1 + r.uniform());
  await checkLossGradient('sparse_categorical_crossentropy', (v) => new L.SparseCategoricalCrossentropy().compute(nt.tensor(labs), v), q, (v) => meanOf(REF.scce(labs, v)));
});

// ---- registry, config, errors -------------------------------------------------------------

test('getLoss: class names, snake_case, camelCase and Keras aliases resolve to the right class', () => {
  const expect: Record<string, string[]> = {
    MeanSquaredError: ['mean_squared_error', 'meanSquaredError', 'mse', 'MSE'],
    MeanAbsoluteError: ['mean_absolute_error', 'meanAbsoluteError', 'mae', 'MAE'],
    MeanAbsolutePercentageError: ['mean_absolute_percentage_error', 'meanAbsolutePercentageError', 'mape'],
    MeanSquaredLogarithmicError: ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError', 'msle'],
    SquaredHinge: ['squared_hinge', 'squaredHinge'],
    Hinge: ['hinge'],
    CategoricalHinge: ['categorical_hinge', 'categoricalHinge'],
    LogCosh: ['log_cosh', 'logCosh', 'logcosh'],
    CategoricalCrossentropy: ['categorical_crossentropy', 'categoricalCrossentropy'],
    SparseCategoricalCrossentropy: ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
    BinaryCrossentropy: ['binary_crossentropy', 'binaryCrossentropy'],
    KLDivergence: ['kl_divergence', 'klDivergence', 'kld', 'KLD', 'kullback_leibler_divergence'],
    Poisson: ['poisson'],
    CosineSimilarity: ['cosine_similarity', 'cosineSimilarity', 'cosine_proximity'],
    Huber: ['huber', 'huber_loss'],
  };
  for (const [cls, ids] of Object.entries(expect)) {
    for (const id of [cls, ...ids]) assert.equal(L.getLoss(id).getClassName(), cls, id);
  }
  assert.equal(L.getLoss('categorical_crossentropy').name, 'categorical_crossentropy');
  const own = new L.Hinge();
  assert.equal(L.getLoss(own), own);
});

test('getLoss: a plain function is wrapped (named after it, reduced like any loss)', async () => {
  function sumAbs(yTrue: Tensor, yPred: Tensor): Tensor {
    return nt.sum(nt.abs(nt.sub(yPred, yTrue)), -1);
  }
  const l = L.getLoss(sumAbs);
  assert.ok(l instanceof L.LossFunctionWrapper);
  assert.equal(l.name, 'sumAbs');
  close(await item(l.compute(t2([[1, 2], [3, 4]]), t2([[1, 3], [0, 4]]), nt.tensor([1, 2]))), (1 + 2 * 3) / 2, 1e-7, 'wrapped');
});

test('config round trip: getConfig (snake_case) and { class_name, config } rebuild an equal loss', () => {
  const losses: L.Loss[] = [
    new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1, axis: -1, reduction: 'sum', name: 'cce' }),
    new L.BinaryCrossentropy({ labelSmoothing: 0.2 }),
    new L.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 3 }),
    new L.CosineSimilarity({ axis: 1 }),
    new L.Huber({ delta: 2 }),
    new L.MeanSquaredError({ reduction: 'none' }),
  ];
  for (const l of losses) {
    const serial = { class_name: l.getClassName(), config: l.getConfig() };
    const back = L.getLoss(serial);
    assert.equal(back.getClassName(), l.getClassName());
    assert.deepEqual(back.getConfig(), l.getConfig());
  }
  assert.deepEqual(new L.CategoricalCrossentropy({ fromLogits: true }).getConfig(), { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0, axis: -1 });
  assert.deepEqual(new L.SparseCategoricalCrossentropy().getConfig(), { name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: false, ignore_class: null });
  const keras = L.getLoss({ class_name: 'BinaryCrossentropy', config: { from_logits: true, label_smoothing: 0, axis: -1, reduction: 'auto', name: 'binary_crossentropy' } });
  assert.equal((keras as L.BinaryCrossentropy).fromLogits, true);
  assert.equal(keras.reduction, 'sum_over_batch_size');
});

test('errors name the loss, the argument and what is allowed', () => {
  assert.throws(() => L.getLoss('categorical_crossentropyy'), /Unknown loss 'categorical_crossentropyy'.*categorical_crossentropy/s);
  assert.throws(() => new L.MeanSquaredError({ reduction: 'mean' as L.Reduction }), /reduction must be one of 'sum_over_batch_size', 'sum', 'none'/);
  assert.throws(() => new L.BinaryCrossentropy({ labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\]/);
  assert.throws(() => new L.CategoricalCrossentropy({ fromLogits: 'yes' as unknown as boolean }), /fromLogits must be true or false/);
  assert.throws(() => L.getLoss({ class_name: 'Hinge', config: { from_logits: true } }), /Hinge: unknown config key 'from_logits'/);
  assert.throws(() => new L.MeanSquaredError().compute(t2([[1, 2, 3]]), t2([[1, 2]])), /mean_squared_error: y_true and y_pred must have the same shape; got y_true \[1, 3\] and y_pred \[1, 2\]/);
  assert.throws(() => new L.SparseCategoricalCrossentropy().compute(nt.tensor([[1, 2]]), t2([[0.5, 0.5]])), /one integer label per row/);
  assert.throws(() => new L.MeanSquaredError().compute(t2([[1], [2]]), t2([[1], [2]]), nt.tensor([1, 2, 3])), /sample_weight of shape \[3\] does not fit/);
  assert.throws(() => L.getLoss(42 as unknown as string), /getLoss: expected a loss name/);
});
