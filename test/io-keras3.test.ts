/**
 * Keras 3 files: the `.keras` archive and `.weights.h5`.
 *  - the real fixture (Keras 3.10's mnist MLP) reproduces its reference outputs on real
 *    MNIST images;
 *  - what Neurite writes follows Keras 3's layout, entry by entry, as Python's zipfile and
 *    h5py read it: `layers/<class in snake case>[_n]/vars/<i>`, an RNN's `cell/vars`,
 *    Bidirectional's `forward_layer`/`backward_layer`, MultiHeadAttention's
 *    `query_dense`/…/`output_dense`, numbering past 10 (`dense_10` after `dense_9`);
 *  - and reads back to the same predictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { unavailable } from './helpers/oracle.js';
import { fixture, mnistDir } from './helpers/shared.js';

const PYTHON = '/usr/bin/python3';
const h5pyMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-h5py is not installed (Debian python3-h5py)';
})();

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** Every dataset of the archive's model.weights.h5 as { path: shape }, and the archive's entry names, as Python reads them. */
function pythonLayout(file: string): { entries: string[]; datasets: Record<string, number[]>; config: { module: string; class_name: string }; meta: { keras_version: string } } {
  const script = `
import sys, json, zipfile, io, h5py
z = zipfile.ZipFile(sys.argv[1])
out = {"entries": z.namelist(), "config": json.loads(z.read("config.json")), "meta": json.loads(z.read("metadata.json")), "datasets": {}}
f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
f.visititems(lambda n, o: out["datasets"].__setitem__(n, list(o.shape)) if isinstance(o, h5py.Dataset) else None)
print(json.dumps(out))`;
  const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof pythonLayout>;
}

test('the real Keras 3.10 .keras fixture (divya_mlp) reproduces its reference outputs on 100 MNIST test images', async () => {
  const model = await nt.loadModel(fixture('keras3', 'divya_mlp.keras'));
  const x = nt.npyToTensor(nt.readNpy(fixture('keras3', 'keras3_divya_mlp_input.npy')));
  const want = nt.npyToTensor(nt.readNpy(fixture('keras3', 'keras3_divya_mlp_expected.npy')));
  const y = model.predict(x) as Tensor;
  assert.ok(maxDiff(await y.data(), await want.data()) < 1e-4);
  const labels = (await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'))).data.subarray(0, 100);
  const predicted = await nt.argmax(y, -1).data();
  const accuracy = Array.from(predicted).filter((p, i) => p === labels[i]).length / 100;
  assert.ok(accuracy >= 0.97, `accuracy ${accuracy}`);
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Flatten', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']);
});

/** Models covering the layouts: per-class numbering, batch norm's four vars, recurrent cells, wrappers, attention, a nested model. */
function models(): { name: string; model: nt.Model; x: Tensor | Tensor[]; paths: Record<string, number[]> }[] {
  nt.setSeed(4);
  const conv = new nt.Sequential([
    new nt.Conv2D({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 }),
    new nt.BatchNormalization(),
    new nt.Conv2D({ filters: 4, kernelSize: 2 }),
    new nt.Flatten(),
    new nt.Dense({ units: 5 }),
    new nt.Dropout({ rate: 0.1 }),
    new nt.Dense({ units: 2 }),
  ]);
  const deep = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 3 }), ...Array.from({ length: 10 }, (_, i) => new nt.Dense({ units: 4 + i }))]);
  const rnn = new nt.Sequential([
    new nt.LSTM({ inputShape: [5, 3], units: 4, returnSequences: true }),
    new nt.Bidirectional({ layer: new nt.GRU({ units: 2, returnSequences: true }) }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 3 }) }),
    new nt.SimpleRNN({ units: 2 }),
  ]);
  const q = nt.Input({ shape: [4, 6] });
  const att = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, q]) as nt.SymbolicTensor;
  const inner = new nt.Sequential([new nt.Dense({ inputShape: [4, 6], units: 2 })]);
  const attention = new nt.Model({ inputs: q, outputs: inner.apply(new nt.LayerNormalization().apply(att) as nt.SymbolicTensor) as nt.SymbolicTensor });
  return [
    {
      name: 'conv + batch norm + dense',
      model: conv,
      x: nt.randomNormal([2, 6, 6, 2], { seed: 1 }),
      paths: {
        'layers/conv2d/vars/0': [3, 3, 2, 3], 'layers/conv2d/vars/1': [3],
        'layers/batch_normalization/vars/0': [3], 'layers/batch_normalization/vars/3': [3],
        'layers/conv2d_1/vars/0': [2, 2, 3, 4], 'layers/dense/vars/0': [36, 5], 'layers/dense_1/vars/0': [5, 2], 'layers/dense_1/vars/1': [2],
      },
    },
    { name: 'eleven dense layers', model: deep, x: nt.randomNormal([2, 3], { seed: 2 }), paths: { 'layers/dense/vars/0': [3, 3], 'layers/dense_9/vars/0': [11, 12], 'layers/dense_10/vars/0': [12, 13] } },
    {
      name: 'LSTM, Bidirectional GRU, TimeDistributed, SimpleRNN',
      model: rnn,
      x: nt.randomNormal([2, 5, 3], { seed: 3 }),
      paths: {
        'layers/lstm/cell/vars/0': [3, 16], 'layers/lstm/cell/vars/1': [4, 16], 'layers/lstm/cell/vars/2': [16],
        'layers/bidirectional/forward_layer/cell/vars/0': [4, 6], 'layers/bidirectional/backward_layer/cell/vars/2': [2, 6],
        'layers/time_distributed/layer/vars/0': [4, 3], 'layers/simple_rnn/cell/vars/1': [2, 2],
      },
    },
    {
      name: 'MultiHeadAttention, LayerNormalization, a nested Sequential',
      model: attention,
      x: nt.randomNormal([2, 4, 6], { seed: 4 }),
      paths: {
        'layers/multi_head_attention/query_dense/vars/0': [6, 2, 3], 'layers/multi_head_attention/key_dense/vars/1': [2, 3],
        'layers/multi_head_attention/output_dense/vars/0': [2, 3, 6], 'layers/layer_normalization/vars/0': [6], 'layers/sequential/layers/dense/vars/0': [6, 2],
      },
    },
  ];
}

test('.keras archives Neurite writes have Keras 3\'s layout entry by entry (Python zipfile + h5py) and load back to the same predictions', { skip: unavailable(h5pyMissing) }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-keras3-'));
  try {
    for (const { name, model, x, paths } of models()) {
      // Batch-norm statistics moved off their initial values so that they must round-trip.
      for (const w of model.weights) if (/moving_(mean|variance)$/.test(w.name)) w.assign(nt.add(w, 0.5));
      const file = join(dir, `${name.replace(/\W+/g, '_')}.keras`);
      await model.save(file);
      const layout = pythonLayout(file);
      assert.deepEqual(layout.entries, ['metadata.json', 'config.json', 'model.weights.h5'], name);
      assert.equal(layout.config.module, 'keras');
      assert.match(layout.meta.keras_version, /^3\./);
      for (const [path, shape] of Object.entries(paths)) assert.deepEqual(layout.datasets[path], shape, `${name}: ${path}`);
      const count = Object.keys(layout.datasets).length;
      assert.equal(count, model.weights.length, `${name}: one dataset per weight (${Object.keys(layout.datasets).join(', ')})`);
      const loaded = await nt.loadModel(file);
      const a = model.predict(x) as Tensor;
      const b = loaded.predict(x) as Tensor;
      assert.equal(maxDiff(await a.data(), await b.data()), 0, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saveWeights/loadWeights on .weights.h5 use Keras 3\'s layout (a .h5 path keeps Keras 2\'s)', { skip: unavailable(h5pyMissing) }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-keras3-w-'));
  try {
    const [{ model, x }] = models();
    const file = join(dir, 'm.weights.h5');
    await model.saveWeights(file);
    const r = spawnSync(PYTHON, ['-c', 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); print(sorted(f["layers"].keys()), f["layers/batch_normalization/vars/2"].shape, "layer_names" in f.attrs)', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "['batch_normalization', 'conv2d', 'conv2d_1', 'dense', 'dense_1', 'dropout', 'flatten'] (3,) False".replace(", 'dropout', 'flatten'", ''));
    const fresh = models()[0].model;
    await fresh.loadWeights(file);
    assert.equal(maxDiff(await (fresh.predict(x) as Tensor).data(), await (model.predict(x) as Tensor).data()), 0);
    // The Keras 2 layout on a plain .h5 path still reads with loadWeights.
    await model.saveWeights(join(dir, 'k2.h5'));
    const other = models()[0].model;
    await other.loadWeights(join(dir, 'k2.h5'));
    assert.equal(maxDiff(await (other.predict(x) as Tensor).data(), await (model.predict(x) as Tensor).data()), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compile_config and optimizer/vars: the fixture comes back compiled with its Adam state; a compiled Neurite model round-trips and trains on identically', { skip: unavailable(h5pyMissing) }, async () => {
  const warnings: string[] = [];
  const fixtureModel = await nt.loadModel(fixture('keras3', 'divya_mlp.keras'), { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, []);
  assert.equal(fixtureModel.optimizer.getClassName(), 'Adam');
  // Keras 3 interleaves each variable's momentum and velocity: vars/2 and vars/3 belong to dense/kernel.
  const script = 'import sys, zipfile, io, json, h5py, numpy as np; z = zipfile.ZipFile(sys.argv[1]); f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r"); g = f["optimizer/vars"]; print(json.dumps([int(np.array(g["0"])), float(np.abs(np.array(g["2"])).sum()), float(np.abs(np.array(g["3"])).sum())]))';
  const r = spawnSync(PYTHON, ['-c', script, fixture('keras3', 'divya_mlp.keras')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [iterations, m0, v0] = JSON.parse(r.stdout) as number[];
  const state = fixtureModel.optimizer.getWeights();
  const n = fixtureModel.trainableWeights.length;
  assert.equal(state[0].dataSync()[0], iterations);
  const absSum = (x: Tensor): number => Array.from(x.dataSync()).reduce((s, v) => s + Math.abs(v), 0);
  assert.ok(Math.abs(absSum(state[1]) - m0) < 1e-3 * Math.max(1, m0), 'dense/kernel momentum');
  assert.ok(Math.abs(absSum(state[1 + n]) - v0) < 1e-3 * Math.max(1, v0), 'dense/kernel velocity');

  const dir = mkdtempSync(join(tmpdir(), 'neurite-keras3-c-'));
  try {
    const build = (): nt.Model => {
      nt.setSeed(11);
      return new nt.Sequential([new nt.Dense({ inputShape: [4], units: 6, activation: 'relu' }), new nt.Dense({ units: 3, activation: 'softmax' })]);
    };
    const model = build();
    model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = nt.randomNormal([16, 4], { seed: 12 });
    const y = nt.tensor(Array.from({ length: 16 }, (_, i) => i % 3), [16], 'int32');
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    await model.save(join(dir, 'compiled.keras'));
    const layout = pythonLayout(join(dir, 'compiled.keras'));
    assert.deepEqual(layout.datasets['optimizer/vars/0'], []);
    assert.deepEqual(layout.datasets['optimizer/vars/2'], [4, 6], 'the first kernel\'s momentum');
    assert.deepEqual(layout.datasets['optimizer/vars/3'], [4, 6], 'then its velocity');
    assert.equal(Object.keys(layout.datasets).filter((k) => k.startsWith('optimizer/')).length, 2 + 2 * 4);
    const back = await nt.loadModel(join(dir, 'compiled.keras'));
    assert.deepEqual(back.optimizer.getWeights().map((w) => Array.from(w.dataSync())), model.optimizer.getWeights().map((w) => Array.from(w.dataSync())));
    await model.trainOnBatch(x, y);
    await back.trainOnBatch(x, y);
    for (const [i, w] of model.getWeights().entries()) assert.ok(maxDiff(await back.getWeights()[i].data(), await w.data()) < 1e-6, `weight ${i} after one more step`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.keras errors say what the file is: not a ZIP, no config.json, weights of another architecture', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-keras3-e-'));
  try {
    writeFileSync(join(dir, 'plain.keras'), 'hello');
    await assert.rejects(nt.loadModel(join(dir, 'plain.keras')), /is not a ZIP archive, so not a Keras 3 \.keras file/);
    writeFileSync(join(dir, 'other.keras'), nt.io.writeZip([{ name: 'readme.txt', data: new TextEncoder().encode('x') }]));
    await assert.rejects(nt.loadModel(join(dir, 'other.keras')), /without config\.json, so not a Keras 3 \.keras file \(it holds readme\.txt\)/);
    // A model's config with another model's weights.
    const small = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 2 })]);
    const big = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 2 }), new nt.Dense({ units: 2 })]);
    await small.save(join(dir, 'small.keras'));
    await big.save(join(dir, 'big.keras'));
    const files = await nt.io.readZip(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'big.keras')))), 'big');
    const smallFiles = await nt.io.readZip(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'small.keras')))), 'small');
    const mixed = nt.io.writeZip([
      { name: 'metadata.json', data: smallFiles.get('metadata.json') as Uint8Array },
      { name: 'config.json', data: smallFiles.get('config.json') as Uint8Array },
      { name: 'model.weights.h5', data: files.get('model.weights.h5') as Uint8Array },
    ]);
    writeFileSync(join(dir, 'mixed.keras'), mixed);
    await assert.rejects(nt.loadModel(join(dir, 'mixed.keras')), /holds weights model .* has no place for: layers\/dense_1\/vars\/0/);
    // Activation names as Keras 3 reads them: its hard sigmoid is 'hard_sigmoid'; Keras 2's has no Keras 3 name.
    const k3 = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 4, activation: 'hard_sigmoid_keras3' })]);
    await k3.save(join(dir, 'hs3.keras'));
    const hsConfig = new TextDecoder().decode((await nt.io.readZip(new Uint8Array((await import('node:fs')).readFileSync(join(dir, 'hs3.keras'))), 'hs3')).get('config.json'));
    assert.match(hsConfig, /"activation":"hard_sigmoid"/);
    const xs = nt.tensor([[-4, 0.5, 2]]);
    const reloaded = await nt.loadModel(join(dir, 'hs3.keras'));
    assert.equal(maxDiff(await (reloaded.predict(xs) as Tensor).data(), await (k3.predict(xs) as Tensor).data()), 0);
    const k2 = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 4, activation: 'hard_sigmoid' })]);
    await assert.rejects(k2.save(join(dir, 'hs2.keras')), /uses Keras 2's hard_sigmoid, .* which Keras 3 has no name for/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
