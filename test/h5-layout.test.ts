/**
 * Files written by saveModelH5 / saveWeightsH5 are standard HDF5 in Keras 2's layout: the
 * HDF5 library behind h5py (/usr/bin/python3) reads them and checks them attribute by
 * attribute the way Keras' loader reads them (strings come back as Python str). Then the
 * files load back into Neurite bit for bit, and the real Keras fixtures' weights load
 * into models built in code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { loadModelH5, loadWeightsH5, saveModelH5, saveWeightsH5 } from '../src/io/h5/index.js';
import { fixture, mnistDir } from './helpers/shared.js';
import { readNpy } from './helpers/npy.js';

const PYTHON = '/usr/bin/python3';

// The oracle: h5py reads the file as Keras' hdf5 loader does and compares with what Neurite had.
const CHECK_PY = String.raw`
import sys, json
import numpy as np
import h5py

path, expected_path = sys.argv[1], sys.argv[2]
exp = json.load(open(expected_path))
checks = []
def check(cond, what):
    if not cond:
        raise SystemExit('FAILED: ' + what)
    checks.append(what)

def as_str(v):
    check(isinstance(v, str), 'attribute is a Python str (got %r)' % type(v))
    return v

def str_list(g, name):
    v = g.attrs[name]
    check(isinstance(v, np.ndarray), name + ' is an array')
    return [x.decode('utf8') if hasattr(x, 'decode') else x for x in v]

f = h5py.File(path, 'r')
if exp['kind'] == 'model':
    check(sorted(f.attrs.keys()) == sorted(exp['root_attrs']), 'root attributes %s' % sorted(f.attrs.keys()))
    check(as_str(f.attrs['backend']) == 'tensorflow', 'backend')
    check(as_str(f.attrs['keras_version']).startswith('2.'), 'keras_version 2.x')
    mc = json.loads(as_str(f.attrs['model_config']))
    check(mc['class_name'] == exp['class_name'], 'model_config class_name')
    check([l['class_name'] for l in mc['config']['layers']] == exp['layer_classes'], 'model_config layer classes')
    if 'training_config' in exp['root_attrs']:
        tc = json.loads(as_str(f.attrs['training_config']))
        check(tc['optimizer_config']['class_name'] == exp['optimizer'], 'optimizer_config class_name')
        check(tc['loss'] == exp['loss'] and tc['metrics'] == exp['metrics'], 'loss and metrics')
        check(set(tc.keys()) == {'loss', 'metrics', 'weighted_metrics', 'loss_weights', 'optimizer_config'}, 'training_config keys')
    g = f['model_weights']
else:
    check('model_config' not in f.attrs and 'model_weights' not in f, 'a weights file has no model_config')
    g = f
check(as_str(g.attrs['backend']) == 'tensorflow' and as_str(g.attrs['keras_version']).startswith('2.'), 'weights group backend and keras_version')
check(str_list(g, 'layer_names') == [l['name'] for l in exp['layers']], 'layer_names')
for layer in exp['layers']:
    lg = g[layer['name']]
    names = str_list(lg, 'weight_names')
    check(names == [w['name'] for w in layer['weights']], 'weight_names of ' + layer['name'])
    for w in layer['weights']:
        ds = lg[w['name']]
        check(ds.dtype == np.float32, w['name'] + ' is float32')
        check(list(ds.shape) == w['shape'], w['name'] + ' shape')
        check(np.array_equal(ds[()].reshape(-1), np.array(w['values'], dtype=np.float32)), w['name'] + ' values')
if 'optimizer' in exp and exp['kind'] == 'model':
    og = f['optimizer_weights']
    names = str_list(og, 'weight_names')
    check(names == exp['optimizer_weights']['names'], 'optimizer weight_names')
    it = og[names[0]]
    check(it.dtype == np.int64 and it.shape == () and int(it[()]) == exp['optimizer_weights']['iterations'], 'iterations: int64 scalar')
    for name, shape, values in zip(names[1:], exp['optimizer_weights']['shapes'], exp['optimizer_weights']['values']):
        check(list(og[name].shape) == shape and np.array_equal(og[name][()].reshape(-1), np.array(values, dtype=np.float32)), name)
print(json.dumps({'checks': len(checks)}))
`;

function runOracle(file: string, expected: object, dir: string): number {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing (install python3-h5py)`);
  const expectedPath = join(dir, `expected-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(expectedPath, JSON.stringify(expected));
  const r = spawnSync(PYTHON, ['-c', CHECK_PY, file, expectedPath], { encoding: 'utf8' });
  assert.equal(r.status, 0, `h5py check failed:\n${r.stdout}\n${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { checks: number }).checks;
}

function layersExpected(model: nt.Model): object[] {
  return model.layers.map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ name: `${w.name}:0`, shape: [...w.shape], values: Array.from(w.dataSync()) })) }));
}

function smallCnn(): nt.Sequential {
  return new nt.Sequential([
    new nt.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
    new nt.BatchNormalization(),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Flatten(),
    new nt.Dropout({ rate: 0.25 }),
    new nt.Dense({ units: 3, activation: 'softmax' }),
  ]);
}

function data(n: number): { x: nt.Tensor; y: nt.Tensor } {
  const rng = new nt.Rng(7);
  const x = new Float32Array(n * 64).map(() => rng.uniform());
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (i % 3)] = 1;
  return { x: nt.tensor(x, [n, 8, 8, 1]), y: nt.tensor(y, [n, 3]) };
}

function assertSameWeights(a: readonly nt.Tensor[], b: readonly nt.Tensor[], what: string): void {
  assert.equal(a.length, b.length, `${what}: count`);
  a.forEach((t, i) => {
    assert.deepEqual(t.shape, b[i].shape, `${what} ${i}: shape`);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(b[i].dataSync()), `${what} ${i}: values`);
  });
}

test('saveModelH5 writes the Keras 2 layout (read and checked by h5py) and loads back bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-'));
  try {
    nt.clearSession();
    nt.setSeed(1);
    const model = smallCnn();
    model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const { x, y } = data(12);
    await model.trainOnBatch(x, y);
    const file = join(dir, 'cnn.h5');
    await saveModelH5(model, file);
    assert.deepEqual(readdirSync(dir), ['cnn.h5'], 'no temporary file is left');

    const opt = model.optimizer;
    const slots = opt.variables();
    const expected = {
      kind: 'model',
      root_attrs: ['backend', 'keras_version', 'model_config', 'training_config'],
      class_name: 'Sequential',
      layer_classes: ['InputLayer', 'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense'],
      optimizer: 'Adam',
      loss: 'categorical_crossentropy',
      metrics: ['accuracy'],
      layers: layersExpected(model),
      optimizer_weights: { names: ['Adam/iter:0', ...slots.map((s) => `${s.name}:0`)], iterations: 1, shapes: slots.map((s) => [...s.shape]), values: slots.map((s) => Array.from(s.dataSync())) },
    };
    assert.equal(slots.length, 2 * 6, 'm and v for the 6 trainable weights');
    const checks = runOracle(file, expected, dir);
    assert.ok(checks >= 40, `only ${checks} checks ran`);

    const back = await loadModelH5(file);
    assert.deepEqual(back.layers.map((l) => l.name), model.layers.map((l) => l.name));
    assertSameWeights(back.getWeights(), model.getWeights(), 'weight');
    assertSameWeights([back.predict(x) as nt.Tensor], [model.predict(x) as nt.Tensor], 'prediction');
    assert.equal(back.optimizer.iterations, 1);
    assertSameWeights(back.optimizer.getWeights(), opt.getWeights(), 'optimizer weight');
    assert.deepEqual(back.optimizer.getConfig(), opt.getConfig());
    // Training continues identically from the restored state (same Dropout masks: same seed).
    nt.setSeed(5);
    await model.trainOnBatch(x, y);
    nt.setSeed(5);
    await back.trainOnBatch(x, y);
    assertSameWeights(back.getWeights(), model.getWeights(), 'weight after one more step');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a functional model with two inputs round-trips; an uncompiled model has no training_config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-'));
  try {
    nt.clearSession();
    const a = nt.Input({ shape: [4], name: 'a' });
    const b = nt.Input({ shape: [3], name: 'b' });
    const h = new nt.Dense({ units: 5, activation: 'tanh', name: 'h' }).apply(a);
    const c = new nt.Concatenate({ name: 'concat' }).apply([h, b]) as nt.SymbolicTensor;
    const out = new nt.Dense({ units: 2, name: 'out' }).apply(c);
    const model = new nt.Model({ inputs: [a, b], outputs: out, name: 'two_inputs' });
    const file = join(dir, 'f.h5');
    await saveModelH5(model, file);
    const classes = model.layers.map((l) => l.getClassName());
    assert.deepEqual([...classes].sort(), ['Concatenate', 'Dense', 'Dense', 'InputLayer', 'InputLayer']);
    runOracle(file, { kind: 'model', root_attrs: ['backend', 'keras_version', 'model_config'], class_name: 'Functional', layer_classes: classes, layers: layersExpected(model) }, dir);
    const back = await loadModelH5(file);
    const xa = nt.tensor(new Float32Array([0.1, -0.2, 0.3, 0.4, 1, 2, 3, 4]), [2, 4]);
    const xb = nt.tensor(new Float32Array([1, 0, -1, 0.5, 0.5, 0.5]), [2, 3]);
    assert.deepEqual(Array.from((back.predict([xa, xb]) as nt.Tensor).dataSync()), Array.from((model.predict([xa, xb]) as nt.Tensor).dataSync()));
    assert.throws(() => back.optimizer, /compile/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saveWeightsH5 writes Keras save_weights layout (h5py) and loadWeightsH5 restores it into a fresh model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-'));
  try {
    nt.clearSession();
    nt.setSeed(2);
    const model = smallCnn();
    const file = join(dir, 'w.h5');
    await saveWeightsH5(model, file);
    const checks = runOracle(file, { kind: 'weights', layers: layersExpected(model) }, dir);
    assert.ok(checks >= 20, `only ${checks} checks ran`);
    nt.clearSession();
    nt.setSeed(3);
    const fresh = smallCnn(); // same layer names, other initial values
    assert.notDeepEqual(Array.from(fresh.getWeights()[0].dataSync()), Array.from(model.getWeights()[0].dataSync()));
    await loadWeightsH5(fresh, file);
    assertSameWeights(fresh.getWeights(), model.getWeights(), 'weight');
    const { x } = data(5);
    assert.deepEqual(Array.from((fresh.predict(x) as nt.Tensor).dataSync()), Array.from((model.predict(x) as nt.Tensor).dataSync()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function mnist(n: number): Promise<Float32Array> {
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  return Float32Array.from(images.data.subarray(0, n * 784) as ArrayLike<number>, (v) => v / 255);
}

function maxDiff(a: nt.Tensor, expected: Float32Array): number {
  const values = a.dataSync();
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(values[i] - expected[i]));
  return m;
}

test("loadWeightsH5 puts the real fixtures' weights into the same architectures built in code", async () => {
  nt.clearSession();
  const cnn = new nt.Sequential([
    new nt.Conv2D({ filters: 16, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1] }),
    new nt.Activation({ activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Conv2D({ filters: 36, kernelSize: 5, padding: 'same' }),
    new nt.Activation({ activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Dropout({ rate: 0.25 }),
    new nt.Flatten(),
    new nt.Dense({ units: 128, activation: 'relu' }),
    new nt.Dropout({ rate: 0.5 }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  await loadWeightsH5(cnn, fixture('keras-h5', 'kilneta_cnn_dropout.h5'));
  const n = 200;
  const pixels = await mnist(n);
  const cnnOut = cnn.predict(nt.tensor(pixels, [n, 28, 28, 1])) as nt.Tensor;
  const cnnDiff = maxDiff(cnnOut, (readNpy(fixture('keras-h5', 'expected_kilneta_cnn_dropout_first1000.npy')).data as Float32Array).subarray(0, n * 10));
  assert.ok(cnnDiff <= 1e-4, `CNN max abs diff ${cnnDiff}`);

  // By name: the MLP's layers named as in the file, one extra layer the file does not have.
  const mlp = new nt.Sequential([
    new nt.Flatten({ inputShape: [28, 28], name: 'flatten_1' }),
    new nt.Dense({ units: 128, activation: 'relu', name: 'dense_2' }),
    new nt.Dropout({ rate: 0.2, name: 'dropout_1' }),
    new nt.Dense({ units: 10, name: 'dense_3' }),
    new nt.Activation({ activation: 'linear', name: 'identity' }),
  ]);
  await loadWeightsH5(mlp, fixture('keras-h5', 'dig94_mlp_logits.h5'), { byName: true });
  const mlpDiff = maxDiff(mlp.predict(nt.tensor(pixels, [n, 28, 28])) as nt.Tensor, (readNpy(fixture('keras-h5', 'expected_dig94_mlp_logits_first1000.npy')).data as Float32Array).subarray(0, n * 10));
  assert.ok(mlpDiff <= 1e-4, `MLP max abs diff ${mlpDiff}`);
  console.log(`fixture weights into models built in code: CNN max abs diff ${cnnDiff.toExponential(3)}, MLP (by name) ${mlpDiff.toExponential(3)}`);
});
