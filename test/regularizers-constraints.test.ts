/**
 * Regularizers (values against hand-computed numbers, gradients against hand-derived
 * formulas and central finite differences), constraints (against hand-computed
 * projections, norms along the configured axes), activation identifiers (each applied to
 * a known input and compared with a float64 formula), and every registry round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import * as reg from '../src/regularizers/index.js';
import * as con from '../src/constraints/index.js';
import * as act from '../src/activations/index.js';
import type { ConfigDict } from '../src/utils/serialization.js';
import { awayFromZero, checkGradients, randn } from './helpers/gradcheck.js';
import { item } from './helpers/read.js';

/** |got − want| ≤ tol·max(1, |want|) elementwise, with a message naming the case. */
async function close(got: Tensor | number, want: ArrayLike<number> | number, tol: number, label: string): Promise<void> {
  const g = typeof got === 'number' ? [got] : Array.from(await got.data());
  const w = typeof want === 'number' ? [want] : Array.from(want);
  assert.equal(g.length, w.length, `${label}: ${g.length} values, expected ${w.length}`);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= tol * Math.max(1, Math.abs(w[i])), `${label}: [${i}] = ${v}, expected ${w[i]}`));
}

function roundTrip<T extends { getClassName(): string; getConfig(): ConfigDict }>(obj: T, get: (s: { class_name: string; config: ConfigDict }) => T): T {
  const json = JSON.parse(JSON.stringify({ class_name: obj.getClassName(), config: obj.getConfig() })) as { class_name: string; config: ConfigDict };
  const back = get(json);
  assert.equal(back.constructor, obj.constructor, obj.getClassName());
  assert.deepEqual(back.getConfig(), obj.getConfig(), obj.getClassName());
  return back;
}

// ---- regularizers ---------------------------------------------------------------------

// x = [[1, −2], [3, −4]]: Σ|x| = 10, Σx² = 30.
const X = (): Tensor => nt.tensor([[1, -2], [3, -4]]);

test("regularizers: Keras' values (l2 = l2·Σx², no ½) on a hand-computed input", async () => {
  const cases: ReadonlyArray<readonly [string, reg.Regularizer, number]> = [
    ['L1(0.1)', new reg.L1({ l1: 0.1 }), 1.0],
    ['L2(0.1)', new reg.L2({ l2: 0.1 }), 3.0],
    ['L1L2(0.1, 0.2)', new reg.L1L2({ l1: 0.1, l2: 0.2 }), 1 + 6],
    ['L1L2(l2 0.1) has no L1 term', new reg.L1L2({ l2: 0.1 }), 3.0],
    ['L1() default 0.01', new reg.L1(), 0.1],
    ['L2() default 0.01', new reg.L2(), 0.3],
    ['L1L2() defaults 0, 0', new reg.L1L2(), 0],
    ['l1(0.5)', reg.l1(0.5), 5],
    ['l2(0.5)', reg.l2(0.5), 15],
    ['l1L2() defaults 0.01, 0.01', reg.l1L2(), 0.1 + 0.3],
    ['l1L2({ l1: 0.2 })', reg.l1L2({ l1: 0.2 }), 2 + 0.3],
    ["'l1'", reg.getRegularizer('l1'), 0.1],
    ["'l2'", reg.getRegularizer('l2'), 0.3],
    ["'l1_l2' (Keras: 0.01, 0.01)", reg.getRegularizer('l1_l2'), 0.4],
    ["'L1L2' (class defaults 0, 0)", reg.getRegularizer('L1L2'), 0],
  ];
  for (const [label, r, want] of cases) {
    const y = r.call(X());
    assert.deepEqual([...y.shape], [], `${label}: a scalar`);
    await close(y, want, 1e-6, label);
  }
});

test('regularizer gradients: l1·sign(x), 2·l2·x, and zero for L1L2(0, 0)', async () => {
  const x = X();
  const l1 = nt.grad((v) => new reg.L1({ l1: 0.1 }).call(v))(x);
  await close(l1, [0.1, -0.1, 0.1, -0.1], 1e-6, 'dL1/dx');
  const l2 = nt.grad((v) => new reg.L2({ l2: 0.1 }).call(v))(x);
  await close(l2, [0.2, -0.4, 0.6, -0.8], 1e-6, 'dL2/dx');
  const both = nt.grad((v) => new reg.L1L2({ l1: 0.1, l2: 0.2 }).call(v))(x);
  await close(both, [0.1 + 0.4, -0.1 - 0.8, 0.1 + 1.2, -0.1 - 1.6], 1e-6, 'dL1L2/dx');
  const w = nt.tensor([0.5, -1.5]);
  w.requiresGrad = true;
  const none = new reg.L1L2().call(w);
  none.backward();
  assert.equal(await item(none), 0);
  assert.ok(w.grad !== null, 'L1L2(0, 0) stays on the tape');
  await close(w.grad, [0, 0], 0, 'dL1L2(0, 0)/dx');
});

test('regularizer gradients against central finite differences', async () => {
  // L1 has a kink at 0: inputs stay ≥ 0.1 from it, farther than the step h = 1e-2.
  await checkGradients((v) => new reg.L1({ l1: 0.3 }).call(v), [awayFromZero([4, 5], 1)], { name: 'L1' });
  await checkGradients((v) => new reg.L2({ l2: 0.7 }).call(v), [randn([3, 2, 4], 2)], { name: 'L2' });
  await checkGradients((v) => new reg.L1L2({ l1: 0.2, l2: 0.05 }).call(v), [awayFromZero([6, 3], 3)], { name: 'L1L2' });
  await checkGradients((v) => reg.getRegularizer('l1_l2').call(v), [awayFromZero([10], 4)], { name: "'l1_l2'" });
});

test('regularizers reject negative or non-finite factors and non-float input', () => {
  assert.throws(() => new reg.L1({ l1: -0.1 }), /L1: l1 must be a non-negative number; got -0\.1/);
  assert.throws(() => new reg.L2({ l2: Number.POSITIVE_INFINITY }), /L2: l2 must be a finite number/);
  assert.throws(() => new reg.L1L2({ l2: -1 }), /L1L2: l2 must be a non-negative/);
  assert.throws(() => new reg.L2().call(nt.tensor([1, 2], undefined, 'int32')), /L2: x must be float32/);
});

test('getRegularizer: identifiers, class names, round trips, unknown names', async () => {
  const ids: Readonly<Record<string, string>> = { l1: 'L1', L1: 'L1', l2: 'L2', L2: 'L2', l1_l2: 'L1L2', l1L2: 'L1L2', L1L2: 'L1L2' };
  for (const [id, className] of Object.entries(ids)) assert.equal(reg.getRegularizer(id).getClassName(), className, id);
  const all = [new reg.L1({ l1: 0.3 }), new reg.L2({ l2: 0.25 }), new reg.L1L2({ l1: 0.125, l2: 0.5 }), new reg.L1L2()];
  for (const r of all) {
    const back = roundTrip(r, reg.getRegularizer);
    await close(back.call(X()), await item(r.call(X())), 1e-7, `${r.getClassName()} round trip`);
  }
  // Keras 2 writes float32-rounded factors.
  assert.equal((reg.getRegularizer({ class_name: 'L2', config: { l2: 0.009999999776482582 } }) as reg.L2).l2, 0.009999999776482582);
  const given = new reg.L2();
  assert.equal(reg.getRegularizer(given), given);
  assert.throws(() => reg.getRegularizer('l3'), (e: Error) => /Unknown regularizer 'l3'/.test(e.message) && /l1_l2/.test(e.message));
  assert.throws(() => reg.getRegularizer({ class_name: 'L1', config: { l2: 1 } }), /L1: unknown config key 'l2'; allowed keys: l1/);
});

// ---- constraints ----------------------------------------------------------------------

const EPS = 1e-7;

test('MaxNorm (default 2, axis 0): per-column norms of a Dense kernel, hand-computed', async () => {
  // Columns (axis 0 reduced): norms 5, √0.5, 0.
  const w = nt.tensor([[3, 0.5, 0], [4, 0.5, 0]]);
  const s0 = 2 / (5 + EPS);
  const s1 = Math.sqrt(0.5) / (Math.sqrt(0.5) + EPS);
  await close(new con.MaxNorm().call(w), [3 * s0, 0.5 * s1, 0, 4 * s0, 0.5 * s1, 0], 1e-6, 'MaxNorm axis 0');
  // axis 1: row norms √9.25 and √16.25, both above 2: each row rescaled to norm 2.
  const r0 = 2 / (Math.sqrt(9.25) + EPS);
  const r1 = 2 / (Math.sqrt(16.25) + EPS);
  await close(new con.MaxNorm({ axis: 1 }).call(w), [3 * r0, 0.5 * r0, 0, 4 * r1, 0.5 * r1, 0], 1e-6, 'MaxNorm axis 1');
  // maxValue 10: nothing exceeds it, so w comes back (up to the ε in the quotient).
  await close(new con.MaxNorm({ maxValue: 10 }).call(w), [3, 0.5, 0, 4, 0.5, 0], 1e-6, 'MaxNorm(10)');
});

/** Float64 norms of each filter of a [kH, kW, in, out] kernel (axes 0, 1, 2 reduced). */
async function filterNorms(w: Tensor): Promise<number[]> {
  const out = w.shape[3];
  const norms = new Array<number>(out).fill(0);
  const values = await w.data();
  for (let i = 0; i < w.size; i++) norms[i % out] += values[i] ** 2;
  return norms.map(Math.sqrt);
}

test('MaxNorm and UnitNorm with axis [0, 1, 2]: one norm per Conv2D filter', async () => {
  const w = nt.mul(randn([3, 3, 2, 4], 5), nt.tensor([0.1, 0.5, 1, 2])); // filter norms ≈ 0.4, 2, 4, 8
  const before = await filterNorms(w);
  const maxed = new con.MaxNorm({ maxValue: 1.5, axis: [0, 1, 2] }).call(w);
  const expected = Array.from(await w.data(), (v, i) => v * (Math.min(before[i % 4], 1.5) / (before[i % 4] + EPS)));
  await close(maxed, expected, 1e-6, 'MaxNorm [0, 1, 2]');
  (await filterNorms(maxed)).forEach((n, f) => assert.ok(Math.abs(n - Math.min(before[f], 1.5)) < 1e-5, `filter ${f}: norm ${n}`));
  const unit = new con.UnitNorm({ axis: [0, 1, 2] }).call(w);
  (await filterNorms(unit)).forEach((n, f) => assert.ok(Math.abs(n - 1) < 1e-5, `UnitNorm filter ${f}: norm ${n}`));
  await close(unit, Array.from(await w.data(), (v, i) => v / (before[i % 4] + EPS)), 1e-6, 'UnitNorm [0, 1, 2]');
});

test('UnitNorm (axis 0 and −1), NonNeg', async () => {
  const w = nt.tensor([[3, 1], [4, -1]]);
  await close(new con.UnitNorm().call(w), [3 / (5 + EPS), 1 / (Math.SQRT2 + EPS), 4 / (5 + EPS), -1 / (Math.SQRT2 + EPS)], 1e-6, 'UnitNorm axis 0');
  const rows = [Math.sqrt(10), Math.sqrt(17)];
  await close(new con.UnitNorm({ axis: -1 }).call(w), [3 / rows[0], 1 / rows[0], 4 / rows[1], -1 / rows[1]], 1e-6, 'UnitNorm axis −1');
  assert.deepEqual(await new con.NonNeg().call(nt.tensor([-1.5, 0, 2, -0.1, 7])).array(), [0, 0, 2, 0, 7]);
});

test('MinMaxNorm: rate 1 clips norms into [min, max]; rate 0.5 moves half way', async () => {
  // Columns with norms 0.5 and 5.
  const w = nt.tensor([[0.3, 3], [0.4, 4]]);
  // min 1, max 2, rate 0.5: desired 0.5·1 + 0.5·0.5 = 0.75 and 0.5·2 + 0.5·5 = 3.5.
  const a = 0.75 / (0.5 + EPS);
  const b = 3.5 / (5 + EPS);
  await close(new con.MinMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 }).call(w), [0.3 * a, 3 * b, 0.4 * a, 4 * b], 1e-6, 'MinMaxNorm rate 0.5');
  // Defaults (0, 1, rate 1): norms become min(norm, 1): 0.5 stays, 5 → 1.
  await close(new con.MinMaxNorm().call(w), [0.3 * (0.5 / (0.5 + EPS)), 3 / (5 + EPS), 0.4 * (0.5 / (0.5 + EPS)), 4 / (5 + EPS)], 1e-6, 'MinMaxNorm defaults');
  // axis 1 (rows, norms √9.09 and √16.16) with min 4, max 6: row 0 grows to 4, row 1 stays.
  const n0 = Math.sqrt(0.09 + 9);
  const n1 = Math.sqrt(0.16 + 16);
  const out = new con.MinMaxNorm({ minValue: 4, maxValue: 6, axis: 1 }).call(w);
  await close(out, [0.3 * (4 / (n0 + EPS)), 3 * (4 / (n0 + EPS)), 0.4 * (n1 / (n1 + EPS)), 4 * (n1 / (n1 + EPS))], 1e-6, 'MinMaxNorm axis 1');
  assert.throws(() => new con.MinMaxNorm({ minValue: 3, maxValue: 2 }), /minValue \(3\) must not exceed maxValue \(2\)/);
});

test('getConstraint: identifiers, legacy aliases, round trips, unknown names', async () => {
  const ids: Readonly<Record<string, string>> = {
    max_norm: 'MaxNorm', maxnorm: 'MaxNorm', maxNorm: 'MaxNorm', MaxNorm: 'MaxNorm',
    non_neg: 'NonNeg', nonneg: 'NonNeg', nonNeg: 'NonNeg', NonNeg: 'NonNeg',
    unit_norm: 'UnitNorm', unitnorm: 'UnitNorm', unitNorm: 'UnitNorm', UnitNorm: 'UnitNorm',
    min_max_norm: 'MinMaxNorm', minMaxNorm: 'MinMaxNorm', MinMaxNorm: 'MinMaxNorm',
  };
  for (const [id, className] of Object.entries(ids)) assert.equal(con.getConstraint(id).getClassName(), className, id);
  assert.deepEqual(con.getConstraint('max_norm').getConfig(), { max_value: 2, axis: 0 });
  assert.deepEqual(con.getConstraint('min_max_norm').getConfig(), { min_value: 0, max_value: 1, rate: 1, axis: 0 });
  const all = [new con.MaxNorm({ maxValue: 3, axis: [0, 1, 2] }), new con.NonNeg(), new con.UnitNorm({ axis: 1 }), new con.MinMaxNorm({ minValue: 0.5, maxValue: 4, rate: 0.25, axis: -1 })];
  const w = randn([2, 2, 3, 4], 9);
  for (const c of all) {
    const back = roundTrip(c, con.getConstraint);
    await close(back.call(w), await c.call(w).data(), 0, `${c.getClassName()} round trip`);
  }
  const given = new con.NonNeg();
  assert.equal(con.getConstraint(given), given);
  assert.throws(() => con.getConstraint('positive'), (e: Error) => /Unknown constraint 'positive'/.test(e.message) && /max_norm/.test(e.message) && /non_neg/.test(e.message));
  assert.throws(() => new con.MaxNorm({ axis: 0.5 }), /axis must be an integer or a non-empty list of integers/);
});

// ---- activations ----------------------------------------------------------------------

/** erf to ~1e-12: Maclaurin series below 3, the asymptotic erfc series above. */
function erf(x: number): number {
  const z = Math.abs(x);
  if (z >= 3) {
    const z2 = z * z;
    const erfc = (Math.exp(-z2) / (z * Math.sqrt(Math.PI))) * (1 - 1 / (2 * z2) + 3 / (4 * z2 * z2) - 15 / (8 * z2 ** 3) + 105 / (16 * z2 ** 4));
    return Math.sign(x) * (1 - erfc);
  }
  let term = z;
  let s = z;
  for (let n = 1; n < 60; n++) {
    term *= (-z * z) / n;
    s += term / (2 * n + 1);
  }
  return (Math.sign(x) * 2 * s) / Math.sqrt(Math.PI);
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Keras' definitions in float64. */
const REFERENCE: Readonly<Record<string, (x: number) => number>> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  sigmoid: sig,
  hard_sigmoid: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
  tanh: Math.tanh,
  softplus: (x) => Math.log1p(Math.exp(x)),
  softsign: (x) => x / (1 + Math.abs(x)),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  swish: (x) => x * sig(x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  exponential: Math.exp,
  leaky_relu: (x) => (x > 0 ? x : 0.2 * x),
};

const INPUT = [-3, -1, -0.25, 0, 0.5, 2, 7];

test('activation identifiers applied to a known input match float64 formulas', async () => {
  for (const [name, f] of Object.entries(REFERENCE)) {
    const a = act.getActivation(name);
    assert.equal(a.name, name);
    await close(a.fn(nt.tensor(INPUT)), INPUT.map(f), 2e-6, name);
  }
  // camelCase forms and Keras 3's silu.
  const aliases: Readonly<Record<string, string>> = { hardSigmoid: 'hard_sigmoid', logSoftmax: 'log_softmax', leakyRelu: 'leaky_relu', silu: 'swish' };
  for (const [alias, name] of Object.entries(aliases)) {
    const a = act.getActivation(alias);
    assert.equal(a.name, name, alias);
    assert.equal(a.fn, act.getActivation(name).fn, alias);
  }
  await close(act.getActivation('silu').fn(nt.tensor(INPUT)), INPUT.map(REFERENCE.swish), 2e-6, 'silu');
});

test('softmax and log_softmax act on the last axis', async () => {
  const rows = [[1, 2, 3], [-1, 0, 5]];
  const want = rows.flatMap((r) => {
    const z = r.reduce((s, v) => s + Math.exp(v), 0);
    return r.map((v) => Math.exp(v) / z);
  });
  await close(act.getActivation('softmax').fn(nt.tensor(rows)), want, 1e-6, 'softmax');
  await close(act.getActivation('log_softmax').fn(nt.tensor(rows)), want.map(Math.log), 1e-6, 'log_softmax');
});

test('linear for null/undefined; functions; unknown names list the valid ones', () => {
  const x = nt.tensor([-1, 2]);
  for (const id of [null, undefined, 'linear'] as const) {
    const a = act.getActivation(id);
    assert.equal(a.name, 'linear');
    assert.equal(a.fn(x), x);
  }
  assert.equal(act.getActivation(nt.relu).name, 'relu');
  assert.equal(act.getActivation(nt.softmax).name, 'softmax');
  const custom = (t: Tensor): Tensor => nt.mul(t, 3);
  assert.deepEqual(act.getActivation(custom), { name: 'custom', fn: custom });
  assert.throws(() => act.getActivation('rectifier'), (e: Error) => /Unknown activation 'rectifier'/.test(e.message) && /relu/.test(e.message) && /softmax/.test(e.message) && /leaky_relu/.test(e.message));
});

test('serializeActivation gives the Keras name of every known activation', () => {
  const canonical = [...Object.keys(REFERENCE), 'softmax', 'log_softmax'];
  for (const name of canonical) assert.equal(act.serializeActivation(act.getActivation(name).fn), name);
  assert.equal(act.serializeActivation(act.getActivation('silu').fn), 'swish');
  assert.equal(act.serializeActivation(nt.relu), 'relu');
  assert.equal(act.serializeActivation(nt.softmax), 'softmax');
  assert.equal(act.serializeActivation(nt.exp), 'exponential');
  assert.equal(act.serializeActivation(nt.gelu), 'gelu');
  assert.throws(() => act.serializeActivation((t: Tensor) => t), /not a built-in activation/);
});
