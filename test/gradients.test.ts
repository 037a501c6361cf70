/**
 * Gradient checks, elementwise family: binary arithmetic with broadcasting, unary math,
 * clip and where, plus a self-test showing the checker rejects wrong rules. The other op
 * families are in gradients-*.test.ts. Every input is seeded so a failure reproduces.
 *
 * Run all of them: npx tsc -p tsconfig.json && node --test --test-reporter=spec
 *   build/test/gradients.test.js build/test/gradients-*.test.js build/test/autograd.test.js
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Shape, Tensor } from '../src/index.js';
import { type Fn, type GradCheckOptions, awayFrom, awayFromZero, checkGradients, randn, separatedPair, totals, uniform } from './helpers/gradcheck.js';

after(() => console.log(`# gradcheck (elementwise): ${totals.calls} checks, ${totals.elements} input elements compared`));

type Rest = Omit<GradCheckOptions, 'name'>;

function check(name: string, f: Fn, makeInputs: () => Tensor[] | Promise<Tensor[]>, options: Rest = {}): void {
  test(name, async () => {
    await checkGradients(f, await makeInputs(), { name, ...options });
  });
}

const fmt = (s: Shape): string => nt.formatShape(s);

/** Pairs of operand shapes: equal, trailing vector, column, middle broadcast, scalars, rank-0 vs rank-3. */
const BROADCAST: readonly (readonly [Shape, Shape])[] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [[2, 3, 4], [3, 1]],
  [[2, 3, 4], [2, 1, 4]],
  [[2, 1, 4], [2, 3, 4]],
  [[2, 3, 4], []],
  [[], [2, 3, 4]],
  [[1], [2, 3, 4]],
];

interface BinaryCase {
  readonly op: string;
  readonly f: (a: Tensor, b: Tensor) => Tensor;
  readonly inputs: (sa: Shape, sb: Shape, seed: number) => Tensor[];
  readonly options?: Rest;
}

const normalPair = (sa: Shape, sb: Shape, seed: number): Tensor[] => [randn(sa, seed), randn(sb, seed + 1)];

const BINARY: readonly BinaryCase[] = [
  { op: 'add', f: nt.add, inputs: normalPair },
  { op: 'sub', f: nt.sub, inputs: normalPair },
  { op: 'mul', f: nt.mul, inputs: normalPair },
  // Denominators in ±[0.5, 2]; h = 5e-3 keeps the truncation of 1/b (|f'''/f'| = 6/b²) below 1e-4.
  { op: 'div', f: nt.div, inputs: (sa, sb, s) => [randn(sa, s), awayFromZero(sb, s + 1, 0.5, 2)], options: { h: 5e-3 } },
  // Positive base in [0.5, 2], exponent in [-2, 2]: smooth in both; h = 5e-3 for a^b's curvature.
  { op: 'pow', f: nt.pow, inputs: (sa, sb, s) => [uniform(sa, s, 0.5, 2), uniform(sb, s + 1, -2, 2)], options: { h: 5e-3 } },
  // maximum/minimum: the operands differ by ≥ 0.1 everywhere (no ties within h of a kink).
  { op: 'maximum', f: nt.maximum, inputs: (sa, sb, s) => separatedPair(sa, sb, s) },
  { op: 'minimum', f: nt.minimum, inputs: (sa, sb, s) => separatedPair(sa, sb, s) },
  { op: 'squaredDifference', f: nt.squaredDifference, inputs: normalPair },
];

BINARY.forEach((c, k) => {
  BROADCAST.forEach(([sa, sb], j) => {
    check(`${c.op} ${fmt(sa)} with ${fmt(sb)}`, c.f, () => c.inputs(sa, sb, 100 * k + j), c.options);
  });
});

// Both operands broadcast at once ([3, 1] with [1, 4] → [3, 4]).
check('add [3, 1] with [1, 4]', nt.add, () => [randn([3, 1], 1), randn([1, 4], 2)]);
check('mul [3, 1] with [1, 4]', nt.mul, () => [randn([3, 1], 3), randn([1, 4], 4)]);
check('div [3, 1] with [1, 4]', nt.div, () => [randn([3, 1], 5), awayFromZero([1, 4], 6, 0.5, 2)], { h: 5e-3 });
check('pow [3, 1] with [1, 4]', nt.pow, () => [uniform([3, 1], 7, 0.5, 2), uniform([1, 4], 8, -2, 2)], { h: 5e-3 });
// Rows 0, 1, 2 against columns 0.5, 1.5, 2.5, 3.5: every pair differs by ≥ 0.5.
check('maximum [3, 1] with [1, 4]', nt.maximum, () => [nt.tensor([[0], [1], [2]]), nt.tensor([[0.5, 1.5, 2.5, 3.5]])]);
check('minimum [3, 1] with [1, 4]', nt.minimum, () => [nt.tensor([[0], [1], [2]]), nt.tensor([[0.5, 1.5, 2.5, 3.5]])]);
check('squaredDifference [3, 1] with [1, 4]', nt.squaredDifference, () => [randn([3, 1], 9), randn([1, 4], 10)]);

// Plain-number operands (coerced to scalars that carry no gradient).
check('add x + 2.5', (x) => nt.add(x, 2.5), () => [randn([2, 3], 11)]);
check('sub 1.5 − x', (x) => nt.sub(1.5, x), () => [randn([2, 3], 12)]);
check('mul x · −3', (x) => nt.mul(x, -3), () => [randn([2, 3], 13)]);
check('div 2 / x', (x) => nt.div(2, x), () => [awayFromZero([2, 3], 14, 0.5, 2)], { h: 5e-3 });
check('pow x ** 3', (x) => nt.pow(x, 3), () => [uniform([2, 3], 15, 0.5, 2)], { h: 5e-3 });
check('pow 2 ** x', (x) => nt.pow(2, x), () => [randn([2, 3], 16)]);
check('maximum(x, 0.3)', (x) => nt.maximum(x, 0.3), () => [awayFrom([3, 4], 17, -2, 2, [0.3], 0.1)]);
check('minimum(x, 0.3)', (x) => nt.minimum(x, 0.3), () => [awayFrom([3, 4], 18, -2, 2, [0.3], 0.1)]);

// ---- unary math ------------------------------------------------------------------------

interface UnaryCase {
  readonly op: string;
  readonly f: (x: Tensor) => Tensor;
  readonly input: (seed: number) => Tensor;
  readonly options?: Rest;
}

const S: Shape = [3, 4, 5];

const UNARY: readonly UnaryCase[] = [
  { op: 'neg', f: nt.neg, input: (s) => randn(S, s) },
  { op: 'exp', f: nt.exp, input: (s) => randn(S, s) },
  // log, sqrt, rsqrt, reciprocal: inputs in [0.5, 2], away from the singularity at 0.
  { op: 'log', f: nt.log, input: (s) => uniform(S, s, 0.5, 2) },
  { op: 'log1p', f: nt.log1p, input: (s) => uniform(S, s, -0.5, 2) },
  { op: 'sqrt', f: nt.sqrt, input: (s) => uniform(S, s, 0.5, 2) },
  { op: 'rsqrt', f: nt.rsqrt, input: (s) => uniform(S, s, 0.5, 2) },
  { op: 'square', f: nt.square, input: (s) => randn(S, s) },
  { op: 'reciprocal', f: nt.reciprocal, input: (s) => awayFromZero(S, s, 0.5, 2), options: { h: 5e-3 } },
  // abs: |x| ≥ 0.1 so x ± h never crosses the kink at 0.
  { op: 'abs', f: nt.abs, input: (s) => awayFromZero(S, s, 0.1, 2) },
  { op: 'sin', f: nt.sin, input: (s) => uniform(S, s, -3, 3) },
  { op: 'cos', f: nt.cos, input: (s) => uniform(S, s, -3, 3) },
  { op: 'erf', f: nt.erf, input: (s) => randn(S, s) },
  // clip: inputs inside and outside [-0.5, 0.5] but ≥ 0.05 from both edges.
  { op: 'clip(x, -0.5, 0.5)', f: (x) => nt.clip(x, -0.5, 0.5), input: (s) => awayFrom(S, s, -1.5, 1.5, [-0.5, 0.5], 0.05) },
  { op: 'clip(x, 0, 4)', f: (x) => nt.clip(x, 0, 4), input: (s) => awayFrom(S, s, -1, 5, [0, 4], 0.05) },
];

UNARY.forEach((c, k) => check(`${c.op} ${fmt(S)}`, c.f, () => [c.input(500 + k)], c.options));
check('exp rank-0', nt.exp, () => [nt.scalar(0.7)]);

// ---- where -----------------------------------------------------------------------------

function mask(shape: Shape, seed: number, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const u = uniform(shape, seed, 0, 1);
  return nt.cast(nt.greater(u, 0.5), dtype);
}

test('where masks pick both branches', async () => {
  const m = await mask([2, 3, 4], 41).data();
  const ones = Array.from(m).filter((v) => v === 1).length;
  assert.ok(ones > 0 && ones < m.length, 'the mask must contain both ones and zeros');
});

check('where cond [2,3,4], a [2,3,4], b [2,3,4]', (a, b) => nt.where(mask([2, 3, 4], 41), a, b), () => [randn([2, 3, 4], 42), randn([2, 3, 4], 43)]);
check('where cond [2,3,4] int32, a [4], b []', (a, b) => nt.where(mask([2, 3, 4], 44, 'int32'), a, b), () => [randn([4], 45), nt.scalar(0.25)]);
check('where cond [3,1], a [2,3,4], b [2,1,4]', (a, b) => nt.where(nt.tensor([[1], [0], [1]]), a, b), () => [randn([2, 3, 4], 47), randn([2, 1, 4], 48)]);
check('where cond [2,3,4], a [], b [3,4]', (a, b) => nt.where(mask([2, 3, 4], 49), a, b), () => [nt.scalar(-1.5), randn([3, 4], 50)]);
check('where(cond, x, 0)', (x) => nt.where(mask([4, 5], 51), x, 0), () => [randn([4, 5], 52)]);
check('where(cond, 0, x)', (x) => nt.where(mask([4, 5], 53), 0, x), () => [randn([4, 5], 54)]);

// ---- the checker itself ----------------------------------------------------------------

/** y = 2x with a deliberately wrong rule dy·factor. */
function doubledWithRule(factor: number): (x: Tensor) => Tensor {
  return (x) => nt.record('double', [x], nt.noGrad(() => nt.mul(x, 2)), (dy) => [nt.mul(dy, factor)]);
}

test('gradcheck accepts a correct custom rule', async () => {
  const report = await checkGradients(doubledWithRule(2), [randn([3, 4], 60)], { name: 'double (rule 2·dy)' });
  assert.equal(report.elements, 12);
  assert.ok(report.worstRatio < 0.1, `worst error/tolerance ${report.worstRatio}`);
});

test('gradcheck rejects a rule that is 1 % off, naming op, input, element and values', async () => {
  await assert.rejects(
    () => checkGradients(doubledWithRule(2.02), [randn([3, 4], 61)], { name: 'double (rule 2.02·dy)' }),
    (e: unknown) => e instanceof assert.AssertionError && /double \(rule 2\.02·dy\): gradient mismatch in 12 element\(s\)/.test(e.message) && /input 0 element 0 \[0, 0\]: analytic .* vs numeric/.test(e.message) && /input shapes \[3, 4\], output shape \[3, 4\]/.test(e.message),
  );
});

test('gradcheck rejects a rule that drops a broadcast reduction', async () => {
  const bad = (a: Tensor, b: Tensor): Tensor => nt.record('badAdd', [a, b], nt.noGrad(() => nt.add(a, b)), (dy) => [dy, nt.slice(dy, [0, 0], [1, 4])]);
  await assert.rejects(() => checkGradients(bad, [randn([3, 4], 62), randn([1, 4], 63)], { name: 'badAdd' }), /badAdd: gradient mismatch/);
});

test('gradcheck refuses a vacuous check (no gradient anywhere)', async () => {
  await assert.rejects(() => checkGradients((x) => nt.mul(x, 0), [randn([3], 64)], { name: 'zero' }), /vacuous/);
});

test('gradcheck samples at most maxSamples elements of a big input', async () => {
  const report = await checkGradients(nt.sin, [randn([20, 20], 65)], { name: 'sin [20, 20]', maxSamples: 60 });
  assert.equal(report.elements, 60);
});
