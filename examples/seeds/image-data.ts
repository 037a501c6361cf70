/**
 * The seeds' input module on real Fashion-MNIST images:
 *   - seed 001's `ImageDataGenerator(featurewise_center=False, …, width_shift_range=0.1,
 *     height_shift_range=0.1, horizontal_flip=True, vertical_flip=False)`, `datagen.fit(X_train)`
 *     and training on `datagen.flow(x, y, batch_size=32)`; with featurewise_center and
 *     featurewise_std_normalization switched on, `fit` measures the data set's mean and std;
 *   - seed 001's hand-written Python generator (shuffle, then yield batch after batch, forever)
 *     as an async generator that `model.fit` consumes with `stepsPerEpoch`;
 *   - seed 002's list of augmentations (flips, rotation, zoom in and out, crops, colour
 *     changes), each applied to one test image and saved as a PNG grid.
 * Seed 000's flow_from_directory is examples/cnn-augmented-directory.ts.
 *
 *   node build/examples/seeds/image-data.js                      # 20,000 training images, 3 epochs each
 *   node build/examples/seeds/image-data.js --smoke --out /tmp/aug
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as nt from '../../src/index.js';
import { saveGrid, tileImages } from '../../src/viz/index.js';
import { stringArg } from '../common/cli.js';
import { isSmoke, loadFashion, lossAndAccuracy, oneHotSplits, printResult, runIfMain, withChannel } from './common.js';

/** A small CNN for 28×28×1 images (seeded initial weights). */
export function smallCnn(seed = 1): nt.Sequential {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  return new nt.Sequential([
    new nt.Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(0) }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Flatten(),
    new nt.Dense({ units: 64, activation: 'relu', kernelInitializer: init(2) }),
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
  ]);
}

/**
 * Seed 001's `generator(samples, batch_size=32)`: shuffles the samples, then yields
 * [images, one-hot labels] batch after batch, and starts over — forever (`while 1`).
 */
export async function* generator(x: nt.Tensor, y: nt.Tensor, batchSize = 32, seed = 1): AsyncGenerator<[nt.Tensor, nt.Tensor]> {
  const numSamples = x.shape[0];
  for (let pass = 0; ; pass++) {
    const order = nt.permutation(numSamples, seed + pass); // sklearn.utils.shuffle(samples)
    for (let offset = 0; offset < numSamples; offset += batchSize) {
      const idx = order.subarray(offset, Math.min(offset + batchSize, numSamples));
      yield [nt.pickRows(x, idx), nt.pickRows(y, idx)];
    }
  }
}

/** Seed 002's augmentations, each as the ImageDataGenerator arguments that produce it. */
export const AUGMENTATIONS: readonly [string, nt.ImageDataGeneratorArgs][] = [
  ['horizontal flip', { horizontalFlip: true }],
  ['vertical flip', { verticalFlip: true }],
  ['rotation', { rotationRange: 30 }],
  ['zoom in', { zoomRange: [0.7, 0.8] }],
  ['zoom out', { zoomRange: [1.2, 1.3] }],
  ['crop (shift)', { widthShiftRange: 0.2, heightShiftRange: 0.2, fillMode: 'constant' }],
  ['colour (brightness)', { brightnessRange: [0.4, 0.6] }],
];

export interface ImageDataOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  /** Folder of the augmentation grid (default viz-output/seeds). */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

export interface ImageDataResult {
  readonly flowAccuracy: number;
  readonly generatorAccuracy: number;
  /** Featurewise mean and std from datagen.fit, and the same computed directly. */
  readonly fitMean: number;
  readonly fitStd: number;
  readonly directMean: number;
  readonly directStd: number;
  /** Mean absolute pixel change of each augmentation on the sample image. */
  readonly changes: Readonly<Record<string, number>>;
  readonly grid: string;
}

export async function runImageData(options: ImageDataOptions = {}): Promise<ImageDataResult> {
  const { smoke = false, outDir = 'viz-output/seeds', log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 3);
  const data = await loadFashion(smoke ? { train: 1500, test: 500 } : { train: 20000, test: 10000 });
  const { x: X_train, y: Y_train, xTest: X_test, yTest: Y_test } = oneHotSplits(data, withChannel);

  // Seed 001's generator, argument for argument.
  const datagen = new nt.ImageDataGenerator({
    featurewiseCenter: false,
    samplewiseCenter: false,
    featurewiseStdNormalization: false,
    samplewiseStdNormalization: false,
    zcaWhitening: false,
    widthShiftRange: 0.1,
    heightShiftRange: 0.1,
    horizontalFlip: true,
    verticalFlip: false,
  });
  datagen.fit(X_train); // computes quantities required for featurewise normalization (none are on here)
  const flowModel = smallCnn(1);
  flowModel.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const flow = datagen.flow(X_train, Y_train, { batchSize: 32, seed: 1 });
  await flowModel.fit(flow, { stepsPerEpoch: flow.length, epochs, validationData: [X_test, Y_test], verbose: 2 });
  const [, flowAccuracy] = await lossAndAccuracy(flowModel, X_test, Y_test);
  log(`trained on datagen.flow (shifts and horizontal flips): test accuracy ${flowAccuracy.toFixed(4)}`);

  // With featurewise normalisation on, fit() measures the training set's mean and std.
  const normalising = new nt.ImageDataGenerator({ featurewiseCenter: true, featurewiseStdNormalization: true }).fit(X_train);
  const fitMean = (normalising.mean as nt.Tensor).item();
  const fitStd = (normalising.std as nt.Tensor).item();
  const directMean = nt.mean(X_train).item();
  const directStd = Math.sqrt(nt.mean(nt.square(nt.sub(X_train, directMean))).item());
  log(`featurewise statistics from datagen.fit: mean ${fitMean.toFixed(5)}, std ${fitStd.toFixed(5)} (computed directly: ${directMean.toFixed(5)}, ${directStd.toFixed(5)})`);

  // Seed 001's Python generator, as an async generator; fit draws stepsPerEpoch batches per epoch.
  const genModel = smallCnn(1);
  genModel.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await genModel.fit(generator(X_train, Y_train, 32), { stepsPerEpoch: Math.ceil(X_train.shape[0] / 32), epochs, verbose: 2 });
  const [, generatorAccuracy] = await lossAndAccuracy(genModel, X_test, Y_test);
  log(`trained on the hand-written generator: test accuracy ${generatorAccuracy.toFixed(4)}`);

  // Seed 002's augmentations on the first test image (an ankle boot).
  const image = nt.slice(X_test, [0, 0, 0, 0], [1, 28, 28, 1]).reshape([28, 28, 1]);
  const tiles: nt.Tensor[] = [image];
  const changes: Record<string, number> = {};
  for (const [name, args] of AUGMENTATIONS) {
    // Flips are coin tosses (as in Keras): draw until this image's transform changes it.
    const gen = new nt.ImageDataGenerator(args);
    let out = image;
    for (let seed = 1; seed <= 20 && out === image; seed++) {
      const t = gen.randomTransform(image, seed);
      if (nt.max(nt.abs(nt.sub(t, image))).item() > 0) out = t;
    }
    changes[name] = nt.mean(nt.abs(nt.sub(out, image))).item();
    tiles.push(out);
    log(`  ${name.padEnd(20)} mean |Δpixel| ${changes[name].toFixed(4)}`);
  }
  mkdirSync(outDir, { recursive: true });
  const grid = join(outDir, 'augmentations.png');
  await saveGrid(grid, tileImages(nt.stack(tiles), { columns: tiles.length, margin: 2, normalize: false, background: 1 }));
  log(`original + ${AUGMENTATIONS.length} augmentations: ${grid}`);
  return { flowAccuracy, generatorAccuracy, fitMean, fitStd, directMean, directStd, changes, grid };
}

runIfMain(import.meta.url, async () => {
  const r = await runImageData({ smoke: isSmoke(), outDir: stringArg('out') });
  const { changes, ...rest } = r;
  printResult({ ...rest, ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [`change:${k}`, v])) });
});
