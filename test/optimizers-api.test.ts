/**
 * The Optimizer API around the kernels: gradient clipping, learning-rate schedules and
 * legacy decay, the learningRate property, weights (order, round trip, restore before the
 * first step, a real tf.keras 2 .h5 file's optimizer state), configs and the registry,
 * argument errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/backends/index.js'; // registers native and wasm, so NEURITE_BACKEND can force them
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fixture } from './helpers/shared.js';
import { Tensor, Variable, tensor } from '../src/tensor/index.js';
import { randomNormal } from '../src/ops/index.js';
import { skipOrFail, unavailable } from './helpers/oracle.js';
import {
  Adadelta, Adagrad, Adam, AdamW, Adamax, CosineDecay, ExponentialDecay, InverseTimeDecay, Nadam, type Optimizer,
  PiecewiseConstantDecay, RMSprop, SGD, getOptimizer, getSchedule, serializeOptimizer,
} from '../src/optimizers/index.js';

function near(got: number, want: number, what: string, rel = 1e-12): void {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-15, `${what}: got ${got}, want ${want}`);
}

function nearArray(got: ArrayLike<number>, want: readonly number[], what: string, rel = 1e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) near(got[i], want[i], `${what}[${i}]`, rel);
}

/** SGD with lr 1 and no momentum moves the weights by exactly −(clipped gradient). */
async function appliedGradients(opt: Optimizer, grads: number[][]): Promise<number[][]> {
  const vars = grads.map((g) => new Variable(tensor(new Array<number>(g.length).fill(0))));
  opt.applyGradients(grads.map((g, i) => [tensor(g), vars[i]] as const));
  return Promise.all(vars.map(async (v) => Array.from(await v.data(), (x) => -x)));
}

// ---- clipping ---------------------------------------------------------------------------------

test('clipvalue clips each element; clipnorm each gradient; globalClipnorm all together', async () => {
  nearArray((await appliedGradients(new SGD({ learningRate: 1, clipvalue: 0.5 }), [[1, -2, 0.3]]))[0], [0.5, -0.5, 0.3], 'clipvalue');
  const [a, b] = await appliedGradients(new SGD({ learningRate: 1, clipnorm: 1 }), [[3, 4], [0.3, 0.4]]);
  nearArray(a, [0.6, 0.8], 'clipnorm, norm 5');
  nearArray(b, [0.3, 0.4], 'clipnorm, norm 0.5 (unchanged)');
  const [c, d] = await appliedGradients(new SGD({ learningRate: 1, globalClipnorm: 1 }), [[3, 4], [0, 12]]);
  nearArray(c, [3 / 13, 4 / 13], 'globalClipnorm (global norm 13)');
  nearArray(d, [0, 12 / 13], 'globalClipnorm (global norm 13)');
  const [e] = await appliedGradients(new SGD({ learningRate: 1, globalClipnorm: 100 }), [[3, 4]]);
  nearArray(e, [3, 4], 'globalClipnorm above the norm');
});

test('clipping order is tf.keras 2’s: clipvalue first, then clipnorm', async () => {
  // [3, 4] → clipvalue 2 → [2, 2] → clipnorm 1 → [0.7071, 0.7071]; the other order gives [0.6, 0.8].
  const [g] = await appliedGradients(new SGD({ learningRate: 1, clipvalue: 2, clipnorm: 1 }), [[3, 4]]);
  nearArray(g, [Math.SQRT1_2, Math.SQRT1_2], 'clipvalue then clipnorm');
  const [h] = await appliedGradients(new SGD({ learningRate: 1, clipvalue: 2, globalClipnorm: 1 }), [[3, 4]]);
  nearArray(h, [Math.SQRT1_2, Math.SQRT1_2], 'clipvalue then globalClipnorm');
});

test('clipping feeds the optimizer’s own update (Adam with clipnorm)', async () => {
  const opt = new Adam({ learningRate: 0.1, clipnorm: 1 });
  const v = new Variable(tensor([0, 0]));
  opt.applyGradients([[tensor([30, 40]), v]]);
  const m = await opt.getWeights()[1].data();
  nearArray(m, [0.1 * 0.6, 0.1 * 0.8], 'm holds (1 − beta1)·clipped gradient');
});

// ---- schedules and the learning rate -------------------------------------------------------------

test('schedules: values at chosen steps against their formulas', () => {
  const exp = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  for (const s of [0, 5, 10, 25]) near(exp.call(s), 0.1 * 0.5 ** (s / 10), `ExponentialDecay(${s})`);
  const stair = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  near(stair.call(25), 0.1 * 0.25, 'ExponentialDecay staircase(25)');
  near(stair.call(9), 0.1, 'ExponentialDecay staircase(9)');
  const pw = new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
  assert.deepEqual([0, 10, 11, 20, 21, 1000].map((s) => pw.call(s)), [1, 1, 0.5, 0.5, 0.1, 0.1]);
  const cos = new CosineDecay({ initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
  for (const s of [0, 30, 50, 100, 150]) {
    const frac = Math.min(s, 100) / 100;
    near(cos.call(s), 0.2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * frac)) + 0.1), `CosineDecay(${s})`);
  }
  const warm = new CosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.4, warmupSteps: 10 });
  near(warm.call(5), 0.2, 'CosineDecay warm-up(5)');
  near(warm.call(10), 0.4, 'CosineDecay warm-up end');
  near(warm.call(60), 0.4 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), 'CosineDecay after warm-up(60)');
  const inv = new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  for (const s of [0, 7, 30]) near(inv.call(s), 0.1 / (1 + 0.5 * (s / 10)), `InverseTimeDecay(${s})`);
  const invStair = new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  near(invStair.call(17), 0.1 / 1.5, 'InverseTimeDecay staircase(17)');
});

test('an optimizer evaluates its schedule at its iteration count, then applies legacy decay', async () => {
  const schedule = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
  const opt = new SGD({ learningRate: schedule, decay: 0.25 });
  const v = new Variable(tensor([0]));
  let expected = 0;
  for (let it = 0; it < 3; it++) {
    const lr = (0.1 * 0.5 ** it) / (1 + 0.25 * it);
    near(opt.learningRate, lr, `learningRate at iteration ${it}`);
    opt.applyGradients([[tensor([1]), v]]);
    expected -= lr;
    near((await v.data())[0], expected, `weight after step ${it + 1}`, 1e-6);
  }
  assert.deepEqual(opt.getConfig().learning_rate, {
    class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 1, decay_rate: 0.5, staircase: false, name: null },
  });
});

test('setting learningRate makes the next step use it and replaces a schedule', () => {
  const opt = new SGD({ learningRate: 0.1, decay: 0.5 });
  opt.iterations = 4;
  near(opt.learningRate, 0.1 / 3, 'decayed rate');
  opt.learningRate = 0.01;
  near(opt.learningRate, 0.01, 'after set');
  opt.iterations = 6; // later steps keep decaying from it
  near(opt.learningRate, (0.01 * 3) / 4, 'decaying on');
  const sched = new Adam({ learningRate: new InverseTimeDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 1 }) });
  assert.ok(sched.schedule !== null);
  sched.learningRate = 0.5;
  assert.equal(sched.schedule, null);
  assert.equal(sched.getConfig().learning_rate, 0.5);
  assert.throws(() => (sched.learningRate = -1), /Adam: learningRate must be in \[0, ∞\); got -1/);
});

test('lr is an alias of learningRate', () => {
  assert.equal(new Adam({ lr: 0.02 }).learningRate, 0.02);
  assert.equal(new RMSprop({ lr: 0.03 }).getConfig().learning_rate, 0.03);
  assert.equal(getOptimizer({ class_name: 'SGD', config: { lr: 0.04 } }).learningRate, 0.04);
  assert.throws(() => new SGD({ lr: 0.1, learningRate: 0.2 }), /SGD: give learningRate or its legacy alias lr, not both/);
});

// ---- weights -----------------------------------------------------------------------------------

async function roundTrip(label: string, make: () => Optimizer): Promise<void> {
  const a = make();
  const va = [new Variable(randomNormal([3, 4], { seed: 1 }), undefined, { name: 'dense/kernel' }), new Variable(randomNormal([4], { seed: 2 }), undefined, { name: 'dense/bias' })];
  const grad = (s: number): Tensor[] => va.map((v, i) => randomNormal(v.shape, { seed: 100 + 10 * s + i }));
  for (let s = 0; s < 2; s++) opt2(a, va, grad(s));
  // A fresh optimizer from the config, restored from the weights, continues identically.
  const b = getOptimizer(serializeOptimizer(a));
  assert.equal(b.getClassName(), a.getClassName(), label);
  const vb = va.map((v) => new Variable(v.read(), undefined, { name: v.name }));
  b.build(vb);
  b.setWeights(a.getWeights());
  assert.equal(b.iterations, 2, `${label}: iterations restored`);
  for (let s = 2; s < 5; s++) {
    opt2(a, va, grad(s));
    opt2(b, vb, grad(s));
  }
  for (const [i, v] of va.entries()) assert.deepEqual(Array.from(await vb[i].data()), Array.from(await v.data()), `${label}: weights after continuing`);
  const wa = a.getWeights();
  for (const [i, w] of b.getWeights().entries()) assert.deepEqual(Array.from(await w.data()), Array.from(await wa[i].data()), `${label}: optimizer weight ${i}`);
}

function opt2(o: Optimizer, vars: Variable[], grads: Tensor[]): void {
  o.applyGradients(vars.map((v, i) => [grads[i], v] as const));
}

test('getWeights/setWeights round trip: a restored optimizer continues identically', async () => {
  await roundTrip('SGD nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, decay: 0.01 }));
  await roundTrip('Adam amsgrad', () => new Adam({ learningRate: 0.01, amsgrad: true }));
  await roundTrip('AdamW', () => new AdamW({ learningRate: 0.01 }));
  await roundTrip('Adamax', () => new Adamax());
  await roundTrip('Nadam', () => new Nadam({ learningRate: 0.01 }));
  await roundTrip('RMSprop centered momentum', () => new RMSprop({ momentum: 0.5, centered: true }));
  await roundTrip('Adagrad', () => new Adagrad({ initialAccumulatorValue: 0.3 }));
  await roundTrip('Adadelta', () => new Adadelta({ learningRate: 1 }));
  await roundTrip('Adam with a schedule and clipping', () => new Adam({ learningRate: new CosineDecay({ initialLearningRate: 0.1, decaySteps: 4 }), clipnorm: 0.5 }));
});

test('weights follow tf.keras 2: [iterations, each slot kind for every variable in first-seen order]', async () => {
  const opt = new RMSprop({ momentum: 0.5, centered: true });
  const a = new Variable(tensor([1, 2]), undefined, { name: 'dense/kernel' });
  const b = new Variable(tensor([3]), undefined, { name: 'dense/bias' });
  opt.build([a, b]);
  assert.deepEqual(opt.variables().map((v) => v.name), [
    'RMSprop/dense/kernel/rms', 'RMSprop/dense/bias/rms', 'RMSprop/dense/kernel/momentum', 'RMSprop/dense/bias/momentum',
    'RMSprop/dense/kernel/mg', 'RMSprop/dense/bias/mg',
  ]);
  assert.ok(opt.variables().every((v) => !v.trainable));
  const ws = opt.getWeights();
  assert.equal(ws.length, 7);
  assert.equal(ws[0].dtype, 'int32');
  assert.deepEqual(ws[0].shape, []);
  assert.deepEqual(new Adagrad({ initialAccumulatorValue: 0.25 }).getWeights().length, 1);
  const ada = new Adagrad({ initialAccumulatorValue: 0.25 });
  ada.build([a]);
  assert.deepEqual(Array.from(await ada.getWeights()[1].data()), [0.25, 0.25]);
  const nadam = new Nadam();
  nadam.build([a]);
  assert.deepEqual(nadam.getWeights().map((w) => w.shape), [[], [], [2], [2]]); // iterations, momentum_cache, m, v
});

test('setWeights errors: before build, wrong count, wrong shape', async () => {
  const opt = new Adam();
  assert.throws(() => opt.setWeights([tensor([3], [], 'int32'), tensor([1, 2]), tensor([1, 2])]), /Adam.setWeights: expected 1 weights .*got 3; the optimizer has no slots yet: call build\(variables\) first/);
  const v = new Variable(tensor([1, 2]));
  opt.build([v]);
  assert.throws(() => opt.setWeights([tensor([3], [], 'int32')]), /expected 3 weights \[iterations, then m, v of each of 1 variables\]; got 1/);
  assert.throws(() => opt.setWeights([tensor([3], [], 'int32'), tensor([1, 2, 3]), tensor([1, 2])]), /weight 1 \(Adam\/.*\/m\) must have shape \[2\]; got \[3\]/);
  assert.throws(() => opt.setWeights([tensor([-1], [], 'int32'), tensor([1, 2]), tensor([1, 2])]), /iterations\) must be one non-negative integer/);
  opt.setWeights([tensor([7], [], 'int32'), tensor([1, 2]), tensor([3, 4])]);
  assert.equal(opt.iterations, 7);
  assert.deepEqual(Array.from(await opt.variables()[1].data()), [3, 4]);
});

test('non-trainable variables and null gradients are skipped; iterations counts calls', async () => {
  const opt = new SGD({ learningRate: 1, momentum: 0.5 });
  const frozen = new Variable(tensor([1, 1]), undefined, { trainable: false });
  const free = new Variable(tensor([1, 1]));
  const other = new Variable(tensor([5]));
  opt.applyGradients([[tensor([1, 1]), frozen], [tensor([1, 2]), free], [null, other]]);
  assert.deepEqual(Array.from(await frozen.data()), [1, 1]);
  assert.deepEqual(Array.from(await free.data()), [0, -1]);
  assert.deepEqual(Array.from(await other.data()), [5]);
  assert.equal(opt.iterations, 1);
  assert.equal(opt.variables().length, 1); // slots only for the trained variable
  assert.throws(() => opt.applyGradients([[null, other]]), /SGD.applyGradients: no gradients provided for any variable/);
});

// ---- configs and the registry ----------------------------------------------------------------------

test('configs use Keras keys and rebuild equal optimizers', () => {
  const cases: Optimizer[] = [
    new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, clipnorm: 1 }),
    new RMSprop({ rho: 0.8, momentum: 0.1, centered: true, clipvalue: 0.5 }),
    new Adagrad({ initialAccumulatorValue: 0.2, epsilon: 1e-6, globalClipnorm: 2 }),
    new Adadelta({ rho: 0.9 }),
    new Adam({ beta1: 0.8, beta2: 0.99, amsgrad: true, decay: 0.001 }),
    new AdamW({ weightDecay: 0.01 }),
    new Adamax({ beta2: 0.9 }),
    new Nadam({ scheduleDecay: 0.01, name: 'my_nadam' }),
  ];
  for (const opt of cases) {
    const s = serializeOptimizer(opt);
    assert.deepEqual(getOptimizer(JSON.parse(JSON.stringify(s))).getConfig(), s.config, s.class_name);
  }
  assert.deepEqual(new Adam().getConfig(), { name: 'Adam', learning_rate: 0.001, decay: 0, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
  assert.deepEqual(new SGD({ clipnorm: 1 }).getConfig(), { name: 'SGD', clipnorm: 1, learning_rate: 0.01, decay: 0, momentum: 0, nesterov: false });
  assert.deepEqual(new AdamW().getConfig(), { name: 'AdamW', learning_rate: 0.001, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
  assert.equal(new Nadam().getConfig().decay, 0.004);
  assert.equal(new Adagrad().getConfig().initial_accumulator_value, 0.1);
  assert.equal(new Adadelta().getConfig().rho, 0.95);
});

test('getOptimizer: Keras identifiers in any case, instances, tf.keras 2.11+ and Keras 3 configs', () => {
  const expected: Record<string, string> = {
    sgd: 'SGD', SGD: 'SGD', rmsprop: 'RMSprop', RMSProp: 'RMSprop', adagrad: 'Adagrad', adadelta: 'Adadelta', adam: 'Adam',
    ADAM: 'Adam', adamw: 'AdamW', adamax: 'Adamax', nadam: 'Nadam', Nadam: 'Nadam',
  };
  for (const [id, cls] of Object.entries(expected)) assert.equal(getOptimizer(id).getClassName(), cls, id);
  assert.equal(getOptimizer('adam').learningRate, 0.001);
  assert.equal(getOptimizer('sgd').learningRate, 0.01);
  const inst = new SGD();
  assert.equal(getOptimizer(inst), inst);
  // What tf.keras 2.11–2.15 writes into .h5 training configs.
  const tf211 = getOptimizer({
    class_name: 'Custom>Adam',
    config: {
      name: 'Adam', weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99,
      ema_overwrite_frequency: null, jit_compile: false, is_legacy_optimizer: false, learning_rate: 0.0010000000474974513, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false,
    },
  });
  assert.ok(tf211 instanceof Adam);
  assert.equal(tf211.clipnorm, null);
  assert.throws(() => getOptimizer({ class_name: 'Adam', config: { loss_scale_factor: 128 } }), /Adam: loss_scale_factor=128 is not supported/);
  const withSchedule = getOptimizer({ class_name: 'SGD', config: { learning_rate: { class_name: 'PiecewiseConstantDecay', config: { boundaries: [1], values: [0.1, 0.01], name: null } } } });
  assert.ok(withSchedule.schedule instanceof PiecewiseConstantDecay);
  assert.ok(getSchedule({ class_name: 'InverseTimeDecay', config: { initial_learning_rate: 1, decay_steps: 2, decay_rate: 1, staircase: false } }) instanceof InverseTimeDecay);
});

test('an unknown identifier throws, listing the known optimizers', () => {
  assert.throws(() => getOptimizer('adamm'), (e: Error) => {
    assert.match(e.message, /Unknown optimizer 'adamm'/);
    for (const name of ['SGD', 'RMSprop', 'Adagrad', 'Adadelta', 'Adam', 'AdamW', 'Adamax', 'Nadam', 'sgd', 'adam', 'rmsprop']) assert.ok(e.message.includes(name), name);
    return true;
  });
  assert.throws(() => getOptimizer({ class_name: 'Shampoo', config: {} }), /Unknown optimizer 'Shampoo'. Known optimizers: /);
  assert.throws(() => getOptimizer(42 as unknown as string), /getOptimizer: expected an optimizer name/);
  assert.throws(() => getSchedule({ class_name: 'OneCycleDecay', config: {} }), /Unknown learning rate schedule 'OneCycleDecay'/);
});

test('bad arguments name the argument and what is allowed', () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => new SGD({ momentum: 1.5 }), /SGD: momentum must be in \[0, 1\]; got 1.5/],
    [() => new SGD({ nesterov: 'yes' as unknown as boolean }), /SGD: nesterov must be true or false; got 'yes'/],
    [() => new SGD({ learningRate: -0.1 }), /SGD: learningRate must be in \[0, ∞\); got -0.1/],
    [() => new SGD({ learningRate: 'fast' as unknown as number }), /SGD: learningRate must be a number ≥ 0 or a LearningRateSchedule; got 'fast'/],
    [() => new SGD({ decay: -1 }), /SGD: decay must be in \[0, ∞\); got -1/],
    [() => new SGD({ clipnorm: 0 }), /SGD: clipnorm must be in \(0, ∞\); got 0/],
    [() => new SGD({ clipvalue: -1 }), /SGD: clipvalue must be in \(0, ∞\); got -1/],
    [() => new SGD({ clipnorm: 1, globalClipnorm: 1 }), /SGD: give clipnorm .* or globalClipnorm .*, not both/],
    [() => new SGD({ momentun: 0.9 } as unknown as object), /SGD: unknown argument 'momentun'; allowed arguments: .*momentum, nesterov/],
    [() => new Adam({ beta1: 1 }), /Adam: beta1 must be in \[0, 1\); got 1/],
    [() => new Adam({ beta2: Number.NaN }), /Adam: beta2 must be a finite number; got NaN/],
    [() => new Adam({ epsilon: -1e-7 }), /Adam: epsilon must be in \[0, ∞\)/],
    [() => new AdamW({ weightDecay: -0.1 }), /AdamW: weightDecay must be in \[0, ∞\); got -0.1/],
    [() => new RMSprop({ rho: 1 }), /RMSprop: rho must be in \[0, 1\); got 1/],
    [() => new RMSprop({ centered: 1 as unknown as boolean }), /RMSprop: centered must be true or false/],
    [() => new Adagrad({ initialAccumulatorValue: -0.1 }), /Adagrad: initialAccumulatorValue must be in \[0, ∞\); got -0.1/],
    [() => new Adadelta({ rho: -0.5 }), /Adadelta: rho must be in \[0, 1\)/],
    [() => new Nadam({ decay: 0.1, scheduleDecay: 0.2 }), /Nadam: give decay or its legacy name scheduleDecay, not both/],
    [() => getOptimizer({ class_name: 'SGD', config: { weight_decay: 0.1 } }), /SGD: unknown argument 'weightDecay'/],
    [() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /ExponentialDecay: decaySteps must be in \(0, ∞\); got 0/],
    [() => new ExponentialDecay({ initialLearningRate: 0.1, decayRate: 0.5 } as unknown as { initialLearningRate: number; decaySteps: number; decayRate: number }), /ExponentialDecay: decaySteps is required/],
    [() => new PiecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] }), /boundaries must be increasing/],
    [() => new PiecewiseConstantDecay({ boundaries: [10], values: [1] }), /values must have one more element than boundaries; got 1 values and 1 boundaries/],
    [() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 }), /CosineDecay: alpha must be in \[0, 1\]; got 2/],
    [() => new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 1, stair: true } as unknown as { initialLearningRate: number; decaySteps: number; decayRate: number }), /InverseTimeDecay: unknown argument 'stair'/],
  ];
  for (const [fn, re] of bad) assert.throws(fn, re);
});

test('applyGradients rejects malformed input, naming the variable', () => {
  const opt = new Adam();
  const v = new Variable(tensor([1, 2, 3]), undefined, { name: 'dense/bias' });
  assert.throws(() => opt.applyGradients([[tensor([1, 2]), v]]), /Adam.applyGradients: the gradient of dense\/bias has shape \[2\] \(float32\); the variable has shape \[3\]/);
  assert.throws(() => opt.applyGradients([[tensor([1, 2, 3]), tensor([1, 2, 3]) as Variable]]), /each entry must be a \[gradient, Variable\] pair/);
  assert.throws(() => opt.applyGradients([[[1, 2, 3] as unknown as Tensor, v]]), /the gradient of dense\/bias must be a Tensor/);
  assert.throws(() => opt.applyGradients([[tensor([1, 2, 3], [3], 'int32'), v]]), /has shape \[3\] \(int32\)/);
  assert.equal(opt.iterations, 0);
});

// ---- a real tf.keras 2 file ------------------------------------------------------------------------

const H5 = fixture('keras-h5', 'dig94_mlp_logits.h5');
const PY = '/usr/bin/python3';
const pySkip = unavailable(!existsSync(H5) ? `fixture missing: ${H5}` : !existsSync(PY) && 'python3 not installed');

test('the optimizer state of a real tf.keras 2 .h5 file: config, slot names, order and values', { skip: pySkip }, async (t) => {
  const script = `
import h5py, json, base64, sys
f = h5py.File(sys.argv[1], 'r')
tc = json.loads(f.attrs['training_config'])
g = f['optimizer_weights']
names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs['weight_names']]
ws = [{'name': n, 'shape': list(g[n].shape), 'dtype': str(g[n].dtype), 'b64': base64.b64encode(g[n][()].astype('<f4').tobytes()).decode()} for n in names]
print(json.dumps({'optimizer': tc['optimizer_config'], 'weights': ws}))`;
  const r = spawnSync(PY, ['-c', script, H5], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && /No module named 'h5py'/.test(r.stderr)) {
    skipOrFail(t, 'python3-h5py is not installed');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(r.stdout) as { optimizer: { class_name: string; config: Record<string, number | string | boolean> }; weights: Array<{ name: string; shape: number[]; b64: string }> };
  const opt = getOptimizer(file.optimizer as never);
  assert.ok(opt instanceof Adam);
  assert.equal(opt.learningRate, file.optimizer.config.learning_rate);
  const values = file.weights.map((w) => tensor(new Float32Array(new Uint8Array(Buffer.from(w.b64, 'base64')).buffer), w.shape));
  // The model's trainable variables in layer order: dense_2 kernel, bias; dense_3 kernel, bias.
  const vars = [values[1], values[2], values[3], values[4]].map((m, i) => new Variable(randomNormal(m.shape, { seed: i }), undefined, { name: ['dense_2/kernel', 'dense_2/bias', 'dense_3/kernel', 'dense_3/bias'][i] }));
  opt.build(vars);
  assert.deepEqual(opt.variables().map((v) => `${v.name}:0`), file.weights.slice(1).map((w) => w.name));
  opt.setWeights(values);
  assert.equal(opt.iterations, (await values[0].data())[0]);
  assert.ok(opt.iterations > 0);
  for (const [i, w] of opt.getWeights().slice(1).entries()) assert.deepEqual(await w.data(), await values[i + 1].data(), file.weights[i + 1].name);
  const before = vars[0].read();
  opt.applyGradients(vars.map((v) => [randomNormal(v.shape, { seed: 9 }), v] as const));
  assert.notDeepEqual(await vars[0].data(), await before.data());
});
