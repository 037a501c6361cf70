/**
 * Seed 000's image pipeline the Keras 3 way. cnn-augmented-directory.ts reads the folder
 * tree with ImageDataGenerator + flowFromDirectory and augments in the generator; here:
 *
 *   PNG class folders (write-fashion-mnist-pngs.ts) → nt.data.imageDatasetsFromDirectory
 *   (validationSplit, subset 'both', seed; 28×28 grayscale, float32 0–255, int labels)
 *   → .prefetch() → a model that starts with its own preprocessing and augmentation
 *   (Rescaling(1/255), RandomFlip('horizontal'), and seed 000's generator settings as layers:
 *   RandomTranslation(0.1, 0.1) and RandomZoom(0.15), fillMode 'nearest') followed by the
 *   Keras mnist_cnn layers → fit on the Datasets →
 *   evaluate on the test folder → save as .keras and load again: the reloaded model takes
 *   raw 0–255 pixels and predicts exactly as the trained one, because the preprocessing
 *   travels inside it. The random layers act in training only (identity at inference).
 *
 *   node build/examples/cnn-dataset-directory.js                 # 4 epochs on 10,000 PNGs (8,000 train, 2,000 validate)
 *   node build/examples/cnn-dataset-directory.js --epochs 5 --per-class 2000
 *   node build/examples/cnn-dataset-directory.js --smoke          # a few seconds
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { mnistCnn } from './cnn-fashion-mnist.js';
import { writeFashionMnistPngs } from './write-fashion-mnist-pngs.js';
import { numberArg, stringArg } from './common/cli.js';

export interface DatasetDirectoryOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Training PNGs per class written (a fifth of them become the validation subset). */
  readonly perClass?: number;
  readonly testPerClass?: number;
  readonly validationSplit?: number;
  /** Where the PNG tree is written (reused when complete). */
  readonly dir?: string;
  /** Where the trained model is saved (model.keras). */
  readonly saveDir?: string;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

export interface DatasetDirectoryResult {
  readonly classNames: string[];
  /** Shapes and dtypes of one training batch: [images, labels]. */
  readonly batch: { readonly images: readonly number[]; readonly labels: readonly number[]; readonly imageDtype: string; readonly labelDtype: string; readonly min: number; readonly max: number };
  /** Batches per pass of the training and validation subsets. */
  readonly steps: { readonly train: number | null; readonly val: number | null };
  readonly history: nt.History;
  readonly valAccuracy: number;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly testSamples: number;
  readonly modelPath: string;
  readonly reloaded: nt.Model;
  /** Class names of the reloaded model's layers, in order. */
  readonly reloadedLayers: string[];
  /** Largest |p − p'| between the trained and the reloaded model's predictions on the test images. */
  readonly reloadMaxDiff: number;
  /** Test accuracy of the reloaded model, fed the raw 0–255 PNG pixels. */
  readonly reloadedTestAccuracy: number;
  readonly seconds: number;
}

/**
 * Preprocessing and augmentation as layers (the random ones act in training only), then the
 * mnist_cnn layers (Conv-Conv-Pool-Dropout-Flatten-Dense-Dropout-Dense).
 */
export function augmentedCnn(seed = 1): nt.Sequential {
  return new nt.Sequential([
    new nt.Rescaling({ scale: 1 / 255, inputShape: [28, 28, 1] }),
    new nt.RandomFlip({ mode: 'horizontal', seed }),
    // ImageDataGenerator({ widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.15, fillMode: 'nearest' }) as layers.
    new nt.RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'nearest', seed: seed + 1 }),
    new nt.RandomZoom({ heightFactor: 0.15, fillMode: 'nearest', seed: seed + 2 }),
    ...mnistCnn(seed).layers,
  ]);
}

/** Predictions of a model for every batch of an (unshuffled) image Dataset, and the labels. */
async function predictAll(model: nt.Model, ds: nt.data.Dataset<nt.data.Element>): Promise<{ probs: Float32Array; labels: number[] }> {
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for await (const element of ds) {
    const [x, y] = element as [nt.Tensor, nt.Tensor];
    parts.push(Float32Array.from((model.predict(x) as nt.Tensor).dataSync()));
    labels.push(...y.dataSync());
  }
  const probs = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (probs.set(p, at), at + p.length), 0);
  return { probs, labels };
}

function accuracy(probs: Float32Array, labels: readonly number[], classes: number): number {
  let right = 0;
  labels.forEach((label, i) => {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    if (row.indexOf(Math.max(...row)) === label) right++;
  });
  return right / labels.length;
}

/** One training batch's shapes, dtypes and pixel range. */
async function describeBatch(ds: nt.data.Dataset<nt.data.Element>): Promise<DatasetDirectoryResult['batch']> {
  const [x, y] = (await ds.take(1).toArray())[0] as [nt.Tensor, nt.Tensor];
  const v = Float32Array.from(x.dataSync());
  return { images: x.shape, labels: y.shape, imageDtype: x.dtype, labelDtype: y.dtype, min: v.reduce((a, b) => Math.min(a, b), Infinity), max: v.reduce((a, b) => Math.max(a, b), -Infinity) };
}

export async function runDatasetDirectory(options: DatasetDirectoryOptions = {}): Promise<DatasetDirectoryResult> {
  const { epochs = 4, batchSize = 64, perClass = 1000, testPerClass = 200, validationSplit = 0.2, saveDir = 'checkpoints', seed = 1, verbose = 1, log = console.log } = options;
  const started = performance.now();
  const dir = await writeFashionMnistPngs(options.dir ?? '.neurite/fashion-mnist-png', { perClass, testPerClass, log });
  const common = { imageSize: [28, 28] as const, colorMode: 'grayscale' as const, batchSize };
  const [trainDs, valDs] = nt.data.imageDatasetsFromDirectory(join(dir, 'train'), { ...common, validationSplit, subset: 'both', seed });
  const testDs = nt.data.imageDatasetFromDirectory(join(dir, 'test'), { ...common, shuffle: false });
  const classNames = trainDs.classNames;
  const train = trainDs.prefetch(2);
  const val = valDs.prefetch(2);
  const batch = await describeBatch(train);
  const steps = { train: train.cardinality, val: val.cardinality };
  log(`classes: ${classNames.join(', ')}; a batch: images [${batch.images.join(', ')}] ${batch.imageDtype} ${batch.min}–${batch.max}, labels [${batch.labels.join(', ')}] ${batch.labelDtype}`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = augmentedCnn(seed);
  if (verbose) model.summary({ printFn: log });
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(train, { epochs, validationData: val, verbose });
  const valAccuracy = history.history.val_accuracy[history.history.val_accuracy.length - 1];
  const [testLoss, testAccuracy] = (await model.evaluate(testDs, { verbose: 0 })) as number[];

  mkdirSync(saveDir, { recursive: true });
  const modelPath = join(saveDir, 'cnn-dataset-directory.keras');
  await model.save(modelPath);
  const reloaded = await nt.loadModel(modelPath);
  const before = await predictAll(model, testDs);
  const after = await predictAll(reloaded, testDs);
  const reloadMaxDiff = before.probs.reduce((m, p, i) => Math.max(m, Math.abs(p - after.probs[i])), 0);
  const reloadedTestAccuracy = accuracy(after.probs, after.labels, classNames.length);
  const reloadedLayers = reloaded.layers.map((l) => (l.constructor as { className?: string }).className ?? l.constructor.name);
  const seconds = (performance.now() - started) / 1000;
  log(`validation accuracy ${valAccuracy.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} on ${before.labels.length} test PNGs (loss ${testLoss.toFixed(4)})`);
  log(`saved ${modelPath}; reloaded: ${reloadedLayers.slice(0, 4).join(' → ')} → …; on raw 0–255 pixels its predictions differ by at most ${reloadMaxDiff.toExponential(1)}, test accuracy ${reloadedTestAccuracy.toFixed(4)}; ${seconds.toFixed(1)} s in all`);
  return { classNames, batch, steps, history, valAccuracy, testAccuracy, testLoss, testSamples: before.labels.length, modelPath, reloaded, reloadedLayers, reloadMaxDiff, reloadedTestAccuracy, seconds };
}

/** A short run: 50 PNGs per class, one epoch. */
export const SMOKE_OPTIONS: DatasetDirectoryOptions = { epochs: 1, perClass: 50, testPerClass: 10, batchSize: 16, verbose: 0 };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const smoke = process.argv.includes('--smoke');
  const base: DatasetDirectoryOptions = smoke ? { ...SMOKE_OPTIONS, dir: '.neurite/fashion-mnist-png-smoke', verbose: 1 } : {};
  runDatasetDirectory({
    ...base,
    epochs: numberArg('epochs') ?? base.epochs,
    perClass: numberArg('per-class') ?? base.perClass,
    testPerClass: numberArg('test-per-class') ?? base.testPerClass,
    batchSize: numberArg('batch-size') ?? base.batchSize,
    seed: numberArg('seed'),
    dir: stringArg('dir') ?? base.dir,
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
