/**
 * What Keras' mnist_cnn learns on Fashion-MNIST, as PNG images:
 *   kernels.png          the first Conv2D layer's 3×3 kernels, tiled;
 *   activations-*.png    the feature maps of each Conv2D layer for one test image;
 *   filters.png          images that maximise filters of the last Conv2D layer (gradient ascent).
 *
 *   node build/examples/filter-visualisation.js                 # brief training (about half a minute on 2 cores)
 *   node build/examples/filter-visualisation.js --smoke --out /tmp/viz
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { activationGrid, kernelGrid, saveGrid, tileImages, visualizeFilter } from '../src/viz/index.js';
import { mnistCnn } from './cnn-fashion-mnist.js';
import { CLASSES, loadFashionMnist } from './common/fashion-mnist.js';
import { stringArg as arg } from './common/cli.js';

export interface FilterVisOptions {
  /** Output folder (default viz-output). */
  readonly outDir?: string;
  /** Small sizes for tests (seconds). */
  readonly smoke?: boolean;
  /** Training images and epochs (default 12,000 × 1; smoke 1,000 × 1). */
  readonly trainSamples?: number;
  readonly epochs?: number;
  /** How many filters of the last conv layer to maximise (default 16; smoke 4). */
  readonly filters?: number;
  /** Gradient-ascent steps and step size (default 40 and 1). */
  readonly steps?: number;
  readonly stepSize?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface FilterVisResult {
  readonly files: string[];
  /** Mean activation of each maximised filter: before and after gradient ascent. */
  readonly ascent: { filter: number; before: number; after: number }[];
  readonly testAccuracy: number;
}

export async function runFilterVisualisation(options: FilterVisOptions = {}): Promise<FilterVisResult> {
  const smoke = options.smoke ?? false;
  const { outDir = 'viz-output', trainSamples = smoke ? 1000 : 12000, epochs = 1, filters = smoke ? 4 : 16, steps = 40, stepSize = 1, seed = 1, log = console.log } = options;
  mkdirSync(outDir, { recursive: true });
  const data = await loadFashionMnist();
  const n = Math.min(trainSamples, data.train.labels.size);
  const x = nt.reshape(nt.slice(data.train.images, [0, 0, 0], [n, 28, 28]), [n, 28, 28, 1]);
  const y = nt.toCategorical(nt.slice(data.train.labels, [0], [n]), 10);
  const model = mnistCnn(seed);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs, batchSize: 64, verbose: 0, seed });
  const nTest = Math.min(1000, data.test.labels.size);
  const xTest = nt.reshape(nt.slice(data.test.images, [0, 0, 0], [nTest, 28, 28]), [nTest, 28, 28, 1]);
  const [, testAccuracy] = (await model.evaluate(xTest, nt.toCategorical(nt.slice(data.test.labels, [0], [nTest]), 10), { verbose: 0 })) as number[];
  log(`mnist_cnn trained on ${n} Fashion-MNIST images (${epochs} epoch${epochs === 1 ? '' : 's'}): accuracy ${testAccuracy.toFixed(4)} on ${nTest} test images`);

  const convs = model.layers.filter((l): l is nt.Conv2D => l instanceof nt.Conv2D);
  const files: string[] = [];
  const save = async (name: string, grid: nt.Tensor): Promise<void> => {
    const path = join(outDir, name);
    await saveGrid(path, grid);
    files.push(path);
    log(`wrote ${path} (${grid.shape[0]}×${grid.shape[1]})`);
  };
  await save('kernels.png', kernelGrid(convs[0], { columns: 8 }));
  const sample = nt.slice(xTest, [0, 0, 0, 0], [1, 28, 28, 1]);
  await save('input.png', nt.reshape(sample, [28, 28, 1]));
  log(`the test image is a ${CLASSES[data.test.labels.dataSync()[0]]}`);
  for (const conv of convs) await save(`activations-${conv.name}.png`, activationGrid(model, conv.name, sample, { columns: 8 }));

  const last = convs[convs.length - 1];
  const ascent: { filter: number; before: number; after: number }[] = [];
  const images: nt.Tensor[] = [];
  for (let f = 0; f < filters; f++) {
    const { image, activations } = visualizeFilter(model, last.name, f, { steps, stepSize, seed: seed + f });
    ascent.push({ filter: f, before: activations[0], after: activations[activations.length - 1] });
    images.push(image);
  }
  log(`${last.name} mean activation before → after ${steps} ascent steps: ${ascent.map((a) => `#${a.filter} ${a.before.toFixed(3)}→${a.after.toFixed(3)}`).join(', ')}`);
  await save('filters.png', tileImages(nt.stack(images), { columns: Math.min(8, filters), margin: 2 }));
  return { files, ascent, testAccuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const filters = arg('filters');
  runFilterVisualisation({ smoke: process.argv.includes('--smoke'), outDir: arg('out'), filters: filters === undefined ? undefined : Number(filters) }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
