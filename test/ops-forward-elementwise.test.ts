/**
 * Forward values of elementwise ops against float64 references (test/helpers/reference.ts):
 * NumPy-broadcast binary ops (rank 0, size-1 axes, mixed ranks, sizes above the native
 * backend's 2048-element cutoff), comparisons, where and unary math. Activations, int32 ops,
 * cast and rounding are in ops-forward-activations.test.ts. Every subtest loops over seeded cases.
 *
 * Tolerances. Inputs are float32 values, so the reference sees exactly what the kernel sees.
 *  - add, sub, mul, div, maximum, minimum, comparisons, where, neg/abs/sign/square/reciprocal/
 *    sqrt/floor/ceil are exact: a float32 +, −, ×, ÷, √ is the correctly rounded float64 result
 *    (float64 has more than 2·24 + 2 bits, so rounding twice is harmless), so the kernel must
 *    equal fround(reference) bit for bit.
 *  - pow, squaredDifference, exp, log, log1p, rsqrt, sin, cos, tanh: a libm call (≤ 1 ulp) or
 *    two roundings, plus the final store: |a − b| ≤ 4u·|b| (u = 2⁻²⁴), i.e. ≤ 2 ulp.
 *  - erf at random points: the js backend uses a fit with |error| < 1.2e-7 (its source says
 *    so), so 4u·|b| + 2e-7 there; the separate erf test holds erf near 0 to 2 ulp relative,
 *    which is what float32 can resolve (erf(x) ≈ 2x/√π).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { type Shape, Gen, U, absNd, assertClose, assertExact, binary, erf, fromTensor, map, nd, reduce, shapeText, sumTolerance, where3 } from './helpers/reference.js';

/** Fixed broadcasting pairs (rank-0, size-1, mixed ranks, and sizes above the native cutoff of 2048). */
const PAIRS: readonly (readonly [Shape, Shape])[] = [
  [[2, 3, 4], [4]], [[3, 1], [1, 4]], [[2, 1, 4], [3, 1]], [[], [2, 3, 4]], [[2, 3, 4], []], [[1], [5]],
  [[5, 1, 1], [1, 4, 3]], [[1, 1, 1], [1]], [[4, 1, 3], [4, 5, 3]], [[16, 9, 17], [9, 1]], [[64, 40], [64, 1]], [[1, 2100], [2100]],
  [[], [50, 45]], [[45, 1, 50], [1, 3, 1]],
];

/** A random broadcast-compatible pair: a base shape, each operand dropping leading axes and setting some to 1. */
function randomPair(g: Gen): [Shape, Shape] {
  const rank = g.int(0, 4);
  const base = Array.from({ length: rank }, () => g.int(1, 5));
  const variant = (): number[] => base.slice(g.int(0, rank)).map((d) => (g.bool(0.3) ? 1 : d));
  return g.bool() ? [variant(), base] : [variant(), variant()];
}

function pairs(seed: number, random: number): (readonly [Shape, Shape])[] {
  const g = new Gen(seed);
  return [...PAIRS, ...Array.from({ length: random }, () => randomPair(g))];
}

interface BinaryCase {
  readonly name: string;
  readonly op: (a: Tensor, b: Tensor) => Tensor;
  readonly ref: (a: number, b: number) => number;
  /** Draws an operand (default N(0, 1)). */
  readonly draw?: (g: Gen, s: Shape, which: 0 | 1) => Tensor;
  /** Relative tolerance in units of u; 0 means exact. */
  readonly ulps: number;
}

const awayFromZero = (g: Gen, s: Shape): Tensor => nt.tensor(Float32Array.from(g.normalValues(s), (v) => (v < 0 ? v - 0.5 : v + 0.5)), s);

/**
 * WGSL's float32 math (webgpu): pow's accuracy is that of exp2(y·log2(x)), a few ulps per
 * unit of |y·log2(x)| (WGSL spec, "Floating point accuracy"), and subnormals may be
 * flushed to zero.
 */
const GPU = nt.getBackendName() === 'webgpu';

const BINARY: readonly BinaryCase[] = [
  { name: 'add', op: nt.add, ref: (a, b) => a + b, ulps: 0 },
  { name: 'sub', op: nt.sub, ref: (a, b) => a - b, ulps: 0 },
  { name: 'mul', op: nt.mul, ref: (a, b) => a * b, ulps: 0 },
  { name: 'div', op: nt.div, ref: (a, b) => a / b, ulps: 0, draw: (g, s, w) => (w === 1 ? awayFromZero(g, s) : g.normal(s)) },
  { name: 'maximum', op: nt.maximum, ref: Math.max, ulps: 0, draw: (g, s) => g.ints(s, -2, 2).cast('float32') },
  { name: 'minimum', op: nt.minimum, ref: Math.min, ulps: 0, draw: (g, s) => g.ints(s, -2, 2).cast('float32') },
  { name: 'pow', op: nt.pow, ref: Math.pow, ulps: GPU ? 16 : 4, draw: (g, s, w) => (w === 0 ? g.uniform(s, 0.25, 3) : g.uniform(s, -3, 3)) },
  { name: 'squaredDifference', op: nt.squaredDifference, ref: (a, b) => (a - b) ** 2, ulps: 4 },
];

describe('binary ops with NumPy broadcasting', () => {
  for (const c of BINARY) {
    test(c.name, async (t) => {
      const list = pairs(100, 14);
      const g = new Gen(7);
      for (const [sa, sb] of list) {
        const a = c.draw ? c.draw(g, sa, 0) : g.normal(sa);
        const b = c.draw ? c.draw(g, sb, 1) : g.normal(sb);
        const expected = binary(await fromTensor(a), await fromTensor(b), c.ref);
        const what = `${c.name} ${shapeText(sa)} with ${shapeText(sb)}`;
        if (c.ulps === 0) await assertExact(c.op(a, b), expected, what);
        else await assertClose(c.op(a, b), expected, what, (v) => c.ulps * U * Math.abs(v));
      }
      t.diagnostic(`${list.length} cases`);
    });
  }

  test('number operands become scalars of the tensor dtype; pow of negative bases; division by zero', async () => {
    const x = nt.tensor([[1.5, -2], [0.25, 3]]);
    await assertExact(nt.add(x, 2.5), nd([2, 2], [4, 0.5, 2.75, 5.5]), 'add(x, 2.5)');
    await assertExact(nt.sub(3, x), nd([2, 2], [1.5, 5, 2.75, 0]), 'sub(3, x)');
    await assertExact(nt.div(1, x), nd([2, 2], [1 / 1.5, -0.5, 4, 1 / 3]), 'div(1, x)');
    await assertExact(nt.pow(nt.tensor([-2, -2, -8, 4]), nt.tensor([2, 3, 1 / 3, 0.5])), nd([4], [4, -8, NaN, 2]), 'pow: negative base, integer and fractional exponents');
    await assertExact(nt.div(nt.tensor([1, -1, 0]), nt.tensor([0, 0, 0])), nd([3], [Infinity, -Infinity, NaN]), 'x / 0');
    const xi = nt.tensor([1, -2, 3], [3], 'int32');
    const yi = nt.mul(xi, 3);
    assert.equal(yi.dtype, 'int32');
    assert.deepEqual([...(await yi.data())], [3, -6, 9]);
  });
});

const COMPARISONS: readonly [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => boolean][] = [
  ['equal', nt.equal, (a, b) => a === b], ['notEqual', nt.notEqual, (a, b) => a !== b], ['less', nt.less, (a, b) => a < b],
  ['lessEqual', nt.lessEqual, (a, b) => a <= b], ['greater', nt.greater, (a, b) => a > b], ['greaterEqual', nt.greaterEqual, (a, b) => a >= b],
];

describe('comparisons return 1/0 in the operands dtype', () => {
  for (const [name, op, ref] of COMPARISONS) {
    test(name, async (t) => {
      const list = pairs(200, 10);
      const g = new Gen(11);
      let cases = 0;
      for (const [sa, sb] of list) {
        for (const dtype of ['float32', 'int32'] as const) {
          // Values from {−2, …, 2} make ties (and so equal/lessEqual/greaterEqual) frequent.
          const a = g.ints(sa, -2, 2).cast(dtype);
          const b = g.ints(sb, -2, 2).cast(dtype);
          const y = op(a, b);
          assert.equal(y.dtype, dtype, `${name}: dtype`);
          await assertExact(y, binary(await fromTensor(a), await fromTensor(b), (u, v) => (ref(u, v) ? 1 : 0)), `${name} ${dtype} ${shapeText(sa)} with ${shapeText(sb)}`);
          cases++;
        }
      }
      t.diagnostic(`${cases} cases`);
    });
  }
});

test('where broadcasts condition, a and b (float32 and int32 condition)', async (t) => {
  const g = new Gen(300);
  let cases = 0;
  for (const [sa, sb] of pairs(301, 10)) {
    const sc = g.bool() ? sa : sb;
    const cond = g.bool() ? g.ints(sc, 0, 1) : g.ints(sc, -1, 1).cast('float32');
    const a = g.normal(sa);
    const b = g.normal(sb);
    await assertExact(nt.where(cond, a, b), where3(await fromTensor(cond), await fromTensor(a), await fromTensor(b)), `where ${shapeText(sc)} ${shapeText(sa)} ${shapeText(sb)}`);
    cases++;
  }
  const ci = nt.tensor([1, 0, 1], [3], 'int32');
  const yi = nt.where(ci, nt.tensor([1, 2, 3], [3], 'int32'), nt.tensor([[10], [20]], [2, 1], 'int32'));
  assert.equal(yi.dtype, 'int32');
  assert.deepEqual([...(await yi.data())], [1, 10, 3, 1, 20, 3]);
  t.diagnostic(`${cases + 1} cases`);
});

interface UnaryCase {
  readonly name: string;
  readonly op: (x: Tensor) => Tensor;
  readonly ref: (x: number) => number;
  readonly draw: (g: Gen, s: Shape) => Tensor;
  /** Tolerance given the reference value b and the input x; null: exact after rounding to float32. */
  readonly tol: ((b: number, x: number) => number) | null;
}

const EXACT = null;
const LIBM = (b: number): number => 4 * U * Math.abs(b);
const normal3 = (g: Gen, s: Shape): Tensor => g.normal(s, 3);
const positive = (g: Gen, s: Shape): Tensor => g.uniform(s, 0.01, 20);
/** Values with many exact halves and integers, for the rounding functions. */
const halves = (g: Gen, s: Shape): Tensor => nt.tensor(Float32Array.from(g.intValues(s, -12, 12), (v, i) => (i % 3 === 0 ? v / 2 : v / 2 + 0.1 * (i % 5))), s);

const UNARY: readonly UnaryCase[] = [
  { name: 'neg', op: nt.neg, ref: (x) => -x, draw: normal3, tol: EXACT },
  { name: 'abs', op: nt.abs, ref: Math.abs, draw: normal3, tol: EXACT },
  { name: 'sign', op: nt.sign, ref: Math.sign, draw: halves, tol: EXACT },
  { name: 'square', op: nt.square, ref: (x) => x * x, draw: normal3, tol: EXACT },
  { name: 'reciprocal', op: nt.reciprocal, ref: (x) => 1 / x, draw: awayFromZero, tol: EXACT },
  { name: 'sqrt', op: nt.sqrt, ref: Math.sqrt, draw: positive, tol: EXACT },
  { name: 'floor', op: nt.floor, ref: Math.floor, draw: halves, tol: EXACT },
  { name: 'ceil', op: nt.ceil, ref: Math.ceil, draw: halves, tol: EXACT },
  { name: 'exp', op: nt.exp, ref: Math.exp, draw: normal3, tol: LIBM },
  { name: 'log', op: nt.log, ref: Math.log, draw: positive, tol: LIBM },
  { name: 'log1p', op: nt.log1p, ref: Math.log1p, draw: (g, s) => g.uniform(s, -0.9, 5), tol: LIBM },
  { name: 'rsqrt', op: nt.rsqrt, ref: (x) => 1 / Math.sqrt(x), draw: positive, tol: LIBM },
  { name: 'sin', op: nt.sin, ref: Math.sin, draw: normal3, tol: LIBM },
  { name: 'cos', op: nt.cos, ref: Math.cos, draw: normal3, tol: LIBM },
  { name: 'tanh', op: nt.tanh, ref: Math.tanh, draw: normal3, tol: LIBM },
  { name: 'erf', op: nt.erf, ref: erf, draw: normal3, tol: (b) => 4 * U * Math.abs(b) + 2e-7 },
];

/** Shapes for unary tests: small odd ones and one above the native backend's 2048 cutoff. */
const UNARY_SHAPES: readonly Shape[] = [[], [1], [7], [9], [3, 5], [4, 4], [2, 1, 4], [3, 1, 5], [2, 3, 2, 3], [1, 1], [17, 131]];

describe('unary math', () => {
  for (const c of UNARY) {
    test(c.name, async (t) => {
      const g = new Gen(400);
      for (const s of UNARY_SHAPES) {
        const x = c.draw(g, s);
        const xs = await fromTensor(x);
        const what = `${c.name} ${shapeText(s)}`;
        const tol = c.tol;
        if (tol === null) await assertExact(c.op(x), map(xs, c.ref), what);
        else await assertClose(c.op(x), map(xs, c.ref), what, (b, i) => tol(b, xs.data[i]));
      }
      t.diagnostic(`${UNARY_SHAPES.length} cases`);
    });
  }
});

test('erf: erf(0) = 0, odd and sign-preserving near 0, ±1 at ±∞ (small and native-sized tensors)', async (t) => {
  // erf(x) = 2x/√π + O(x³): near 0 a float32 kernel must be accurate relative to x, not only to 1.
  const xs = [0, 1e-45, -1e-45, 1e-20, 1e-8, -1e-8, 1e-4, -1e-4, Infinity, -Infinity];
  const failures: string[] = [];
  for (const n of [xs.length, 3000]) {
    const data = new Float32Array(n).fill(0.5);
    data.set(xs);
    const y = await nt.erf(nt.tensor(data)).data();
    const ok = (i: number): boolean => {
      if (i === 0) return y[0] === 0;
      // ±1e-45 is subnormal: a backend that flushes subnormals (webgpu) sees ±0.
      if (i <= 2) return GPU ? Math.abs(y[i]) <= 1e-44 : Math.sign(y[i]) === Math.sign(xs[i]) && Math.abs(y[i]) <= 1e-44;
      if (i >= 8) return y[i] === Math.sign(xs[i]);
      return Math.abs(y[i] - erf(data[i])) <= 4 * U * Math.abs(erf(data[i]));
    };
    xs.forEach((x, i) => {
      if (!ok(i)) failures.push(`erf(${x}) = ${y[i]} with ${n} elements (expected ${i === 0 ? 0 : erf(data[i])})`);
    });
  }
  assert.deepEqual(failures, [], failures.join('; '));
  t.diagnostic('2 sizes × 10 points');
});

test('the comparison helpers reject a one-ulp error, a missing term and a wrong shape', async () => {
  const one = nt.tensor([1, 2, 3]);
  await assert.rejects(() => assertExact(one, nd([3], [1, 2, 3 + 2 ** -21]), 'one ulp'), /1 of 3 elements differ/);
  await assert.rejects(() => assertExact(one, nd([1, 3], [1, 2, 3]), 'shape'), /shape/);
  await assert.rejects(() => assertExact(nt.tensor([NaN]), nd([1], [0]), 'NaN'), /differ/);
  // A 50-term sum missing its last term fails the summation tolerance by a wide margin.
  const g = new Gen(900);
  const x = g.normal([50]);
  const xs = await fromTensor(x);
  const full = reduce(xs, 'sum');
  const missing = nt.sum(nt.slice(x, [0], [49]));
  await assert.rejects(() => assertClose(missing, full, 'missing term', sumTolerance(full, reduce(absNd(xs), 'sum'), 50)), /differ/);
  await assertClose(nt.sum(x), full, 'the full sum passes', sumTolerance(full, reduce(absNd(xs), 'sum'), 50));
});
