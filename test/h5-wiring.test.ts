import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { fixture } from './helpers/shared.js';

const HDF5 = [0x89, 0x48, 0x44, 0x46];

function model(): nt.Sequential {
  const m = new nt.Sequential([new nt.Dense({ units: 6, activation: 'relu', inputShape: [4] }), new nt.Dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

test('model.save / loadModel / saveWeights / loadWeights pick Keras HDF5 for .h5 paths; loadModel takes .h5 bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-wiring-'));
  try {
    const m = model();
    const x = nt.randomNormal([5, 4], { seed: 1 });
    await m.trainOnBatch(x, nt.oneHot(nt.tensor([0, 1, 2, 0, 1], undefined, 'int32'), 3));
    const expected = Array.from((m.predict(x) as nt.Tensor).dataSync());
    await m.save(join(dir, 'm.h5'));
    assert.deepEqual(Array.from(readFileSync(join(dir, 'm.h5')).subarray(0, 4)), HDF5);
    const loaded = await nt.loadModel(join(dir, 'm.h5'));
    assert.deepEqual(Array.from((loaded.predict(x) as nt.Tensor).dataSync()), expected);
    assert.equal(loaded.optimizer.iterations, 1, 'the optimizer state comes back');
    const bytes = readFileSync(join(dir, 'm.h5'));
    const fromBytes = await nt.loadModel(new Uint8Array(bytes));
    assert.deepEqual(Array.from((fromBytes.predict(x) as nt.Tensor).dataSync()), expected);
    await m.saveWeights(join(dir, 'w.hdf5'));
    const other = model();
    await other.loadWeights(join(dir, 'w.hdf5'));
    assert.deepEqual(Array.from((other.predict(x) as nt.Tensor).dataSync()), expected);
    const keras = await nt.loadModel(readFileSync(fixture('keras-h5', 'kilneta_cnn_dropout.h5')).buffer);
    assert.equal(keras.outputShapes[0][1], 10, 'a real Keras file from bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ModelCheckpoint writes Keras HDF5 when the path ends in .h5', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-ckpt-'));
  try {
    const m = model();
    const x = nt.randomNormal([32, 4], { seed: 2 });
    const y = nt.oneHot(nt.tensor(Array.from({ length: 32 }, (_, i) => i % 3), undefined, 'int32'), 3);
    await m.fit(x, y, {
      epochs: 2,
      verbose: 0,
      validationData: [x, y],
      callbacks: [new nt.ModelCheckpoint({ filepath: join(dir, 'model-{epoch:02d}.h5') }), new nt.ModelCheckpoint({ filepath: join(dir, 'weights.h5'), saveWeightsOnly: true })],
    });
    assert.deepEqual(readdirSync(dir).sort(), ['model-01.h5', 'model-02.h5', 'weights.h5']);
    for (const f of readdirSync(dir)) assert.deepEqual(Array.from(readFileSync(join(dir, f)).subarray(0, 4)), HDF5, f);
    const last = await nt.loadModel(join(dir, 'model-02.h5'));
    assert.deepEqual(Array.from((last.predict(x) as nt.Tensor).dataSync()), Array.from((m.predict(x) as nt.Tensor).dataSync()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
