/**
 * Transfer learning on real Fashion-MNIST (the Keras "transfer learning & fine-tuning" recipe):
 *
 * 1. train a small CNN on classes 0–4 (T-shirt, Trouser, Pullover, Dress, Coat);
 * 2. reuse its convolutional base (the same layer objects) frozen (`trainable = false`) under
 *    a new Dense head for classes 5–9 (Sandal, Shirt, Sneaker, Bag, Ankle boot), trained on a
 *    few labelled images per class;
 * 3. optionally unfreeze the base and fine-tune everything with Adam(1e-4);
 * 4. compare with the same architecture trained from scratch on the same few images.
 *
 *   node build/examples/transfer-fashion-mnist.js            # full run (about 1 minute on 2 cores)
 *   node build/examples/transfer-fashion-mnist.js --smoke    # seconds
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { CLASSES, loadFashionMnist, type FashionSplit } from './common/fashion-mnist.js';
import { numberArg as arg } from './common/cli.js';

export interface TransferOptions {
  /** Small sizes for tests (seconds). */
  readonly smoke?: boolean;
  /** Images of classes 0–4 to pretrain on (default 30,000; smoke 4,000). */
  readonly baseSamples?: number;
  readonly baseEpochs?: number;
  /** Labelled training images per new class (default 50; smoke 20). */
  readonly perClass?: number;
  /** Epochs for the new head (default 30; smoke 3) and for the from-scratch model (plus fineTuneEpochs). */
  readonly headEpochs?: number;
  /** Epochs of fine-tuning with the base unfrozen (0 = skip). */
  readonly fineTuneEpochs?: number;
  /** Test images of classes 5–9 to evaluate on (default all 5,000; smoke 1,000). */
  readonly testSamples?: number;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

export interface TransferResult {
  /** Test accuracy of the pretrained model on classes 0–4. */
  readonly baseAccuracy: number;
  /** Test accuracy on classes 5–9: frozen base + new head. */
  readonly transferAccuracy: number;
  /** After unfreezing and fine-tuning (null when fineTuneEpochs = 0). */
  readonly fineTunedAccuracy: number | null;
  /** The same architecture trained from scratch on the same few images. */
  readonly scratchAccuracy: number;
  readonly seconds: number;
}

const SHAPE = [28, 28, 1];

/** The convolutional base: Conv(32) → Pool → Conv(64) → Pool → Flatten (seeded). */
export function convBase(seed = 1): nt.Layer[] {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  return [
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: SHAPE, kernelInitializer: init(0), name: `base${seed}_conv1` }),
    new nt.MaxPooling2D({ poolSize: 2, name: `base${seed}_pool1` }),
    new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(1), name: `base${seed}_conv2` }),
    new nt.MaxPooling2D({ poolSize: 2, name: `base${seed}_pool2` }),
    new nt.Flatten({ name: `base${seed}_flatten` }),
  ];
}

/** A classification head: Dense(64, relu) → Dropout(0.3) → Dense(classes, softmax) (seeded). */
export function denseHead(classes: number, seed = 1): nt.Layer[] {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + 100 + k });
  return [
    new nt.Dense({ units: 64, activation: 'relu', kernelInitializer: init(0) }),
    new nt.Dropout({ rate: 0.3, seed: seed + 200 }),
    new nt.Dense({ units: classes, activation: 'softmax', kernelInitializer: init(1) }),
  ];
}

/** The images of the given classes (labels shifted by -offset), at most `limit`, or `perClass` of each, in dataset order. */
export function selectClasses(split: FashionSplit, classes: readonly number[], options: { limit?: number; perClass?: number; offset?: number } = {}): { x: nt.Tensor; y: nt.Tensor } {
  const { limit = Infinity, perClass = Infinity, offset = 0 } = options;
  const labels = split.labels.dataSync();
  const taken = new Map<number, number>(classes.map((c) => [c, 0]));
  const idx: number[] = [];
  for (let i = 0; i < labels.length && idx.length < limit; i++) {
    const n = taken.get(labels[i]);
    if (n === undefined || n >= perClass) continue;
    taken.set(labels[i], n + 1);
    idx.push(i);
  }
  const x = nt.reshape(nt.gather(split.images, idx), [idx.length, ...SHAPE]);
  const y = nt.toCategorical(nt.tensor(Int32Array.from(idx, (i) => labels[i] - offset)), classes.length);
  return { x, y };
}

async function accuracy(model: nt.Model, data: { x: nt.Tensor; y: nt.Tensor }): Promise<number> {
  const [, acc] = (await model.evaluate(data.x, data.y, { verbose: 0, batchSize: 500 })) as number[];
  return acc;
}

function compileAdam(model: nt.Model, learningRate: number): void {
  model.compile({ optimizer: new nt.Adam({ learningRate }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
}

export async function runTransfer(options: TransferOptions = {}): Promise<TransferResult> {
  const smoke = options.smoke ?? false;
  const { baseSamples = smoke ? 4000 : 30000, baseEpochs = smoke ? 1 : 2, perClass = smoke ? 20 : 50, headEpochs = smoke ? 3 : 30 } = options;
  const { fineTuneEpochs = smoke ? 0 : 10, testSamples = smoke ? 1000 : 5000, seed = 1, verbose = 0, log = console.log } = options;
  const started = performance.now();
  const data = await loadFashionMnist();
  log(`Fashion-MNIST from ${data.source}; backend ${nt.getBackendName()}`);
  const oldClasses = [0, 1, 2, 3, 4];
  const newClasses = [5, 6, 7, 8, 9];

  // 1. Pretrain on classes 0–4.
  const base = convBase(seed);
  const pretrained = new nt.Sequential([...base, ...denseHead(5, seed)]);
  compileAdam(pretrained, 1e-3);
  const baseTrain = selectClasses(data.train, oldClasses, { limit: baseSamples });
  await pretrained.fit(baseTrain.x, baseTrain.y, { epochs: baseEpochs, batchSize: 64, verbose, seed });
  const baseAccuracy = await accuracy(pretrained, selectClasses(data.test, oldClasses, { limit: testSamples }));
  log(`pretrained on ${baseTrain.x.shape[0]} images of ${oldClasses.map((c) => CLASSES[c]).join(', ')}: test accuracy ${baseAccuracy.toFixed(4)}`);

  // 2. Frozen base + new head on a few images of classes 5–9.
  const few = selectClasses(data.train, newClasses, { perClass, offset: 5 });
  const test = selectClasses(data.test, newClasses, { limit: testSamples, offset: 5 });
  for (const l of base) l.trainable = false;
  const transfer = new nt.Sequential([...base, ...denseHead(5, seed + 7)]);
  compileAdam(transfer, 1e-3);
  transfer.summary({ printFn: verbose ? log : () => undefined });
  await transfer.fit(few.x, few.y, { epochs: headEpochs, batchSize: 32, verbose, seed });
  const transferAccuracy = await accuracy(transfer, test);
  log(`frozen base + new head on ${few.x.shape[0]} images (${perClass} per class) of ${newClasses.map((c) => CLASSES[c]).join(', ')}: test accuracy ${transferAccuracy.toFixed(4)}`);

  // 3. Optional fine-tuning of everything with a low learning rate.
  let fineTunedAccuracy: number | null = null;
  if (fineTuneEpochs > 0) {
    for (const l of base) l.trainable = true;
    compileAdam(transfer, 1e-4);
    await transfer.fit(few.x, few.y, { epochs: fineTuneEpochs, batchSize: 32, verbose, seed: seed + 1 });
    fineTunedAccuracy = await accuracy(transfer, test);
    log(`after fine-tuning all layers (Adam 1e-4, ${fineTuneEpochs} epochs): test accuracy ${fineTunedAccuracy.toFixed(4)}`);
  }

  // 4. The same architecture from scratch on the same few images, as many epochs in all.
  const scratch = new nt.Sequential([...convBase(seed + 50), ...denseHead(5, seed + 7)]);
  compileAdam(scratch, 1e-3);
  await scratch.fit(few.x, few.y, { epochs: headEpochs + fineTuneEpochs, batchSize: 32, verbose, seed });
  const scratchAccuracy = await accuracy(scratch, test);
  const seconds = (performance.now() - started) / 1000;
  log(`from scratch on the same ${few.x.shape[0]} images: test accuracy ${scratchAccuracy.toFixed(4)}`);
  log(`classes 5–9 test accuracy: transfer ${transferAccuracy.toFixed(4)}${fineTunedAccuracy === null ? '' : `, fine-tuned ${fineTunedAccuracy.toFixed(4)}`}, scratch ${scratchAccuracy.toFixed(4)} (${seconds.toFixed(0)} s in all)`);
  return { baseAccuracy, transferAccuracy, fineTunedAccuracy, scratchAccuracy, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runTransfer({ smoke: process.argv.includes('--smoke'), perClass: arg('per-class'), baseEpochs: arg('base-epochs'), fineTuneEpochs: arg('fine-tune-epochs') }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
