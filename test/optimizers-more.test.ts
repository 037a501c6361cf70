/**
 * Keras 3's Lamb, Adafactor and Ftrl, and the base options useEma (with emaMomentum and
 * emaOverwriteFrequency) and gradientAccumulationSteps, against their update formulas
 * written out here in float64 from Keras 3's source (keras/src/optimizers/{lamb,
 * adafactor,ftrl,base_optimizer}.py), not by calling any Neurite op: the first three steps
 * of small variables, weights and every state slot; then training, config and state round
 * trips. Neurite keeps float32 values and composes these updates from float32 ops, so the
 * comparison allows 2e-6 relative (each step moves the weights by far more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { item } from './helpers/read.js';

type Vec = number[];
const f32 = (xs: readonly number[]): number[] => xs.map(Math.fround);

/** A float64 reference optimizer over one flat variable: `step` updates w in place; `slots()` in getWeights order. */
interface Ref {
  step(w: Vec, g: readonly number[], t: number): void;
  slots(): Vec[];
}

function assertClose(got: ArrayLike<number>, want: readonly number[], what: string, rel = 2e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const mean = want.reduce((s, x) => s + Math.abs(x), 0) / Math.max(want.length, 1);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= rel * (Math.abs(want[i]) + mean) + 1e-30;
    assert.ok(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]} (all: [${Array.from(got).join(', ')}] vs [${want.join(', ')}])`);
  }
}

/** Three steps of `opt` and `ref` on a variable of `shape`, comparing weights and slots after each. */
async function checkSteps(opt: nt.Optimizer, ref: Ref, w0: readonly number[], shape: number[], grads: readonly (readonly number[])[], label: string): Promise<void> {
  const v = new nt.Variable(nt.tensor(f32(w0), shape));
  const w = f32(w0);
  for (let s = 0; s < grads.length; s++) {
    const g = f32(grads[s]);
    opt.applyGradients([[nt.tensor(g, shape), v]]);
    ref.step(w, g, s + 1);
    assertClose(await v.data(), w, `${label}: weights after step ${s + 1}`);
    const ws = opt.getWeights();
    assert.equal(await item(ws[0]), s + 1, `${label}: iterations`);
    const want = ref.slots();
    assert.equal(ws.length - 1, want.length, `${label}: number of slots`);
    for (let k = 0; k < want.length; k++) assertClose(await ws[1 + k].data(), want[k], `${label}: slot ${k} after step ${s + 1}`);
  }
}

const norm = (x: readonly number[]): number => Math.sqrt(x.reduce((s, a) => s + a * a, 0));
const rms = (x: readonly number[]): number => Math.sqrt(x.reduce((s, a) => s + a * a, 0) / x.length);

// ---- Keras 3 formulas in float64 ---------------------------------------------------------------

function lambRef(n: number, lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0): Ref {
  const m = new Array<number>(n).fill(0);
  const v = new Array<number>(n).fill(0);
  return {
    step(w, g, t) {
      for (let i = 0; i < n; i++) w[i] -= w[i] * wd * lr;
      const u: number[] = [];
      for (let i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        u.push(m[i] / (1 - b1 ** t) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps));
      }
      const wn = norm(w);
      const un = norm(u);
      const ratio = wn > 0 && un > 0 ? wn / un : 1;
      for (let i = 0; i < n; i++) w[i] -= ratio * lr * u[i];
    },
    slots: () => [m, v],
  };
}

interface AdafactorRefOptions {
  lr: number;
  beta2Decay?: number;
  eps1?: number;
  eps2?: number;
  clip?: number;
}

/** Adafactor on a [rows, cols] variable (factored) or, with rows 0, a vector of `cols` values. */
function adafactorRef(rows: number, cols: number, o: AdafactorRefOptions): Ref {
  const { lr, beta2Decay = -0.8, eps1 = 1e-30, eps2 = 1e-3, clip = 1 } = o;
  const n = rows === 0 ? cols : rows * cols;
  const r = new Array<number>(rows).fill(0);
  const c = new Array<number>(cols).fill(0);
  const v = new Array<number>(n).fill(0);
  return {
    step(w, g, t) {
      const rho = Math.min(lr, 1 / Math.sqrt(t));
      const alpha = Math.max(eps2, rms(w)) * rho;
      const b2 = 1 - t ** beta2Decay;
      const G = g.map((x) => x * x + eps1);
      if (rows === 0) {
        for (let i = 0; i < n; i++) v[i] = b2 * v[i] + (1 - b2) * G[i];
      } else {
        for (let i = 0; i < rows; i++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += G[i * cols + j];
          r[i] = b2 * r[i] + (1 - b2) * (s / cols);
        }
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let i = 0; i < rows; i++) s += G[i * cols + j];
          c[j] = b2 * c[j] + (1 - b2) * (s / rows);
        }
        const rMean = r.reduce((a, b) => a + b, 0) / rows;
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) v[i * cols + j] = (r[i] / rMean) * c[j];
      }
      const u = g.map((x, i) => x / Math.sqrt(v[i]));
      const scale = Math.max(1, rms(u) / clip);
      for (let i = 0; i < n; i++) w[i] -= alpha * (u[i] / scale);
    },
    // Vectors keep r and c as unused scalars (0), as Keras.
    slots: () => (rows === 0 ? [[0], [0], v] : [r, c, v]),
  };
}

interface FtrlRefOptions {
  lr: number;
  power?: number;
  init?: number;
  l1?: number;
  l2?: number;
  shrink?: number;
  beta?: number;
}

function ftrlRef(n: number, o: FtrlRefOptions): Ref {
  const { lr, power = -0.5, init = 0.1, l1 = 0, l2 = 0, shrink = 0, beta = 0 } = o;
  const acc = new Array<number>(n).fill(init);
  const lin = new Array<number>(n).fill(0);
  return {
    step(w, g) {
      const l2r = l2 + beta / (2 * lr);
      for (let i = 0; i < n; i++) {
        const gs = g[i] + 2 * shrink * w[i];
        const na = acc[i] + g[i] * g[i];
        lin[i] += gs - ((na ** -power - acc[i] ** -power) / lr) * w[i];
        const quadratic = na ** -power / lr + 2 * l2r;
        w[i] = (Math.min(Math.max(lin[i], -l1), l1) - lin[i]) / quadratic;
        acc[i] = na;
      }
    },
    slots: () => [acc, lin],
  };
}

// ---- the first three steps -----------------------------------------------------------------------

const W5 = [0.5, -1.2, 2.0, 0.03, -0.7];
const G5 = [
  [0.1, -0.4, 0.25, 0.0, 1.5],
  [-0.2, -0.35, 0.3, 0.05, 1.1],
  [0.15, 0.5, -0.2, -0.01, 0.9],
];
const W23 = [0.4, -0.9, 1.3, 0.2, -0.05, 0.7];
const G23 = [
  [0.3, -0.1, 0.6, -0.2, 0.05, 0.4],
  [-0.5, 0.2, 0.1, 0.3, -0.4, 0.25],
  [0.2, 0.6, -0.3, -0.1, 0.15, -0.35],
];

test('Lamb: three steps against Keras 3 formulas (trust ratio, bias corrections, weight decay)', async () => {
  await checkSteps(new nt.Lamb({ learningRate: 0.05 }), lambRef(5, 0.05), W5, [5], G5, 'Lamb defaults');
  const custom = new nt.Lamb({ learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 1e-3, weightDecay: 0.05 });
  await checkSteps(custom, lambRef(6, 0.1, 0.8, 0.95, 1e-3, 0.05), W23, [2, 3], G23, 'Lamb custom');
  // A weight at 0 has trust ratio 1: the step is lr·u (u = ±1/(1 + ε') at t = 1).
  const zero = new nt.Variable(nt.zeros([2]));
  new nt.Lamb({ learningRate: 0.1 }).applyGradients([[nt.tensor([2, -3]), zero]]);
  assertClose(await zero.data(), [-0.1 / (1 + 1e-7 / 2), 0.1 / (1 + 1e-7 / 3)], 'Lamb from w = 0');
  const d = new nt.Lamb();
  assert.deepEqual([d.learningRate, d.beta1, d.beta2, d.epsilon, d.weightDecay], [0.001, 0.9, 0.999, 1e-7, null]);
});

test('Adafactor: three steps against Keras 3 formulas, factored (rank 2) and not (rank 1)', async () => {
  await checkSteps(new nt.Adafactor({ learningRate: 0.1 }), adafactorRef(2, 3, { lr: 0.1 }), W23, [2, 3], G23, 'Adafactor rank 2');
  const custom = new nt.Adafactor({ learningRate: 0.3, beta2Decay: -0.5, epsilon2: 0.05, clipThreshold: 0.5, relativeStep: false });
  await checkSteps(custom, adafactorRef(0, 5, { lr: 0.3, beta2Decay: -0.5, eps2: 0.05, clip: 0.5 }), W5, [5], G5, 'Adafactor rank 1');
  // Slot shapes: r drops the last axis, c the second-to-last; a vector's r and c are scalars.
  const opt = new nt.Adafactor();
  const w3 = new nt.Variable(nt.ones([2, 3, 4]), undefined, { name: 'w3' });
  const b = new nt.Variable(nt.ones([4]), undefined, { name: 'b' });
  opt.build([w3, b]);
  assert.deepEqual(opt.variables().map((s) => [s.name, s.shape]), [
    ['Adafactor/w3/r', [2, 3]], ['Adafactor/b/r', []], ['Adafactor/w3/c', [2, 4]], ['Adafactor/b/c', []],
    ['Adafactor/w3/velocity', [2, 3, 4]], ['Adafactor/b/velocity', [4]],
  ]);
  const d = new nt.Adafactor();
  assert.deepEqual([d.learningRate, d.beta2Decay, d.epsilon1, d.epsilon2, d.clipThreshold, d.relativeStep], [0.001, -0.8, 1e-30, 1e-3, 1, true]);
});

test('Ftrl: three steps against Keras 3 formulas (l1 zeroes weights, l2, shrinkage, beta, lr power)', async () => {
  const reg = { l1RegularizationStrength: 0.05, l2RegularizationStrength: 0.1, l2ShrinkageRegularizationStrength: 0.02, beta: 0.3 };
  const opt = new nt.Ftrl({ learningRate: 0.5, ...reg });
  const v = new nt.Variable(nt.tensor(f32(W5)));
  await checkSteps(opt, ftrlRef(5, { lr: 0.5, l1: 0.05, l2: 0.1, shrink: 0.02, beta: 0.3 }), W5, [5], G5, 'Ftrl regularized');
  // |z| ≤ l1 gives exactly 0: the weight with no gradient and a tiny shrinkage term.
  opt.applyGradients([[nt.tensor([0.1, 0.2, 0.3, 0, 0.1]), v]]);
  assert.equal((await v.data())[3], 0);
  const fixed = new nt.Ftrl({ learningRate: 0.2, learningRatePower: 0, initialAccumulatorValue: 0.5 });
  await checkSteps(fixed, ftrlRef(5, { lr: 0.2, power: 0, init: 0.5 }), W5, [5], G5, 'Ftrl fixed rate');
  const p3 = new nt.Ftrl({ learningRate: 0.3, learningRatePower: -0.3, initialAccumulatorValue: 0.2 });
  await checkSteps(p3, ftrlRef(6, { lr: 0.3, power: -0.3, init: 0.2 }), W23, [2, 3], G23, 'Ftrl power −0.3');
  const d = new nt.Ftrl();
  assert.deepEqual(
    [d.learningRate, d.learningRatePower, d.initialAccumulatorValue, d.l1RegularizationStrength, d.l2RegularizationStrength, d.l2ShrinkageRegularizationStrength, d.beta],
    [0.001, -0.5, 0.1, 0, 0, 0, 0],
  );
  assert.throws(() => new nt.Ftrl({ learningRatePower: 0.5 }), /Ftrl: learningRatePower must be in \(-∞, 0\]; got 0.5/);
  assert.throws(() => new nt.Ftrl({ initialAccumulatorValue: -1 }), /Ftrl: initialAccumulatorValue must be in \[0, ∞\)/);
  assert.throws(() => new nt.Ftrl({ l1RegularizationStrength: -1 }), /l1RegularizationStrength/);
});

// ---- Keras' own expected values ---------------------------------------------------------------------

/** Keras' assertAllClose: |got − want| ≤ atol + rtol·|want|. */
function allClose(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol + tol * Math.abs(want[i]), `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** Keras' test_correctness_with_golden: one step with 0.01 everywhere, then steps with 0.1, 0.2, …, 1.0, checked before each. */
async function golden(opt: nt.Optimizer, rows: readonly (readonly number[])[], what: string): Promise<void> {
  const x = new nt.Variable(nt.ones([10]));
  const grads = nt.tensor(Array.from({ length: 10 }, (_, i) => (i + 1) / 10));
  opt.applyGradients([[nt.fill([10], 0.01), x]]);
  for (let i = 0; i < rows.length; i++) {
    const want = rows[i].length === 1 ? new Array<number>(10).fill(rows[i][0]) : rows[i];
    allClose(await x.data(), want, 5e-4, `${what} golden row ${i}`);
    opt.applyGradients([[grads, x]]);
  }
}

test("Keras' own test values (keras/src/optimizers/{lamb,adafactor,ftrl}_test.py)", async () => {
  const single = async (opt: nt.Optimizer, shape: number[], want: number[], what: string): Promise<void> => {
    const v = new nt.Variable(nt.tensor([1, 2, 3, 4], shape));
    opt.applyGradients([[nt.tensor([1, 6, 7, 2], shape), v]]);
    allClose(await v.data(), want, 1e-4, what);
  };
  await single(new nt.Lamb({ learningRate: 0.5 }), [4], [-0.3693, 0.6306, 1.6306, 2.6306], 'Lamb single step');
  await single(new nt.Adafactor({ learningRate: 0.5 }), [4], [-0.3693, 0.6307, 1.6307, 2.6307], 'Adafactor single step 1d');
  await single(new nt.Adafactor({ learningRate: 0.5 }), [2, 2], [0.7007, -0.0081, 1.2492, 3.4407], 'Adafactor single step 2d');
  await single(new nt.Ftrl({ learningRate: 0.5 }), [4], [0.2218, 1.3954, 2.3651, 2.8814], 'Ftrl single step');
  // Weight decay: three optimizers each decay the same scalar once, with zero gradients.
  for (const make of [() => new nt.Lamb({ learningRate: 1, weightDecay: 0.004 }), () => new nt.Adafactor({ learningRate: 1, weightDecay: 0.004 })]) {
    const v = new nt.Variable(nt.scalar(2));
    for (let k = 0; k < 3; k++) make().applyGradients([[nt.scalar(0), v]]);
    allClose(await v.data(), [1.9760959], 1e-6, `${make().getClassName()} weight decay`);
  }
  await golden(new nt.Lamb(), [[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], 'Lamb');
  await golden(new nt.Adafactor({ learningRate: 0.5, beta2Decay: -0.65, epsilon1: 1e-15, epsilon2: 1e-4, clipThreshold: 0.9, relativeStep: false }), [
    [0.55],
    [0.3031, 0.3026, 0.3025, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024],
    [0.1671, 0.1665, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663],
    [0.0923, 0.0916, 0.0915, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914],
    [0.0554, 0.0548, 0.0546, 0.0546, 0.0546, 0.0546, 0.0546, 0.0545, 0.0545, 0.0545],
  ], 'Adafactor');
  const ftrl = new nt.Ftrl({
    learningRate: 0.05, learningRatePower: -0.2, initialAccumulatorValue: 0.4, l1RegularizationStrength: 0.05,
    l2RegularizationStrength: 0.15, l2ShrinkageRegularizationStrength: 0.01, beta: 0.3,
  });
  await golden(ftrl, [
    [0],
    [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354],
    [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685],
    [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999],
    [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299],
  ], 'Ftrl');
});

// ---- training --------------------------------------------------------------------------------------

test('Lamb, Adafactor and Ftrl each minimize a small least-squares problem', async () => {
  const A = nt.tensor([[1, 2, 0], [0, 1, -1], [2, 0, 1], [1, 1, 1], [-1, 0, 2], [0, 3, 1]]);
  const b = nt.matmul(A, nt.tensor([[0.5], [-1], [2]]));
  const loss = (x: nt.Tensor): nt.Tensor => nt.mean(nt.square(nt.sub(nt.matmul(A, x), b)));
  // Its gradient, 2/6·Aᵀ(Ax − b), in three ops (cheap on every backend).
  const At = nt.transpose(A);
  const grad = (x: nt.Tensor): nt.Tensor => nt.mul(nt.matmul(At, nt.sub(nt.matmul(A, x), b)), 2 / 6);
  // Lamb moves each tensor by about lr·‖w‖ per step, so with a constant rate it reaches
  // the solution's neighbourhood and then circles it: 30 steps at 0.05 end near 3% of the start.
  const cases: Array<[string, () => nt.Optimizer, number]> = [
    ['Lamb', () => new nt.Lamb({ learningRate: 0.05 }), 30],
    ['Adafactor', () => new nt.Adafactor({ learningRate: 0.2 }), 20],
    ['Ftrl', () => new nt.Ftrl({ learningRate: 1 }), 10],
  ];
  for (const [name, make, steps] of cases) {
    const opt = make();
    const x = new nt.Variable(nt.ones([3, 1]), undefined, { name: 'x' });
    const before = await item(loss(x));
    for (let s = 0; s < steps; s++) opt.applyGradients([[grad(x), x]]);
    const after = await item(loss(x));
    assert.ok(after < 0.1 * before, `${name}: loss ${before} → ${after} after ${steps} steps`);
  }
});

test("compile({ optimizer: 'lamb' | 'adafactor' | 'ftrl' }) trains a model", async () => {
  for (const id of ['lamb', 'Adafactor', 'FTRL']) assert.equal(nt.getOptimizer(id).getClassName().toLowerCase(), id.toLowerCase());
  nt.setSeed(5);
  const model = new nt.Sequential([new nt.Dense({ units: 4, activation: 'tanh', inputShape: [3] }), new nt.Dense({ units: 1 })]);
  model.compile({ optimizer: 'adafactor', loss: 'mse' });
  assert.equal(model.optimizer.getClassName(), 'Adafactor');
  const x = nt.randomNormal([16, 3], { seed: 6 });
  const y = nt.matmul(x, nt.tensor([[0.5], [-0.3], [0.2]]));
  const before = (await model.getWeights()[0].data()).slice();
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  assert.equal(model.optimizer.iterations, 2);
  assert.notDeepEqual(Array.from(await model.getWeights()[0].data()), Array.from(before));
});

// ---- state and config --------------------------------------------------------------------------------

test('getWeights/setWeights restore the state: a restored optimizer continues identically', async () => {
  const makers: Array<() => nt.Optimizer> = [
    () => new nt.Lamb({ learningRate: 0.05, weightDecay: 0.01 }),
    () => new nt.Adafactor({ learningRate: 0.1 }),
    () => new nt.Ftrl({ learningRate: 0.5, l1RegularizationStrength: 0.01 }),
    () => new nt.Adam({ learningRate: 0.05, useEma: true, emaMomentum: 0.8, gradientAccumulationSteps: 2 }),
  ];
  for (const make of makers) {
    const a = make();
    const k = new nt.Variable(nt.tensor(f32(W23), [2, 3]), undefined, { name: 'k' });
    const bias = new nt.Variable(nt.tensor([0.3, -0.2, 0.1]), undefined, { name: 'bias' });
    for (let s = 0; s < 3; s++) a.applyGradients([[nt.tensor(f32(G23[s]), [2, 3]), k], [nt.tensor([0.1 * s, -0.2, 0.3]), bias]]);
    const b = nt.getOptimizer(JSON.parse(JSON.stringify(nt.serializeOptimizer(a))) as nt.Serialized);
    const k2 = new nt.Variable(k, undefined, { name: 'k' });
    const bias2 = new nt.Variable(bias, undefined, { name: 'bias' });
    b.build([k2, bias2]);
    b.setWeights(a.getWeights());
    assert.equal(b.iterations, a.iterations, a.getClassName());
    const g = [nt.tensor(f32(G23[0]), [2, 3]), nt.tensor([0.2, 0.1, -0.4])];
    a.applyGradients([[g[0], k], [g[1], bias]]);
    b.applyGradients([[g[0], k2], [g[1], bias2]]);
    assert.deepEqual(Array.from(await k2.data()), Array.from(await k.data()), `${a.getClassName()}: kernel after the next step`);
    assert.deepEqual(Array.from(await bias2.data()), Array.from(await bias.data()), `${a.getClassName()}: bias after the next step`);
    const wa = a.getWeights();
    const wb = b.getWeights();
    assert.equal(wb.length, wa.length);
    for (let i = 0; i < wa.length; i++) assert.deepEqual(Array.from(await wb[i].data()), Array.from(await wa[i].data()), `${a.getClassName()}: weight ${i}`);
  }
});

test('configs: Keras snake_case keys, round trips, and the base options survive getConfig/fromConfig', () => {
  assert.deepEqual(new nt.Lamb().getConfig(), { name: 'Lamb', learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
  assert.deepEqual(new nt.Adafactor({ weightDecay: 0.01 }).getConfig(), {
    name: 'Adafactor', learning_rate: 0.001, weight_decay: 0.01, beta_2_decay: -0.8, epsilon_1: 1e-30, epsilon_2: 1e-3, clip_threshold: 1, relative_step: true,
  });
  assert.deepEqual(new nt.Ftrl().getConfig(), {
    name: 'Ftrl', learning_rate: 0.001, learning_rate_power: -0.5, initial_accumulator_value: 0.1, l1_regularization_strength: 0,
    l2_regularization_strength: 0, l2_shrinkage_regularization_strength: 0, beta: 0,
  });
  const opts: nt.Optimizer[] = [
    new nt.Lamb({ learningRate: 0.01, beta1: 0.8, weightDecay: 0.1, useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 5 }),
    new nt.Adafactor({ beta2Decay: -0.6, epsilon2: 0.01, clipThreshold: 2, relativeStep: false, gradientAccumulationSteps: 4 }),
    new nt.Ftrl({ learningRatePower: -0.2, l1RegularizationStrength: 0.3, l2ShrinkageRegularizationStrength: 0.1, beta: 1, clipnorm: 2 }),
    new nt.SGD({ momentum: 0.9, useEma: true, gradientAccumulationSteps: 3 }),
  ];
  for (const o of opts) {
    const back = nt.getOptimizer(JSON.parse(JSON.stringify(nt.serializeOptimizer(o))) as nt.Serialized);
    assert.deepEqual(back.getConfig(), o.getConfig(), o.getClassName());
    assert.deepEqual([back.useEma, back.emaMomentum, back.emaOverwriteFrequency, back.gradientAccumulationSteps], [o.useEma, o.emaMomentum, o.emaOverwriteFrequency, o.gradientAccumulationSteps]);
  }
  const lamb = opts[0].getConfig();
  assert.deepEqual([lamb.use_ema, lamb.ema_momentum, lamb.ema_overwrite_frequency], [true, 0.9, 5]);
  assert.equal(opts[1].getConfig().gradient_accumulation_steps, 4);
  // A Keras 3 config with every base key loads; loss scaling stays refused.
  const keras3 = {
    name: 'lamb', learning_rate: 0.002, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: true, ema_momentum: 0.95,
    ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: 2, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7,
  };
  const k3 = nt.getOptimizer({ class_name: 'Lamb', config: keras3 }) as nt.Lamb;
  assert.deepEqual([k3.learningRate, k3.useEma, k3.emaMomentum, k3.emaOverwriteFrequency, k3.gradientAccumulationSteps, k3.weightDecay], [0.002, true, 0.95, null, 2, null]);
  assert.throws(() => nt.getOptimizer({ class_name: 'Ftrl', config: { loss_scale_factor: 128 } }), /Ftrl: loss_scale_factor=128 is not supported/);
  assert.throws(() => new nt.Adam({ gradientAccumulationSteps: 1 }), /Adam: gradientAccumulationSteps must be in \[2, ∞\); got 1/);
  assert.throws(() => new nt.Adam({ emaOverwriteFrequency: 0 }), /Adam: emaOverwriteFrequency must be in \[1, ∞\); got 0/);
  assert.throws(() => new nt.Adam({ emaMomentum: 1.5 }), /Adam: emaMomentum must be in \[0, 1\]; got 1.5/);
  assert.throws(() => new nt.SGD({ useEma: 1 as unknown as boolean }), /SGD: useEma must be true or false/);
});

// ---- useEma ----------------------------------------------------------------------------------------------

test('useEma: the averages follow Keras 3 (w at the first step, then m·avg + (1 − m)·w); finalizeVariableValues writes them', async () => {
  const opt = new nt.SGD({ learningRate: 0.1, useEma: true, emaMomentum: 0.9 });
  const v = new nt.Variable(nt.tensor(f32(W5)));
  const w = f32(W5);
  const avg = new Array<number>(5).fill(0);
  for (let s = 0; s < 3; s++) {
    opt.applyGradients([[nt.tensor(f32(G5[s])), v]]);
    for (let i = 0; i < 5; i++) {
      w[i] -= 0.1 * Math.fround(G5[s][i]);
      avg[i] = s === 0 ? w[i] : 0.9 * avg[i] + 0.1 * w[i];
    }
    assertClose(await v.data(), w, `weights after step ${s + 1} (not overwritten)`);
    const ws = opt.getWeights();
    assert.equal(ws.length, 2, '[iterations, average]');
    assert.equal(opt.variables()[0].name.endsWith('/average'), true);
    assertClose(await ws[1].data(), avg, `average after step ${s + 1}`);
  }
  opt.finalizeVariableValues([v]);
  assertClose(await v.data(), avg, 'weights after finalizeVariableValues');
  // Without useEma it does nothing.
  const plain = new nt.SGD({ learningRate: 0.1 });
  const u = new nt.Variable(nt.tensor([1, 2]));
  plain.applyGradients([[nt.tensor([1, 1]), u]]);
  plain.finalizeVariableValues([u]);
  assertClose(await u.data(), [0.9, 1.9], 'no EMA: unchanged');
});

test('useEma with emaOverwriteFrequency 2: every second step the weights become their averages', async () => {
  const opt = new nt.Adam({ learningRate: 0.1, useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 2 });
  const v = new nt.Variable(nt.tensor(f32(W5)));
  const w = f32(W5);
  const m = new Array<number>(5).fill(0);
  const s2 = new Array<number>(5).fill(0);
  const avg = new Array<number>(5).fill(0);
  for (let s = 0; s < 4; s++) {
    const t = s + 1;
    const g = f32(G5[s % 3]);
    opt.applyGradients([[nt.tensor(g), v]]);
    const lrT = (0.1 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    for (let i = 0; i < 5; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      s2[i] = 0.999 * s2[i] + 0.001 * g[i] * g[i];
      w[i] -= (lrT * m[i]) / (Math.sqrt(s2[i]) + 1e-7);
      avg[i] = s === 0 ? w[i] : 0.5 * avg[i] + 0.5 * w[i];
    }
    if (t % 2 === 0) for (let i = 0; i < 5; i++) w[i] = avg[i];
    assertClose(await v.data(), w, `weights after step ${t}${t % 2 === 0 ? ' (overwritten by the averages)' : ''}`);
    assertClose(await opt.getWeights()[3].data(), avg, `average after step ${t}`);
  }
});

// ---- gradientAccumulationSteps ---------------------------------------------------------------------------

test('gradientAccumulationSteps 2: odd calls only accumulate; even calls apply one step on the mean gradient', async () => {
  const opt = new nt.Adam({ learningRate: 0.1, gradientAccumulationSteps: 2 });
  const ref = new nt.Adam({ learningRate: 0.1 });
  const v = new nt.Variable(nt.tensor(f32(W5)));
  const r = new nt.Variable(nt.tensor(f32(W5)));
  const gs = [...G5, [0.4, -0.1, 0.2, 0.3, -0.6]].map((g) => nt.tensor(f32(g)));
  for (let call = 0; call < 4; call++) {
    const before = Array.from(await v.data());
    opt.applyGradients([[gs[call], v]]);
    assert.equal(opt.realIterations, call + 1);
    assert.equal(opt.iterations, Math.floor((call + 1) / 2), `iterations after call ${call + 1}`);
    const acc = opt.getWeights()[3];
    if (call % 2 === 0) {
      assert.deepEqual(Array.from(await v.data()), before, `call ${call + 1} leaves the variable unchanged`);
      assert.deepEqual(Array.from(await acc.data()), Array.from(await gs[call].data()), `call ${call + 1}: the accumulator holds the gradient`);
    } else {
      ref.applyGradients([[nt.div(nt.add(gs[call], gs[call - 1]), 2), r]]);
      assertClose(await v.data(), Array.from(await r.data()), `call ${call + 1}: one Adam step (t = ${(call + 1) / 2}) on the mean`, 1e-7);
      assert.deepEqual(Array.from(await acc.data()), [0, 0, 0, 0, 0], `call ${call + 1} resets the accumulator`);
      const [, m, s] = opt.getWeights();
      const [, mr, sr] = ref.getWeights();
      assertClose(await m.data(), Array.from(await mr.data()), 'm', 1e-7);
      assertClose(await s.data(), Array.from(await sr.data()), 'v', 1e-7);
    }
  }
  assert.deepEqual(await item(opt.getWeights()[0]), 4, 'getWeights()[0] counts the calls');
  // Learning-rate schedules read the calls (Keras' "real" iterations), bias corrections the updates.
  const sched = new nt.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
  const sgd = new nt.SGD({ learningRate: sched, gradientAccumulationSteps: 2 });
  const x = new nt.Variable(nt.tensor([1]));
  sgd.applyGradients([[nt.tensor([1]), x]]);
  sgd.applyGradients([[nt.tensor([3]), x]]);
  assertClose(await x.data(), [1 - 0.05 * 2], 'the update uses the rate at call 1 (0.05) and the mean gradient 2');
  assert.equal(sgd.learningRate, 0.025);
});

test('gradientAccumulationSteps with useEma and clipnorm: averages at every call, clipping of the mean', async () => {
  const opt = new nt.SGD({ learningRate: 1, gradientAccumulationSteps: 2, useEma: true, emaMomentum: 0.5, clipnorm: 1 });
  const v = new nt.Variable(nt.tensor([1, 1]));
  opt.applyGradients([[nt.tensor([3, 0]), v]]);
  assertClose(await v.data(), [1, 1], 'call 1: unchanged');
  assertClose(await opt.getWeights()[1].data(), [1, 1], 'call 1 (iterations 0): average = w');
  opt.applyGradients([[nt.tensor([3, 8]), v]]);
  // Mean (3, 4), norm 5, clipped to (0.6, 0.8).
  assertClose(await v.data(), [0.4, 0.2], 'call 2: one step on the clipped mean');
  assertClose(await opt.getWeights()[1].data(), [0.4, 0.2], 'call 2 (iterations still 0): average = w');
  opt.applyGradients([[nt.tensor([0, 0]), v]]);
  assertClose(await opt.getWeights()[1].data(), [0.4, 0.2], 'call 3 (iterations 1): 0.5·avg + 0.5·w');
  opt.applyGradients([[nt.tensor([-2, 0]), v]]);
  assertClose(await v.data(), [1.4, 0.2], 'call 4: mean (−1, 0), norm 1');
  assertClose(await opt.getWeights()[1].data(), [0.9, 0.2], 'call 4: 0.5·avg + 0.5·w');
});
