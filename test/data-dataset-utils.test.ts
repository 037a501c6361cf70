/**
 * Keras' dataset utilities: timeseriesDatasetFromArray's windows and targets (Keras'
 * docstring examples), imageDatasetFromDirectory and textDatasetFromDirectory on folders
 * written here (labels inferred from the class folders, label modes, the validation split
 * without overlap, batches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { timeseriesDatasetFromArray, imageDatasetFromDirectory, imageDatasetsFromDirectory, textDatasetFromDirectory } = nt.data;

test('timeseriesDatasetFromArray: windows data[s + p + k·rate], target targets[s + p] (Keras\' examples)', async () => {
  // Keras: data = arange(100), sequence_length 10, sampling_rate 2, targets data[offset:]: the first window is [0, 2, …, 18] and its target 20.
  const data = nt.tensor(Array.from({ length: 100 }, (_, i) => i));
  const offset = 20;
  const targets = nt.tensor(Array.from({ length: 100 }, (_, i) => (i + offset < 100 ? i + offset : -1)));
  const ds = timeseriesDatasetFromArray(nt.slice(data, [0], [100 - offset]), nt.slice(targets, [0], [100 - offset]), { sequenceLength: 10, samplingRate: 2, batchSize: 16 });
  const [x, y] = (await ds.toArray())[0] as unknown as [Tensor, Tensor];
  assert.deepEqual(x.shape, [16, 10]);
  assert.deepEqual(Array.from(x.dataSync().slice(0, 10)), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  assert.equal(y.dataSync()[0], 20);
  // Windows of 3 with stride 2 from startIndex 1 to endIndex 9, no targets, unbatched: starts 1, 3, 5.
  const w = await timeseriesDatasetFromArray(data, null, { sequenceLength: 3, sequenceStride: 2, startIndex: 1, endIndex: 9, batchSize: null }).toArray();
  assert.deepEqual(w.map((t) => Array.from((t as Tensor).dataSync())), [[1, 2, 3], [3, 4, 5], [5, 6, 7]]);
  // Shuffled: the same windows in another order, each with its own target.
  const sh = await timeseriesDatasetFromArray(data, data, { sequenceLength: 4, batchSize: null, shuffle: true, seed: 3 }).toArray();
  const starts = sh.map((e) => (e as Tensor[])[0].dataSync()[0]);
  assert.deepEqual([...starts].sort((a, b) => a - b), Array.from({ length: 97 }, (_, i) => i));
  assert.notDeepEqual(starts, [...starts].sort((a, b) => a - b));
  for (const e of sh) assert.equal((e as Tensor[])[1].dataSync()[0], (e as Tensor[])[0].dataSync()[0]);
  assert.throws(() => timeseriesDatasetFromArray(data, null, { sequenceLength: 0 }), /sequenceLength must be a positive integer/);
});

test('imageDatasetFromDirectory: labels from class folders, label modes, a validation split without overlap, batches of float32 0–255 images', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-imgds-'));
  try {
    // 3 classes × 4 PNGs; each image's value encodes its class and index.
    for (const [k, cls] of ['cat', 'dog', 'emu'].entries()) {
      mkdirSync(join(dir, cls));
      for (let i = 0; i < 4; i++) await nt.saveImg(join(dir, cls, `${i}.png`), nt.fill([6, 5, 3], 40 * k + 10 * i), { scale: false });
    }
    writeFileSync(join(dir, 'cat', 'notes.txt'), 'not an image');
    const ds = imageDatasetFromDirectory(dir, { imageSize: [6, 5], batchSize: 5, shuffle: false });
    assert.deepEqual(ds.classNames, ['cat', 'dog', 'emu']);
    const batches = (await ds.toArray()) as unknown as [Tensor, Tensor][];
    assert.deepEqual(batches.map(([x, y]) => [x.shape, y.shape]), [[[5, 6, 5, 3], [5]], [[5, 6, 5, 3], [5]], [[2, 6, 5, 3], [2]]]);
    const labels = batches.flatMap(([, y]) => Array.from(y.dataSync()));
    const values = batches.flatMap(([x]) => Array.from({ length: x.shape[0] }, (_, b) => x.dataSync()[b * 90]));
    assert.deepEqual(labels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    assert.deepEqual(values, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    // categorical and binary label modes; binary needs two classes.
    const cat = (await imageDatasetFromDirectory(dir, { imageSize: [6, 5], labelMode: 'categorical', batchSize: 12, shuffle: false }).toArray())[0] as unknown as Tensor[];
    assert.deepEqual(Array.from(cat[1].dataSync().slice(0, 6)), [1, 0, 0, 1, 0, 0]);
    assert.throws(() => imageDatasetFromDirectory(dir, { imageSize: [6, 5], labelMode: 'binary' }), /labelMode 'binary' needs exactly 2 classes; found 3/);
    // A seeded split: training and validation never share a file; together they are everything.
    const [train, val] = imageDatasetsFromDirectory(dir, { imageSize: [6, 5], validationSplit: 0.25, subset: 'both', seed: 7, batchSize: null });
    const seen = async (d: nt.data.Dataset<nt.data.Element>): Promise<number[]> => (await d.toArray()).map((e) => (e as Tensor[])[0].dataSync()[0]);
    const [a, b] = [await seen(train), await seen(val)];
    assert.equal(b.length, 3);
    assert.deepEqual([...a, ...b].sort((p, q) => p - q), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    assert.throws(() => imageDatasetFromDirectory(dir, { validationSplit: 0.2, subset: 'training' }), /give a seed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('textDatasetFromDirectory: the .txt files of each class folder as strings with their labels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-textds-'));
  try {
    for (const [cls, texts] of [['neg', ['bad', 'awful']], ['pos', ['good', 'great', 'fine']]] as const) {
      mkdirSync(join(dir, cls));
      texts.forEach((t, i) => writeFileSync(join(dir, cls, `${i}.txt`), t));
    }
    const ds = textDatasetFromDirectory(dir, { batchSize: 10, shuffle: false });
    const [[texts, labels]] = (await ds.toArray()) as unknown as [nt.StringTensor, Tensor][];
    assert.deepEqual(texts.toArray(), ['bad', 'awful', 'good', 'great', 'fine']);
    assert.deepEqual(Array.from(labels.dataSync()), [0, 0, 1, 1, 1]);
    assert.deepEqual(ds.classNames, ['neg', 'pos']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
