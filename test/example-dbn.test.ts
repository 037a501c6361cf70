import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDbn } from '../examples/dbn-fashion-mnist.js';

test('the DBN example runs in smoke mode: reconstruction error falls for each RBM, both classifiers beat chance', async () => {
  const lines: string[] = [];
  const r = await runDbn({ smoke: true, log: (l) => lines.push(l) });
  assert.equal(r.pretraining.length, 2, 'one history per RBM');
  for (const h of r.pretraining) {
    const e = h.reconstructionError;
    assert.ok(e[e.length - 1] < e[0], `reconstruction error falls: ${e.join(', ')}`);
  }
  assert.ok(r.pretrainedAccuracy > 0.3 && r.randomInitAccuracy > 0.3, `accuracies ${r.pretrainedAccuracy}, ${r.randomInitAccuracy} (chance 0.1)`);
  assert.ok(lines.length > 0);
});
