/**
 * BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice and Tversky against the
 * values of Keras 3's own documentation (keras/src/losses/losses.py docstrings), their
 * gradients by finite differences, configs and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients } from './helpers/gradcheck.js';

const near = async (t: Tensor, expected: number | readonly number[], tol: number, what: string): Promise<void> => {
  const got = Array.from(await t.data());
  const want = typeof expected === 'number' ? [expected] : expected;
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `${what}: ${got.join(', ')} vs ${want.join(', ')}`));
};

test('BinaryFocalCrossentropy equals Keras\' documented values (gamma, class balancing, sample weights, reductions)', async () => {
  const yt1 = nt.tensor([0, 1, 0, 0]);
  const yp1 = nt.tensor([-18.6, 0.51, 2.94, -12.8]);
  await near(new nt.losses.BinaryFocalCrossentropy({ gamma: 2, fromLogits: true }).compute(yt1, yp1), 0.691, 1e-3, 'example 1');
  await near(new nt.losses.BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 2, fromLogits: true }).compute(yt1, yp1), 0.51, 1e-2, 'example 1 balanced');
  const yt = nt.tensor([[0, 1], [0, 0]]);
  const yp = nt.tensor([[-18.6, 0.51], [2.94, -12.8]]);
  await near(new nt.losses.BinaryFocalCrossentropy({ gamma: 3, fromLogits: true }).compute(yt, yp), 0.647, 1e-3, 'gamma 3');
  await near(new nt.losses.BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 3, fromLogits: true }).compute(yt, yp), 0.482, 1e-3, 'gamma 3 balanced');
  await near(new nt.losses.BinaryFocalCrossentropy({ gamma: 3, fromLogits: true }).compute(yt, yp, nt.tensor([0.8, 0.2])), 0.133, 1e-3, 'sample weights');
  await near(new nt.losses.BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 3, fromLogits: true }).compute(yt, yp, nt.tensor([0.8, 0.2])), 0.097, 1e-3, 'sample weights balanced');
  await near(new nt.losses.BinaryFocalCrossentropy({ gamma: 4, fromLogits: true, reduction: 'sum' }).compute(yt, yp), 1.222, 1e-3, 'sum');
  await near(new nt.losses.BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 4, fromLogits: true, reduction: 'sum' }).compute(yt, yp), 0.914, 1e-3, 'sum balanced');
  await near(new nt.losses.BinaryFocalCrossentropy({ gamma: 5, fromLogits: true, reduction: 'none' }).compute(yt, yp), [0.0017, 1.1561], 1e-4, 'none');
  await near(new nt.losses.BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 5, fromLogits: true, reduction: 'none' }).compute(yt, yp), [0.0004, 0.867], 1e-4, 'none balanced');
  // The function's docstring: probabilities, gamma 2.
  await near(nt.losses.binaryFocalCrossentropy(nt.tensor([[0, 1], [0, 0]]), nt.tensor([[0.6, 0.4], [0.4, 0.6]]), { gamma: 2 }), [0.33, 0.206], 1e-3, 'function');
});

test('CategoricalFocalCrossentropy, Dice and Tversky equal Keras\' documented values', async () => {
  await near(nt.losses.categoricalFocalCrossentropy(nt.tensor([[0, 1, 0], [0, 0, 1]]), nt.tensor([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])), [2.63401289e-4, 6.75912094e-1], 1e-6, 'categorical focal');
  // Per-class alpha: class weights multiply each class's term.
  const yt = nt.tensor([[0, 1, 0], [0, 0, 1]]);
  const yp = nt.tensor([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]);
  const perClass = await nt.losses.categoricalFocalCrossentropy(yt, yp, { alpha: [1, 2, 3] }).data();
  const scalar = await nt.losses.categoricalFocalCrossentropy(yt, yp, { alpha: 1 }).data();
  assert.ok(Math.abs(perClass[0] / scalar[0] - 2) < 1e-6 && Math.abs(perClass[1] / scalar[1] - 3) < 1e-6, `${perClass} vs ${scalar}`);
  const dt = nt.tensor([[[[1], [1]], [[0], [0]]], [[[1], [1]], [[0], [0]]]]);
  const dp = nt.tensor([[[[0], [1]], [[0], [1]]], [[[0.4], [0]], [[0], [0.9]]]]);
  await near(nt.losses.dice(dt, dp, [1, 2, 3]), [0.5, 0.75757575], 1e-6, 'dice per sample');
  await near(nt.losses.dice(dt, dp), 0.6164384, 1e-6, 'dice');
  await near(new nt.losses.Dice({ axis: [1, 2, 3], reduction: 'none' }).compute(dt, dp), [0.5, 0.75757575], 1e-6, 'Dice class');
  // Tversky with α = β = 0.5 is Dice; α weighs false positives, β false negatives.
  await near(nt.losses.tversky(dt, dp, 0.5, 0.5, [1, 2, 3]), [0.5, 0.75757575], 1e-6, 'tversky = dice');
  // Sample 0: TP 1, FP 1, FN 1: 1 − 1/(1 + 0.7 + 0.3).
  await near(nt.losses.tversky(dt, dp, 0.7, 0.3, [1, 2, 3]), [1 - 1 / 2, 1 - 0.4 / (0.4 + 0.7 * 0.9 + 0.3 * 1.6)], 1e-6, 'tversky 0.7/0.3');
});

test('focal, Dice and Tversky losses: gradients by finite differences; configs round-trip; bad arguments are refused', async () => {
  const t = nt.tensor([[0, 1, 0], [1, 0, 0]]);
  const logits = nt.tensor([[0.3, -0.2, 1.1], [0.5, 0.1, -0.7]]);
  const probs = nt.softmax(logits);
  await checkGradients((p: Tensor) => nt.losses.binaryFocalCrossentropy(t, p, { fromLogits: true, applyClassBalancing: true }), [logits], { name: 'binary focal (logits)' });
  await checkGradients((p: Tensor) => nt.losses.categoricalFocalCrossentropy(t, p, { fromLogits: true }), [logits], { name: 'categorical focal (logits)' });
  await checkGradients((p: Tensor) => nt.losses.dice(t, p, [1]), [probs], { name: 'dice' });
  await checkGradients((p: Tensor) => nt.losses.tversky(t, p, 0.7, 0.3, [1]), [probs], { name: 'tversky' });
  for (const loss of [new nt.losses.BinaryFocalCrossentropy({ gamma: 3, alpha: 0.4, applyClassBalancing: true }), new nt.losses.CategoricalFocalCrossentropy({ alpha: [0.2, 0.3, 0.5] }), new nt.losses.Dice({ axis: [1] }), new nt.losses.Tversky({ alpha: 0.7, beta: 0.3 })]) {
    const back = nt.losses.getLoss(JSON.parse(JSON.stringify(nt.serialize(loss))) as nt.Serialized);
    assert.equal(back.getClassName(), loss.getClassName());
    assert.deepEqual(back.getConfig(), loss.getConfig());
    assert.deepEqual(await back.compute(t, probs).data(), await loss.compute(t, probs).data());
  }
  assert.equal(nt.losses.getLoss('binary_focal_crossentropy').getClassName(), 'BinaryFocalCrossentropy');
  assert.equal(nt.losses.getLoss('dice').getClassName(), 'Dice');
  assert.throws(() => new nt.losses.BinaryFocalCrossentropy({ gamma: -1 }), /gamma must be a finite number ≥ 0/);
  assert.throws(() => new nt.losses.CategoricalFocalCrossentropy({ alpha: 'x' as unknown as number }), /alpha must be a number or a list/);
  assert.throws(() => nt.losses.categoricalFocalCrossentropy(t, probs, { alpha: [1, 2] }), /alpha has 2 values for 3 classes/);
  assert.throws(() => new nt.losses.Dice({ axis: 'all' as unknown as number }), /axis must be an integer/);
});
