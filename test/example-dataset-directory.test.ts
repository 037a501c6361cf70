/**
 * The imageDatasetFromDirectory example on real Fashion-MNIST PNGs, in its smoke
 * configuration: the Dataset gives raw 0–255 batches split 80/20 with a seed, the model
 * (preprocessing layers + mnist_cnn) learns beyond chance in one short epoch, and the model
 * saved as .keras comes back with its preprocessing layers and the same predictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDatasetDirectory, SMOKE_OPTIONS } from '../examples/cnn-dataset-directory.js';
import { CLASS_DIRS } from '../examples/write-fashion-mnist-pngs.js';

test('imageDatasetFromDirectory example: PNG folders → Dataset → preprocessing layers in the model → fit, evaluate, .keras round trip', async () => {
  const root = mkdtempSync(join(tmpdir(), 'neurite-dataset-directory-'));
  try {
    const lines: string[] = [];
    const r = await runDatasetDirectory({ ...SMOKE_OPTIONS, seed: 1, dir: join(root, 'png'), saveDir: join(root, 'save'), log: (l) => lines.push(l) });
    for (const name of CLASS_DIRS) assert.equal(readdirSync(join(root, 'png', 'train', name)).length, 50, `train/${name}`);
    assert.deepEqual(r.classNames, [...CLASS_DIRS].sort(), 'class folders in sorted order, as Keras');

    // Raw pixels and int labels; 500 training PNGs → 400 training + 100 validation (batches of 16).
    assert.deepEqual([r.batch.images, r.batch.imageDtype, r.batch.labels, r.batch.labelDtype], [[16, 28, 28, 1], 'float32', [16], 'int32']);
    assert.ok(r.batch.min >= 0 && r.batch.max <= 255 && r.batch.max > 100, `pixels 0–255, not rescaled: ${r.batch.min}–${r.batch.max}`);
    assert.deepEqual(r.steps, { train: 25, val: 7 });
    assert.equal(r.testSamples, 100);

    assert.equal(r.history.history.loss.length, 1);
    assert.ok(r.testAccuracy > 0.25 && r.valAccuracy > 0.25, `above chance (0.1) after one short epoch: test ${r.testAccuracy}, validation ${r.valAccuracy}`);

    // The preprocessing travels inside the saved model: same layers, same predictions on raw pixels.
    assert.ok(readdirSync(join(root, 'save')).includes('cnn-dataset-directory.keras'));
    assert.deepEqual(r.reloadedLayers.slice(0, 5), ['Rescaling', 'RandomFlip', 'RandomTranslation', 'RandomZoom', 'Conv2D']);
    assert.ok(Math.abs((r.reloaded.layers[0].getConfig().scale as number) - 1 / 255) < 1e-9, 'Rescaling(1/255) restored');
    assert.ok(r.reloadMaxDiff < 1e-6, `reloaded predictions equal: max |Δp| ${r.reloadMaxDiff}`);
    assert.ok(Math.abs(r.reloadedTestAccuracy - r.testAccuracy) < 1e-6, `argmax of the reloaded model's predictions ${r.reloadedTestAccuracy} = evaluate's accuracy ${r.testAccuracy}`);
    assert.ok(lines.some((l) => /test accuracy 0\.\d{4} on 100 test PNGs/.test(l)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
