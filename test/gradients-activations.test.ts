/**
 * Gradient checks, activation family (relu … thresholdedRelu, softmax, logSoftmax).
 * Piecewise activations get inputs at least 0.1 from every kink or jump, more than the
 * step h = 1e-2, so x ± h stays on one piece. Seeded throughout.
 */
import { test, after } from 'node:test';
import * as nt from '../src/index.js';
import type { Shape, Tensor } from '../src/index.js';
import { type GradCheckOptions, awayFrom, awayFromZero, checkGradients, randn, totals } from './helpers/gradcheck.js';

after(() => console.log(`# gradcheck (activations): ${totals.calls} checks, ${totals.elements} input elements compared`));

interface Case {
  readonly op: string;
  readonly f: (x: Tensor) => Tensor;
  readonly input: (shape: Shape, seed: number) => Tensor;
  readonly options?: Omit<GradCheckOptions, 'name'>;
}

const CASES: readonly Case[] = [
  { op: 'relu', f: nt.relu, input: (s, k) => awayFromZero(s, k, 0.1, 2) },
  // relu6: kinks at 0 and 6; values on all three pieces.
  { op: 'relu6', f: nt.relu6, input: (s, k) => awayFrom(s, k, -2, 8, [0, 6], 0.1) },
  { op: 'leakyRelu', f: (x) => nt.leakyRelu(x), input: (s, k) => awayFromZero(s, k, 0.1, 2) },
  { op: 'leakyRelu(alpha 0.3)', f: (x) => nt.leakyRelu(x, 0.3), input: (s, k) => awayFromZero(s, k, 0.1, 2) },
  { op: 'elu', f: (x) => nt.elu(x), input: (s, k) => awayFromZero(s, k, 0.1, 3) },
  { op: 'elu(alpha 0.5)', f: (x) => nt.elu(x, 0.5), input: (s, k) => awayFromZero(s, k, 0.1, 3) },
  { op: 'selu', f: nt.selu, input: (s, k) => awayFromZero(s, k, 0.1, 3) },
  { op: 'sigmoid', f: nt.sigmoid, input: (s, k) => randn(s, k, 2) },
  // hardSigmoid(0.2, 0.5) bends where 0.2x + 0.5 is 0 or 1: x = ∓2.5.
  { op: 'hardSigmoid', f: (x) => nt.hardSigmoid(x), input: (s, k) => awayFrom(s, k, -4, 4, [-2.5, 2.5], 0.1) },
  // hardSigmoid(0.5, 0.2) bends at x = −0.4 and x = 1.6.
  { op: 'hardSigmoid(alpha 0.5, beta 0.2)', f: (x) => nt.hardSigmoid(x, 0.5, 0.2), input: (s, k) => awayFrom(s, k, -2, 3, [-0.4, 1.6], 0.1) },
  { op: 'tanh', f: nt.tanh, input: (s, k) => randn(s, k, 1.5) },
  // softplus: both branches of the stable formula (x > 0 and x ≤ 0).
  { op: 'softplus', f: nt.softplus, input: (s, k) => randn(s, k, 3) },
  // softsign's second derivative jumps at 0; stay away from it.
  { op: 'softsign', f: nt.softsign, input: (s, k) => awayFromZero(s, k, 0.1, 3) },
  { op: 'swish', f: nt.swish, input: (s, k) => randn(s, k, 2) },
  { op: 'gelu (exact)', f: (x) => nt.gelu(x), input: (s, k) => randn(s, k, 2) },
  { op: 'gelu (approximate)', f: (x) => nt.gelu(x, true), input: (s, k) => randn(s, k, 2) },
  // thresholdedRelu jumps at theta; values ≥ 0.1 from it.
  { op: 'thresholdedRelu', f: (x) => nt.thresholdedRelu(x), input: (s, k) => awayFrom(s, k, -1, 3, [1], 0.1) },
  { op: 'thresholdedRelu(theta 0.5)', f: (x) => nt.thresholdedRelu(x, 0.5), input: (s, k) => awayFrom(s, k, -1, 3, [0.5], 0.1) },
];

const SHAPES: readonly Shape[] = [[3, 4, 5], [7]];

CASES.forEach((c, k) => {
  SHAPES.forEach((shape, j) => {
    const name = `${c.op} ${nt.formatShape(shape)}`;
    test(name, async () => {
      await checkGradients(c.f, [c.input(shape, 1000 + 10 * k + j)], { name, ...c.options });
    });
  });
});

// Rank-0 inputs, at fixed points on an active piece.
const RANK0: readonly [string, (x: Tensor) => Tensor, number][] = [
  ['relu', nt.relu, 0.7],
  ['elu', (x) => nt.elu(x), -0.8],
  ['sigmoid', nt.sigmoid, -0.3],
  ['gelu', (x) => nt.gelu(x), 0.4],
  ['thresholdedRelu', (x) => nt.thresholdedRelu(x), 1.5],
];
for (const [op, f, v] of RANK0) {
  const name = `${op} rank-0 at ${v}`;
  test(name, async () => {
    await checkGradients(f, [nt.scalar(v)], { name });
  });
}

// ---- softmax / logSoftmax over the last, middle and first axes --------------------------

const SOFTMAX_CASES: readonly { readonly shape: Shape; readonly axis?: number }[] = [
  { shape: [3, 5] },
  { shape: [2, 4, 3], axis: -1 },
  { shape: [2, 4, 3], axis: 1 },
  { shape: [2, 4, 3], axis: 0 },
  { shape: [6] },
];

for (const log of [false, true]) {
  SOFTMAX_CASES.forEach(({ shape, axis }, j) => {
    const op = log ? 'logSoftmax' : 'softmax';
    const name = `${op} ${nt.formatShape(shape)} axis ${axis ?? 'default (-1)'}`;
    const f = (x: Tensor): Tensor => (log ? nt.logSoftmax(x, axis) : nt.softmax(x, axis));
    test(name, async () => {
      await checkGradients(f, [randn(shape, 1200 + 10 * j + (log ? 1 : 0), 2)], { name });
    });
  });
}

// Softmax feeding a further op (the usual cross-entropy composite).
test('softmax → log → mul (cross-entropy composite)', async () => {
  const labels = nt.oneHot([2, 0, 1], 4);
  const f = (x: Tensor): Tensor => nt.neg(nt.sum(nt.mul(labels, nt.log(nt.softmax(x))), -1));
  await checkGradients(f, [randn([3, 4], 1300)], { name: 'cross-entropy via softmax' });
});
