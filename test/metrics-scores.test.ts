/**
 * FBetaScore, F1Score, R2Score and the confusion counts (TruePositives, …) against the
 * values of Keras 3's documentation and against direct computations (scikit-learn's
 * definitions written out), accumulation over batches, sample weights, configs and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

const close = (got: readonly number[], want: readonly number[], tol: number, what: string): void => {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `${what}: [${got.join(', ')}] vs [${want.join(', ')}]`));
};

const yTrue = nt.tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0]], undefined, 'int32');
const yPred = nt.tensor([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]);

test('FBetaScore and F1Score equal Keras\' documented values; micro, macro and weighted averages; argmax without a threshold', () => {
  const fb = new nt.metrics.FBetaScore({ beta: 2, threshold: 0.5 });
  fb.updateState(yTrue, yPred);
  close(fb.results(), [0.3846154, 0.90909094, 0.8333334], 1e-6, 'FBetaScore beta 2');
  assert.throws(() => fb.result(), /one score per class \(3\)/);
  const f1 = new nt.metrics.F1Score({ threshold: 0.5 });
  f1.updateState(yTrue, yPred);
  close(f1.results(), [0.5, 0.8, 0.6666667], 1e-6, 'F1Score');
  // Per class (threshold 0.5): tp [1, 2, 1], fp [0, 1, 1], fn [2, 0, 0]; true counts [3, 2, 1].
  const macro = new nt.metrics.F1Score({ threshold: 0.5, average: 'macro' });
  macro.updateState(yTrue, yPred);
  assert.ok(Math.abs(macro.result() - (0.5 + 0.8 + 2 / 3) / 3) < 1e-6);
  const weighted = new nt.metrics.F1Score({ threshold: 0.5, average: 'weighted' });
  weighted.updateState(yTrue, yPred);
  assert.ok(Math.abs(weighted.result() - (0.5 * 3 + 0.8 * 2 + (2 / 3) * 1) / 6) < 1e-6);
  // micro: tp 4, fp 2, fn 2 → P = R = 2/3.
  const micro = new nt.metrics.F1Score({ threshold: 0.5, average: 'micro' });
  micro.updateState(yTrue, yPred);
  assert.ok(Math.abs(micro.result() - 2 / 3) < 1e-6);
  // Without a threshold the largest prediction of each row is positive, ties included
  // (Keras: y_pred >= its row max): rows predict {2}, {1, 2}, {1} → tp [0, 1, 1], fp [0, 1, 1], fn [3, 1, 0].
  const arg = new nt.metrics.F1Score();
  arg.updateState(yTrue, yPred);
  close(arg.results(), [0, 0.5, 2 / 3], 1e-6, 'argmax');
  // Accumulation over two batches equals one batch of both; sample weights weigh rows.
  const two = new nt.metrics.F1Score({ threshold: 0.5, average: 'macro' });
  two.updateState(nt.slice(yTrue, [0, 0], [2, 3]), nt.slice(yPred, [0, 0], [2, 3]));
  two.updateState(nt.slice(yTrue, [2, 0], [1, 3]), nt.slice(yPred, [2, 0], [1, 3]));
  assert.ok(Math.abs(two.result() - macro.result()) < 1e-7);
  const w = new nt.metrics.F1Score({ threshold: 0.5, average: 'macro' });
  w.updateState(yTrue, yPred, nt.tensor([1, 0, 1]));
  const without = new nt.metrics.F1Score({ threshold: 0.5, average: 'macro' });
  without.updateState(nt.gather(yTrue, [0, 2]), nt.gather(yPred, [0, 2]));
  assert.ok(Math.abs(w.result() - without.result()) < 1e-7);
  w.resetState();
  close(w.results(), [0], 0, 'after reset');
  assert.throws(() => new nt.metrics.FBetaScore({ average: 'mean' as unknown as 'micro' }), /average must be null, 'micro', 'macro' or 'weighted'/);
  assert.throws(() => new nt.metrics.FBetaScore({ beta: 0 }), /beta must be a number > 0/);
  assert.throws(() => f1.updateState(nt.tensor([1, 0]), nt.tensor([0.3, 0.9])), /expects 2-D inputs/);
});

test('R2Score equals Keras\' documented value, per-output scores, variance weighting and the adjusted R²', () => {
  const r2 = new nt.metrics.R2Score();
  r2.updateState(nt.tensor([[1], [4], [3]]), nt.tensor([[2], [4], [4]]));
  assert.ok(Math.abs(r2.result() - 0.57142854) < 1e-6);
  // Two outputs: scikit-learn's r2 per column.
  const t = [[1, 10], [2, 20], [3, 35], [4, 35]];
  const p = [[1.5, 12], [1.5, 18], [3.5, 30], [3, 40]];
  const perColumn = [0, 1].map((c) => {
    const mean = t.reduce((s, r) => s + r[c], 0) / t.length;
    const ssTot = t.reduce((s, r) => s + (r[c] - mean) ** 2, 0);
    const ssRes = t.reduce((s, r, i) => s + (r[c] - p[i][c]) ** 2, 0);
    return { r2: 1 - ssRes / ssTot, ssTot };
  });
  const raw = new nt.metrics.R2Score({ classAggregation: null });
  raw.updateState(nt.tensor(t), nt.tensor(p));
  close(raw.results(), perColumn.map((c) => c.r2), 1e-5, 'per output');
  const vw = new nt.metrics.R2Score({ classAggregation: 'variance_weighted_average' });
  vw.updateState(nt.tensor(t), nt.tensor(p));
  const expected = (perColumn[0].r2 * perColumn[0].ssTot + perColumn[1].r2 * perColumn[1].ssTot) / (perColumn[0].ssTot + perColumn[1].ssTot);
  assert.ok(Math.abs(vw.result() - expected) < 1e-5);
  const adj = new nt.metrics.R2Score({ numRegressors: 1 });
  adj.updateState(nt.tensor(t), nt.tensor(p));
  const plain = (perColumn[0].r2 + perColumn[1].r2) / 2;
  assert.ok(Math.abs(adj.result() - (1 - ((1 - plain) * 3) / 2)) < 1e-5);
  assert.throws(() => new nt.metrics.R2Score({ numRegressors: -1 }), /numRegressors must be an integer ≥ 0/);
});

test('TruePositives, FalsePositives, TrueNegatives, FalseNegatives count with weights and thresholds; every new metric round-trips its config', () => {
  const t = nt.tensor([0, 1, 1, 1]);
  const p = nt.tensor([1, 0, 1, 1]);
  const counts = (Ctor: new () => nt.metrics.Metric, w?: nt.Tensor): number => {
    const m = new Ctor();
    m.updateState(t, p, w);
    return m.result();
  };
  // Keras' docstring: TruePositives on these with weights [0, 0, 1, 1] → 2; unweighted 2; FalsePositives → 1, FalseNegatives → 1, TrueNegatives → 0.
  assert.equal(counts(nt.metrics.TruePositives), 2);
  assert.equal(counts(nt.metrics.TruePositives, nt.tensor([0, 0, 1, 1])), 2);
  assert.equal(counts(nt.metrics.FalsePositives), 1);
  assert.equal(counts(nt.metrics.FalseNegatives), 1);
  assert.equal(counts(nt.metrics.TrueNegatives), 0);
  const multi = new nt.metrics.TruePositives({ thresholds: [0.1, 0.5, 0.95] });
  multi.updateState(nt.tensor([1, 1, 0]), nt.tensor([0.3, 0.7, 0.8]));
  assert.deepEqual(multi.results(), [2, 1, 0]);
  for (const m of [multi, new nt.metrics.FBetaScore({ beta: 0.5, average: 'weighted', threshold: 0.3 }), new nt.metrics.F1Score({ average: 'micro' }), new nt.metrics.R2Score({ classAggregation: null, numRegressors: 2 })]) {
    const back = nt.metrics.getMetric(JSON.parse(JSON.stringify(nt.serialize(m))) as nt.Serialized);
    assert.equal(back.getClassName(), m.getClassName());
    assert.deepEqual(back.getConfig(), m.getConfig());
  }
  assert.equal(nt.metrics.getMetric('f1_score').getClassName(), 'F1Score');
  assert.equal(nt.metrics.getMetric('true_positives').getClassName(), 'TruePositives');
});
