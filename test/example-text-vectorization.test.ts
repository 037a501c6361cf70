/**
 * examples/text-vectorization.ts on the real fortune cookies (Debian's `fortunes`), small:
 * a model that takes raw strings (TextVectorization inside) beats chance on held-out cookies
 * in both modes, and its saved .keras file gives the same predictions on raw text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTextVectorization } from '../examples/text-vectorization.js';

for (const mode of ['int', 'tf_idf'] as const) {
  test(`TextVectorization (${mode}) inside the model: held-out accuracy above chance, the vocabulary saved with it`, async () => {
    const lines: string[] = [];
    const r = await runTextVectorization({ mode, perClass: 400, epochs: 3, verbose: 0, log: (l) => lines.push(l) });
    assert.equal(r.trainSize + r.testSize, 800);
    assert.ok(r.testAccuracy > r.baseline + 0.15, `held-out accuracy ${r.testAccuracy} vs majority baseline ${r.baseline}`);
    const loss = r.history.history.loss;
    assert.ok(loss[loss.length - 1] < loss[0], `training loss falls: ${loss.map((v) => v.toFixed(3)).join(' ')}`);
    assert.ok(r.vocabularySize > 1000, `vocabulary ${r.vocabularySize}`);
    assert.ok(r.reloadDifference < 1e-6, `reloaded model's predictions differ by ${r.reloadDifference}`);
    assert.ok(lines.some((l) => /test accuracy 0\.\d{4}/.test(l)), 'prints the held-out accuracy');
  });
}
