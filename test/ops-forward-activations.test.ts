/**
 * Forward values of activations (random points against float64 formulas, and hand-computed
 * points), int32 ops, cast and round-half-to-even.
 *
 * Tolerances (u = 2⁻²⁴, the float32 unit round-off):
 *  - random points: an activation is a short float32 formula (1 + erf(x/√2), expm1, x·σ(x),
 *    a·x + b, …) whose intermediate roundings are each ≤ u times a quantity bounded by
 *    |x| + |f(x)|, so |a − b| ≤ 8u·(|b| + |x|) (8 roundings of headroom). A wrong constant or
 *    branch (selu's λ, the 0.044715 of tanh-gelu, a ≥ for a >) is off by ≥ 1e-3 at these points.
 *  - hand-computed values are compared to their float32 rounding within 2 ulp (4u·|b|), or
 *    exactly where the function is piecewise linear with representable results.
 *  - int32 ops, cast and round must be exact.
 *  - special values: NaN must propagate through every activation defined by arithmetic on x
 *    (TF/NumPy), and a small tensor (js kernel) and a 3000-element one (native kernel when
 *    loaded) must agree on NaN, ±∞, ±0, denormals and ±3.4e38 within the tolerances above.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { type Nd, type Shape, Gen, U, argReduce, assertClose, assertExact, binary, erf, fromTensor, map, nd, reduce, shapeText, where3 } from './helpers/reference.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_LAMBDA = 1.0507009873554805;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

interface Activation {
  readonly name: string;
  readonly op: (x: Tensor) => Tensor;
  readonly ref: (x: number) => number;
}

const ACTIVATIONS: readonly Activation[] = [
  { name: 'relu', op: nt.relu, ref: (x) => Math.max(x, 0) },
  { name: 'relu6', op: nt.relu6, ref: (x) => Math.min(Math.max(x, 0), 6) },
  { name: 'leakyRelu (default alpha 0.2)', op: (x) => nt.leakyRelu(x), ref: (x) => (x > 0 ? x : 0.2 * x) },
  { name: 'leakyRelu alpha 0.3', op: (x) => nt.leakyRelu(x, 0.3), ref: (x) => (x > 0 ? x : 0.3 * x) },
  { name: 'elu', op: (x) => nt.elu(x), ref: (x) => (x > 0 ? x : Math.exp(x) - 1) },
  { name: 'elu alpha 1.7', op: (x) => nt.elu(x, 1.7), ref: (x) => (x > 0 ? x : 1.7 * (Math.exp(x) - 1)) },
  { name: 'selu', op: nt.selu, ref: (x) => SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1)) },
  { name: 'sigmoid', op: nt.sigmoid, ref: sigmoid },
  { name: 'hardSigmoid', op: (x) => nt.hardSigmoid(x), ref: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1) },
  { name: 'hardSigmoid alpha 1/6 beta 0.5', op: (x) => nt.hardSigmoid(x, 1 / 6, 0.5), ref: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1) },
  { name: 'tanh', op: nt.tanh, ref: Math.tanh },
  // log(1 + eˣ) written without overflow: max(x, 0) + log1p(e^−|x|).
  { name: 'softplus', op: nt.softplus, ref: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) },
  { name: 'softsign', op: nt.softsign, ref: (x) => x / (1 + Math.abs(x)) },
  { name: 'swish', op: nt.swish, ref: (x) => x * sigmoid(x) },
  { name: 'gelu (exact)', op: (x) => nt.gelu(x), ref: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  { name: 'gelu (tanh)', op: (x) => nt.gelu(x, true), ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) },
  { name: 'step', op: (x) => nt.step(x), ref: (x) => (x > 0 ? 1 : 0) },
  { name: 'step alpha 0.25', op: (x) => nt.step(x, 0.25), ref: (x) => (x > 0 ? 1 : 0.25) },
  { name: 'thresholdedRelu', op: (x) => nt.thresholdedRelu(x), ref: (x) => (x > 1 ? x : 0) },
  { name: 'thresholdedRelu theta 0.5', op: (x) => nt.thresholdedRelu(x, 0.5), ref: (x) => (x > 0.5 ? x : 0) },
  { name: 'clip [-0.5, 2]', op: (x) => nt.clip(x, -0.5, 2), ref: (x) => Math.min(Math.max(x, -0.5), 2) },
];

/** Kinks, thresholds and extremes; appended to every random draw. */
const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 6, 2.5, -2.5, 3, -3, 1e-4, -1e-4, 20, -20, 50, -50, 88, -88, 100, -100, 1000, -1000];
const SHAPES: readonly Shape[] = [[SPECIAL.length], [1], [7], [3, 5], [2, 1, 4], [4, 4], [2, 3, 2, 3], [1, 1, 3], [5, 5, 5], [6, 7], [17, 131]];

describe('activations at random points', () => {
  for (const a of ACTIVATIONS) {
    test(a.name, async (t) => {
      const g = new Gen(500);
      for (const s of SHAPES) {
        const x = s[0] === SPECIAL.length && s.length === 1 ? nt.tensor(SPECIAL) : g.normal(s, 3);
        const xs = await fromTensor(x);
        await assertClose(a.op(x), map(xs, a.ref), `${a.name} ${shapeText(s)}`, (b, i) => 8 * U * (Math.abs(b) + Math.abs(xs.data[i])));
      }
      t.diagnostic(`${SHAPES.length} cases`);
    });
  }
});

/** Checks f at points against hand-computed values, within 2 ulp of their float32 rounding. */
async function known(name: string, y: Tensor, values: readonly number[]): Promise<void> {
  await assertClose(y, nd([values.length], values.map(Math.fround)), name, (b) => 4 * U * Math.abs(b));
}

test('activations at hand-computed points', async () => {
  await known('selu(1), selu(0), selu(-1), selu(2)', nt.selu(nt.tensor([1, 0, -1, 2])), [SELU_LAMBDA, 0, -1.1113307378125625, 2 * SELU_LAMBDA]);
  await known('gelu exact at 1, -1, 0', nt.gelu(nt.tensor([1, -1, 0])), [0.8413447460685429, -0.15865525393145707, 0]);
  await known('gelu tanh at 1, -1', nt.gelu(nt.tensor([1, -1]), true), [0.8411919906082768, -0.15880800939172324]);
  await known('hardSigmoid', nt.hardSigmoid(nt.tensor([-3, -2.5, -1, 0, 1, 2.5, 3])), [0, 0, 0.3, 0.5, 0.7, 1, 1]);
  await known('softplus at large |x| (no overflow), 0, 1', nt.softplus(nt.tensor([1000, 100, 0, 1])), [1000, 100, Math.LN2, 1.3132616875182228]);
  const tiny = nt.softplus(nt.tensor([-100, -1000]));
  assert.ok((await tiny.data()).every((v) => v >= 0 && v < 1e-40), `softplus(-100), softplus(-1000) must be tiny and non-negative; got ${await tiny.data()}`);
  await known('elu', nt.elu(nt.tensor([-1, 2, 0])), [-0.6321205588285577, 2, 0]);
  await known('elu alpha 2', nt.elu(nt.tensor([-1, 3]), 2), [-1.2642411176571153, 3]);
  await known('leakyRelu default 0.2', nt.leakyRelu(nt.tensor([-2, 3, 0])), [-0.4, 3, 0]);
  await known('leakyRelu 0.3 (explicit)', nt.leakyRelu(nt.tensor([-2, 3]), 0.3), [-0.6, 3]);
  await assertExact(nt.relu6(nt.tensor([-1, 0, 3, 6, 7])), nd([5], [0, 0, 3, 6, 6]), 'relu6');
  await known('swish', nt.swish(nt.tensor([1, -1, 0])), [0.7310585786300049, -0.2689414213699951, 0]);
  await assertExact(nt.softsign(nt.tensor([3, -1, 0])), nd([3], [0.75, -0.5, 0]), 'softsign');
  await assertExact(nt.thresholdedRelu(nt.tensor([0.5, 1, 1.5, -2])), nd([4], [0, 0, 1.5, 0]), 'thresholdedRelu theta 1 (strict)');
  await assertExact(nt.step(nt.tensor([-1, 0, 2])), nd([3], [0, 0, 1]), 'step');
  await assertExact(nt.step(nt.tensor([-1, 0, 2]), 0.5), nd([3], [0.5, 0.5, 1]), 'step alpha 0.5');
  await known('sigmoid at 0, ±100 (finite)', nt.sigmoid(nt.tensor([0, 100])), [0.5, 1]);
  await assertClose(nt.sigmoid(nt.tensor([-100])), nd([1], [3.720075976020836e-44]), 'sigmoid(-100)', 1e-40);
  await assertExact(nt.tanh(nt.tensor([100, -100, 0])), nd([3], [1, -1, 0]), 'tanh saturates');
});

test('round is half to even (NumPy rint), also on the native path', async (t) => {
  const exact = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 4.5, 0.4999999701976776, 2.4, -2.6, 1e7 + 1, -0];
  await assertExact(nt.round(nt.tensor(exact)), nd([exact.length], [0, 2, 2, -0, -2, -2, 4, 4, 0, 2, -3, 1e7 + 1, -0]), 'round known points');
  assert.ok(Object.is((await nt.round(nt.tensor([-0.5])).data())[0], -0), 'round(-0.5) is -0');
  const rint = (x: number): number => {
    const f = Math.floor(x);
    const d = x - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  };
  const g = new Gen(600);
  const shapes: Shape[] = [[9], [4, 7], [50, 50]];
  for (const s of shapes) {
    const x = nt.tensor(Float32Array.from(await g.ints(s, -40, 40).data(), (v, i) => (i % 2 === 0 ? v / 2 : v / 4)), s);
    await assertExact(nt.round(x), map(await fromTensor(x), rint), `round ${shapeText(s)}`);
  }
  t.diagnostic(`${shapes.length + 1} cases`);
});

test('cast: float32 → int32 truncates toward zero; int32 → float32 exact', async (t) => {
  const x = nt.tensor([-2.7, -0.5, -0, 0.5, 2.7, 3, -3, 1e9, -123456.75]);
  const y = nt.cast(x, 'int32');
  assert.equal(y.dtype, 'int32');
  assert.deepEqual([...(await y.data())], [-2, 0, 0, 0, 2, 3, -3, 1e9, -123456]);
  const g = new Gen(700);
  for (const s of [[7], [3, 4, 5], [60, 50]] as const) {
    const f = g.normal(s, 100);
    const i = nt.cast(f, 'int32');
    assert.equal(i.dtype, 'int32');
    await assertExact(i, map(await fromTensor(f), Math.trunc), `cast ${shapeText(s)} to int32`);
    const back = nt.cast(i, 'float32');
    assert.equal(back.dtype, 'float32');
    await assertExact(back, await fromTensor(i), `cast ${shapeText(s)} back to float32`);
  }
  assert.equal(nt.cast(x, 'float32'), x, 'casting to the same dtype returns the tensor');
  t.diagnostic('4 cases');
});

describe('int32 ops keep int32 and exact values', () => {
  const BIN: readonly [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number][] = [
    ['add', nt.add, (a, b) => a + b], ['sub', nt.sub, (a, b) => a - b], ['mul', nt.mul, (a, b) => a * b],
    ['maximum', nt.maximum, Math.max], ['minimum', nt.minimum, Math.min],
    ['greater', nt.greater, (a, b) => +(a > b)], ['lessEqual', nt.lessEqual, (a, b) => +(a <= b)], ['equal', nt.equal, (a, b) => +(a === b)],
  ];
  const PAIRS: readonly [Shape, Shape][] = [[[2, 3, 4], [4]], [[3, 1], [1, 4]], [[2, 1, 4], [3, 1]], [[], [2, 3]], [[5], [5]], [[50, 50], [50, 1]]];
  test('binary ops and comparisons with broadcasting', async (t) => {
    const g = new Gen(800);
    let cases = 0;
    for (const [name, op, ref] of BIN) {
      for (const [sa, sb] of PAIRS) {
        const a = g.ints(sa, -1000, 1000);
        const b = g.ints(sb, -3, 3);
        const y = op(a, b);
        assert.equal(y.dtype, 'int32', `${name}: dtype`);
        await assertExact(y, binary(await fromTensor(a), await fromTensor(b), ref), `${name} int32 ${shapeText(sa)} with ${shapeText(sb)}`);
        cases++;
      }
    }
    t.diagnostic(`${cases} cases`);
  });

  test('reductions, argmax/argmin, where and the int-safe unary ops', async (t) => {
    const g = new Gen(801);
    const shapes: Shape[] = [[6], [3, 4], [2, 3, 4], [2, 1, 5], [40, 60]];
    for (const s of shapes) {
      const x = g.ints(s, -5, 5);
      const xs = await fromTensor(x);
      const last = s.length - 1;
      const checks: [string, Tensor, Nd][] = [
        ['sum all', nt.sum(x), reduce(xs, 'sum')],
        ['sum axis 0 keepDims', nt.sum(x, 0, true), reduce(xs, 'sum', [0], true)],
        ['max last axis', nt.max(x, -1), reduce(xs, 'max', [last])],
        ['min all', nt.min(x), reduce(xs, 'min')],
        ['argmax', nt.argmax(x), argReduce(xs, last, 'max')],
        ['argmin axis 0', nt.argmin(x, 0), argReduce(xs, 0, 'min')],
        ['where', nt.where(nt.greater(x, 0), x, nt.neg(x)), where3(map(xs, (v) => +(v > 0)), xs, map(xs, (v) => -v))],
        ['abs', nt.abs(x), map(xs, Math.abs)], ['sign', nt.sign(x), map(xs, Math.sign)], ['square', nt.square(x), map(xs, (v) => v * v)],
        ['relu', nt.relu(x), map(xs, (v) => Math.max(v, 0))], ['clip', nt.clip(x, -2, 3), map(xs, (v) => Math.min(Math.max(v, -2), 3))],
        ['round', nt.round(x), xs], ['floor', nt.floor(x), xs],
      ];
      for (const [name, y, ref] of checks) {
        assert.equal(y.dtype, 'int32', `${name} ${shapeText(s)}: dtype`);
        await assertExact(y, ref, `${name} int32 ${shapeText(s)}`);
      }
    }
    t.diagnostic(`${shapes.length} shapes × 14 ops`);
  });
});

/** Unary ops applied to special values (step and thresholdedRelu included only in the consistency check). */
const NAN_OPS: readonly [string, (x: Tensor) => Tensor][] = [
  ['relu', nt.relu], ['relu6', nt.relu6], ['leakyRelu', (x) => nt.leakyRelu(x)], ['elu', (x) => nt.elu(x)], ['selu', nt.selu],
  ['sigmoid', nt.sigmoid], ['hardSigmoid', (x) => nt.hardSigmoid(x)], ['tanh', nt.tanh], ['softplus', nt.softplus], ['softsign', nt.softsign],
  ['swish', nt.swish], ['gelu', (x) => nt.gelu(x)], ['gelu tanh', (x) => nt.gelu(x, true)], ['clip', (x) => nt.clip(x, -1, 1)],
  ['abs', nt.abs], ['sign', nt.sign], ['round', nt.round], ['floor', nt.floor], ['exp', nt.exp], ['erf', nt.erf],
];
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-45, 3.4e38, -3.4e38];

/** op applied to SPECIALS padded with 0.5 to n elements (n ≥ 2048 runs the native kernel when it is loaded). */
const onSpecials = async (op: (x: Tensor) => Tensor, n: number): Promise<number[]> => {
  const data = new Float32Array(n).fill(0.5);
  data.set(SPECIALS);
  return [...(await op(nt.tensor(data)).data()).slice(0, SPECIALS.length)];
};

test('NaN propagates through activations and unary math (TF/NumPy semantics)', async (t) => {
  // tf.nn.relu(nan) is nan on CPU (TF treated the GPU's 0 as a bug: tensorflow#32730, #40072),
  // as is np.maximum(nan, 0); Neurite documents relu as max(x, 0) and its maximum propagates NaN.
  const failures: string[] = [];
  for (const [name, op] of NAN_OPS) {
    for (const n of [3 * SPECIALS.length, 3000]) {
      const first = (await onSpecials(op, n))[0];
      if (!Number.isNaN(first)) failures.push(`${name}(NaN) = ${first} (${n} elements)`);
    }
  }
  assert.deepEqual(failures, [], `NaN must propagate: ${failures.join('; ')}`);
  t.diagnostic(`${NAN_OPS.length} ops × 2 sizes`);
});

test('small (js) and large (native when loaded) tensors agree on NaN, ±∞, ±0, denormals and extremes', async (t) => {
  const ops: [string, (x: Tensor) => Tensor][] = [...NAN_OPS, ['step', (x) => nt.step(x)], ['thresholdedRelu', (x) => nt.thresholdedRelu(x)]];
  const failures: string[] = [];
  for (const [name, op] of ops) {
    const small = await onSpecials(op, SPECIALS.length);
    const large = await onSpecials(op, 3000);
    small.forEach((v, i) => {
      // Same tolerance as the random-point tests (erf: the js fit's documented 1.2e-7), NaN must match NaN.
      const x = SPECIALS[i];
      const tol = (name === 'erf' ? 2e-7 : 0) + 8 * U * (Math.abs(v) + (Number.isFinite(x) ? Math.abs(x) : 0));
      const same = Object.is(v, large[i]) || v === large[i] || Math.abs(v - large[i]) <= tol;
      if (!same) failures.push(`${name}(${SPECIALS[i]}): ${v} on ${SPECIALS.length} elements, ${large[i]} on 3000`);
    });
  }
  assert.deepEqual(failures, [], failures.join('; '));
  t.diagnostic(`${ops.length} ops × ${SPECIALS.length} values (on the js backend both sizes use the same kernel)`);
});
