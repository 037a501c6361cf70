/**
 * The Transformer examples in smoke size, on their real data (Fashion-MNIST, the fortune
 * files): the Vision Transformer, the Transformer text classifier (on the LSTM example's
 * split) and the causal character-level Transformer language model. Not an engine file:
 * it reads data files from disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { runVit, vit } from '../examples/vit-fashion-mnist.js';
import { fortuneSplit, runTransformerClassifier } from '../examples/transformer-classifier.js';
import { DEFAULT_CLASSES, runTextClassifier } from '../examples/text-classifier.js';
import { generateText, runTransformerLm, transformerLm } from '../examples/transformer-char-lm.js';

const finite = (xs: readonly number[]): boolean => xs.every((v) => Number.isFinite(v));
const quiet = { verbose: 0 as const, log: (): void => {} };

test('ViT: patches become tokens of the right shape; a smoke run learns Fashion-MNIST', async () => {
  const model = vit({ imageSize: 28, channels: 1, patchSize: 4, dim: 32, depth: 1, heads: 4, mlpDim: 64, dropout: 0, classes: 10, seed: 1 });
  assert.deepEqual(model.getLayer('patches').inboundNodes[0].outputs[0].shape, [null, 49, 32], '28/4 = 7, 7 × 7 = 49 patch tokens');
  assert.deepEqual(model.getLayer('position_embedding').getWeights()[0].shape, [49, 32], 'one learned position per patch');
  assert.throws(() => vit({ imageSize: 28, channels: 1, patchSize: 5, dim: 32, depth: 1, heads: 4, mlpDim: 64, dropout: 0, classes: 10, seed: 1 }), /patchSize 5 must divide/);

  const lines: string[] = [];
  const r = await runVit({ smoke: true, epochs: 3, verbose: 0, log: (l) => lines.push(l) });
  const loss = r.history.history.loss;
  assert.equal(loss.length, 3);
  assert.ok(finite(loss) && loss[2] < loss[0], `training loss falls: ${loss.join(' ')}`);
  assert.equal(r.testAccuracies.length, 3, 'one test accuracy per epoch');
  assert.ok(r.testLosses[2] < r.testLosses[0], `test loss falls: ${r.testLosses.join(' ')}`);
  assert.ok(r.testAccuracy > 0.2, `test accuracy ${r.testAccuracy} (chance 0.1)`);
  const probs = r.model.predict(nt.zeros([2, 28, 28, 1])) as nt.Tensor;
  assert.deepEqual(probs.shape, [2, 10]);
  const p = probs.dataSync();
  assert.ok(Math.abs(Array.from(p.slice(0, 10)).reduce((a, b) => a + b, 0) - 1) < 1e-5, 'softmax over the 10 classes');
  assert.ok(lines.some((l) => /^epoch 3: test loss \d\.\d{4}, test accuracy 0\.\d{4}$/.test(l)), 'prints the test accuracy of every epoch');
});

test('Transformer classifier: the LSTM example\'s split; a smoke run learns on held-out fortunes', async () => {
  // Same cookies as examples/text-classifier.ts: a tokenizer fitted on its training texts has the same words and counts.
  const lstm = await runTextClassifier({ perClass: 150, epochs: 1, ...quiet });
  const split = fortuneSplit(DEFAULT_CLASSES, 150, 0.2, 1);
  const mine = new nt.Tokenizer({ numWords: 4000, oovToken: '<OOV>' });
  mine.fitOnTexts(split.trainTexts);
  assert.equal(split.trainTexts.length, lstm.trainSize);
  assert.equal(split.testTexts.length, lstm.testSize);
  assert.deepEqual([...mine.wordCounts], [...lstm.tokenizer.wordCounts]);

  const r = await runTransformerClassifier({ smoke: true, epochs: 3, ...quiet });
  assert.equal(r.trainSize + r.testSize, 300);
  const loss = r.history.history.loss;
  assert.ok(finite(loss) && loss[2] < loss[0], `training loss falls: ${loss.join(' ')}`);
  assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1 && Number.isFinite(r.testLoss));
  const out = r.model.predict(nt.zeros([3, 40], 'int32')) as nt.Tensor;
  assert.deepEqual(out.shape, [3, 1]);
  // Padding is masked: the embedding row of id 0 reaches neither the attention's keys nor the pooled mean.
  const x = nt.tensor([[5, 9, 14, 2, ...new Array<number>(36).fill(0)], [7, ...new Array<number>(39).fill(0)]], [2, 40], 'int32');
  const before = (r.model.predict(x) as nt.Tensor).dataSync();
  const embedding = r.model.getLayer('embedding');
  const weights = embedding.getWeights();
  const table = weights[0].dataSync().slice();
  const dim = weights[0].shape[1];
  for (let j = 0; j < dim; j++) table[j] = 3 * Math.sin(j + 1);
  embedding.setWeights([nt.tensor(table, weights[0].shape), ...weights.slice(1)]);
  const after = (r.model.predict(x) as nt.Tensor).dataSync();
  assert.ok(Math.abs(before[0] - after[0]) < 1e-5 && Math.abs(before[1] - after[1]) < 1e-5, `padding ignored: ${before} vs ${after}`);
  const unmasked = (r.model.predict(nt.tensor([[0, 5, 9, 14, 2, ...new Array<number>(35).fill(0)]], [1, 40], 'int32')) as nt.Tensor).dataSync();
  assert.ok(Number.isFinite(unmasked[0]));
});

test('Transformer char LM: causal (no position sees the future), the loss falls, samples have the requested length', async () => {
  const r = await runTransformerLm({ smoke: true, epochs: 3, sampleLength: 25, temperatures: [0.5, 1], ...quiet });
  assert.ok(Math.abs(r.initialLoss - Math.log(r.vocabulary)) < 0.1, `untrained ≈ uniform: ${r.initialLoss} vs ln ${r.vocabulary}`);
  assert.equal(r.losses.length, 3);
  assert.equal(r.valLosses.length, 3);
  assert.ok(finite(r.losses) && finite(r.valLosses), 'finite losses');
  assert.ok(r.losses[2] < r.losses[0] && r.losses[0] < r.initialLoss, `training loss falls: ${r.initialLoss} → ${r.losses.join(' → ')}`);
  assert.ok(r.valLosses[2] < r.valLosses[0], `held-out loss falls: ${r.valLosses.join(' → ')}`);
  assert.equal(r.samplesAfter.length, 2);
  for (const s of r.samplesAfter) assert.equal(Array.from(s).length, 25);
  const known = new Set(r.tokenizer.wordIndex.keys());
  assert.ok(r.samplesAfter.every((s) => Array.from(s).every((c) => known.has(c))), 'samples use the text\'s characters only');

  // Causality: changing the last character changes no earlier position's prediction.
  const T = 16;
  const a = Array.from({ length: T }, (_, i) => 1 + (i % (r.vocabulary - 1)));
  const b = [...a.slice(0, T - 1), a[T - 1] === 1 ? 2 : 1];
  const pa = (r.model.predict(nt.tensor([a], [1, T], 'int32')) as nt.Tensor).dataSync();
  const pb = (r.model.predict(nt.tensor([b], [1, T], 'int32')) as nt.Tensor).dataSync();
  const V = r.vocabulary;
  let before = 0;
  for (let i = 0; i < (T - 1) * V; i++) before = Math.max(before, Math.abs(pa[i] - pb[i]));
  let last = 0;
  for (let i = (T - 1) * V; i < T * V; i++) last = Math.max(last, Math.abs(pa[i] - pb[i]));
  assert.ok(before < 1e-6 && last > 1e-4, `earlier positions unchanged (${before}), the last one changes (${last})`);

  // A seed shorter than a window generates too (padded at the end, read at its last real position).
  const fresh = transformerLm({ vocabulary: V, seqLength: T, dim: 8, heads: 2, depth: 1, mlpDim: 16, dropout: 0, seed: 2 });
  const texts = generateText(fresh, r.tokenizer, 'the', [1], 20, T, new nt.Rng(3));
  assert.equal(Array.from(texts[0]).length, 20);
});
