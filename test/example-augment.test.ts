import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAugmented } from '../examples/cnn-augmented-directory.js';
import { CLASS_DIRS } from '../examples/write-fashion-mnist-pngs.js';

test('the augmented flowFromDirectory example writes a PNG tree and trains on it with checkpoints', async () => {
  const root = mkdtempSync(join(tmpdir(), 'neurite-augment-example-'));
  try {
    const lines: string[] = [];
    const { history, valAccuracy } = await runAugmented({ epochs: 2, perClass: 40, testPerClass: 10, batchSize: 32, dir: join(root, 'png'), checkpointDir: join(root, 'ckpt'), verbose: 0, log: (l) => lines.push(l) });
    for (const name of CLASS_DIRS) {
      assert.equal(readdirSync(join(root, 'png', 'train', name)).length, 40, `train/${name}`);
      assert.equal(readdirSync(join(root, 'png', 'test', name)).length, 10, `test/${name}`);
    }
    assert.equal(history.history.val_accuracy.length, 2);
    assert.ok(valAccuracy > 0.3, `better than chance (0.1) after 2 short epochs: ${valAccuracy}`);
    assert.ok(readdirSync(join(root, 'ckpt')).some((f) => /^model-checkpoint-0[12]-0\.\d\d\.weights$/.test(f)), 'a checkpoint named by the template');
    assert.ok(lines.some((l) => l.includes('validation accuracy after 2 epochs')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
