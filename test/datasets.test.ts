/**
 * The MNIST / Fashion-MNIST loaders: Fashion-MNIST read in place from Debian's
 * dataset-fashion-mnist; MNIST's test split downloaded from a local server that serves the
 * real files of the shared data folder, with its failures (truncated, corrupted, 404,
 * offline) each leaving the cache folder empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nt from '../src/index.js';
import { mnistDir } from './helpers/shared.js';
import { listFiles, removeDir, sendBytes, sendTruncated, redirectTo, startServer, tempDir, type TestServer } from './helpers/datasets-server.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const IMAGES = 't10k-images-idx3-ubyte.gz';
const LABELS = 't10k-labels-idx1-ubyte.gz';

function fashionFile(name: string): string {
  const path = join(FASHION, name);
  if (!existsSync(path)) assert.fail(`${path} is missing: run 'bash scripts/setup.sh' (installs dataset-fashion-mnist)`);
  return path;
}

function classCounts(labels: nt.Tensor, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels.dataSync()) counts[l]++;
  return counts;
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** A server with the real MNIST test files under /mnist/. */
async function mnistServer(): Promise<{ server: TestServer; images: Buffer; labels: Buffer }> {
  const images = readFileSync(join(mnistDir(), IMAGES));
  const labels = readFileSync(join(mnistDir(), LABELS));
  const server = await startServer({ [`/mnist/${IMAGES}`]: sendBytes(images), [`/mnist/${LABELS}`]: sendBytes(labels) });
  return { server, images, labels };
}

function checkMnistTest([x, y]: [nt.Tensor, nt.Tensor]): void {
  assert.deepEqual(x.shape, [10000, 28, 28]);
  assert.deepEqual(y.shape, [10000]);
  assert.equal(x.dtype, 'int32');
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(Array.from(y.dataSync().subarray(0, 5)), [7, 2, 1, 0, 4]);
  assert.deepEqual(classCounts(y, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
}

test("fashionMnist.loadData reads Debian's dataset-fashion-mnist in place (shapes, dtypes, classes, pixels)", async () => {
  const cache = tempDir('fashion');
  try {
    const [[x, y], [xt, yt]] = await nt.datasets.fashionMnist.loadData({ cacheDir: cache, download: false });
    assert.deepEqual([x.shape, y.shape, xt.shape, yt.shape], [[60000, 28, 28], [60000], [10000, 28, 28], [10000]]);
    for (const t of [x, y, xt, yt]) assert.equal(t.dtype, 'int32');
    assert.deepEqual(classCounts(y, 10), new Array<number>(10).fill(6000));
    assert.deepEqual(classCounts(yt, 10), new Array<number>(10).fill(1000));
    let min = 255;
    let max = 0;
    for (const v of x.dataSync()) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.deepEqual([min, max], [0, 255]);
    // Independently from the raw file: the IDX header is 16 bytes, then uint8 pixels.
    const raw = gunzipSync(readFileSync(fashionFile('train-images-idx3-ubyte.gz')));
    const first = raw.subarray(16, 16 + 784);
    assert.equal(sum(x.dataSync().subarray(0, 784)), sum(first));
    assert.equal(createHash('md5').update(Uint8Array.from(x.dataSync().subarray(0, 784))).digest('hex'), createHash('md5').update(first).digest('hex'));
    const rawLabels = gunzipSync(readFileSync(fashionFile('t10k-labels-idx1-ubyte.gz'))).subarray(8, 18);
    assert.deepEqual(Array.from(yt.dataSync().subarray(0, 10)), Array.from(rawLabels));
    assert.deepEqual(listFiles(cache), [], 'the system files are used in place, not copied into the cache');
  } finally {
    removeDir(cache);
  }
});

test("mnist.loadSplit('test') downloads the real files from a mirror, verifies them, then reads the cache", async (t) => {
  const cache = tempDir('mnist');
  const { server, images } = await mnistServer();
  try {
    const publishedGzMd5 = '9fb629c4189551a2d022fa330f9573f3';
    const servedMd5 = createHash('md5').update(images).digest('hex');
    t.diagnostic(`served images.gz md5 ${servedMd5} (${servedMd5 === publishedGzMd5 ? 'the published gz' : 're-compressed: accepted through the md5 of its content'})`);
    const options = { cacheDir: cache, baseUrl: `${server.url}/mnist/`, verbose: false };
    checkMnistTest(await nt.datasets.mnist.loadSplit('test', options));
    assert.deepEqual(server.requests, [`/mnist/${IMAGES}`, `/mnist/${LABELS}`]);
    assert.deepEqual(listFiles(cache), [`mnist/${IMAGES}`, `mnist/${LABELS}`]);
    assert.deepEqual(readFileSync(join(cache, 'mnist', IMAGES)), images);
    checkMnistTest(await nt.datasets.mnist.loadSplit('test', options));
    assert.equal(server.requests.length, 2, 'the second call reads the cache without asking the server');
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('a truncated download is a clear error and leaves no file in the cache', async () => {
  const cache = tempDir('mnist-trunc');
  const { server, images } = await mnistServer();
  server.route(`/mnist/${IMAGES}`, sendTruncated(images));
  try {
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, baseUrl: `${server.url}/mnist/` }), (e: Error) => {
      const m = new RegExp(`downloading ${server.url}/mnist/${IMAGES} failed: the connection closed after (\\d+) of ${images.length} bytes \\(truncated`).exec(e.message);
      assert.ok(m !== null && Number(m[1]) <= images.length >> 1, e.message);
      assert.match(e.message, /to install by hand/);
      return true;
    });
    assert.deepEqual(listFiles(cache), []);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('a corrupted download (bytes flipped, right length) fails its checksum and leaves no file', async () => {
  const cache = tempDir('mnist-bad');
  const { server, labels } = await mnistServer();
  const corrupted = Buffer.from(labels);
  for (let i = 1000; i < 1010; i++) corrupted[i] ^= 0xff;
  server.route(`/mnist/${LABELS}`, sendBytes(corrupted));
  try {
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, baseUrl: `${server.url}/mnist/` }), (e: Error) => {
      const got = createHash('md5').update(corrupted).digest('hex');
      assert.match(e.message, new RegExp(`checksum mismatch for ${server.url}/mnist/${LABELS}: expected md5 ec29112dd5afa0611ce80d1b7f02629c, got ${got}`));
      assert.match(e.message, /expected md5 of the gunzipped content 27ae3e4e09519cfbb04c329615203637, got/);
      return true;
    });
    // The images (downloaded first, valid) stay; the corrupted labels left nothing.
    assert.deepEqual(listFiles(cache), [`mnist/${IMAGES}`]);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('an HTTP 404 is a clear error naming the URL and leaves no file', async () => {
  const cache = tempDir('mnist-404');
  const server = await startServer();
  try {
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, baseUrl: `${server.url}/nowhere/` }), (e: Error) => {
      assert.ok(e instanceof nt.DatasetUnavailableError);
      assert.match(e.message, new RegExp(`downloading ${server.url}/nowhere/${IMAGES} failed: HTTP 404 Not Found`));
      return true;
    });
    assert.deepEqual(listFiles(cache), []);
    assert.deepEqual(server.requests, [`/nowhere/${IMAGES}`]);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test("offline with an empty cache: the 'put the files here' error names files, folders and URLs", async () => {
  const cache = tempDir('mnist-offline');
  const extra = tempDir('mnist-extra');
  const server = await startServer();
  const base = `${server.url}/mnist/`;
  await server.close();
  try {
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, dirs: [extra], baseUrl: base }), (e: Error) => {
      assert.ok(e instanceof nt.DatasetUnavailableError);
      assert.match(e.message, /datasets\.mnist: cannot load the 'test' split: t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz are not on this machine/);
      assert.ok(e.message.includes(`searched: ${join(cache, 'mnist')}, ${extra}`), e.message);
      assert.match(e.message, /ECONNREFUSED/);
      assert.ok(e.message.includes('https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz'), e.message);
      assert.ok(e.message.includes(`put them in ${join(cache, 'mnist')}`), e.message);
      return true;
    });
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, download: false }), /download: skipped \(options\.download is false\)/);
    assert.deepEqual(listFiles(cache), []);
  } finally {
    removeDir(cache);
    removeDir(extra);
  }
});

test('files put by hand (uncompressed) in options.dirs are found; a bad cached copy is downloaded again', async () => {
  const cache = tempDir('mnist-hand');
  const hand = tempDir('mnist-byhand');
  const { server, images } = await mnistServer();
  try {
    for (const name of [IMAGES, LABELS]) writeFileSync(join(hand, name.replace(/\.gz$/, '')), gunzipSync(readFileSync(join(mnistDir(), name))));
    checkMnistTest(await nt.datasets.mnist.loadSplit('test', { cacheDir: cache, dirs: [hand], download: false }));
    mkdirSync(join(cache, 'mnist'));
    writeFileSync(join(cache, 'mnist', IMAGES), images.subarray(0, 1000));
    writeFileSync(join(cache, 'mnist', LABELS), readFileSync(join(mnistDir(), LABELS)));
    checkMnistTest(await nt.datasets.mnist.loadSplit('test', { cacheDir: cache, baseUrl: `${server.url}/mnist/` }));
    assert.deepEqual(server.requests, [`/mnist/${IMAGES}`], 'only the damaged file is fetched again');
    assert.deepEqual(readFileSync(join(cache, 'mnist', IMAGES)), images);
  } finally {
    await server.close();
    removeDir(cache);
    removeDir(hand);
  }
});

test('NEURITE_DATASETS_DIR and NEURITE_DATASETS_MIRROR set the cache and the download address; redirects are followed', async () => {
  const cache = tempDir('mnist-env');
  const { server, images, labels } = await mnistServer();
  server.route(`/moved/mnist/${IMAGES}`, redirectTo(`/mnist/${IMAGES}`));
  server.route(`/moved/mnist/${LABELS}`, redirectTo(`${server.url}/mnist/${LABELS}`));
  const saved = { dir: process.env.NEURITE_DATASETS_DIR, mirror: process.env.NEURITE_DATASETS_MIRROR };
  process.env.NEURITE_DATASETS_DIR = cache;
  process.env.NEURITE_DATASETS_MIRROR = `${server.url}/moved`;
  try {
    checkMnistTest(await nt.datasets.mnist.loadSplit('test'));
    assert.deepEqual(server.requests, [`/moved/mnist/${IMAGES}`, `/mnist/${IMAGES}`, `/moved/mnist/${LABELS}`, `/mnist/${LABELS}`]);
    assert.deepEqual(readFileSync(join(cache, 'mnist', IMAGES)), images);
    assert.deepEqual(readFileSync(join(cache, 'mnist', LABELS)), labels);
  } finally {
    for (const [key, value] of [['NEURITE_DATASETS_DIR', saved.dir], ['NEURITE_DATASETS_MIRROR', saved.mirror]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await server.close();
    removeDir(cache);
  }
});

test('bad arguments are clear errors', async () => {
  const cache = tempDir('mnist-args');
  try {
    const split = 'validation' as unknown as nt.datasets.Split;
    await assert.rejects(nt.datasets.mnist.loadSplit(split, { cacheDir: cache }), /datasets\.mnist\.loadSplit: split must be 'train' or 'test'; got "validation"/);
    const unknown = { cacheDir: cache, cache_dir: 'x' } as unknown as nt.DatasetOptions;
    await assert.rejects(nt.datasets.fashionMnist.loadData(unknown), /datasets\.fashionMnist\.loadData: unknown option 'cache_dir'/);
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, checksums: { [LABELS]: 'abc' } }), /options\.checksums\['t10k-labels-idx1-ubyte\.gz'\] must be an md5/);
    await assert.rejects(nt.datasets.cifar10.loadSplit('test', { cacheDir: cache, download: 'no' } as unknown as nt.DatasetOptions), /options\.download must be true or false; got "no"/);
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, timeoutMs: -1 }), /options\.timeoutMs must be a positive number/);
    await assert.rejects(nt.datasets.mnist.loadSplit('test', { cacheDir: cache, dirs: 'x' } as unknown as nt.DatasetOptions), /options\.dirs must be an array of folder paths/);
    await assert.rejects(nt.getFile('a/b.gz', 'http://127.0.0.1:1/b.gz', { cacheDir: cache }), /getFile: fname must be a plain file name/);
    await assert.rejects(nt.getFile('b.gz', 'http://127.0.0.1:1/b.gz', { cacheDir: cache, md5: 'xyz' }), /getFile: md5 must be an md5 digest \(32 hexadecimal digits\)/);
    await assert.rejects(nt.getFile('b.gz', 'ftp://127.0.0.1/b.gz', { cacheDir: cache }), /unsupported protocol 'ftp:'/);
    assert.deepEqual(listFiles(cache), []);
  } finally {
    removeDir(cache);
  }
});
