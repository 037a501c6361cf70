/**
 * The two text examples on their real data (Debian packages fortunes / fortunes-min),
 * with small settings: the classifier must beat chance on held-out cookies, the
 * character model must beat a unigram model on held-out text and write text that looks
 * like the training text's characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { runTextClassifier } from '../examples/text-classifier.js';
import { loadText, makeWindows, runCharLm, sampleWithTemperature } from '../examples/char-lm.js';

test('text classifier: Tokenizer + padSequences + Embedding(maskZero) + LSTM beats chance on held-out fortunes', async () => {
  const lines: string[] = [];
  const r = await runTextClassifier({ perClass: 800, epochs: 3, verbose: 0, log: (l) => lines.push(l) });
  assert.equal(r.trainSize + r.testSize, 1600);
  assert.ok(r.baseline < 0.6, `balanced classes: majority baseline ${r.baseline}`);
  assert.ok(r.testAccuracy > 0.75, `held-out accuracy ${r.testAccuracy} (chance ≈ ${r.baseline.toFixed(2)})`);
  const loss = r.history.history.loss;
  assert.ok(loss[loss.length - 1] < loss[0], `training loss falls: ${loss.map((v) => v.toFixed(3)).join(' ')}`);
  assert.ok(r.vocabulary <= 4000 && r.tokenizer.wordIndex.get('<OOV>') === 1, 'oov token at index 1, ids below numWords');
  assert.ok(lines.some((l) => /test accuracy 0\.\d{4}/.test(l)), 'prints the held-out accuracy');
});

/** Cross-entropy (nats) of a text under its own character frequencies: the best a model without context can do. */
function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / text.length) * Math.log(n / text.length);
  return h;
}

test('char LM: the loss falls below a unigram model on held-out text, and the samples use the text\'s common characters', async () => {
  const options = { source: 'literature', maxChars: 12000, epochs: 4, units: 64, learningRate: 0.02, sampleLength: 60, temperatures: [0.2], verbose: 0 as const, log: (): void => {} };
  const r = await runCharLm(options);
  const text = loadText('literature').slice(0, options.maxChars);
  const h = unigramEntropy(text);
  assert.ok(Math.abs(r.initialLoss - Math.log(r.vocabulary)) < 0.1, `untrained ≈ uniform: ${r.initialLoss} vs ln ${r.vocabulary}`);
  const val = r.valLosses;
  assert.equal(val.length, 4);
  assert.ok(r.losses[3] < r.losses[0] && val[3] < val[0], `losses fall: train ${r.losses.join(' ')}, held-out ${val.join(' ')}`);
  assert.ok(val[3] < h - 0.3, `held-out loss ${val[3].toFixed(3)} beats the unigram entropy ${h.toFixed(3)} (uses context)`);

  const common = new Set([...r.tokenizer.wordIndex.keys()].slice(0, 10));
  const share = (s: string): number => Array.from(s).filter((c) => common.has(c)).length / Math.max(1, Array.from(s).length);
  assert.equal(Array.from(r.samplesAfter[0]).length, 60);
  assert.ok(share(r.samplesAfter[0]) > 0.5 && share(r.samplesAfter[0]) > share(r.samplesBefore[0]) + 0.2, `trained sample ${JSON.stringify(r.samplesAfter[0])} (${share(r.samplesAfter[0])}) vs untrained ${JSON.stringify(r.samplesBefore[0])} (${share(r.samplesBefore[0])})`);
});

test('char LM helpers: next-character windows and temperature sampling', () => {
  const [x, y] = makeWindows([1, 2, 3, 4, 5, 6, 7], 3, 2);
  assert.deepEqual(x.toArray(), [[1, 2, 3], [3, 4, 5]]);
  assert.deepEqual(y.toArray(), [[2, 3, 4], [4, 5, 6]]);
  assert.throws(() => makeWindows([1, 2], 3, 1), /shorter than one window/);

  const rng = new nt.Rng(5);
  const probs = [0.9, 0.1, 0.3, 0.6];
  const draws = (t: number): number[] => Array.from({ length: 2000 }, () => sampleWithTemperature(probs, t, rng));
  assert.ok(draws(0.05).every((i) => i === 3), 'a low temperature picks the most likely id; the reserved id 0 never');
  const counts = [0, 0, 0, 0];
  for (const i of draws(1)) counts[i]++;
  assert.equal(counts[0], 0);
  // Temperature 1 draws in proportion to [0.1, 0.3, 0.6]: expected 200, 600, 1200 of 2000.
  assert.ok(Math.abs(counts[1] - 200) < 60 && Math.abs(counts[2] - 600) < 90 && Math.abs(counts[3] - 1200) < 100, `counts ${counts.join(' ')}`);
  assert.throws(() => sampleWithTemperature(probs, 0, rng), /temperature must be > 0/);
});
