import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { DBN, RBM } from '../src/unsupervised/index.js';
import { mnistDir } from './helpers/shared.js';

const sigm = (z: number): number => 1 / (1 + Math.exp(-z));

/** A tiny RBM with hand-set, non-trivial parameters. */
function tinyRbm(seed = 3): RBM {
  const rbm = new RBM({ visibleUnits: 4, hiddenUnits: 3, learningRate: 0.5, seed });
  rbm.W = nt.tensor([0.3, -0.7, 1.1, -0.4, 0.9, 0.2, 0.5, 0.05, -1.3, -0.8, 0.6, 0.4], [4, 3]);
  rbm.visibleBias = nt.tensor([0.2, -0.5, 0.1, 0.3]);
  rbm.hiddenBias = nt.tensor([-0.1, 0.4, -0.6]);
  return rbm;
}

function bits(n: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (n >> i) & 1);
}

async function mnist1000(): Promise<{ x: nt.Tensor; y: nt.Tensor }> {
  const img = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const n = 1000;
  const px = new Float32Array(n * 784);
  for (let i = 0; i < px.length; i++) px[i] = img.data[i] / 255 > 0.5 ? 1 : 0;
  return { x: nt.tensor(px, [n, 784]), y: nt.tensor(Int32Array.from(lab.data.subarray(0, n))) };
}

test('free energy equals −log Σ_h exp(−E(v, h)) by brute force, and exp(−F) gives the marginal p(v)', () => {
  const rbm = tinyRbm();
  const W = rbm.W.dataSync(), b = rbm.visibleBias.dataSync(), c = rbm.hiddenBias.dataSync();
  const vs = Array.from({ length: 16 }, (_, i) => bits(i, 4));
  const F = rbm.freeEnergy(nt.tensor(vs.flat(), [16, 4])).dataSync();
  const energy = (v: number[], h: number[]): number => {
    let e = 0;
    for (let i = 0; i < 4; i++) e -= b[i] * v[i];
    for (let j = 0; j < 3; j++) e -= c[j] * h[j];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) e -= v[i] * W[i * 3 + j] * h[j];
    return e;
  };
  const joint: number[][] = vs.map((v) => Array.from({ length: 8 }, (_, k) => Math.exp(-energy(v, bits(k, 3)))));
  const Z = joint.flat().reduce((s, x) => s + x, 0);
  const Zf = Array.from(F).reduce((s, f) => s + Math.exp(-f), 0);
  vs.forEach((v, r) => {
    const marginal = joint[r].reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(F[r] - -Math.log(marginal)) < 1e-5, `F(${v}) = ${F[r]} vs ${-Math.log(marginal)}`);
    assert.ok(Math.abs(Math.exp(-F[r]) / Zf - marginal / Z) < 1e-6);
  });
});

test('CD-1 statistics and update match a hand computation with the same random draws', () => {
  const v0 = [[1, 0, 1, 1], [0, 1, 0, 1], [1, 1, 0, 0]];
  const n = v0.length;
  const hand = tinyRbm(11); // draws its Bernoulli samples from the same seeded stream as `rbm`
  const rbm = tinyRbm(11);
  const W = Array.from(hand.W.dataSync()), b = Array.from(hand.visibleBias.dataSync()), c = Array.from(hand.hiddenBias.dataSync());
  const hProb = (v: number[]): number[] => c.map((cj, j) => sigm(cj + v.reduce((s, vi, i) => s + vi * W[i * 3 + j], 0)));
  const vProb = (h: number[]): number[] => b.map((bi, i) => sigm(bi + h.reduce((s, hj, j) => s + hj * W[i * 3 + j], 0)));
  const h0 = v0.map(hProb);
  const hs = Array.from(hand.sampleBernoulli(nt.tensor(h0.flat(), [n, 3])).dataSync());
  const v1p = Array.from({ length: n }, (_, r) => vProb(hs.slice(r * 3, r * 3 + 3)));
  const v1s = Array.from(hand.sampleBernoulli(nt.tensor(v1p.flat(), [n, 4])).dataSync());
  const v1 = Array.from({ length: n }, (_, r) => v1s.slice(r * 4, r * 4 + 4));
  const h1 = v1.map(hProb);
  const dW = W.map((_, idx) => {
    const i = Math.floor(idx / 3), j = idx % 3;
    let s = 0;
    for (let r = 0; r < n; r++) s += v0[r][i] * h0[r][j] - v1[r][i] * h1[r][j];
    return s / n;
  });
  const stats = rbm.trainBatch(nt.tensor(v0.flat(), [n, 4]));
  assert.deepEqual(Array.from(stats.negativeVisible.dataSync()), v1s);
  Array.from(stats.dW.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - dW[i]) < 1e-6, `dW[${i}] ${x} vs ${dW[i]}`));
  const db = b.map((_, i) => v0.reduce((s, v, r) => s + v[i] - v1[r][i], 0) / n);
  const dc = c.map((_, j) => h0.reduce((s, h, r) => s + h[j] - h1[r][j], 0) / n);
  Array.from(stats.dVisibleBias.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - db[i]) < 1e-6));
  Array.from(stats.dHiddenBias.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - dc[j]) < 1e-6));
  // The update itself: θ ← θ + learningRate · Δ (no momentum, no decay).
  Array.from(rbm.W.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - (W[i] + 0.5 * dW[i])) < 1e-6));
  Array.from(rbm.hiddenBias.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - (c[j] + 0.5 * dc[j])) < 1e-6));
});

test('reconstruction error falls when training on real MNIST (binarised), with seeded reproducibility', async () => {
  const { x } = await mnist1000();
  const make = (): RBM => new RBM({ visibleUnits: 784, hiddenUnits: 64, learningRate: 0.05, k: 1, batchSize: 20, seed: 1, momentum: 0.5 });
  const rbm = make();
  const before = rbm.reconstructionError(x);
  const history = rbm.fit(x, { epochs: 4, verbose: 0 });
  assert.equal(history.reconstructionError.length, 4);
  assert.equal(history.pseudoLikelihood.length, 4);
  assert.ok(history.reconstructionError[0] < before, `${history.reconstructionError[0]} < ${before}`);
  assert.ok(history.reconstructionError[3] < history.reconstructionError[0], history.reconstructionError.join(', '));
  assert.ok(history.reconstructionError[3] < 0.1, `final error ${history.reconstructionError[3]}`);
  assert.ok(history.pseudoLikelihood[3] < 0 && Number.isFinite(history.pseudoLikelihood[3]));
  // Same seed, same run.
  const again = make().fit(x, { epochs: 1 });
  assert.equal(again.reconstructionError[0], history.reconstructionError[0]);
  // The API around it.
  assert.deepEqual(rbm.transform(x).shape, [1000, 64]);
  assert.deepEqual(rbm.reconstruct(x).shape, [1000, 784]);
  const fantasies = rbm.sample(3, 20);
  assert.deepEqual(fantasies.shape, [3, 784]);
  assert.ok(Array.from(fantasies.dataSync()).every((p) => p === 0 || p === 1));
  assert.throws(() => rbm.freeEnergy(nt.zeros([2, 5])), /RBM.freeEnergy: expected a float32 tensor of shape \[n, 784\]; got float32 \[2, 5\]/);
});

test('a persistent chain (PCD) differs from CD, which restarts at the data', async () => {
  const { x } = await mnist1000();
  const opts = { visibleUnits: 784, hiddenUnits: 32, learningRate: 0.05, batchSize: 50, seed: 4 };
  const cd = new RBM({ ...opts, persistent: false });
  const pcd = new RBM({ ...opts, persistent: true });
  const b1 = nt.slice(x, [0, 0], [50, 784]);
  const b2 = nt.slice(x, [50, 0], [50, 784]);
  cd.trainBatch(b1);
  const s1 = pcd.trainBatch(b1);
  // First update: both chains start at the data, so the models agree.
  assert.deepEqual(Array.from(pcd.W.dataSync()), Array.from(cd.W.dataSync()));
  assert.equal(cd.persistentChain, null);
  assert.equal(pcd.persistentChain, s1.negativeVisible);
  // Second update: PCD continues the chain from its fantasy particles, CD restarts at b2.
  const pcdStats = pcd.cdStatistics(b2, pcd.persistentChain ?? b2);
  const cdStats = cd.cdStatistics(b2);
  const pcdDW = pcdStats.dW.dataSync();
  const cdDW = cdStats.dW.dataSync();
  let diff = 0;
  for (let i = 0; i < pcdStats.dW.size; i++) diff += Math.abs(pcdDW[i] - cdDW[i]);
  assert.ok(diff > 1, `PCD and CD gradients should differ (|Δ| = ${diff})`);
  pcd.trainBatch(b2);
  assert.notEqual(pcd.persistentChain, s1.negativeVisible);
  const h = pcd.fit(x, { epochs: 2 });
  assert.ok(h.reconstructionError[1] < 0.15, h.reconstructionError.join(', '));
});

test('a tiny DBN pretrains greedily, fine-tunes as a Keras classifier and beats chance', async () => {
  const { x, y } = await mnist1000();
  const dbn = new DBN({ layerSizes: [784, 64, 32], learningRate: 0.05, batchSize: 20, seed: 2, momentum: 0.5 });
  const histories = dbn.pretrain(x, { epochs: 2 });
  assert.equal(histories.length, 2);
  assert.ok(histories[0].reconstructionError[1] < histories[0].reconstructionError[0] + 1e-3);
  assert.deepEqual(dbn.transform(x).shape, [1000, 32]);
  const model = dbn.toClassifier(10, { seed: 5 });
  // The hidden layers start from the RBM weights.
  assert.deepEqual(Array.from(model.layers[0].getWeights()[0].dataSync()), Array.from(dbn.rbms[0].W.dataSync()));
  assert.deepEqual(Array.from(model.layers[1].getWeights()[1].dataSync()), Array.from(dbn.rbms[1].hiddenBias.dataSync()));
  const xTrain = nt.slice(x, [0, 0], [800, 784]);
  const xTest = nt.slice(x, [800, 0], [200, 784]);
  const yAll = nt.toCategorical(y, 10);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(xTrain, nt.slice(yAll, [0, 0], [800, 10]), { epochs: 10, batchSize: 32, verbose: 0, seed: 1 });
  const [, acc] = (await model.evaluate(xTest, nt.slice(yAll, [800, 0], [200, 10]), { verbose: 0 })) as number[];
  assert.ok(acc > 0.6, `test accuracy ${acc} should beat chance (0.1) clearly`);
  assert.throws(() => new DBN({ layerSizes: [784] }), /DBN: layerSizes must list at least two positive integers/);
});
