import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { argmaxAccuracy, pseudoLabel, selectPseudoLabels } from '../src/unsupervised/index.js';
import { mnistDir } from './helpers/shared.js';

test('selectPseudoLabels: threshold respected (inclusive), labels are the argmax', () => {
  const probs = nt.tensor([
    [0.96, 0.02, 0.02], // kept, class 0
    [0.1, 0.2, 0.7], //   below threshold
    [0.01, 0.01, 0.98], // kept, class 2
    [0.3, 0.4, 0.3], //   below
    [0.0, 0.95, 0.05], // exactly at threshold → kept, class 1
  ]);
  const sel = selectPseudoLabels(probs, 0.95);
  assert.deepEqual(sel.indices, [0, 2, 4]);
  assert.deepEqual(sel.labels, [0, 2, 1]);
  assert.deepEqual(sel.confidences.map((c) => Number(c.toFixed(2))), [0.96, 0.98, 0.95]);
  assert.deepEqual(selectPseudoLabels(probs, 0.99).indices, []);
  assert.deepEqual(selectPseudoLabels(probs, 0).labels, [0, 2, 2, 1, 1]);
  assert.throws(() => selectPseudoLabels(probs, 1.5), /threshold/);
  assert.equal(argmaxAccuracy(probs, [0, 2, 2, 1, 1]), 1);
  assert.equal(argmaxAccuracy(probs, [1, 2, 2, 1, 1]), 0.8);
});

test('pseudoLabel: end to end on real MNIST with 100 labels', async () => {
  const img = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const n = 1300;
  const px = new Float32Array(n * 784);
  for (let i = 0; i < px.length; i++) px[i] = img.data[i] / 255;
  const x = nt.tensor(px, [n, 784]);
  const y = nt.tensor(Int32Array.from(lab.data.subarray(0, n)));
  const part = (a: number, b: number): [nt.Tensor, nt.Tensor] => [nt.slice(x, [a, 0], [b - a, 784]), nt.slice(y, [a], [b - a])];
  const [xl, yl] = part(0, 100);
  const [xu, yu] = part(100, 1000);
  const [xv, yv] = part(1000, 1300);
  const model = new nt.Sequential([
    new nt.Dense({ units: 64, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 1 }) }),
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 2 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const { rounds } = await pseudoLabel(model, {
    xLabeled: xl, yLabeled: yl, xUnlabeled: xu, yUnlabeledTrue: yu, validationData: [xv, yv],
    threshold: 0.9, rounds: 2, fitArgs: { epochs: 15, batchSize: 16, verbose: 0, seed: 1 },
  });
  assert.equal(rounds.length, 3);
  assert.equal(rounds[0].numPseudoLabels, 0);
  assert.equal(rounds[0].pseudoLabelAccuracy, null);
  for (const r of rounds) assert.ok(r.validationAccuracy !== null && r.validationAccuracy > 0.5, JSON.stringify(rounds));
  for (const r of rounds.slice(1)) {
    assert.ok(r.numPseudoLabels > 50 && r.numPseudoLabels <= 900, JSON.stringify(rounds));
    // Confident pseudo-labels are much more accurate than the model on average.
    assert.ok(r.pseudoLabelAccuracy !== null && r.pseudoLabelAccuracy > 0.85, JSON.stringify(rounds));
  }
});

test('pseudoLabel: argument errors name the argument', async () => {
  const model = new nt.Sequential([new nt.Dense({ units: 2, activation: 'softmax', inputShape: [3] })]);
  model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  await assert.rejects(pseudoLabel(model, { xLabeled: nt.zeros([4, 3]), yLabeled: nt.tensor(Int32Array.from([0, 1, 0])), xUnlabeled: nt.zeros([2, 3]) }), /3 labels/);
  await assert.rejects(pseudoLabel(model, { xLabeled: nt.zeros([2, 3]), yLabeled: nt.tensor(Int32Array.from([0, 1])), xUnlabeled: nt.zeros([2, 3]), rounds: -1 }), /rounds/);
});

test('the pseudo-label example runs in smoke mode', async () => {
  const { runPseudoLabel } = await import('../examples/pseudo-label-fashion-mnist.js');
  const r = await runPseudoLabel({ smoke: true, log: () => undefined });
  assert.equal(r.rounds.length, 2);
  assert.ok(r.rounds[1].numPseudoLabels > 0);
  assert.ok(r.accuracyBefore > 0.5 && r.accuracyAfter > 0.5 && r.accuracyLabelsOnlySameEpochs > 0.5);
});
