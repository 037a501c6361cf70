/**
 * Gradient checks, linear algebra and reductions: matmul (2-D, batched, broadcast batch,
 * 1-D operands, every transpose combination), sum/mean/max/min/prod/logSumExp over
 * single, several non-contiguous and all axes with and without keepDims, and cumsum.
 * Seeded throughout.
 */
import { test, after } from 'node:test';
import * as nt from '../src/index.js';
import type { Axis, MatmulOptions, Shape, Tensor } from '../src/index.js';
import { type Fn, type GradCheckOptions, awayFromZero, checkGradients, distinct, randn, totals } from './helpers/gradcheck.js';

after(() => console.log(`# gradcheck (matmul, reductions): ${totals.calls} checks, ${totals.elements} input elements compared`));

function check(name: string, f: Fn, makeInputs: () => Tensor[] | Promise<Tensor[]>, options: Omit<GradCheckOptions, 'name'> = {}): void {
  test(name, async () => {
    await checkGradients(f, await makeInputs(), { name, ...options });
  });
}

const fmt = (s: Shape): string => nt.formatShape(s);

// ---- matmul ----------------------------------------------------------------------------

/** Stored shape of an operand whose logical matrix is rows×cols, transposed or not. */
function stored(batch: Shape, rows: number, cols: number, transposed: boolean): number[] {
  return [...batch, ...(transposed ? [cols, rows] : [rows, cols])];
}

const MATMUL_BATCHES: readonly (readonly [Shape, Shape])[] = [
  [[], []], // 2-D
  [[2], [2]], // batched
  [[2, 1], [3]], // broadcast batch, [2, 1] against [3]: the batch of a is broadcast by the kernel
  [[], [2]], // a 2-D, b batched
  [[2, 1], [1, 3]], // both broadcast: [2, 1] and [1, 3] → [2, 3] (materialized)
];

MATMUL_BATCHES.forEach(([ba, bb], j) => {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const sa = stored(ba, 3, 4, transposeA);
      const sb = stored(bb, 4, 5, transposeB);
      const options: MatmulOptions = { transposeA, transposeB };
      const name = `matmul ${fmt(sa)} × ${fmt(sb)} transposeA=${transposeA} transposeB=${transposeB}`;
      check(name, (a, b) => nt.matmul(a, b, options), () => [randn(sa, 2000 + 4 * j + 2 * +transposeA + +transposeB), randn(sb, 2100 + 4 * j + 2 * +transposeA + +transposeB)]);
    }
  }
});

// 1-D operands are promoted to a row (a) or a column (b) and the axis removed again.
check('matmul [4] × [4, 5]', (a, b) => nt.matmul(a, b), () => [randn([4], 2201), randn([4, 5], 2202)]);
check('matmul [3, 4] × [4]', (a, b) => nt.matmul(a, b), () => [randn([3, 4], 2203), randn([4], 2204)]);
check('matmul [4] × [4] (dot product)', (a, b) => nt.matmul(a, b), () => [randn([4], 2205), randn([4], 2206)]);
check('matmul [4] × [2, 4, 5] (batched b)', (a, b) => nt.matmul(a, b), () => [randn([4], 2207), randn([2, 4, 5], 2208)]);
check('matmul [2, 3, 4] × [4] (batched a)', (a, b) => nt.matmul(a, b), () => [randn([2, 3, 4], 2209), randn([4], 2210)]);
check('matmul [4] × [5, 4] transposeB', (a, b) => nt.matmul(a, b, { transposeB: true }), () => [randn([4], 2211), randn([5, 4], 2212)]);
check('matmul [4, 3] × [4] transposeA', (a, b) => nt.matmul(a, b, { transposeA: true }), () => [randn([4, 3], 2213), randn([4], 2214)]);
// A matmul whose k is large enough for the kernel's 4-way unrolled inner loop and its tail.
check('matmul [3, 11] × [11, 2]', (a, b) => nt.matmul(a, b), () => [randn([3, 11], 2215), randn([11, 2], 2216)]);
// Big enough for the kernel's cache blocking (k > 128 rows of B per pass, n > 512 columns).
// matmul is linear in each operand, so the difference has no truncation error and a large
// step h = 0.1 only shrinks the round-off term (each element of a feeds 517 outputs).
check('matmul [2, 133] × [133, 517] (blocked kernel)', (a, b) => nt.matmul(a, b), () => [randn([2, 133], 2218), randn([133, 517], 2219)], { h: 0.1 });
// The same operand on both sides: gradients along two paths add up.
check('matmul x × xᵀ', (x) => nt.matmul(x, x, { transposeB: true }), () => [randn([3, 4], 2217)]);

// ---- reductions ------------------------------------------------------------------------

interface AxisCase {
  readonly shape: Shape;
  readonly axis: Axis | undefined;
}

const AXES: readonly AxisCase[] = [
  { shape: [2, 3, 4], axis: 0 },
  { shape: [2, 3, 4], axis: 1 },
  { shape: [2, 3, 4], axis: -1 },
  { shape: [2, 3, 4], axis: [0, 2] }, // non-contiguous
  { shape: [2, 3, 2, 4], axis: [1, 3] }, // non-contiguous
  { shape: [2, 3, 2, 4], axis: [0, 2, 3] }, // non-contiguous
  { shape: [2, 3, 4], axis: [1, 2] }, // contiguous block
  { shape: [2, 3, 4], axis: undefined }, // all axes
  { shape: [5], axis: 0 },
];

interface ReduceCase {
  readonly op: string;
  readonly f: (x: Tensor, axis: Axis | undefined, keepDims: boolean) => Tensor;
  readonly input: (shape: Shape, seed: number) => Tensor;
}

const REDUCTIONS: readonly ReduceCase[] = [
  { op: 'sum', f: nt.sum, input: (s, k) => randn(s, k) },
  { op: 'mean', f: nt.mean, input: (s, k) => randn(s, k) },
  // max/min: a permutation of values 0.1 apart, so no tie is within h = 1e-2.
  { op: 'max', f: nt.max, input: (s, k) => distinct(s, k, 0.1) },
  { op: 'min', f: nt.min, input: (s, k) => distinct(s, k, 0.1) },
  // prod: magnitudes in [0.6, 1.4] keep products of up to 48 factors O(1).
  { op: 'prod', f: nt.prod, input: (s, k) => awayFromZero(s, k, 0.6, 1.4) },
  { op: 'logSumExp', f: nt.logSumExp, input: (s, k) => randn(s, k, 2) },
];

REDUCTIONS.forEach((c, i) => {
  AXES.forEach(({ shape, axis }, j) => {
    for (const keepDims of [false, true]) {
      const name = `${c.op} ${fmt(shape)} axis ${axis === undefined ? 'all' : JSON.stringify(axis)} keepDims=${keepDims}`;
      check(name, (x) => c.f(x, axis, keepDims), () => [c.input(shape, 3000 + 100 * i + 10 * j + +keepDims)]);
    }
  });
});

/** x with exact zeros written at the given flat indices. */
async function withZeros(x: Tensor, at: readonly number[]): Promise<Tensor> {
  const data = ((await x.data()) as Float32Array).slice();
  for (const i of at) data[i] = 0;
  return nt.tensor(data, x.shape);
}

// prod with exact zeros: the gradient at a lone zero is the product of the others; with two
// zeros in one slice every gradient of that slice is 0. prod is linear in each element, so
// the central difference is exact across 0.
check('prod with one zero, axis -1', (x) => nt.prod(x, -1), async () => [await withZeros(awayFromZero([2, 3, 4], 3900, 0.6, 1.4), [6])]);
check('prod with one and two zeros per slice, axis -1', (x) => nt.prod(x, -1), async () => [await withZeros(awayFromZero([2, 3, 4], 3901, 0.6, 1.4), [1, 20, 23])]);
check('prod with one zero, axes [0, 2] keepDims', (x) => nt.prod(x, [0, 2], true), async () => [await withZeros(awayFromZero([2, 3, 4], 3902, 0.6, 1.4), [5])]);
check('prod with one zero, all axes', (x) => nt.prod(x), async () => [await withZeros(awayFromZero([2, 3, 4], 3903, 0.6, 1.4), [13])]);

// ---- cumsum ----------------------------------------------------------------------------

for (const [shape, axis] of [[[3, 4], 0], [[3, 4], 1], [[2, 3, 4], 1], [[5], 0]] as const) {
  for (const exclusive of [false, true]) {
    for (const reverse of [false, true]) {
      const name = `cumsum ${fmt(shape)} axis ${axis} exclusive=${exclusive} reverse=${reverse}`;
      check(name, (x) => nt.cumsum(x, axis, exclusive, reverse), () => [randn(shape, 4000 + 4 * axis + 2 * +exclusive + +reverse)]);
    }
  }
}
