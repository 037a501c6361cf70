/**
 * The fused update kernels: the native C++ kernel against the js reference kernel for
 * every rule and variant, at sizes above the native backend's small-array cut-over (and
 * calling the addon directly, so a silent fallback to js cannot pass for agreement); one
 * kernel call per variable per step and nothing else; convergence of every optimizer on a
 * least-squares problem through `grads`.
 *
 * native vs js: both compute each element in double in the same operation order and round
 * once, so they agree bit for bit (the run reports how many runs are not bit-identical)
 * unless a C++ compiler fuses multiply-adds despite optimizers.cc asking it not to; the
 * bound is 4 float32 ulps of the element's magnitude plus the array's mean magnitude.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Variable, zeros } from '../src/tensor/index.js';
import { matmul, randomNormal, randomUniform, square, sub, sum } from '../src/ops/index.js';
import { grads } from '../src/autograd/index.js';
import { backend, backendFailure, getBackendName, nativeAddon, setBackend } from '../src/backends/index.js';
import { jsBackend } from '../src/backends/js/index.js';
import { UPDATE_CODES, packHyper } from '../src/backends/codes.js';
import type { UpdateHyper, UpdateRule } from '../src/backends/interface.js';
import { Adadelta, Adagrad, Adam, AdamW, Adamax, Nadam, type Optimizer, RMSprop, SGD, getOptimizer } from '../src/optimizers/index.js';
import { unavailable } from './helpers/oracle.js';
import { item } from './helpers/read.js';

const addon = nativeAddon();
const skip = unavailable(addon === null && `native backend not available: ${backendFailure('native') ?? 'not built'}`);

async function data(n: number, seed: number, lo: number, hi: number): Promise<Float32Array> {
  return Float32Array.from(await randomUniform([n], { seed, minval: lo, maxval: hi }).data());
}

interface KernelCase {
  readonly label: string;
  readonly rule: UpdateRule;
  readonly slots: number;
  /** Hyperparameters for three consecutive steps. */
  readonly hyper: (t: number) => UpdateHyper;
  /** Range of the initial slot values (non-negative for second moments). */
  readonly slotInit?: readonly [number, number];
}

const b1 = 0.9;
const b2 = 0.999;
const mu = (t: number): number => b1 * (1 - 0.5 * 0.96 ** (0.004 * t));
const CASES: KernelCase[] = [
  { label: 'sgd plain', rule: 'sgd', slots: 0, hyper: () => ({ lr: 0.1, momentum: 0, nesterov: 0 }) },
  { label: 'sgd momentum', rule: 'sgd', slots: 1, hyper: () => ({ lr: 0.1, momentum: 0.9, nesterov: 0 }) },
  { label: 'sgd nesterov', rule: 'sgd', slots: 1, hyper: () => ({ lr: 0.1, momentum: 0.9, nesterov: 1 }) },
  { label: 'adam', rule: 'adam', slots: 2, hyper: (t) => ({ lr: 0.01, beta1: b1, beta2: b2, epsilon: 1e-7, beta1Power: b1 ** t, beta2Power: b2 ** t, decay: 0 }), slotInit: [0, 0.5] },
  { label: 'adam amsgrad', rule: 'adam', slots: 3, hyper: (t) => ({ lr: 0.01, beta1: b1, beta2: 0.5, epsilon: 1e-7, beta1Power: b1 ** t, beta2Power: 0.5 ** t, decay: 0 }), slotInit: [0, 0.5] },
  { label: 'adamw', rule: 'adam', slots: 2, hyper: (t) => ({ lr: 0.01, beta1: b1, beta2: b2, epsilon: 1e-7, beta1Power: b1 ** t, beta2Power: b2 ** t, decay: 0.01 * 0.004 }), slotInit: [0, 0.5] },
  { label: 'adamax', rule: 'adamax', slots: 2, hyper: (t) => ({ lr: 0.01, beta1: b1, beta2: b2, epsilon: 1e-7, beta1Power: b1 ** t }), slotInit: [0, 0.5] },
  {
    label: 'nadam', rule: 'nadam', slots: 2, slotInit: [0, 0.5],
    hyper: (t) => {
      let prod = 1;
      for (let k = 1; k <= t; k++) prod *= mu(k);
      return { lr: 0.01, beta1: b1, beta2: b2, epsilon: 1e-7, mu: mu(t), muNext: mu(t + 1), muProduct: prod, muProductNext: prod * mu(t + 1), beta2Power: b2 ** t };
    },
  },
  { label: 'rmsprop', rule: 'rmsprop', slots: 1, hyper: () => ({ lr: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 0 }), slotInit: [0, 0.5] },
  { label: 'rmsprop momentum', rule: 'rmsprop', slots: 2, hyper: () => ({ lr: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: 0 }), slotInit: [0, 0.5] },
  { label: 'rmsprop centered', rule: 'rmsprop', slots: 2, hyper: () => ({ lr: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 1 }), slotInit: [0.05, 0.5] },
  { label: 'rmsprop centered momentum', rule: 'rmsprop', slots: 3, hyper: () => ({ lr: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: 1 }), slotInit: [0.05, 0.5] },
  { label: 'adagrad', rule: 'adagrad', slots: 1, hyper: () => ({ lr: 0.1, epsilon: 1e-7 }), slotInit: [0.1, 0.5] },
  { label: 'adadelta', rule: 'adadelta', slots: 2, hyper: () => ({ lr: 1, rho: 0.95, epsilon: 1e-7 }), slotInit: [0, 0.5] },
];

/**
 * Largest |a − b| in units of 2^-23·(|b| + mean|b|): float32 ulps of the element, or of the
 * typical magnitude where an element cancels to near 0 (a fused multiply-add changes such
 * an element by many of its own ulps but not of its inputs'). Infinity on a NaN mismatch.
 */
function ulps(a: Float32Array, b: Float32Array): number {
  let mean = 0;
  for (let i = 0; i < b.length; i++) mean += Math.abs(b[i]);
  mean /= b.length;
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) worst = Math.max(worst, d / ((Math.abs(b[i]) + mean) * 2 ** -23 + 1e-30));
  }
  return worst;
}

function identical(a: Float32Array, b: Float32Array): boolean {
  return a.every((x, i) => Object.is(x, b[i]));
}

function maxChange(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

test('native update kernels equal the js reference kernels (n ≥ 2048, addon called directly)', { skip }, async (t) => {
  const native = addon!;
  let differing = 0;
  for (const [k, c] of CASES.entries()) {
    for (const n of [2048, 100_003]) {
      const p0 = await data(n, 100 + k, -2, 2);
      const s0: Float32Array[] = [];
      for (let j = 0; j < c.slots; j++) s0.push(await data(n, 200 + 10 * k + j, ...(c.slotInit ?? [-0.5, 0.5])));
      // centered RMSprop needs ms ≥ mg² (ms ≥ 0.05 above): mg is the last slot, keep it small.
      if (c.label.startsWith('rmsprop centered')) s0[s0.length - 1] = await data(n, 300 + k, -0.1, 0.1);
      const pJ = p0.slice();
      const pN = p0.slice();
      const sJ = s0.map((s) => s.slice());
      const sN = s0.map((s) => s.slice());
      for (let step = 1; step <= 3; step++) {
        const g = await data(n, 400 + 10 * k + step, -1, 1);
        const h = c.hyper(step);
        jsBackend.applyUpdate(c.rule, pJ, g, sJ, h);
        const ran = native.applyUpdate(UPDATE_CODES[c.rule], pN, g, sN, packHyper(c.rule, h));
        assert.equal(ran, true, `${c.label}: the native kernel must run (not fall back)`);
      }
      const worst = Math.max(ulps(pN, pJ), ...sN.map((s, j) => ulps(s, sJ[j])));
      assert.ok(worst <= 4, `${c.label} n=${n}: native differs from js by ${worst.toFixed(1)} float32 ulps`);
      assert.ok(pJ.every(Number.isFinite) && sJ.every((x) => x.every(Number.isFinite)), `${c.label}: finite results`);
      assert.ok(maxChange(pJ, p0) > 1e-3, `${c.label}: the update must move the weights`);
      if (!identical(pN, pJ) || sN.some((s, j) => !identical(s, sJ[j]))) differing++;
    }
  }
  t.diagnostic(`${CASES.length * 2} kernel runs; ${differing} not bit-identical (within 4 ulps)`);
});

test('the native addon refuses unknown rules and hyperparameters that are not the rule\'s struct', { skip }, () => {
  const native = addon!;
  const n = 4096;
  const p = new Float32Array(n);
  const g = new Float32Array(n);
  const s = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  assert.equal(native.applyUpdate(99, p, g, [], Float64Array.of(0.1, 0, 0)), false);
  assert.throws(() => native.applyUpdate(UPDATE_CODES.adagrad, p, g, s.slice(0, 1), Float64Array.of(0.1)), /do not match the rule's struct/);
  assert.throws(() => native.applyUpdate(UPDATE_CODES.sgd, p, g, [], Float64Array.of(0.1, 0, 0, 0)), /do not match the rule's struct/);
});

test('the js kernel, and every backend through the accelerated wrapper, check the arguments', () => {
  const p = new Float32Array(4);
  const adam = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9, beta2Power: 0.999, decay: 0 };
  assert.throws(() => jsBackend.applyUpdate('adam', p, new Float32Array(3), [p.slice(), p.slice()], adam), /gradient has 3 elements; the variable has 4/);
  assert.throws(() => jsBackend.applyUpdate('adam', p, p.slice(), [p.slice()], adam), /expected 2 slots/);
  assert.throws(() => jsBackend.applyUpdate('adagrad', p, p.slice(), [p.slice()], { lr: 0.1 } as unknown as UpdateHyper<'adagrad'>), /hyperparameter 'epsilon' is missing \(expected lr, epsilon\)/);
  assert.throws(() => jsBackend.applyUpdate('sgd', p, p.slice(), [new Float32Array(2)], { lr: 0.1, momentum: 0.9, nesterov: 0 }), /slot 0 has 2 elements/);
  assert.throws(() => jsBackend.applyUpdate('lamb' as UpdateRule, p, p.slice(), [], { lr: 0.1 } as unknown as UpdateHyper), /unknown update rule 'lamb'.*sgd, adam/);
  // The same call through the running backend's wrapper (native/wasm validate before their kernels run).
  const big = new Float32Array(8192);
  const b = backend();
  const h = (x: Float32Array): unknown => {
    const handle = b.memory.alloc('float32', x.length);
    b.memory.write(handle, x);
    return handle;
  };
  assert.throws(() => b.applyUpdate('adam', h(big), h(big), [h(big)], adam), /expected 2 slots/);
});

function variants(): Array<[string, () => Optimizer]> {
  return [
    ['sgd', () => new SGD({ learningRate: 0.05 })],
    ['sgd momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 })],
    ['sgd nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['adam', () => new Adam({ learningRate: 0.01 })],
    ['adam amsgrad', () => new Adam({ learningRate: 0.01, amsgrad: true })],
    ['adamw', () => new AdamW({ learningRate: 0.01 })],
    ['adamax', () => new Adamax({ learningRate: 0.01 })],
    ['nadam', () => new Nadam({ learningRate: 0.01 })],
    ['rmsprop', () => new RMSprop({ learningRate: 0.01 })],
    ['rmsprop centered momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['adagrad', () => new Adagrad({ learningRate: 0.1 })],
    ['adadelta', () => new Adadelta({ learningRate: 1 })],
  ];
}

test('optimizers on the native backend give the js backend’s results (whole step, n = 5000)', { skip }, async () => {
  const before = getBackendName();
  try {
    for (const [label, make] of variants()) {
      const run = async (name: 'js' | 'native'): Promise<Float32Array[]> => {
        await setBackend(name);
        const opt = make();
        const v = new Variable(randomNormal([50, 100], { seed: 7 }));
        for (let s = 0; s < 3; s++) opt.applyGradients([[randomNormal([50, 100], { seed: 20 + s }), v]]);
        return [(await v.data()) as Float32Array, ...(await Promise.all(opt.getWeights().slice(1).map(async (w) => (await w.data()) as Float32Array)))];
      };
      const js = await run('js');
      const native = await run('native');
      native.forEach((a, i) => assert.ok(ulps(a, js[i]) <= 4, `${label}: weight ${i} differs between backends`));
    }
  } finally {
    await setBackend(before as 'js' | 'native');
  }
});

test('a step runs exactly one backend kernel per variable (applyUpdate) and nothing else', () => {
  const b = backend() as unknown as Record<string, unknown>;
  const calls: string[] = [];
  const saved = new Map<string, unknown>();
  const vars = [new Variable(randomNormal([784, 128], { seed: 1 })), new Variable(zeros([128])), new Variable(randomNormal([128, 10], { seed: 2 }))];
  const grads = vars.map((v, i) => randomNormal(v.shape, { seed: 10 + i }));
  const opt = new Adam({ learningRate: 0.001 });
  opt.applyGradients(vars.map((v, i) => [grads[i], v] as const)); // creates slots
  for (const [key, fn] of Object.entries(b)) {
    if (typeof fn !== 'function') continue;
    saved.set(key, fn);
    b[key] = (...args: unknown[]) => {
      calls.push(key);
      return (fn as (...a: unknown[]) => unknown).apply(b, args);
    };
  }
  try {
    opt.applyGradients(vars.map((v, i) => [grads[i], v] as const));
  } finally {
    for (const [key, fn] of saved) b[key] = fn;
  }
  assert.deepEqual(calls, ['applyUpdate', 'applyUpdate', 'applyUpdate']);
});

test('an MLP-sized Adam step takes a few milliseconds (reported, not asserted)', (t) => {
  const vars = [[784, 256], [256], [256, 128], [128], [128, 10], [10]].map((s, i) => new Variable(randomNormal(s, { seed: i })));
  const pairs = vars.map((v, i) => [randomNormal(v.shape, { seed: 50 + i }), v] as const);
  const opt = getOptimizer('adam');
  opt.applyGradients(pairs);
  const steps = 50;
  const start = performance.now();
  for (let s = 0; s < steps; s++) opt.applyGradients(pairs);
  const ms = (performance.now() - start) / steps;
  t.diagnostic(`Adam step over ${vars.reduce((s, v) => s + v.size, 0)} weights (6 variables) on ${getBackendName()}: ${ms.toFixed(3)} ms`);
  assert.equal(opt.iterations, steps + 1);
});

test('every optimizer minimizes ‖Ax − b‖² through grads', async () => {
  const A = randomNormal([20, 6], { seed: 3 });
  const xTrue = randomNormal([6, 1], { seed: 4 });
  const b = matmul(A, xTrue); // consistent system: the minimum is 0
  const loss = (x: Tensor): Tensor => sum(square(sub(matmul(A, x), b)));
  const settings: Array<[string, () => Optimizer, number]> = [
    ['SGD', () => new SGD({ learningRate: 0.002 }), 300],
    ['SGD momentum', () => new SGD({ learningRate: 0.002, momentum: 0.9 }), 300],
    ['SGD nesterov', () => new SGD({ learningRate: 0.002, momentum: 0.9, nesterov: true }), 300],
    ['Adam', () => new Adam({ learningRate: 0.05 }), 500],
    ['Adam amsgrad', () => new Adam({ learningRate: 0.05, amsgrad: true }), 500],
    ['AdamW', () => new AdamW({ learningRate: 0.05, weightDecay: 0.0001 }), 500],
    ['Adamax', () => new Adamax({ learningRate: 0.05 }), 500],
    ['Nadam', () => new Nadam({ learningRate: 0.05 }), 500],
    ['RMSprop', () => new RMSprop({ learningRate: 0.01 }), 500],
    ['RMSprop centered momentum', () => new RMSprop({ learningRate: 0.005, momentum: 0.5, centered: true }), 500],
    ['Adagrad', () => new Adagrad({ learningRate: 0.5 }), 500],
    ['Adadelta', () => new Adadelta({ learningRate: 1, epsilon: 1e-6 }), 1000],
  ];
  const initial = await item(loss(zeros([6, 1])));
  for (const [label, make, steps] of settings) {
    const opt = make();
    const x = new Variable(zeros([6, 1]));
    const grad = grads((v) => loss(v));
    for (let s = 0; s < steps; s++) opt.applyGradients([[grad([x])[0], x]]);
    const final = await item(loss(x));
    assert.ok(final < initial * 1e-3, `${label}: loss fell from ${initial.toFixed(3)} only to ${final.toExponential(3)} in ${steps} steps`);
  }
});
