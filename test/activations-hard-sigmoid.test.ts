/**
 * The two hard sigmoids: Keras 2 / tf.keras / TensorFlow.js clip(0.2·x + 0.5, 0, 1) and
 * Keras 3's relu6(x + 3)/6 (keras/src/activations/activations.py, keras/src/ops/nn.py).
 * 'hard_sigmoid' means Keras 2's in code and in files from Keras 2 (and Neurite's own), and
 * Keras 3's while a Keras ≥ 3 file is read: a Keras 2 .h5 and the same file marked
 * keras_version 3.1.0 (attribute set by h5py) load with the two different functions, and a
 * Keras 3 model saved again by Neurite (Keras 2 .h5) reloads with the Keras 3 function.
 * Not an engine file: it writes .h5 files and spawns python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const h5pyMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-h5py is not installed (Debian python3-h5py)';
})();

const XS = [-4, -3, -2.5, -1, 0, 0.4, 1, 2.5, 3, 4];
const keras2 = (x: number): number => Math.min(1, Math.max(0, 0.2 * x + 0.5));
const keras3 = (x: number): number => Math.min(6, Math.max(0, x + 3)) / 6;

const near = (got: ArrayLike<number>, want: readonly number[], what: string, tol = 1e-6): void => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}: [${Array.from(got).join(', ')}] vs [${want.join(', ')}]`);
};

test("'hard_sigmoid' is Keras 2's in code; 'hard_sigmoid_keras3' and withKerasVersion('3…') give Keras 3's", async () => {
  const x = nt.tensor(XS);
  near(await nt.activations.getActivation('hard_sigmoid').fn(x).data(), XS.map(keras2), 'hard_sigmoid');
  near(await nt.hardSigmoid(x).data(), XS.map(keras2), 'nt.hardSigmoid');
  near(await nt.activations.getActivation('hard_sigmoid_keras2').fn(x).data(), XS.map(keras2), 'hard_sigmoid_keras2');
  near(await nt.activations.hardSigmoidKeras3(x).data(), XS.map(keras3), 'hardSigmoidKeras3');
  // Keras 3's own composition, in ops.
  near(await nt.activations.hardSigmoidKeras3(x).data(), Array.from(await nt.div(nt.relu6(nt.add(x, 3)), 6).data()), 'relu6(x + 3)/6');
  const k3 = nt.activations.withKerasVersion('3.1.0', () => nt.activations.getActivation('hard_sigmoid'));
  assert.equal(k3.name, 'hard_sigmoid_keras3');
  near(await k3.fn(x).data(), XS.map(keras3), 'Keras 3 file');
  assert.equal(nt.activations.withKerasVersion('2.15.0', () => nt.activations.getActivation('hard_sigmoid')).name, 'hard_sigmoid');
  assert.equal(nt.activations.withKerasVersion(null, () => nt.activations.getActivation('hard_sigmoid')).name, 'hard_sigmoid');
  // Only the exact Keras name changes meaning (tfjs' camelCase 'hardSigmoid' is the 0.2 one); the explicit names never do.
  nt.activations.withKerasVersion('3.0.0', () => {
    assert.equal(nt.activations.getActivation('hardSigmoid').name, 'hard_sigmoid');
    assert.equal(nt.activations.getActivation('hard_sigmoid_keras2').name, 'hard_sigmoid');
    assert.equal(nt.activations.getActivation('relu').name, 'relu');
  });
  // Nesting, and the previous version back after a throw.
  nt.activations.withKerasVersion('3', () => {
    nt.activations.withKerasVersion('2.4.0', () => assert.equal(nt.activations.getActivation('hard_sigmoid').name, 'hard_sigmoid'));
    assert.throws(() => nt.activations.withKerasVersion('2', () => { throw new Error('inner'); }), /inner/);
    assert.equal(nt.activations.getActivation('hard_sigmoid').name, 'hard_sigmoid_keras3');
  });
  assert.equal(nt.activations.getActivation('hard_sigmoid').name, 'hard_sigmoid');
  assert.equal(nt.activations.serializeActivation(nt.activations.hardSigmoidKeras3), 'hard_sigmoid_keras3');
  assert.equal(nt.activations.serializeActivation(nt.hardSigmoid), 'hard_sigmoid');
  assert.ok(nt.activations.activationNames().includes('hard_sigmoid_keras3'));
  assert.deepEqual(['2.10.0', '3.1.0', 3, 'x', null].map((v) => nt.activations.kerasMajorVersion(v)), [2, 3, 3, null, null]);
  // The slope inside (−3, 3) is 1/6.
  const [g] = nt.grads((z: Tensor) => nt.sum(nt.activations.hardSigmoidKeras3(z)))([x]);
  near(await g.data(), XS.map((v) => (v > -3 && v < 3 ? 1 / 6 : 0)), 'gradient');
});

test('a Keras 2 .h5 and the same file marked keras_version 3.1.0 load with the two functions; Neurite re-saves Keras 3 as hard_sigmoid_keras3', { skip: unavailable(h5pyMissing) }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-hard-sigmoid-'));
  try {
    const dense = new nt.Dense({ units: XS.length, activation: 'hard_sigmoid', inputShape: [1] });
    const model = new nt.Sequential([dense]);
    model.build([null, 1]);
    dense.setWeights([nt.tensor([XS]), nt.zeros([XS.length])]);
    const input = nt.tensor([[1]]);
    const k2 = join(dir, 'keras2.h5');
    await nt.io.saveModelH5(model, k2);
    const k3 = join(dir, 'keras3.h5');
    const r = spawnSync(PYTHON, ['-c', `import h5py, shutil, sys
shutil.copyfile(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[1], 'r') as f:
    print(f.attrs['keras_version'])
with h5py.File(sys.argv[2], 'r+') as f:
    f.attrs['keras_version'] = '3.1.0'`, k2, k3], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^2\./, 'Neurite writes Keras 2 files');

    const fromKeras2 = await nt.loadModel(k2);
    near(await (fromKeras2.predict(input) as Tensor).data(), XS.map(keras2), 'Keras 2 file');
    assert.equal((fromKeras2.layers[0].getConfig() as { activation: string }).activation, 'hard_sigmoid');
    const fromKeras3 = await nt.loadModel(k3);
    near(await (fromKeras3.predict(input) as Tensor).data(), XS.map(keras3), 'Keras 3 file');
    assert.equal((fromKeras3.layers[0].getConfig() as { activation: string }).activation, 'hard_sigmoid_keras3');

    const again = join(dir, 'again.h5');
    await nt.io.saveModelH5(fromKeras3, again);
    const reloaded = await nt.loadModel(again);
    near(await (reloaded.predict(input) as Tensor).data(), XS.map(keras3), 'Keras 3 model saved by Neurite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
