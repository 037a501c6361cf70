/**
 * Subclassed models (a class that extends nt.Model and writes its own `call`) and the
 * overridable steps of Keras 3: trainStep, testStep, predictStep, computeLoss, plus addLoss
 * and metric trackers. The references: the same network as a functional model with the
 * same weights, and the built-in training step (a custom step written out by hand must
 * give the same weights, step for step).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';

async function close(a: nt.Tensor, b: nt.Tensor, tol = 1e-5, what = ''): Promise<void> {
  assert.deepEqual(a.shape, b.shape, `${what} shape`);
  const av = await a.data();
  const bv = await b.data();
  for (let i = 0; i < a.size; i++) {
    if (!(Math.abs(av[i] - bv[i]) <= tol * (1 + Math.abs(bv[i])))) assert.fail(`${what}: element ${i}: ${av[i]} vs ${bv[i]}`);
  }
}

/** Three well separated clusters in 4-D, labels 0..2. */
function clusters(n: number, seed: number): { x: nt.Tensor; y: nt.Tensor } {
  const noise = nt.randomNormal([n, 4], { seed, stddev: 0.3 });
  const nv = noise.dataSync();
  const xv = new Float32Array(n * 4);
  const yv = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    yv[i] = i % 3;
    for (let j = 0; j < 4; j++) xv[i * 4 + j] = nv[i * 4 + j] + (j === yv[i] ? 2 : 0);
  }
  return { x: nt.tensor(xv, [n, 4]), y: nt.tensor(yv, [n], 'int32') };
}

class Classifier extends nt.Model {
  hidden = new nt.Dense({ units: 8, activation: 'relu', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 1 }) });
  drop = new nt.Dropout({ rate: 0.25, seed: 3 });
  head = new nt.Dense({ units: 3, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 2 }) });

  override call(x: nt.Tensor, { training }: nt.CallOptions): nt.Tensor {
    return this.head.apply(this.drop.apply(this.hidden.apply(x), { training }));
  }
}

test('a subclassed model: its layers are its attributes, it trains with compile/fit, and computes what the same functional model computes', async () => {
  nt.clearSession();
  const { x, y } = clusters(96, 5);
  const model = new Classifier();
  assert.equal(model.isSubclassed, true);
  assert.equal(model.getClassName(), 'Classifier');
  assert.equal(model.name, 'classifier');
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Dense', 'Dropout', 'Dense']);
  assert.equal(model.weights.length, 0, 'weights are created on the first call');
  model.compile({ optimizer: new nt.optimizers.Adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0, seed: 1 });
  assert.equal(model.countParams(), 4 * 8 + 8 + 8 * 3 + 3);
  const acc = history.history.accuracy;
  assert.ok(acc[acc.length - 1] > 0.9, `accuracy ${acc.join(', ')}`);
  assert.ok(history.history.loss[7] < history.history.loss[0]);

  // The same layers wired as a functional model compute the same outputs.
  const input = nt.Input({ shape: [4] });
  const functional = new nt.Model({ inputs: input, outputs: model.head.apply(model.hidden.apply(input)) });
  await close(model.predict(x) as nt.Tensor, functional.predict(x) as nt.Tensor, 1e-6, 'predict');
  const evaluated = (await model.evaluate(x, y, { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(evaluated.accuracy > 0.9);

  // Its summary lists the layers with their parameters.
  const text = model.summary({ printFn: () => undefined });
  assert.match(text, /Model: "classifier"/);
  assert.match(text, /dense_\d* ?\(Dense\)|dense \(Dense\)/);
  assert.match(text, /Total params: 67/);
});

test('a subclassed model saves and loads its weights (native and Keras .h5); saving the architecture is refused clearly', async () => {
  nt.clearSession();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-subclass-'));
  try {
    const { x } = clusters(12, 7);
    const a = new Classifier();
    a.build([null, 4]);
    assert.equal(a.weights.length, 4);
    const b = new Classifier();
    b.build([null, 4]);
    for (const w of b.weights) w.assign(nt.zerosLike(w));
    await a.saveWeights(join(dir, 'w.bin'));
    await b.loadWeights(join(dir, 'w.bin'));
    await close(b.predict(x) as nt.Tensor, a.predict(x) as nt.Tensor, 0, 'native weights');
    const c = new Classifier();
    c.build([null, 4]);
    await a.saveWeights(join(dir, 'w.h5'));
    await c.loadWeights(join(dir, 'w.h5'));
    await close(c.predict(x) as nt.Tensor, a.predict(x) as nt.Tensor, 0, '.h5 weights');
    await assert.rejects(() => a.save(join(dir, 'model.h5')), /subclassed model: its architecture is code.*saveWeights/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The built-in step written out by hand, as Keras' guide to customizing fit does it. */
class HandStep extends nt.Model {
  dense = new nt.Dense({ units: 3, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 4 }) });
  lossTracker = new nt.metrics.Mean({ name: 'loss' });
  maeMetric = new nt.metrics.MeanAbsoluteError({ name: 'mae' });

  override call(x: nt.Tensor): nt.Tensor {
    return this.dense.apply(x);
  }

  override trainStep([x, y]: nt.StepData): nt.StepLogs {
    const vars = this.trainableWeights;
    const yPred = this.apply(x as nt.Tensor, { training: true }) as nt.Tensor;
    const loss = nt.mean(nt.square(nt.sub(yPred, y as nt.Tensor)));
    const grads = nt.gradients(loss, vars);
    this.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    this.lossTracker.updateState(loss);
    this.maeMetric.updateState(y as nt.Tensor, yPred);
    return { loss: this.lossTracker, mae: this.maeMetric };
  }
}

test('a trainStep override written out by hand gives the built-in step\'s weights and logs its own metric trackers', async () => {
  nt.clearSession();
  const x = nt.randomNormal([40, 5], { seed: 11 });
  const y = nt.randomNormal([40, 3], { seed: 12 });
  const custom = new HandStep();
  custom.compile({ optimizer: new nt.optimizers.SGD({ learningRate: 0.1 }) });
  const history = await custom.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });

  const reference = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [5], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 4 }) })]);
  reference.compile({ optimizer: new nt.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae'] });
  const refHistory = await reference.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
  const [kc, bc] = custom.getWeights();
  const [kr, br] = reference.getWeights();
  await close(kc, kr, 1e-5, 'kernel');
  await close(bc, br, 1e-5, 'bias');
  // The trackers are reset every epoch, so each epoch's logs equal the built-in step's.
  for (let e = 0; e < 3; e++) {
    assert.ok(Math.abs(history.history.loss[e] - refHistory.history.loss[e]) < 1e-5, `epoch ${e} loss ${history.history.loss[e]} vs ${refHistory.history.loss[e]}`);
    assert.ok(Math.abs(history.history.mae[e] - refHistory.history.mae[e]) < 1e-5, `epoch ${e} mae ${history.history.mae[e]} vs ${refHistory.history.mae[e]}`);
  }
  assert.deepEqual(custom.trackedMetrics().map((m) => m.name), ['loss', 'mae']);
});

/** A reconstruction model whose step needs no targets: fit(x) alone. */
class Denoiser extends nt.Model {
  enc = new nt.Dense({ units: 2, activation: 'tanh', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 8 }) });
  dec = new nt.Dense({ units: 4, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 9 }) });
  steps = 0;

  override call(x: nt.Tensor): nt.Tensor {
    return this.dec.apply(this.enc.apply(x));
  }

  override trainStep([x, y]: nt.StepData): nt.StepLogs {
    assert.equal(y, undefined);
    this.steps++;
    const vars = this.trainableWeights;
    const loss = nt.mean(nt.square(nt.sub(this.apply(x as nt.Tensor, { training: true }) as nt.Tensor, x as nt.Tensor)));
    this.optimizer.applyGradients(nt.gradients(loss, vars).map((g, i) => [g, vars[i]] as const));
    return { reconstruction: loss };
  }

  override testStep([x]: nt.StepData): nt.StepLogs {
    return { reconstruction: nt.mean(nt.square(nt.sub(this.apply(x as nt.Tensor) as nt.Tensor, x as nt.Tensor))) };
  }

  override predictStep([x]: nt.StepData): nt.Tensor {
    return this.enc.apply(x as nt.Tensor);
  }
}

test('fit, evaluate and predict without targets through trainStep, testStep and predictStep overrides (arrays and a data source)', async () => {
  nt.clearSession();
  // Points on a 2-D plane inside 4-D: a 2-unit code reconstructs them.
  const z = nt.randomNormal([64, 2], { seed: 21 });
  const x = nt.matmul(z, nt.tensor([1, 0.5, -1, 0.2, 0.3, -0.7, 0.4, 1], [2, 4]));
  const model = new Denoiser();
  model.compile({ optimizer: new nt.optimizers.Adam({ learningRate: 0.05 }) });
  const before = (await model.evaluate(x, { verbose: 0, returnDict: true })) as Record<string, number>;
  const h = await model.fit(x, { epochs: 30, batchSize: 16, verbose: 0 });
  assert.equal(model.steps, 30 * 4);
  const rec = h.history.reconstruction;
  assert.ok(rec[29] < rec[0] / 3, `reconstruction ${rec[0]} → ${rec[29]}`);
  const after = (await model.evaluate(x, { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(after.reconstruction < before.reconstruction / 3);
  assert.deepEqual((model.predict(x, { batchSize: 10 }) as nt.Tensor).shape, [64, 2], 'predictStep gives the codes');
  // A data source of [x] batches.
  function* batches(): Generator<readonly [nt.Tensor]> {
    yield [nt.slice(x, [0, 0], [32, 4])];
    yield [nt.slice(x, [32, 0], [32, 4])];
  }
  await model.fit(batches(), { epochs: 1, verbose: 0 });
  assert.equal(model.steps, 30 * 4 + 2);
});

/** A layer that adds an L2 penalty on its input with addLoss. */
class Penalized extends nt.Layer {
  static override readonly className = 'Penalized';
  constructor(readonly factor: number) {
    super({});
  }
  override call(x: nt.Tensor): nt.Tensor {
    this.addLoss(nt.mul(nt.sum(nt.square(x)), this.factor));
    return x;
  }
  override computeOutputShape(s: nt.LayerShape): nt.LayerShape {
    return s;
  }
}

class WithPenalty extends nt.Model {
  dense = new nt.Dense({ units: 2, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 13 }) });
  penalty = new Penalized(0.01);
  override call(x: nt.Tensor): nt.Tensor {
    return this.penalty.apply(this.dense.apply(x));
  }
}

test('losses added with addLoss in call are part of the training loss, and only those of the last call', async () => {
  nt.clearSession();
  const x = nt.randomNormal([16, 3], { seed: 31 });
  const y = nt.randomNormal([16, 2], { seed: 32 });
  const model = new WithPenalty();
  model.compile({ optimizer: new nt.optimizers.SGD({ learningRate: 0.01 }), loss: 'mse' });
  const loss = (await model.evaluate(x, y, { verbose: 0, batchSize: 16 })) as number;
  const out = model.predict(x) as nt.Tensor;
  assert.equal(model.losses.length, 1, 'one added loss, from the last call');
  const mse = nt.mean(nt.square(nt.sub(out, y))).item();
  const penalty = 0.01 * nt.sum(nt.square(out)).item();
  assert.ok(Math.abs(loss - (mse + penalty)) < 1e-5 * (1 + loss), `${loss} vs ${mse} + ${penalty}`);
  // Without a compiled loss, the added losses alone are trained.
  const only = new WithPenalty();
  only.compile({ optimizer: new nt.optimizers.SGD({ learningRate: 0.5 }) });
  const h = await only.fit(x, { epochs: 5, batchSize: 16, verbose: 0 });
  assert.ok(h.history.loss[4] < h.history.loss[0], `penalty ${h.history.loss.join(', ')}`);
  assert.throws(() => model.addLoss(nt.Input({ shape: [2] }) as unknown as nt.Tensor), /addLoss takes a Tensor/);
});

class WeightedLoss extends nt.Model {
  dense = new nt.Dense({ units: 1, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 41 }) });
  absTracker = new nt.metrics.Mean({ name: 'abs_error' });
  override call(x: nt.Tensor): nt.Tensor {
    return this.dense.apply(x);
  }
  override computeLoss({ y, yPred }: nt.ComputeLossArgs): nt.Tensor {
    const err = nt.sub(yPred as nt.Tensor, y as nt.Tensor);
    this.absTracker.updateState(nt.mean(nt.abs(err)));
    return nt.mean(nt.mul(nt.square(err), 0.5));
  }
}

test('a computeLoss override is the loss of the built-in step; a metric it updates is logged and reset each epoch', async () => {
  nt.clearSession();
  const x = nt.randomNormal([32, 2], { seed: 51 });
  const y = nt.add(nt.matmul(x, nt.tensor([2, -1], [2, 1])), 0.5);
  const model = new WeightedLoss();
  model.compile({ optimizer: new nt.optimizers.SGD({ learningRate: 0.2 }) });
  const h = await model.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
  assert.ok(h.history.loss[19] < 0.01 * h.history.loss[0], `loss ${h.history.loss[0]} → ${h.history.loss[19]}`);
  assert.ok(h.history.abs_error[19] < h.history.abs_error[0]);
  // One batch per epoch: the tracker holds that batch's value only (reset each epoch).
  assert.equal(model.absTracker.result(), h.history.abs_error[19]);
  // The logged loss is computeLoss's value: half the mean squared error.
  const pred = model.predict(x) as nt.Tensor;
  const half = (await model.evaluate(x, y, { verbose: 0, batchSize: 32 })) as number[] | number;
  const value = Array.isArray(half) ? half[0] : half;
  assert.ok(Math.abs(value - 0.5 * nt.mean(nt.square(nt.sub(pred, y))).item()) < 1e-6);
});

test('a subclassed model inside a functional model; clear errors without a loss or with bad step logs', async () => {
  nt.clearSession();
  const inner = new Classifier();
  const input = nt.Input({ shape: [4] });
  const out = inner.apply(input) as nt.SymbolicTensor;
  assert.deepEqual(out.shape, [null, 3], 'output shape traced from call');
  const outer = new nt.Model({ inputs: input, outputs: out });
  const { x, y } = clusters(9, 61);
  await close(outer.predict(x) as nt.Tensor, inner.predict(x) as nt.Tensor, 0, 'nested');
  assert.equal(outer.countParams(), 67);

  const noLoss = new Classifier();
  noLoss.compile({ optimizer: 'sgd' });
  await assert.rejects(() => noLoss.fit(x, y, { verbose: 0 }), /no loss to compute; give a loss in compile\(\), add losses in call\(\) with addLoss, or override computeLoss or trainStep/);

  class BadLogs extends Classifier {
    override trainStep(): nt.StepLogs {
      return { loss: 'low' as unknown as number };
    }
  }
  const bad = new BadLogs();
  bad.compile({});
  await assert.rejects(() => bad.fit(x, y, { verbose: 0 }), /the step's log 'loss' must be a number, a scalar Tensor or a Metric/);
});
