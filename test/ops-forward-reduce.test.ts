/**
 * Forward values of reductions (sum, mean, max, min, prod over arbitrary axis sets, with and
 * without keepDims), argmax/argmin, cumsum, softmax/logSoftmax, logSumExp, moments and matmul
 * against float64 references (test/helpers/reference.ts), on seeded random shapes.
 *
 * Tolerances (u = 2⁻²⁴): sums, means, cumsum and matmul use the summation bound of
 * `sumTolerance` (|a − b| ≤ u·|b| + (n + 1)·u·Σ|terms|, n = terms per output; it holds for any
 * summation order in float32); max, min and argmax/argmin are exact; a product of n factors
 * carries ≤ n roundings, so (n + 1)·u·|b|. Softmax-family tolerances are derived at their tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { item } from './helpers/read.js';
import {
  type Nd, type ReduceKind, type Shape, Gen, U, absNd, argReduce, assertClose, assertExact, binary, cumsum, fromTensor, logSumExp, matmul, nd, reduce, shapeText,
  sizeOf, softmax, sumTolerance,
} from './helpers/reference.js';

interface ReduceCase {
  readonly shape: Shape;
  /** undefined: all axes. */
  readonly axes: readonly number[] | undefined;
  /** Pass a single axis as a number rather than a list. */
  readonly asNumber: boolean;
  readonly keepDims: boolean;
}

/** Fixed cases (non-contiguous and negative axes, size-1 axes, rank 0, empty axis list, sizes above the native cutoff) plus random ones. */
function reduceCases(seed: number, random: number): ReduceCase[] {
  const fixed: ReduceCase[] = [
    { shape: [2, 3, 4], axes: [0, 2], asNumber: false, keepDims: false },
    { shape: [2, 3, 4], axes: [0, 2], asNumber: false, keepDims: true },
    { shape: [3, 1, 4, 2], axes: [-1, 1], asNumber: false, keepDims: true },
    { shape: [2, 3, 4, 5], axes: [1, 3], asNumber: false, keepDims: false },
    { shape: [], axes: undefined, asNumber: false, keepDims: false },
    { shape: [5], axes: [], asNumber: false, keepDims: false },
    { shape: [7], axes: [0], asNumber: true, keepDims: true },
    { shape: [33, 70], axes: [1], asNumber: true, keepDims: false },
    { shape: [8, 9, 40], axes: [0, 2], asNumber: false, keepDims: false },
    { shape: [8, 9, 40], axes: undefined, asNumber: false, keepDims: true },
  ];
  const g = new Gen(seed);
  for (let i = 0; i < random; i++) {
    const rank = g.int(1, 4);
    const shape = Array.from({ length: rank }, () => (g.bool(0.2) ? 1 : g.int(2, 6)));
    const chosen = g.perm(rank).slice(0, g.int(1, rank)).map((a) => (g.bool(0.3) ? a - rank : a));
    const all = g.bool(0.15);
    fixed.push({ shape, axes: all ? undefined : chosen, asNumber: !all && chosen.length === 1 && g.bool(), keepDims: g.bool() });
  }
  return fixed;
}

const REDUCERS: Record<ReduceKind, (x: Tensor, axis?: number | readonly number[], keepDims?: boolean) => Tensor> = {
  sum: nt.sum, mean: nt.mean, max: nt.max, min: nt.min, prod: nt.prod,
};

/** Number of elements folded into each output. */
const reductionLength = (c: ReduceCase): number => (c.axes === undefined ? sizeOf(c.shape) : c.axes.reduce((s, a) => s * c.shape[a < 0 ? a + c.shape.length : a], 1));

describe('reductions over axis sets', () => {
  for (const kind of ['sum', 'mean', 'max', 'min', 'prod'] as const) {
    test(kind, async (t) => {
      const cases = reduceCases(1000, 20);
      const g = new Gen(1001);
      for (const c of cases) {
        const n = reductionLength(c);
        // prod: factors of magnitude in [1 − w, 1 + w], w = min(0.5, 2/√n), with random signs keep
        // products of up to thousands of factors well inside the float32 range.
        const w = Math.min(0.5, 2 / Math.sqrt(n));
        const x = kind === 'prod' ? nt.mul(g.uniform(c.shape, 1 - w, 1 + w), nt.sub(nt.mul(g.ints(c.shape, 0, 1).cast('float32'), 2), 1)) : g.normal(c.shape);
        const axis = c.asNumber && c.axes ? c.axes[0] : c.axes;
        const y = REDUCERS[kind](x, axis, c.keepDims);
        const xs = await fromTensor(x);
        const expected = reduce(xs, kind, c.axes, c.keepDims);
        const what = `${kind} ${shapeText(c.shape)} axes ${JSON.stringify(axis)} keepDims ${c.keepDims}`;
        if (kind === 'max' || kind === 'min') await assertExact(y, expected, what);
        else if (kind === 'prod') await assertClose(y, expected, what, (b) => (n + 1) * U * Math.abs(b));
        else await assertClose(y, expected, what, sumTolerance(expected, reduce(absNd(xs), kind, c.axes, c.keepDims), n));
      }
      t.diagnostic(`${cases.length} cases`);
    });
  }
});

test('argmax/argmin: first extreme on every axis, ties included; int32 result', async (t) => {
  const g = new Gen(1100);
  let cases = 0;
  for (const shape of [[7], [3, 4], [2, 3, 4], [4, 1, 3], [1, 5], [2, 3, 2, 3], [40, 60]] as Shape[]) {
    for (let axis = -shape.length; axis < shape.length; axis++) {
      // Small integers make ties common, so "first occurrence" is exercised.
      const x = g.bool() ? g.ints(shape, -2, 2).cast('float32') : g.normal(shape);
      for (const kind of ['max', 'min'] as const) {
        const y = kind === 'max' ? nt.argmax(x, axis) : nt.argmin(x, axis);
        assert.equal(y.dtype, 'int32');
        await assertExact(y, argReduce(await fromTensor(x), axis, kind), `arg${kind} ${shapeText(shape)} axis ${axis}`);
        cases++;
      }
    }
  }
  const x = nt.tensor([[1, 5, 5], [7, 7, 0]]);
  assert.deepEqual([...(await nt.argmax(x).data())], [1, 0], 'argmax defaults to the last axis and takes the first maximum');
  assert.deepEqual([...(await nt.argmin(x).data())], [0, 2]);
  t.diagnostic(`${cases + 1} cases`);
});

test('cumsum: every axis, exclusive and reverse', async (t) => {
  const g = new Gen(1200);
  let cases = 0;
  for (const shape of [[6], [3, 4], [2, 3, 4], [1, 5, 1], [3, 1, 2, 4], [50, 45]] as Shape[]) {
    for (let axis = 0; axis < shape.length; axis++) {
      const exclusive = g.bool();
      const reverse = g.bool();
      const ax = g.bool() ? axis - shape.length : axis;
      const x = g.normal(shape);
      const xs = await fromTensor(x);
      const expected = cumsum(xs, ax, exclusive, reverse);
      const tol = sumTolerance(expected, cumsum(absNd(xs), ax, exclusive, reverse), shape[axis]);
      await assertClose(nt.cumsum(x, ax, exclusive, reverse), expected, `cumsum ${shapeText(shape)} axis ${ax} exclusive ${exclusive} reverse ${reverse}`, tol);
      cases++;
    }
  }
  const x = nt.tensor([1, 2, 3, 4]);
  await assertExact(nt.cumsum(x, 0, true, false), nd([4], [0, 1, 3, 6]), 'exclusive');
  await assertExact(nt.cumsum(x, 0, false, true), nd([4], [10, 9, 7, 4]), 'reverse');
  await assertExact(nt.cumsum(x, 0, true, true), nd([4], [9, 7, 4, 0]), 'exclusive reverse');
  t.diagnostic(`${cases + 3} cases`);
});

/** 2u·v: two roundings of a quantity of size v. */
const u2 = (v: number): number => 2 * U * v;

/** Largest |x| of an input, for the exponent-rounding terms below. */
const maxAbs = (x: Nd): number => x.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * softmax: x − m rounds to within u·|x − m| ≤ 2u·R (R = max|x|), which exp turns into the
 * same relative error; exp adds ≤ 2u, the sum of n positive terms ≤ n·u, the division u.
 * So |a − b| ≤ (n + 8 + 4R)·u·|b|. logSoftmax = (x − m) − log Σ: absolute errors
 * u·(2R + |b|) from the subtraction and (n + 8 + 4R)·u from log of a sum with that relative error.
 */
describe('softmax and logSoftmax on any axis', () => {
  for (const log of [false, true]) {
    test(log ? 'logSoftmax' : 'softmax', async (t) => {
      const g = new Gen(log ? 1301 : 1300);
      let cases = 0;
      for (const shape of [[5], [1], [3, 4], [2, 3, 4], [4, 1, 3], [2, 3, 2, 5], [40, 60], [12, 200]] as Shape[]) {
        for (let axis = -1; axis < shape.length; axis++) {
          const x = g.normal(shape, 3);
          const xs = await fromTensor(x);
          const n = shape[axis < 0 ? axis + shape.length : axis];
          const R = maxAbs(xs);
          const expected = softmax(xs, axis, log);
          const tol = (b: number): number => (log ? u2(2 * R + Math.abs(b)) + (n + 8 + 4 * R) * U : (n + 8 + 4 * R) * U * Math.abs(b));
          const y = axis === -1 && g.bool() ? (log ? nt.logSoftmax(x) : nt.softmax(x)) : log ? nt.logSoftmax(x, axis) : nt.softmax(x, axis);
          await assertClose(y, expected, `${log ? 'logSoftmax' : 'softmax'} ${shapeText(shape)} axis ${axis}`, tol);
          cases++;
        }
      }
      t.diagnostic(`${cases} cases`);
    });
  }

  test('large and infinite inputs stay finite where the result is', async () => {
    await assertExact(nt.softmax(nt.tensor([1000, 1000])), nd([2], [0.5, 0.5]), 'softmax [1000, 1000]');
    await assertExact(nt.softmax(nt.tensor([-1000, -1000, -1000, -1000])), nd([4], [0.25, 0.25, 0.25, 0.25]), 'softmax of equal very negative values');
    await assertExact(nt.softmax(nt.tensor([-Infinity, 0])), nd([2], [0, 1]), 'softmax with −∞');
    await assertExact(nt.logSoftmax(nt.tensor([1000, 0])), nd([2], [0, -1000]), 'logSoftmax [1000, 0]');
    await assertClose(nt.logSoftmax(nt.tensor([1000, 1000])), nd([2], [-Math.LN2, -Math.LN2]), 'logSoftmax [1000, 1000]', 4 * U);
    const big = nt.logSoftmax(nt.tensor([[3e38, -3e38, 0]]));
    assert.ok((await big.data()).every((v) => !Number.isNaN(v)) && (await big.data())[0] === 0, `logSoftmax of ±3e38 is not NaN: ${await big.data()}`);
  });
});


test('logSumExp over axis sets, keepDims; large and −∞ inputs', async (t) => {
  const cases = reduceCases(1400, 14);
  const g = new Gen(1401);
  for (const c of cases) {
    const x = g.normal(c.shape, 3);
    const xs = await fromTensor(x);
    const expected = logSumExp(xs, c.axes, c.keepDims);
    // Result m + log Σ exp(x − m): Σ has relative error ≤ (n + 4 + 4R)·u (see softmax), which
    // becomes absolute after the log; adding m and storing cost 2u·|b|.
    const n = reductionLength(c);
    const R = maxAbs(xs);
    await assertClose(nt.logSumExp(x, c.axes, c.keepDims), expected, `logSumExp ${shapeText(c.shape)} axes ${JSON.stringify(c.axes)}`, (b) => 4 * U * Math.abs(b) + (n + 8 + 4 * R) * U);
  }
  await assertClose(nt.logSumExp(nt.tensor([1000, 1000])), nd([], [1000 + Math.LN2]), 'logSumExp [1000, 1000]', 4 * U * 1001);
  await assertClose(nt.logSumExp(nt.tensor([-1000, -1000])), nd([], [-1000 + Math.LN2]), 'logSumExp [-1000, -1000]', 4 * U * 1001);
  await assertExact(nt.logSumExp(nt.tensor([[-Infinity, -Infinity], [1000, -Infinity], [Infinity, 1]]), 1), nd([3], [-Infinity, 1000, Infinity]), 'logSumExp with ±∞ rows');
  t.diagnostic(`${cases.length + 3} cases`);
});

test('moments: mean and biased variance', async (t) => {
  const cases = reduceCases(1500, 14).filter((c) => c.axes === undefined || c.axes.length > 0);
  const g = new Gen(1501);
  for (const c of cases) {
    const x = nt.add(g.normal(c.shape, 2), 1);
    const xs = await fromTensor(x);
    const axes = c.axes ?? c.shape.map((_, i) => i);
    const { mean, variance } = nt.moments(x, axes, c.keepDims);
    const m = reduce(xs, 'mean', axes, true);
    const expectedMean = reduce(xs, 'mean', axes, c.keepDims);
    const expectedVar = reduce(binary(xs, m, (v, mv) => (v - mv) ** 2), 'mean', axes, c.keepDims);
    const n = reductionLength({ ...c, axes });
    const what = `moments ${shapeText(c.shape)} axes ${JSON.stringify(axes)} keepDims ${c.keepDims}`;
    await assertClose(mean, expectedMean, `${what}: mean`, sumTolerance(expectedMean, reduce(absNd(xs), 'mean', axes, c.keepDims), n));
    // Variance: n non-negative terms, each (x − m̂)² with ≤ 3 roundings, so (n + 4)·u relative;
    // the float32 mean's error δ enters only as δ² (first-order terms cancel), covered by 1e-12.
    await assertClose(variance, expectedVar, `${what}: variance`, (b) => (n + 4) * U * b + 1e-12);
  }
  const known = nt.moments(nt.tensor([[1, 2], [3, 6]]), [0, 1]);
  assert.equal(await item(known.mean), 3);
  assert.equal(await item(known.variance), 3.5, 'biased variance ((4 + 1 + 0 + 9) / 4)');
  t.diagnostic(`${cases.length + 1} cases`);
});

interface MatmulCase {
  readonly a: Shape;
  readonly b: Shape;
  readonly ta?: boolean;
  readonly tb?: boolean;
}

const MATMUL: readonly MatmulCase[] = [
  { a: [3, 4], b: [4, 5] }, { a: [1, 1], b: [1, 1] }, { a: [5], b: [5] }, { a: [5], b: [5, 3] }, { a: [2, 3, 5], b: [5] },
  { a: [4], b: [2, 4, 3] }, { a: [2, 3, 4], b: [2, 4, 5] }, { a: [2, 1, 3, 4], b: [5, 4, 6] }, { a: [2, 1, 3, 4], b: [1, 5, 4, 2] },
  { a: [4, 3], b: [4, 5], ta: true }, { a: [3, 4], b: [5, 4], tb: true }, { a: [4, 3], b: [5, 4], ta: true, tb: true },
  { a: [2, 4, 3], b: [2, 5, 4], ta: true, tb: true }, { a: [1, 7], b: [7, 1] }, { a: [7, 1], b: [1, 6] },
  { a: [37, 65], b: [65, 29] }, { a: [3, 1, 17, 33], b: [4, 33, 9] }, { a: [70, 130], b: [50, 130], tb: true }, { a: [129], b: [129, 70] },
];

test('matmul: NumPy 1-D promotion, batch broadcasting, transposes', async (t) => {
  const g = new Gen(1600);
  const cases: MatmulCase[] = [...MATMUL];
  for (let i = 0; i < 12; i++) {
    const [m, k, n] = [g.int(1, 9), g.int(1, 9), g.int(1, 9)];
    const ta = g.bool();
    const tb = g.bool();
    const batch = g.bool() ? [g.int(1, 3)] : [];
    const bBatch = batch.length && g.bool() ? [1] : batch;
    cases.push({ a: [...batch, ...(ta ? [k, m] : [m, k])], b: [...bBatch, ...(tb ? [n, k] : [k, n])], ta, tb });
  }
  for (const c of cases) {
    const a = g.normal(c.a);
    const b = g.normal(c.b);
    const as = await fromTensor(a);
    const bs = await fromTensor(b);
    const expected = matmul(as, bs, c.ta, c.tb);
    const k = c.a.length === 1 ? c.a[0] : c.ta ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
    const y = nt.matmul(a, b, { transposeA: c.ta, transposeB: c.tb });
    await assertClose(y, expected, `matmul ${shapeText(c.a)}${c.ta ? 'ᵀ' : ''} × ${shapeText(c.b)}${c.tb ? 'ᵀ' : ''}`, sumTolerance(expected, matmul(absNd(as), absNd(bs), c.ta, c.tb), k));
  }
  await assertExact(nt.matmul(nt.tensor([[1, 2], [3, 4]]), nt.tensor([[5, 6], [7, 8]])), nd([2, 2], [19, 22, 43, 50]), 'matmul 2×2 known');
  await assertExact(nt.matmul(nt.tensor([1, 2, 3]), nt.tensor([4, 5, 6])), nd([], [32]), 'vector dot is rank 0');
  t.diagnostic(`${cases.length + 2} cases`);
});

test('countNonZero', async () => {
  const x = nt.tensor([[0, 1, -2], [0, 0, 3]]);
  await assertExact(nt.countNonZero(x), nd([], [3]), 'countNonZero all');
  await assertExact(nt.countNonZero(x, 1), nd([2], [2, 1]), 'countNonZero axis 1');
  await assertExact(nt.countNonZero(x, 0, true), nd([1, 3], [0, 1, 2]), 'countNonZero axis 0 keepDims');
});
