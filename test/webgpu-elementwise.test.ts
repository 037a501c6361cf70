/**
 * The WebGPU elementwise kernels (src/backends/webgpu/elementwise.ts) against the js
 * reference backend: every unary op (value and derivative, several alpha/beta), every
 * binary op over broadcast shape pairs (scalars, size-1 dims, ranks up to 6), int32
 * variants, chains of 1–6 mixed steps, where / broadcastTo / cast / copy, a tensor large
 * enough for a 2-D dispatch grid, and special values (NaN, ±inf, ±0, denormals).
 *
 * Tolerance: |gpu − js| ≤ rtol·(|js| + mean|js|). The GPU computes in f32 where the
 * reference computes in doubles and rounds once, so single operations agree to an ulp or
 * so; rtol is 1e-5 for the unary and binary ops (whose transcendental functions are
 * written in wgsl-math.ts to a few ulp), 1e-4 for chains, whose steps each round to f32
 * and whose error an exp or pow step amplifies. int32 results and moves are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testGpu, gpuFailure } from './helpers/webgpu.js';
import { unavailable } from './helpers/oracle.js';
import { jsBackend } from '../src/backends/js/index.js';
import { BINARY, UNARY, type UnaryDef } from '../src/backends/op-table.js';
import type { BinaryOp, ChainStep, Shape, UnaryOp, UnaryParams } from '../src/backends/interface.js';
import type { GpuBuffer } from '../src/backends/webgpu/runtime.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../src/tensor/shape.js';
import { elementwiseKernels } from '../src/backends/webgpu/elementwise.js';
import { parseFormula, formulaToWgsl } from '../src/backends/webgpu/wgsl-expr.js';
import { M, K as KK } from '../src/backends/math.js';
import { data } from './helpers/backend-cases.js';
import { Checks, download, hostArray, ints, junk, mismatches, rng, upload } from './helpers/gpu-compare.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);
const gpu = testGpu;
const K = gpu === null ? null : elementwiseKernels(gpu);
const js = jsBackend;

const UNARY_OPS = Object.keys(UNARY) as UnaryOp[];
/** A free variable for the translator test (formulas may only read their parameters). */
const FREE = 1;
const BINARY_OPS = Object.keys(BINARY) as BinaryOp[];

function domain(op: UnaryOp): 'positive' | undefined {
  return (UNARY[op] as UnaryDef).domain;
}

const PARAMS: readonly UnaryParams[] = [
  { alpha: 0.25, beta: 0.5 },
  { alpha: 1.75, beta: -0.125 },
  { alpha: -0.5, beta: 1.5 },
];

test('the translator reads every op-table formula and refuses what it cannot express', () => {
  const f = { code: 'x', type: 'f32' as const };
  for (const op of UNARY_OPS) {
    const def = UNARY[op] as UnaryDef;
    assert.ok(formulaToWgsl(def.f, [f, f, f], 'f32', op).code.length > 0);
    if (def.df !== null) assert.ok(formulaToWgsl(def.df, [f, f, f, f], 'f32', op).code.length > 0);
  }
  for (const op of BINARY_OPS) assert.ok(formulaToWgsl(BINARY[op].f, [f, f], 'f32', op).code.length > 0);
  // Precedence and the ternary's shape survive the translation.
  const e = formulaToWgsl((x: number, a: number) => (x > a ? -x * x + 2 : a / (1 - x)), [f, { code: 'p', type: 'f32' }], 'f32', 'test').code;
  assert.equal(e, 'select((p / (1.0f - x)), (((-x) * x) + 2.0f), (x > p))');
  assert.throws(() => parseFormula((x: number) => Math.trunc(x), 'Math.trunc'), /neither in the math vocabulary/);
  // Minified formulas (renamed parameters and bindings, no parentheses) translate the same.
  assert.equal(formulaToWgsl(new Function('return e=>e>0?e:t.expm1(e)*n.SELU_ALPHA')() as (x: number) => number, [f], 'f32', 'minified').code, formulaToWgsl((x: number) => (x > 0 ? x : M.expm1(x) * KK.SELU_ALPHA), [f], 'f32', 'plain').code);
  assert.throws(() => parseFormula((x: number) => x + FREE, 'free variable'), /not a parameter/);
  assert.throws(() => parseFormula((x: number) => x % 2, 'mod'), /unexpected '%'/);
  assert.throws(() => parseFormula((x: number) => {
    return x;
  }, 'block'), /single expression/);
  assert.throws(() => formulaToWgsl((x: number) => (x ? 1 : 0), [f], 'f32', 'truthy'), /number used as a condition/);
});

test('unary: every op and its derivative against the reference (float32, several alpha/beta)', { skip }, async (t) => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  const n = 1031; // not a multiple of the workgroup size
  UNARY_OPS.forEach((op, j) => {
    const positive = domain(op) === 'positive';
    // The ops' domains, and a wide range for the transcendental ones (exp up to e^80, sin/cos reduced from ±80).
    const x = positive ? data(n, 100 + j, 0.01, 8) : data(n, 100 + j, -6, 6);
    const wide = positive ? data(n, 200 + j, 1e-6, 1e6) : data(n, 200 + j, -80, 80);
    if (positive) for (let i = 0; i < n; i += 7) wide[i] = Math.fround(wide[i] as number / 1e5); // small values too
    const dy = data(n, 300 + j, -2, 2);
    // sin/cos: magnitudes up to 1e38 too (the reduction by π/2 beyond 2^16 is Payne–Hanek).
    const r = rng(250 + j);
    const huge = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 38));
    const sets: [string, Float32Array][] = [['', x], [' wide', wide]];
    if (op === 'sin' || op === 'cos') sets.push([' huge', huge]);
    for (const [label, input] of sets) {
      for (const p of label === '' ? PARAMS : PARAMS.slice(0, 1)) {
        const y = hostArray(n, 'float32') as Float32Array;
        js.unary(op, input, y, p);
        const gy = junk(n, 'float32');
        k.unary(op, upload(input), gy, p);
        checks.add(`${op}${label} f ${JSON.stringify(p)}`, gy, y, 1e-5);
        const dx = hostArray(n, 'float32');
        js.unaryGrad(op, input, y, dy, dx as Float32Array, p);
        const gdx = junk(n, 'float32');
        k.unaryGrad(op, upload(input), upload(y), upload(dy), gdx, p);
        checks.add(`${op}${label} df ${JSON.stringify(p)}`, gdx, dx, 1e-5);
      }
    }
  });
  const failures = await checks.failures();
  t.diagnostic(`largest error / (|js| + mean|js|): ${[...checks.worst].map(([o, e]) => `${o} ${e.toExponential(1)}`).join(', ')}`);
  assert.deepEqual(failures, []);
});

test('unary: int32 ops against the reference (exact)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  const n = 517;
  UNARY_OPS.filter((op) => (UNARY[op] as UnaryDef).int === true).forEach((op, j) => {
    const x = ints(n, 400 + j, -1000, 1000);
    // Large values: square's products stay below 2^53 (where the reference's double is exact) but wrap in int32.
    const big = op === 'square' ? [94906265, -94906265, 65536, 50000, -46341] : [2147483647, -2147483648, 1 << 30, -(1 << 30), 16777217];
    x.set([0, 1, -1, 6, 7, -6, ...big], 0);
    for (const p of [...PARAMS, { alpha: -2.5, beta: 7.5 }, { alpha: -100, beta: 100 }]) {
      const y = hostArray(n, 'int32');
      js.unary(op, x, y, p);
      const gy = junk(n, 'int32');
      k.unary(op, upload(x), gy, p);
      checks.add(`${op} int32 ${JSON.stringify(p)}`, gy, y, 0);
    }
  });
  assert.deepEqual(await checks.failures(), []);
});

const PAIRS: readonly [Shape, Shape][] = [
  [[33, 65], [33, 65]],
  [[7, 33, 65], [65]],
  [[7, 33, 65], [33, 1]],
  [[7, 1, 65], [1, 33, 1]],
  [[3000], []],
  [[], [2, 2001]],
  [[], []],
  [[1], [5, 1]],
  [[4, 1, 1], [1, 1, 1]],
  [[5, 3, 7, 40], [5, 1, 7, 1]],
  [[1, 3, 1, 9], [6, 1, 4, 1]],
  [[2, 3, 1, 5, 7], [3, 4, 1, 7]],
  [[2, 1, 3, 2, 1, 5], [1, 4, 3, 1, 6, 1]],
  [[0, 3], [3]],
];

test('binary: every op over broadcast shape pairs (float32)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  PAIRS.forEach(([sa, sb], j) => {
    const so = broadcastShapes(sa, sb, 'binary');
    const n = sizeOf(so);
    // Positive bases (pow's real range), and mixed signs with integral exponents half the time.
    const a = data(sizeOf(sa), 500 + j, 0.5, 2);
    const b = data(sizeOf(sb), 600 + j, 0.5, 2);
    if (b.length > 3 && a.length > 3) b[3] = a[3] as number; // an equal pair for the comparisons
    const r = rng(700 + j);
    const am = Float32Array.from(data(sizeOf(sa), 800 + j, -3, 3), (v) => (r() < 0.3 ? Math.round(v * 4) / 4 : v));
    const bm = Float32Array.from(data(sizeOf(sb), 900 + j, -3, 3), (v) => (r() < 0.5 ? Math.round(v * 2) / 2 : v));
    for (const op of BINARY_OPS) {
      for (const [label, x, y] of [['', a, b], [' mixed', am, bm]] as const) {
        const out = hostArray(n, 'float32');
        js.binary(op, x, sa, y, sb, out, so);
        const g = junk(n, 'float32');
        k.binary(op, upload(x), sa, upload(y), sb, g, so);
        checks.add(`${op}${label} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, g, out, 1e-5);
      }
    }
  });
  // Many ties (values on a coarse grid) for the comparisons, maximum and minimum.
  const n = 999;
  const a = Float32Array.from(ints(n, 11, -4, 4), (v) => v / 2);
  const b = Float32Array.from(ints(n, 12, -4, 4), (v) => v / 2);
  for (const op of BINARY_OPS) {
    const out = hostArray(n, 'float32');
    js.binary(op, a, [n], b, [n], out, [n]);
    const g = junk(n, 'float32');
    k.binary(op, upload(a), [n], upload(b), [n], g, [n]);
    checks.add(`${op} ties`, g, out, 1e-5);
  }
  assert.deepEqual(await checks.failures(), []);
});

test('binary: int32 (exact; comparisons give 1/0, division truncates, x/0 is 0, add/sub wrap)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  PAIRS.forEach(([sa, sb], j) => {
    const so = broadcastShapes(sa, sb, 'binary');
    const n = sizeOf(so);
    for (const op of BINARY_OPS) {
      let a: Int32Array;
      let b: Int32Array;
      if (op === 'pow') {
        // |a^b| < 2^53, where the reference's double is exact (beyond it the reference's rounding differs from a wrapping product).
        a = ints(sizeOf(sa), 1000 + j, -6, 6);
        b = ints(sizeOf(sb), 1100 + j, -3, 20);
      } else if (op === 'add' || op === 'sub') {
        a = ints(sizeOf(sa), 1000 + j, -2147483648, 2147483647);
        b = ints(sizeOf(sb), 1100 + j, -2147483648, 2147483647);
      } else if (op === 'mul' || op === 'squaredDifference') {
        a = ints(sizeOf(sa), 1000 + j, -(2 ** 25), 2 ** 25);
        b = ints(sizeOf(sb), 1100 + j, -(2 ** 25), 2 ** 25);
      } else {
        a = ints(sizeOf(sa), 1000 + j, -20, 20);
        b = ints(sizeOf(sb), 1100 + j, -20, 20);
      }
      if (op === 'div' && a.length > 2 && b.length > 2) {
        a[0] = -2147483648;
        b[0] = -1;
        b[1] = 0;
      }
      const out = hostArray(n, 'int32');
      js.binary(op, a, sa, b, sb, out, so);
      const g = junk(n, 'int32');
      k.binary(op, upload(a), sa, upload(b), sb, g, so);
      checks.add(`${op} int32 ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, g, out, 0);
    }
  });
  assert.deepEqual(await checks.failures(), []);
});

/** A seeded chain of `len` steps: unary ops over all reals and binary ops with a scalar on either side. */
function randomChain(seed: number, len: number): ChainStep[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const unaryOps = UNARY_OPS.filter((op) => domain(op) !== 'positive');
  const steps: ChainStep[] = [];
  for (let i = 0; i < len; i++) {
    // Scalars on a grid of quarters: exact in f32, as the reference's double scalars then are.
    const scalar = pick([-2, -1.5, -0.75, -0.25, 0.25, 0.5, 1.25, 2, 3]);
    if (r() < 0.5) steps.push({ unary: pick(unaryOps), p: pick(PARAMS) });
    else steps.push({ binary: pick(BINARY_OPS), scalar, scalarFirst: r() < 0.5 });
  }
  return steps;
}

test('elementwiseChain: chains of 1–6 mixed steps (one kernel each, scalars as parameters)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const g = gpu as NonNullable<typeof gpu>;
  const checks = new Checks();
  const n = 777;
  const x = data(n, 13, -3, 3);
  for (let c = 0; c < 36; c++) {
    const steps = randomChain(1300 + c, 1 + (c % 6));
    const y = hostArray(n, 'float32') as Float32Array;
    js.elementwiseChain(steps, x, y);
    const gy = junk(n, 'float32');
    const before = g.dispatches;
    k.elementwiseChain(steps, upload(x), gy);
    assert.equal(g.dispatches - before, 1, 'one dispatch per chain');
    checks.add(`chain ${c} ${JSON.stringify(steps)}`, gy, y, 1e-4);
  }
  // Empty chain: a copy.
  const gy = junk(n, 'float32');
  k.elementwiseChain([], upload(x), gy);
  checks.add('chain []', gy, x, 0);
  // The same ops with other scalars reuse the pipeline (and still compute with the new scalars).
  const s1: ChainStep[] = [{ binary: 'mul', scalar: 2, scalarFirst: false }, { unary: 'leakyRelu', p: { alpha: 0.25, beta: 0 } }];
  const s2: ChainStep[] = [{ binary: 'mul', scalar: -3, scalarFirst: false }, { unary: 'leakyRelu', p: { alpha: 0.5, beta: 0 } }];
  for (const s of [s1, s2]) {
    const y = hostArray(n, 'float32') as Float32Array;
    js.elementwiseChain(s, x, y);
    const o = junk(n, 'float32');
    k.elementwiseChain(s, upload(x), o);
    checks.add(`chain ${JSON.stringify(s)}`, o, y, 1e-5);
  }
  assert.deepEqual(await checks.failures(), []);
});

test('where, broadcastTo, cast and copy (exact)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  const triples: [Shape, Shape, Shape][] = [
    [[7, 13, 33], [7, 13, 33], [33]],
    [[13, 1], [7, 1, 33], [1]],
    [[], [5, 4], [5, 1]],
    [[2, 1, 3, 1, 5], [1, 4, 3, 2, 1], [4, 1, 2, 5]],
    [[3, 1, 2, 1, 4, 1], [1, 2, 1, 3, 1, 5], [2, 1, 1, 1, 5]],
  ];
  triples.forEach(([sc, sa, sb], j) => {
    const so = broadcastShapes(broadcastShapes(sc, sa, 'where'), sb, 'where');
    const n = sizeOf(so);
    for (const cdt of ['float32', 'int32'] as const) {
      for (const vdt of ['float32', 'int32'] as const) {
        const r = rng(1400 + j);
        const cond: TypedArray = cdt === 'float32' ? Float32Array.from({ length: sizeOf(sc) }, () => pickOf(r, [0, -0, Number.NaN, 1, -2.5])) : ints(sizeOf(sc), 1500 + j, -1, 1);
        const a = vdt === 'float32' ? data(sizeOf(sa), 1600 + j, -5, 5) : ints(sizeOf(sa), 1600 + j, -1e9, 1e9);
        const b = vdt === 'float32' ? data(sizeOf(sb), 1700 + j, -5, 5) : ints(sizeOf(sb), 1700 + j, -1e9, 1e9);
        const out = hostArray(n, vdt);
        js.where(cond, sc, a, sa, b, sb, out, so);
        const g = junk(n, vdt);
        k.where(upload(cond), sc, upload(a), sa, upload(b), sb, g, so);
        checks.add(`where ${cdt}/${vdt} ${JSON.stringify([sc, sa, sb])}`, g, out, 0);
      }
    }
  });
  const bcast: [Shape, Shape][] = [
    [[3, 1, 5], [2, 3, 4, 5]],
    [[], [7, 3]],
    [[1], [4, 1, 1]],
    [[33], [5, 33]],
    [[2, 1, 3, 1, 1, 2], [2, 4, 3, 5, 1, 2]],
    [[9, 1], [0, 9, 3]],
  ];
  bcast.forEach(([sx, so], j) => {
    for (const dt of ['float32', 'int32'] as const) {
      const x = dt === 'float32' ? data(sizeOf(sx), 1800 + j, -5, 5) : ints(sizeOf(sx), 1800 + j, -1e9, 1e9);
      const out = hostArray(sizeOf(so), dt);
      js.broadcastTo(x, sx, out, so);
      const g = junk(sizeOf(so), dt);
      k.broadcastTo(upload(x), sx, g, so);
      checks.add(`broadcastTo ${dt} ${JSON.stringify(sx)} → ${JSON.stringify(so)}`, g, out, 0);
    }
  });
  // cast float32 → int32: truncation toward zero, with the reference's ToInt32 for NaN, ±inf and out-of-range values.
  const fx = data(1001, 19, -1000, 1000);
  fx.set([0.5, -0.5, 0.99, -0.99, 1.5, -1.5, 2147483520, -2147483648, 2147483648, -2147483904, 3e9, -3e9, 4294967296, 1e20, -1e20, 16777217, Number.NaN, Infinity, -Infinity, -0, 1e-39], 0);
  const fi = hostArray(fx.length, 'int32');
  js.cast(fx, fi);
  const gfi = junk(fx.length, 'int32');
  k.cast(upload(fx), gfi);
  checks.add('cast float32 → int32', gfi, fi, 0);
  // int32 → float32: rounding to nearest, ties to even, above 2^24.
  const ix = ints(1001, 20, -2147483648, 2147483647);
  ix.set([0, 1, -1, 16777217, 16777219, -16777217, 2147483647, -2147483648, 33554435], 0);
  const ifl = hostArray(ix.length, 'float32');
  js.cast(ix, ifl);
  const gif = junk(ix.length, 'float32');
  k.cast(upload(ix), gif);
  checks.add('cast int32 → float32', gif, ifl, 0);
  for (const x of [fx, ix]) {
    const g = junk(x.length, x instanceof Int32Array ? 'int32' : 'float32');
    k.cast(upload(x), g);
    checks.add(`cast ${x.constructor.name} to itself`, g, x, 0);
  }
  assert.deepEqual(await checks.failures(), []);
  // copy moves the bits (NaN payloads and -0 included).
  const bits = Uint32Array.from(ints(1003, 21, -2147483648, 2147483647), (v) => v >>> 0);
  bits.set([0x7fc00001, 0xffc12345, 0x80000000, 0x7f800000, 0x00000001], 0);
  for (const dt of ['float32', 'int32'] as const) {
    const x = dt === 'float32' ? new Float32Array(bits.buffer.slice(0)) : new Int32Array(bits.buffer.slice(0));
    const g = junk(x.length, dt);
    k.copy(upload(x), g);
    const got = new Uint32Array((await download(g)).buffer.slice(0));
    assert.deepEqual(got, bits, `copy ${dt}`);
  }
});

function pickOf(r: () => number, xs: readonly number[]): number {
  return xs[Math.floor(r() * xs.length)] as number;
}

test('a large tensor: a 2-D grid of workgroups (more than 65535)', { skip }, async () => {
  const k = K as NonNullable<typeof K>;
  const checks = new Checks();
  const rows = 70000;
  const cols = 64;
  const n = rows * cols;
  const x = data(n, 22, -4, 4);
  const y = hostArray(n, 'float32');
  js.unary('sigmoid', x, y, PARAMS[0] as UnaryParams);
  const gy = junk(n, 'float32');
  k.unary('sigmoid', upload(x), gy, PARAMS[0] as UnaryParams);
  checks.add('sigmoid [70000·64]', gy, y, 1e-5);
  const b = data(cols, 23, -1, 1);
  const out = hostArray(n, 'float32');
  js.binary('add', x, [rows, cols], b, [cols], out, [rows, cols]);
  const go = junk(n, 'float32');
  k.binary('add', upload(x), [rows, cols], upload(b), [cols], go, [rows, cols]);
  checks.add('add [70000, 64] + [64]', go, out, 1e-5);
  assert.deepEqual(await checks.failures(), []);
});

/**
 * Special values. The reference's NaN and infinity rules (op-table comments, Math.pow's
 * cases) are asserted wherever SwiftShader keeps them; the cases listed in HARDWARE are
 * ones a driver may change (denormals flushed to zero; SwiftShader folds x·0.0 to 0, so
 * a null derivative's dy·0 loses NaN/inf) and are reported, not failed. On another
 * adapter, every mismatch is reported and only the SwiftShader-verified set is asserted.
 */
test('special values: NaN, ±inf, ±0 and denormals', { skip }, async (t) => {
  const k = K as NonNullable<typeof K>;
  const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 88, -88, 89, -104, 100, -100, 1e30, -1e30, 1e-30, -1e-30, 1e-6, 6, 1e4, -1e4];
  const denormal = [3e-39, -3e-39, 1e-45, 1.1e-38];
  const strict: string[] = [];
  const reported: string[] = [];
  const n = special.length;
  const x = Float32Array.from(special);
  const xd = Float32Array.from(denormal);
  const dy = Float32Array.from(special, (_, i) => [1, -2, Number.NaN, Infinity, 0.5][i % 5] as number);
  const pending: { what: string; g: GpuBuffer; exp: TypedArray; hardware: boolean }[] = [];
  for (const op of UNARY_OPS) {
    const p = op === 'clip' ? { alpha: -0.5, beta: 1.5 } : { alpha: 0.25, beta: 0.5 };
    for (const [input, den] of [[x, false], [xd, true]] as const) {
      const y = hostArray(input.length, 'float32') as Float32Array;
      js.unary(op, input, y, p);
      const gy = junk(input.length, 'float32');
      k.unary(op, upload(input), gy, p);
      pending.push({ what: `${op} f${den ? ' denormal' : ''}`, g: gy, exp: y, hardware: den });
      const d = dy.subarray(0, input.length);
      const dx = hostArray(input.length, 'float32');
      js.unaryGrad(op, input, y, d, dx as Float32Array, p);
      const gdx = junk(input.length, 'float32');
      k.unaryGrad(op, upload(input), upload(y), upload(d), gdx, p);
      pending.push({ what: `${op} df${den ? ' denormal' : ''}`, g: gdx, exp: dx, hardware: den || (UNARY[op] as UnaryDef).df === null });
    }
  }
  // Every pair of special values for every binary op.
  const pa = new Float32Array(n * n);
  const pb = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    pa[i * n + j] = special[i] as number;
    pb[i * n + j] = special[j] as number;
  }
  for (const op of BINARY_OPS) {
    const out = hostArray(n * n, 'float32');
    js.binary(op, pa, [n, n], pb, [n, n], out, [n, n]);
    const g = junk(n * n, 'float32');
    k.binary(op, upload(pa), [n, n], upload(pb), [n, n], g, [n, n]);
    pending.push({ what: `${op} pairs`, g, exp: out, hardware: false });
    const outd = hostArray(xd.length * n, 'float32');
    js.binary(op, xd, [xd.length, 1], x, [n], outd, [xd.length, n]);
    const gd = junk(xd.length * n, 'float32');
    k.binary(op, upload(xd), [xd.length, 1], upload(x), [n], gd, [xd.length, n]);
    pending.push({ what: `${op} denormal pairs`, g: gd, exp: outd, hardware: true });
  }
  const swiftshader = (gpu as NonNullable<typeof gpu>).adapterInfo.architecture === 'swiftshader';
  for (const p of pending) {
    const got = await download(p.g);
    // Exact up to the ops' ordinary rounding; NaN must meet NaN, infinities their sign.
    for (const i of mismatches(got, p.exp, 1e-5)) {
      const msg = `${p.what}: element ${i}: ${got[i]} vs js ${p.exp[i]}`;
      // The reference computes the derivative factor in doubles: at |x| = 1e30, reciprocal's
      // y·y and softsign's (1 + |x|)² leave the f32 range, so dy = ±inf meets a 0 factor.
      const f32Range = (p.what === 'reciprocal df' || p.what === 'softsign df') && Math.abs(x[i] as number) >= 1e30;
      if (p.hardware || f32Range || !swiftshader) reported.push(msg);
      else strict.push(msg);
    }
  }
  for (const r of reported) t.diagnostic(`hardware-dependent: ${r}`);
  assert.deepEqual(strict, []);
});
