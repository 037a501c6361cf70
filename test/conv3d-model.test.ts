/**
 * A tiny 3-D model (Conv3D, pooling, up-sampling, Conv3DTranspose) trains and rebuilds from
 * its config. Native backend only (the main run): on the emulated GPU its first training
 * step compiles ~40 s of shaders, and the layers' values are checked on every backend by
 * layers-conv3d.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('a tiny 3-D model (Conv3D, pooling, up-sampling, Conv3DTranspose) trains: the loss goes down, and its config rebuilds the same model', async () => {
  nt.setSeed(9);
  const model = new nt.Sequential([
    new nt.Conv3D({ filters: 3, kernelSize: 2, padding: 'same', activation: 'relu', inputShape: [4, 4, 4, 1] }),
    new nt.MaxPooling3D(),
    new nt.UpSampling3D({ size: [1, 2, 2] }),
    new nt.Conv3DTranspose({ filters: 2, kernelSize: 2, strides: [2, 1, 1], padding: 'same' }),
    new nt.GlobalAveragePooling3D(),
    new nt.Dense({ units: 1 }),
  ]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.03 }), loss: 'mse' });
  const x = randn([8, 4, 4, 4, 1], 80);
  const y = nt.reshape(nt.mean(x, [1, 2, 3, 4]), [8, 1]);
  const history = await model.fit(x, nt.mul(y, 4), { epochs: 12, batchSize: 4, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok(losses[losses.length - 1] < 0.7 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  const copy = nt.Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
  copy.setWeights(model.getWeights());
  assert.deepEqual(copy.layers.map((l) => l.getClassName()), ['Conv3D', 'MaxPooling3D', 'UpSampling3D', 'Conv3DTranspose', 'GlobalAveragePooling3D', 'Dense']);
  assert.ok(maxDiff(await (model.predict(x) as Tensor).data(), await (copy.predict(x) as Tensor).data()) < 1e-6);
});
