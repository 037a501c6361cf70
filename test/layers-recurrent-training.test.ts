/**
 * Tiny recurrent models learn sequence tasks with fit (Adam), on generated data:
 *  - majority vote over variable-length token sequences padded with 0 (Embedding maskZero
 *    → GRU → sigmoid): the mask must hide the padding during training;
 *  - the mean of a sequence of 6 numbers (LSTM → Dense, mean squared error);
 *  - per-step tags that need the future (is there a 2 later in the sequence?):
 *    Bidirectional(SimpleRNN, returnSequences) → TimeDistributed(Dense).
 * Seeded; each trains in about a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { item } from './helpers/read.js';

/** Sequences of tokens 1/2 of length 2..8 padded with 0; label 1 when 2s outnumber 1s (ties broken). */
function majority(n: number, rng: nt.Rng): [nt.Tensor, nt.Tensor] {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: 2 + rng.int(7) }, () => 1 + rng.int(2));
    const twos = (): number => row.filter((v) => v === 2).length;
    if (2 * twos() === row.length) row[0] = row[0] === 1 ? 2 : 1;
    ys.push([2 * twos() > row.length ? 1 : 0]);
    xs.push([...row, ...new Array<number>(8 - row.length).fill(0)]);
  }
  return [nt.tensor(xs, undefined, 'int32'), nt.tensor(ys)];
}

test('Embedding(maskZero) → GRU learns a majority vote over padded variable-length sequences', async () => {
  nt.clearSession();
  nt.setSeed(11);
  const rng = new nt.Rng(3);
  const [x, y] = majority(512, rng);
  const [xt, yt] = majority(256, rng);
  const model = new nt.Sequential([new nt.Embedding({ inputDim: 3, outputDim: 4, maskZero: true, inputLength: 8 }), new nt.GRU({ units: 8 }), new nt.Dense({ units: 1, activation: 'sigmoid' })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.02 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { batchSize: 32, epochs: 12, verbose: 0, seed: 1 });
  const losses = history.history.loss;
  assert.ok(losses[losses.length - 1] < 0.2 * losses[0], `the loss falls: ${losses.map((v) => v.toFixed(3)).join(' ')}`);
  const [, accuracy] = (await model.evaluate(xt, yt, { verbose: 0 })) as number[];
  assert.ok(accuracy > 0.95, `held-out accuracy ${accuracy}`);
});

test('LSTM regression: the mean of 6 numbers', async () => {
  nt.clearSession();
  nt.setSeed(12);
  const x = nt.randomUniform([256, 6, 1], { seed: 2 });
  const y = nt.div(nt.reshape(nt.sum(x, [1, 2]), [256, 1]), 6);
  const model = new nt.Sequential([new nt.LSTM({ units: 8, inputShape: [6, 1] }), new nt.Dense({ units: 1 })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.02 }), loss: 'mse' });
  const history = await model.fit(x, y, { batchSize: 32, epochs: 30, verbose: 0, seed: 1 });
  const last = history.history.loss[history.history.loss.length - 1];
  // The target's variance is 1/72 ≈ 0.014; predicting its mean would leave that.
  assert.ok(last < 5e-4, `final mse ${last}`);
  const xt = nt.randomUniform([64, 6, 1], { seed: 3 });
  const err = await item(nt.mean(nt.square(nt.sub(model.predict(xt) as nt.Tensor, nt.div(nt.reshape(nt.sum(xt, [1, 2]), [64, 1]), 6)))));
  assert.ok(err < 1e-3, `held-out mse ${err}`);
});

test('Bidirectional(SimpleRNN) → TimeDistributed(Dense) tags each step with a fact about the future', async () => {
  nt.clearSession();
  nt.setSeed(13);
  const rng = new nt.Rng(4);
  const make = (n: number): [nt.Tensor, nt.Tensor] => {
    const xs: number[][][] = [];
    const ys: number[][][] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: 6 }, () => (rng.uniform() < 0.2 ? 2 : 1));
      xs.push(row.map((v) => [v === 2 ? 1 : 0]));
      ys.push(row.map((_, t) => [row.slice(t + 1).includes(2) ? 1 : 0]));
    }
    return [nt.tensor(xs), nt.tensor(ys)];
  };
  const [x, y] = make(384);
  const [xt, yt] = make(128);
  const model = new nt.Sequential([
    new nt.Bidirectional({ layer: new nt.SimpleRNN({ units: 6, returnSequences: true }), inputShape: [6, 1] }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 1, activation: 'sigmoid' }) }),
  ]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.03 }), loss: 'binary_crossentropy', metrics: ['binary_accuracy'] });
  await model.fit(x, y, { batchSize: 32, epochs: 15, verbose: 0, seed: 1 });
  const [, accuracy] = (await model.evaluate(xt, yt, { verbose: 0 })) as number[];
  assert.ok(accuracy > 0.97, `held-out per-step accuracy ${accuracy}`);
});
