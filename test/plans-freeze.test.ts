/**
 * Freezing a layer whose variables are all non-trainable already (BatchNormalization with
 * center and scale off) still changes what a training step computes (a frozen
 * BatchNormalization normalizes with its moving statistics and stops updating them, as
 * in Keras): the training plan recorded before must not be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

test('freezing a BatchNormalization without trainable weights drops the training plan; its moving statistics stop', async () => {
  nt.setSeed(21);
  const bn = new nt.BatchNormalization({ center: false, scale: false });
  const m = new nt.Sequential([new nt.Dense({ units: 6, inputShape: [4] }), bn, new nt.Dense({ units: 1 })]);
  m.compile({ optimizer: new nt.SGD({ learningRate: 0.05 }), loss: 'mse' });
  const x = nt.randomUniform([16, 4], { seed: 22 });
  const y = nt.randomUniform([16, 1], { seed: 23 });
  for (let s = 0; s < 4; s++) await m.trainOnBatch(x, y);
  const moving = async (): Promise<number[]> => Array.from(await bn.getWeights()[0].data());
  const before = await moving();
  await m.trainOnBatch(x, y);
  assert.notDeepEqual(await moving(), before, 'a trainable BatchNormalization updates its moving mean (planned step)');
  bn.trainable = false;
  const frozen = await moving();
  for (let s = 0; s < 4; s++) await m.trainOnBatch(x, y);
  assert.deepEqual(await moving(), frozen, 'the frozen BatchNormalization keeps its moving mean');
  bn.trainable = true;
  await m.trainOnBatch(x, y);
  assert.notDeepEqual(await moving(), frozen, 'unfrozen, it updates again');
});
