import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { addNoise, convAutoencoder, denseAutoencoder, pretrainStacked } from '../src/unsupervised/index.js';
import { mnistDir } from './helpers/shared.js';

/** The first n real MNIST test images, scaled to [0, 1], as [n, 784] plus their labels. */
async function mnist(n: number): Promise<{ x: nt.Tensor; y: nt.Tensor }> {
  const img = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const px = new Float32Array(n * 784);
  for (let i = 0; i < px.length; i++) px[i] = img.data[i] / 255;
  return { x: nt.tensor(px, [n, 784]), y: nt.tensor(Int32Array.from(lab.data.subarray(0, n))) };
}

function mse(a: nt.Tensor, b: nt.Tensor): number {
  return nt.mean(nt.squaredDifference(a, b)).dataSync()[0];
}

test('denseAutoencoder: shapes, shared layers and parameter counts', () => {
  const { autoencoder, encoder, decoder } = denseAutoencoder({ inputDim: 784, encodingDims: [128, 32], seed: 1 });
  assert.deepEqual(autoencoder.outputShapes[0], [null, 784]);
  assert.deepEqual(encoder.outputShapes[0], [null, 32]);
  assert.deepEqual(decoder.outputShapes[0], [null, 784]);
  assert.equal(encoder.countParams(), 784 * 128 + 128 + 128 * 32 + 32);
  assert.equal(decoder.countParams(), 32 * 128 + 128 + 128 * 784 + 784);
  assert.equal(autoencoder.countParams(), encoder.countParams() + decoder.countParams());
  // autoencoder(x) == decoder(encoder(x)): the three models share their layers.
  const x = nt.randomUniform([3, 784], { seed: 2 });
  const direct = autoencoder.predict(x) as nt.Tensor;
  const composed = decoder.predict(encoder.predict(x) as nt.Tensor) as nt.Tensor;
  assert.ok(mse(direct, composed) < 1e-10);
  assert.throws(() => denseAutoencoder({ inputDim: 10, encodingDims: [] }), /encodingDims/);
});

test('convAutoencoder: shapes and parameter counts', () => {
  const { autoencoder, encoder, decoder } = convAutoencoder({ inputShape: [28, 28, 1], filters: [16, 8], seed: 1 });
  assert.deepEqual(autoencoder.outputShapes[0], [null, 28, 28, 1]);
  assert.deepEqual(encoder.outputShapes[0], [null, 7, 7, 8]);
  assert.deepEqual(decoder.outputShapes[0], [null, 28, 28, 1]);
  assert.equal(encoder.countParams(), 160 + 1160);
  assert.equal(decoder.countParams(), 584 + 1168 + 145);
  assert.equal(autoencoder.countParams(), 3217);
  assert.throws(() => convAutoencoder({ inputShape: [30, 30, 1], filters: [4, 4] }), /divisible by 4/);
});

test('addNoise: seeded, clipped, right spread', () => {
  const x = nt.zeros([200, 50]);
  const a = addNoise(x, { stddev: 0.5, seed: 3 });
  assert.deepEqual(Array.from(a.dataSync()), Array.from(addNoise(x, { stddev: 0.5, seed: 3 }).dataSync()));
  const sd = Math.sqrt(nt.mean(nt.square(a)).dataSync()[0]);
  assert.ok(Math.abs(sd - 0.5) < 0.02, `stddev ${sd}`);
  const c = addNoise(nt.fill([100], 0.5), { stddev: 2, seed: 4, clip: true });
  assert.ok(Math.min(...c.dataSync()) >= 0 && Math.max(...c.dataSync()) <= 1);
});

test('dense autoencoder: reconstruction MSE falls on real MNIST', async () => {
  const { x } = await mnist(1000);
  const { autoencoder } = denseAutoencoder({ inputDim: 784, encodingDims: [64], seed: 1 });
  autoencoder.compile({ optimizer: 'adam', loss: 'mse' });
  const before = mse(autoencoder.predict(x) as nt.Tensor, x);
  const h = await autoencoder.fit(x, x, { epochs: 5, batchSize: 64, verbose: 0, seed: 1 });
  const after = mse(autoencoder.predict(x) as nt.Tensor, x);
  const losses = h.history.loss;
  assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses.join(', ')}`);
  assert.ok(after < 0.5 * before, `MSE ${before} → ${after}`);
  assert.ok(after < 0.06, `MSE after ${after}`);
});

test('conv autoencoder trains on real MNIST', async () => {
  const { x } = await mnist(300);
  const images = x.reshape([300, 28, 28, 1]);
  const { autoencoder } = convAutoencoder({ inputShape: [28, 28, 1], filters: [8, 4], seed: 1 });
  autoencoder.compile({ optimizer: 'adam', loss: 'mse' });
  const before = mse(autoencoder.predict(images) as nt.Tensor, images);
  await autoencoder.fit(images, images, { epochs: 3, batchSize: 32, verbose: 0, seed: 1 });
  const after = mse(autoencoder.predict(images) as nt.Tensor, images);
  assert.ok(after < 0.7 * before, `MSE ${before} → ${after}`);
});

test('denoising autoencoder: output is closer to the clean images than the noisy input', async () => {
  const { x } = await mnist(1000);
  const noisy = addNoise(x, { stddev: 0.4, seed: 7, clip: true });
  const { autoencoder } = denseAutoencoder({ inputDim: 784, encodingDims: [128], seed: 2 });
  autoencoder.compile({ optimizer: 'adam', loss: 'mse' });
  await autoencoder.fit(noisy, x, { epochs: 8, batchSize: 64, verbose: 0, seed: 2 });
  // Fresh noise (another seed) on the same images: the model has not seen these corruptions.
  const fresh = addNoise(x, { stddev: 0.4, seed: 8, clip: true });
  const noiseError = mse(fresh, x);
  const denoisedError = mse(autoencoder.predict(fresh) as nt.Tensor, x);
  assert.ok(denoisedError < 0.6 * noiseError, `noisy ${noiseError}, denoised ${denoisedError}`);
});

test('stacked autoencoder: the classifier starts from the pretrained weights and fine-tunes', async () => {
  const { x, y } = await mnist(500);
  const stacked = await pretrainStacked(x, [64, 32], { epochs: 2, batchSize: 64, seed: 1 });
  assert.equal(stacked.encoders.length, 2);
  assert.deepEqual(stacked.codes.shape, [500, 32]);
  for (const h of stacked.histories) assert.ok(h.history.loss[1] < h.history.loss[0]);
  const clf = stacked.stackedClassifier(10);
  assert.deepEqual(clf.outputShapes[0], [null, 10]);
  const dense = clf.layers.filter((l): l is nt.Dense => l instanceof nt.Dense);
  assert.equal(dense.length, 3);
  for (let k = 0; k < 2; k++) {
    const got = dense[k].getWeights();
    const want = stacked.encoders[k].getWeights();
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) assert.deepEqual(Array.from(got[i].dataSync()), Array.from(want[i].dataSync()));
  }
  clf.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const h = await clf.fit(x, nt.toCategorical(y, 10), { epochs: 5, batchSize: 32, verbose: 0, seed: 1 });
  const acc = h.history.accuracy;
  assert.ok(acc[acc.length - 1] > 0.8, `accuracy ${acc.join(', ')}`);
  // Fine-tuning changed the copies, not the pretrained layers.
  assert.notDeepEqual(Array.from(dense[0].getWeights()[0].dataSync()), Array.from(stacked.encoders[0].getWeights()[0].dataSync()));
});

test('the autoencoder example runs in smoke mode and every reconstruction error falls', async () => {
  const { runAutoencoders } = await import('../examples/autoencoder-fashion-mnist.js');
  const r = await runAutoencoders({ smoke: true, log: () => undefined });
  for (const errors of [r.dense, r.conv, r.denoising]) {
    assert.equal(errors.length, 2);
    assert.ok(errors[1] < errors[0], errors.join(', '));
  }
  assert.ok(r.noisyInputError > 0.03);
});
