/**
 * Lion: its update written out step by step (sign of the interpolated momentum, every
 * weight moving by exactly lr), its config, and training a model with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

test('Lion steps: w ← w − lr·sign(β1·m + (1 − β1)·g), m ← β2·m + (1 − β2)·g', async () => {
  const opt = new nt.Lion({ learningRate: 0.01, beta1: 0.8, beta2: 0.95 });
  const start = [0.5, -1, 2, 0, 3];
  const w = new nt.Variable(nt.tensor(start));
  const grads = [[0.3, -0.2, 0, 1e-8, -4], [-0.5, 0.1, 0.2, 0, 1], [0.05, 0.05, -0.3, 0, 0.01]];
  const wRef = Float64Array.from(start);
  const m = new Float64Array(5);
  for (const g of grads) {
    opt.applyGradients([[nt.tensor(g), w]]);
    for (let i = 0; i < 5; i++) {
      const c = 0.8 * m[i] + 0.2 * g[i];
      wRef[i] = Math.fround(wRef[i] - 0.01 * (c > 0 ? 1 : c < 0 ? -1 : 0));
      m[i] = Math.fround(0.95 * m[i] + 0.05 * g[i]);
    }
    const got = await w.data();
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(got[i] - wRef[i]) < 1e-7, `weight ${i}: ${got[i]} vs ${wRef[i]}`);
  }
  assert.equal(opt.iterations, 3);
  const defaults = new nt.Lion();
  assert.deepEqual([defaults.learningRate, defaults.beta1, defaults.beta2], [0.001, 0.9, 0.99]);
  const back = nt.getOptimizer(JSON.parse(JSON.stringify(nt.serializeOptimizer(opt))) as nt.Serialized) as nt.Lion;
  assert.deepEqual([back.getClassName(), back.beta1, back.beta2], ['Lion', 0.8, 0.95]);
  assert.equal(nt.getOptimizer('lion').getClassName(), 'Lion');
  assert.throws(() => new nt.Lion({ beta2: 1 }), /beta2/);
});

test('Lion trains a small classifier (loss falls) in planned training', async () => {
  nt.setSeed(3);
  const model = new nt.Sequential([new nt.Dense({ units: 16, activation: 'relu', inputShape: [4] }), new nt.Dense({ units: 3, activation: 'softmax' })]);
  model.compile({ optimizer: new nt.Lion({ learningRate: 1e-2 }), loss: 'sparse_categorical_crossentropy' });
  const x = nt.randomNormal([96, 4], { seed: 4 });
  const y = nt.argmax(nt.matmul(x, nt.tensor([[1, 0, -1], [0, 1, 0], [-1, 0, 1], [0.5, -0.5, 0]])), -1);
  const h = await model.fit(x, y, { epochs: 10, batchSize: 48, verbose: 0 });
  const loss = h.history.loss as number[];
  assert.ok(loss[loss.length - 1] < 0.6 * loss[0], `loss ${loss[0]} → ${loss[loss.length - 1]}`);
});
