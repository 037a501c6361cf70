/**
 * CIFAR-10 / CIFAR-100 loaders on archives in the real binary format, built here with the
 * system tar from records whose pixel planes are real Fashion-MNIST images (padded to
 * 32x32) and whose labels are known; served by a local server or found on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nt from '../src/index.js';
import { listFiles, removeDir, sendBytes, startServer, tempDir } from './helpers/datasets-server.js';

const FASHION_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const fashion = gunzipSync(readFileSync(FASHION_IMAGES)).subarray(16);

/** Fashion-MNIST test image `i` (28x28) centred in a 32x32 plane. */
function plane(i: number): Uint8Array {
  const out = new Uint8Array(1024);
  for (let r = 0; r < 28; r++) out.set(fashion.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), (r + 2) * 32 + 2);
  return out;
}

/** Record k's planes: R = image k, G = image k + 100, B = 255 - image k. */
function planes(k: number): [Uint8Array, Uint8Array, Uint8Array] {
  const red = plane(k);
  return [red, plane(k + 100), red.map((v) => 255 - v)];
}

function records(keys: readonly number[], labels: (k: number) => number[]): Uint8Array {
  const parts = keys.flatMap((k) => [Uint8Array.from(labels(k)), ...planes(k)]);
  return Buffer.concat(parts);
}

const TRAIN_KEYS = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]];
const TEST_KEYS = [20, 21, 22];
const label10 = (k: number): number => (k * 3 + 1) % 10;
const coarse = (k: number): number => (k * 7) % 20;
const fine = (k: number): number => (k * 37 + 5) % 100;

/** Writes the extracted CIFAR-10 folder under `dir`. */
function writeCifar10(dir: string): void {
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  TRAIN_KEYS.forEach((keys, b) => writeFileSync(join(folder, `data_batch_${b + 1}.bin`), records(keys, (k) => [label10(k)])));
  writeFileSync(join(folder, 'test_batch.bin'), records(TEST_KEYS, (k) => [label10(k)]));
  writeFileSync(join(folder, 'batches.meta.txt'), 'airplane\nautomobile\n');
}

function writeCifar100(dir: string): void {
  const folder = join(dir, 'cifar-100-binary');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'train.bin'), records([0, 1, 2, 3], (k) => [coarse(k), fine(k)]));
  writeFileSync(join(folder, 'test.bin'), records([30, 31], (k) => [coarse(k), fine(k)]));
}

/** tar -czf `name` of the one sub-folder of `dir`; returns the archive bytes. */
function tarGz(dir: string, folder: string, name: string): Buffer {
  execFileSync('tar', ['-czf', join(dir, name), '-C', dir, folder]);
  return readFileSync(join(dir, name));
}

/** x[n, row, col, channel] must equal the plane pixel of record `keys[n]`. */
function checkPixels(x: nt.Tensor, keys: readonly number[]): void {
  assert.deepEqual(x.shape, [keys.length, 32, 32, 3]);
  assert.equal(x.dtype, 'int32');
  const xv = x.dataSync();
  keys.forEach((k, n) => {
    const p = planes(k);
    for (let i = 0; i < 1024; i++) {
      for (let c = 0; c < 3; c++) {
        if (xv[(n * 1024 + i) * 3 + c] !== p[c][i]) assert.fail(`record ${n}: pixel ${i} channel ${c} is ${xv[(n * 1024 + i) * 3 + c]}, expected ${p[c][i]}`);
      }
    }
  });
  // One pixel by hand: record 0, row 14, column 15 is (12, 13) of Fashion image keys[0] in red, of image keys[0] + 100 in green.
  const at = (image: number): number => fashion[image * 784 + 12 * 28 + 13];
  assert.equal(x.dataSync()[((0 * 32 + 14) * 32 + 15) * 3 + 0], at(keys[0]));
  assert.equal(x.dataSync()[((0 * 32 + 14) * 32 + 15) * 3 + 1], at(keys[0] + 100));
  assert.equal(x.dataSync()[((0 * 32 + 14) * 32 + 15) * 3 + 2], 255 - at(keys[0]));
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

test('cifar10.loadData downloads a real-format .tar.gz from a mirror, transposes to NHWC, then reads the cache', async () => {
  const work = tempDir('cifar10');
  const cache = tempDir('cifar10-cache');
  writeCifar10(work);
  const archive = tarGz(work, 'cifar-10-batches-bin', 'cifar-10-binary.tar.gz');
  const server = await startServer({ '/c10/cifar-10-binary.tar.gz': sendBytes(archive) });
  try {
    const options = { cacheDir: cache, baseUrl: `${server.url}/c10`, checksums: { 'cifar-10-binary.tar.gz': md5(archive) }, verbose: false };
    const [[x, y], [xt, yt]] = await nt.datasets.cifar10.loadData(options);
    checkPixels(x, TRAIN_KEYS.flat());
    checkPixels(xt, TEST_KEYS);
    assert.deepEqual([y.shape, yt.shape], [[10, 1], [3, 1]]);
    assert.deepEqual(Array.from(y.dataSync()), TRAIN_KEYS.flat().map(label10));
    assert.deepEqual(Array.from(yt.dataSync()), TEST_KEYS.map(label10));
    assert.deepEqual(listFiles(cache), ['cifar-10/cifar-10-binary.tar.gz']);
    const [x2] = await nt.datasets.cifar10.loadSplit('test', options);
    checkPixels(x2, TEST_KEYS);
    assert.equal(server.requests.length, 1, 'the second load reads the cached archive');
  } finally {
    await server.close();
    removeDir(work);
    removeDir(cache);
  }
});

test('cifar10: an archive that does not match the published md5 is refused and not kept', async () => {
  const work = tempDir('cifar10-md5');
  const cache = tempDir('cifar10-md5-cache');
  writeCifar10(work);
  const archive = tarGz(work, 'cifar-10-batches-bin', 'cifar-10-binary.tar.gz');
  const server = await startServer({ '/cifar-10-binary.tar.gz': sendBytes(archive) });
  try {
    await assert.rejects(nt.datasets.cifar10.loadSplit('train', { cacheDir: cache, baseUrl: server.url, verbose: false }), (e: Error) => {
      assert.ok(e instanceof nt.DatasetUnavailableError);
      assert.match(e.message, new RegExp(`checksum mismatch for ${server.url}/cifar-10-binary.tar.gz: expected md5 c32a1d4ab5d03f1284b67883e8d87530, got ${md5(archive)}`));
      assert.match(e.message, /and put it \(or its extracted folder cifar-10-batches-bin\/\) in/);
      return true;
    });
    assert.deepEqual(listFiles(cache), []);
  } finally {
    await server.close();
    removeDir(work);
    removeDir(cache);
  }
});

test('cifar10 reads an extracted folder or an archive found through options.dirs, offline', async () => {
  const work = tempDir('cifar10-dirs');
  const cache = tempDir('cifar10-dirs-cache');
  try {
    writeCifar10(work);
    for (const dir of [work, join(work, 'cifar-10-batches-bin')]) {
      const [x, y] = await nt.datasets.cifar10.loadSplit('train', { cacheDir: cache, dirs: [dir], download: false });
      checkPixels(x, TRAIN_KEYS.flat());
      assert.deepEqual(Array.from(y.dataSync()), TRAIN_KEYS.flat().map(label10));
    }
    const only = tempDir('cifar10-archive');
    try {
      writeFileSync(join(only, 'cifar-10-binary.tar.gz'), tarGz(work, 'cifar-10-batches-bin', 'a.tar.gz'));
      const [xt] = await nt.datasets.cifar10.loadSplit('test', { cacheDir: cache, dirs: [only], download: false });
      checkPixels(xt, TEST_KEYS);
    } finally {
      removeDir(only);
    }
    assert.deepEqual(listFiles(cache), []);
  } finally {
    removeDir(work);
    removeDir(cache);
  }
});

test('cifar100: fine and coarse labels, NHWC pixels, from a served archive checked by sha256', async () => {
  const work = tempDir('cifar100');
  const cache = tempDir('cifar100-cache');
  writeCifar100(work);
  const archive = tarGz(work, 'cifar-100-binary', 'cifar-100-binary.tar.gz');
  const sha256 = createHash('sha256').update(archive).digest('hex');
  const server = await startServer({ '/cifar-100/cifar-100-binary.tar.gz': sendBytes(archive) });
  const saved = process.env.NEURITE_DATASETS_MIRROR;
  process.env.NEURITE_DATASETS_MIRROR = server.url;
  try {
    const options = { cacheDir: cache, checksums: { 'cifar-100-binary.tar.gz': sha256 }, verbose: false };
    const [[x, yFine], [xt, ytFine]] = await nt.datasets.cifar100.loadData(options);
    checkPixels(x, [0, 1, 2, 3]);
    checkPixels(xt, [30, 31]);
    assert.deepEqual(Array.from(yFine.dataSync()), [0, 1, 2, 3].map(fine));
    assert.deepEqual(Array.from(ytFine.dataSync()), [30, 31].map(fine));
    assert.deepEqual(yFine.shape, [4, 1]);
    const [, yCoarse] = await nt.datasets.cifar100.loadSplit('train', { ...options, labelMode: 'coarse' });
    assert.deepEqual(Array.from(yCoarse.dataSync()), [0, 1, 2, 3].map(coarse));
    assert.notDeepEqual(Array.from(yCoarse.dataSync()), Array.from(yFine.dataSync()));
    assert.deepEqual(server.requests, ['/cifar-100/cifar-100-binary.tar.gz']);
    const mode = { ...options, labelMode: 'medium' } as unknown as nt.Cifar100Options;
    await assert.rejects(nt.datasets.cifar100.loadSplit('test', mode), /datasets\.cifar100\.loadSplit: options\.labelMode must be 'fine' or 'coarse'; got "medium"/);
    const stray = { cacheDir: cache, labelMode: 'fine' } as unknown as nt.DatasetOptions;
    await assert.rejects(nt.datasets.cifar10.loadData(stray), /datasets\.cifar10\.loadData: unknown option 'labelMode'/);
  } finally {
    if (saved === undefined) delete process.env.NEURITE_DATASETS_MIRROR;
    else process.env.NEURITE_DATASETS_MIRROR = saved;
    await server.close();
    removeDir(work);
    removeDir(cache);
  }
});

test('bad CIFAR files are clear errors: record size, label range, missing members', async () => {
  const work = tempDir('cifar-bad');
  const cache = tempDir('cifar-bad-cache');
  try {
    writeCifar100(work);
    const folder = join(work, 'cifar-100-binary');
    writeFileSync(join(folder, 'test.bin'), Buffer.concat([records([30], (k) => [coarse(k), fine(k)]), new Uint8Array(5)]));
    await assert.rejects(
      nt.datasets.cifar100.loadSplit('test', { cacheDir: cache, dirs: [work], download: false }),
      new RegExp(`${join(folder, 'test.bin')}: 3079 bytes is not a whole number of 3074-byte CIFAR records \\(2 label bytes \\+ 3072 pixel bytes\\)`),
    );
    writeFileSync(join(folder, 'test.bin'), records([30], () => [25, 3]));
    await assert.rejects(nt.datasets.cifar100.loadSplit('test', { cacheDir: cache, dirs: [work], download: false, labelMode: 'coarse' }), /test\.bin: label 25 of example 0 is out of range \(expected 0\.\.19\)/);
    const [, y] = await nt.datasets.cifar100.loadSplit('test', { cacheDir: cache, dirs: [work], download: false });
    assert.deepEqual(Array.from(y.dataSync()), [3]);
    const other = tempDir('cifar-other');
    try {
      writeFileSync(join(other, 'cifar-10-binary.tar.gz'), tarGz(work, 'cifar-100-binary', 'x.tar.gz'));
      await assert.rejects(nt.datasets.cifar10.loadSplit('test', { cacheDir: cache, dirs: [other], download: false }), /cifar-10-binary\.tar\.gz: the archive lacks cifar-10-batches-bin\/test_batch\.bin/);
    } finally {
      removeDir(other);
    }
  } finally {
    removeDir(work);
    removeDir(cache);
  }
});
