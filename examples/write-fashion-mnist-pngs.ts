/**
 * Writes Fashion-MNIST as a folder tree of PNG files, one sub-folder per class, the layout
 * `flowFromDirectory` reads (seed 000: "I usually prepare this folder structure with a
 * small script"):
 *
 *   <out>/train/<class>/<index>.png
 *   <out>/test/<class>/<index>.png
 *
 *   node build/examples/write-fashion-mnist-pngs.js [out] [--per-class 1000] [--test-per-class 200]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { loadFashionMnist, type FashionSplit } from './common/fashion-mnist.js';
import { numberArg as arg } from './common/cli.js';

/** Folder names for the ten classes (file-system safe). */
export const CLASS_DIRS = ['tshirt_top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot'];

export interface WriteOptions {
  /** Training images per class (default 1000). */
  readonly perClass?: number;
  /** Test images per class (default 200). */
  readonly testPerClass?: number;
  readonly log?: (line: string) => void;
}

async function writeSplit(split: FashionSplit, dir: string, perClass: number): Promise<number> {
  const counts = new Array<number>(10).fill(0);
  const jobs: Promise<void>[] = [];
  for (const name of CLASS_DIRS) mkdirSync(join(dir, name), { recursive: true });
  const labels = split.labels.dataSync();
  const images = split.images.dataSync();
  for (let i = 0; i < split.labels.size; i++) {
    const label = labels[i];
    if (counts[label] >= perClass) continue;
    counts[label]++;
    const pixels = Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
    jobs.push(nt.saveImg(join(dir, CLASS_DIRS[label], `${String(i).padStart(5, '0')}.png`), nt.tensor(pixels, [28, 28, 1]), { scale: false }));
    if (jobs.length >= 256) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  return counts.reduce((a, b) => a + b, 0);
}

/** Writes the tree unless `out` already holds a complete one; returns the folder. */
export async function writeFashionMnistPngs(out: string, options: WriteOptions = {}): Promise<string> {
  const { perClass = 1000, testPerClass = 200, log = console.log } = options;
  const stamp = join(out, `complete-${perClass}-${testPerClass}`);
  if (existsSync(stamp)) return out;
  const data = await loadFashionMnist();
  const t = performance.now();
  const nTrain = await writeSplit(data.train, join(out, 'train'), perClass);
  const nTest = await writeSplit(data.test, join(out, 'test'), testPerClass);
  writeFileSync(stamp, `${nTrain} training and ${nTest} test PNG files from ${data.source}\n`);
  log(`wrote ${nTrain} training and ${nTest} test PNG files under ${out} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '.neurite/fashion-mnist-png';
  writeFashionMnistPngs(out, { perClass: arg('per-class'), testPerClass: arg('test-per-class') }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
