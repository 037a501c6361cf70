/**
 * Proof on real files: two Keras 2 .h5 models from public repositories (a Keras 2.4 MLP
 * with logits and a Keras 2.10 CNN with Dropout and separate Activation layers) load in
 * Neurite and reproduce the outputs Keras computed for the first 1000 real MNIST test
 * images (expected_*_first1000.npy) to 1e-4, with the accuracy Keras reached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { loadModelH5 } from '../src/io/h5/index.js';
import { fixture, mnistDir } from './helpers/shared.js';
import { readNpy } from './helpers/npy.js';

const N = 1000;

async function mnistFirst(n: number): Promise<{ pixels: Float32Array; labels: Uint8Array }> {
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const labels = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (images.data[i] as number) / 255;
  return { pixels, labels: Uint8Array.from(labels.data.subarray(0, n) as ArrayLike<number>) };
}

function compare(out: Float32Array, expected: Float32Array, labels: Uint8Array): { maxDiff: number; accuracy: number; keras: number } {
  let maxDiff = 0;
  let right = 0;
  let kerasRight = 0;
  const argmax = (a: Float32Array, i: number): number => {
    let best = 0;
    for (let k = 1; k < 10; k++) if (a[i * 10 + k] > a[i * 10 + best]) best = k;
    return best;
  };
  for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - expected[i]));
  for (let i = 0; i < labels.length; i++) {
    if (argmax(out, i) === labels[i]) right++;
    if (argmax(expected, i) === labels[i]) kerasRight++;
  }
  return { maxDiff, accuracy: right / labels.length, keras: kerasRight / labels.length };
}

const CASES = [
  { name: 'dig94_mlp_logits', shape: [N, 28, 28], accuracy: 0.972, keras: '2.4.0', classes: ['Flatten', 'Dense', 'Dropout', 'Dense'] },
  { name: 'kilneta_cnn_dropout', shape: [N, 28, 28, 1], accuracy: 0.991, keras: '2.10.0', classes: ['Conv2D', 'Activation', 'MaxPooling2D', 'Conv2D', 'Activation', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense', 'Dropout', 'Dense'] },
];

for (const c of CASES) {
  test(`real Keras ${c.keras} file ${c.name}.h5 reproduces Keras' outputs on 1000 MNIST test images`, async () => {
    const warnings: string[] = [];
    const model = await loadModelH5(fixture('keras-h5', `${c.name}.h5`), { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(warnings, []);
    assert.deepEqual(model.layers.map((l) => l.getClassName()), c.classes);
    const { pixels, labels } = await mnistFirst(N);
    const out = model.predict(nt.tensor(pixels, c.shape), { batchSize: 250 }) as nt.Tensor;
    assert.deepEqual(out.shape, [N, 10]);
    const expected = readNpy(fixture('keras-h5', `expected_${c.name}_first1000.npy`));
    assert.deepEqual(expected.shape, [N, 10]);
    const r = compare(out.dataSync() as Float32Array, expected.data as Float32Array, labels);
    console.log(`${c.name}: max abs diff vs Keras ${r.maxDiff.toExponential(3)}, accuracy on the first ${N} MNIST test images ${r.accuracy.toFixed(4)} (Keras' outputs: ${r.keras.toFixed(4)})`);
    assert.ok(r.maxDiff <= 1e-4, `max abs diff ${r.maxDiff} > 1e-4`);
    assert.ok(r.accuracy >= c.accuracy - 0.0005, `accuracy ${r.accuracy} < ${c.accuracy}`);
  });
}

test('the fixtures come back compiled as Keras saved them, with the Adam state restored', async () => {
  const mlp = await loadModelH5(fixture('keras-h5', 'dig94_mlp_logits.h5'));
  assert.equal(mlp.optimizer.getClassName(), 'Adam');
  assert.equal(mlp.optimizer.iterations, 9375); // Adam/iter:0 in the file (h5py)
  assert.ok(Math.abs(mlp.optimizer.learningRate - 0.001) < 1e-9);
  // SparseCategoricalCrossentropy(from_logits=True) and 'accuracy': a step on integer labels runs.
  const { pixels, labels } = await mnistFirst(64);
  const x = nt.tensor(pixels, [64, 28, 28]);
  const y = nt.tensor(Int32Array.from(labels), [64]);
  const before = (await mlp.testOnBatch(x, y)) as number[];
  assert.deepEqual(mlp.metricsNames, ['loss', 'accuracy']);
  assert.ok(before[0] < 0.5 && before[1] > 0.9, `loss/accuracy ${before}`);
  await mlp.trainOnBatch(x, y);
  assert.equal(mlp.optimizer.iterations, 9376);

  const cnn = await loadModelH5(fixture('keras-h5', 'kilneta_cnn_dropout.h5'));
  assert.equal(cnn.optimizer.iterations, 11750);
  const m = cnn.optimizer.getWeights();
  assert.equal(m.length, 1 + 2 * 8); // iterations, then m and v of the 8 trainable weights
  assert.ok((m[1].dataSync() as Float32Array).some((v) => v !== 0), 'the first m slot was restored (not zeros)');
});

test('compile: false loads the architecture and weights only', async () => {
  const model = await loadModelH5(fixture('keras-h5', 'kilneta_cnn_dropout.h5'), { compile: false });
  assert.throws(() => model.optimizer, /compile/);
  assert.equal(model.countParams(), 16 * 25 + 16 + 36 * 16 * 25 + 36 + 1764 * 128 + 128 + 1290);
});
