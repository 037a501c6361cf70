/**
 * The callbacks inside real model.fit runs: a small Dense network on the first 2000 images
 * of the MNIST test set (1500 train, 500 validation). Judged by effect: files on disk that
 * load back into identical models, the epoch training stopped at, the weights left in the
 * model, the optimizer's learning rate, the CSV's numbers against the History.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { mnistDir } from './helpers/shared.js';
import { CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint, ReduceLROnPlateau, type History } from '../src/callbacks/index.js';
import { loadModel, Sequential } from '../src/models/index.js';
import { Dense } from '../src/layers/index.js';
import { Adam, SGD } from '../src/optimizers/index.js';


interface Data {
  x: nt.Tensor;
  y: nt.Tensor;
  xVal: nt.Tensor;
  yVal: nt.Tensor;
}

let cached: Data | null = null;
async function data(): Promise<Data> {
  if (cached) return cached;
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const labels = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const n = 2000;
  const train = 1500;
  const x = Float32Array.from(images.data.subarray(0, n * 784), (v) => v / 255);
  const y = Float32Array.from(labels.data.subarray(0, n));
  cached = {
    x: nt.tensor(x.subarray(0, train * 784), [train, 784]),
    y: nt.tensor(y.subarray(0, train), [train]),
    xVal: nt.tensor(x.subarray(train * 784), [n - train, 784]),
    yVal: nt.tensor(y.subarray(train), [n - train]),
  };
  return cached;
}

function makeModel(seed: number, optimizer: Adam | SGD = new Adam({ learningRate: 0.01 })): Sequential {
  nt.setSeed(seed);
  const model = new Sequential([new Dense({ units: 64, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'neurite-callbacks-fit-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Records the weights at every epoch end (place it before callbacks that change them). */
function weightRecorder(model: Sequential): { cb: LambdaCallback; snapshots: nt.Tensor[][] } {
  const snapshots: nt.Tensor[][] = [];
  return { cb: new LambdaCallback({ onEpochEnd: () => void snapshots.push(model.getWeights()) }), snapshots };
}

function sameTensors(a: readonly nt.Tensor[], b: readonly nt.Tensor[], what: string): void {
  assert.equal(a.length, b.length, `${what}: count`);
  a.forEach((t, i) => {
    assert.deepEqual(t.shape, b[i].shape, `${what}[${i}] shape`);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(b[i].dataSync()), `${what}[${i}] values`);
  });
}

/** Epochs whose value beat every earlier one (strictly lower), as saveBestOnly/min decides. */
function improvingEpochs(values: readonly number[]): number[] {
  let best = Infinity;
  const out: number[] = [];
  values.forEach((v, e) => {
    if (v < best) {
      best = v;
      out.push(e);
    }
  });
  return out;
}

test('ModelCheckpoint(saveBestOnly) in fit: one file per improving epoch; the best one loads back into an identical model', async () => {
  const d = await data();
  await withTempDir(async (dir) => {
    const model = makeModel(1);
    const rec = weightRecorder(model);
    const filepath = join(dir, 'ckpt', 'model.{epoch:02d}-{val_loss:.4f}.nw');
    const history: History = await model.fit(d.x, d.y, { epochs: 8, batchSize: 64, validationData: [d.xVal, d.yVal], verbose: 0, seed: 3, callbacks: [new ModelCheckpoint({ filepath, saveBestOnly: true }), rec.cb] });
    const valLoss = history.history.val_loss;
    assert.equal(valLoss.length, 8);
    const improving = improvingEpochs(valLoss);
    assert.ok(improving.length < 8, `the run should have at least one non-improving epoch (val_loss ${valLoss.join(', ')})`);
    const expectedFiles = improving.map((e) => `model.${String(e + 1).padStart(2, '0')}-${valLoss[e].toFixed(4)}.nw`).sort();
    assert.deepEqual((await readdir(join(dir, 'ckpt'))).sort(), expectedFiles);

    const best = improving[improving.length - 1];
    const bestFile = join(dir, 'ckpt', expectedFiles.find((f) => f.startsWith(`model.${String(best + 1).padStart(2, '0')}-`)) as string);
    const loaded = await loadModel(bestFile);
    sameTensors(loaded.getWeights(), rec.snapshots[best], 'loaded weights vs the best epoch');
    model.setWeights(rec.snapshots[best]);
    const expected = model.predict(d.xVal) as nt.Tensor;
    const got = loaded.predict(d.xVal) as nt.Tensor;
    assert.deepEqual(Array.from(got.dataSync()), Array.from(expected.dataSync()));
    const last = rec.snapshots[7];
    assert.notDeepEqual(Array.from(last[0].dataSync()), Array.from(rec.snapshots[best][0].dataSync()), 'the last weights differ from the best');
  });
});

test('ModelCheckpoint(saveWeightsOnly) in fit: weights load into a new model of the same architecture', async () => {
  const d = await data();
  await withTempDir(async (dir) => {
    const model = makeModel(2);
    const rec = weightRecorder(model);
    const path = join(dir, 'best.weights.nw');
    const history = await model.fit(d.x, d.y, { epochs: 5, batchSize: 64, validationData: [d.xVal, d.yVal], verbose: 0, seed: 4, callbacks: [new ModelCheckpoint({ filepath: path, monitor: 'val_accuracy', saveBestOnly: true, saveWeightsOnly: true }), rec.cb] });
    const acc = history.history.val_accuracy;
    let bestEpoch = 0;
    acc.forEach((v, e) => {
      if (v > acc[bestEpoch]) bestEpoch = e;
    });
    const fresh = makeModel(99);
    assert.notDeepEqual(Array.from(fresh.getWeights()[0].dataSync()), Array.from(rec.snapshots[bestEpoch][0].dataSync()));
    await fresh.loadWeights(path);
    sameTensors(fresh.getWeights(), rec.snapshots[bestEpoch], 'loaded weights vs the max val_accuracy epoch');
    model.setWeights(rec.snapshots[bestEpoch]);
    assert.deepEqual(Array.from((fresh.predict(d.xVal) as nt.Tensor).dataSync()), Array.from((model.predict(d.xVal) as nt.Tensor).dataSync()));
  });
});

test('EarlyStopping in fit stops at the right epoch and restores the best weights', async () => {
  const d = await data();
  const model = makeModel(1);
  const rec = weightRecorder(model);
  const patience = 2;
  const es = new EarlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true });
  const history = await model.fit(d.x, d.y, { epochs: 40, batchSize: 64, validationData: [d.xVal, d.yVal], verbose: 0, seed: 3, callbacks: [rec.cb, es] });
  const v = history.history.val_loss;
  // The rule, replayed on the History: stop at the first epoch whose loss does not beat
  // the best so far when `patience` epochs have passed since the best.
  let best = Infinity;
  let bestEpoch = -1;
  let stop = -1;
  for (let e = 0; e < v.length && stop < 0; e++) {
    if (v[e] < best) {
      best = v[e];
      bestEpoch = e;
    } else if (e - bestEpoch >= patience) stop = e;
  }
  assert.ok(stop > 0 && stop < 39, `training should stop early (val_loss ${v.map((x) => x.toFixed(4)).join(', ')})`);
  assert.equal(history.epoch.length, stop + 1, 'no epoch after the stop');
  assert.equal(es.stoppedEpoch, stop);
  assert.equal(es.bestEpoch, bestEpoch);
  sameTensors(model.getWeights(), rec.snapshots[bestEpoch], 'weights after fit vs the best epoch');
  sameTensors(es.bestWeights as nt.Tensor[], rec.snapshots[bestEpoch], 'bestWeights');
});

test('ReduceLROnPlateau in fit lowers the optimizer\'s learning rate, and the next epochs use it', async () => {
  const d = await data();
  const optimizer = new SGD({ learningRate: 0.2 });
  const model = makeModel(5, optimizer);
  // minDelta larger than any loss: only the first epoch counts as an improvement.
  const cb = new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 100, minLr: 0.03 });
  const history = await model.fit(d.x, d.y, { epochs: 5, batchSize: 100, verbose: 0, seed: 1, callbacks: [cb] });
  assert.deepEqual(history.history.lr, [0.2, 0.2, 0.1, 0.05, 0.03]);
  assert.equal(optimizer.learningRate, 0.03);
  assert.equal(model.optimizer.learningRate, 0.03);

  // On a real plateau of val_loss: the rate after each epoch follows the History.
  const model2 = makeModel(1);
  const lrs: number[] = [];
  const probe = new LambdaCallback({ onEpochEnd: () => void lrs.push(model2.optimizer.learningRate) });
  const h2 = await model2.fit(d.x, d.y, { epochs: 8, batchSize: 64, validationData: [d.xVal, d.yVal], verbose: 0, seed: 3, callbacks: [new ReduceLROnPlateau({ factor: 0.5, patience: 1, minDelta: 0 }), probe] });
  let lr = 0.01;
  let bestV = Infinity;
  let wait = 0;
  const expected = h2.history.val_loss.map((v) => {
    if (v < bestV) {
      bestV = v;
      wait = 0;
    } else if (++wait >= 1) {
      lr *= 0.5;
      wait = 0;
    }
    return lr;
  });
  assert.ok(expected[7] < 0.01, `val_loss should plateau at least once (${h2.history.val_loss.join(', ')})`);
  assert.deepEqual(lrs, expected);
  assert.deepEqual(h2.history.lr.slice(1), expected.slice(0, 7), 'each epoch ran with the rate set at the end of the previous one');
});

test('CSVLogger in fit writes the History\'s numbers', async () => {
  const d = await data();
  await withTempDir(async (dir) => {
    const model = makeModel(3);
    const file = join(dir, 'training.csv');
    const history = await model.fit(d.x, d.y, { epochs: 3, batchSize: 100, validationData: [d.xVal, d.yVal], verbose: 0, seed: 2, callbacks: [new CSVLogger(file)] });
    const text = await readFile(file, 'utf8');
    assert.ok(text.endsWith('\r\n'));
    const rows = text.slice(0, -2).split('\r\n').map((l) => l.split(','));
    const keys = Object.keys(history.history).sort();
    assert.deepEqual(keys, ['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    assert.deepEqual(rows[0], ['epoch', ...keys]);
    assert.equal(rows.length, 4);
    history.epoch.forEach((e, i) => {
      assert.equal(rows[i + 1][0], String(e));
      keys.forEach((k, j) => assert.equal(Number(rows[i + 1][j + 1]), history.history[k][i], `epoch ${e} ${k}`));
    });
  });
});
