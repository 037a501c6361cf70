/**
 * Seed 000's pipeline: a folder tree of real images → ImageDataGenerator with augmentation →
 * flowFromDirectory → model.fit(generator, { stepsPerEpoch, validationData, validationSteps,
 * callbacks: [ModelCheckpoint] }). The images are Fashion-MNIST, written as PNG files by
 * write-fashion-mnist-pngs.ts; the model is the Keras mnist_cnn.
 *
 *   npm run demo:augment                       # 4 epochs on 10,000 PNGs (about a minute on 2 cores)
 *   npm run demo:augment -- --epochs 2 --per-class 300
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { mnistCnn } from './cnn-fashion-mnist.js';
import { writeFashionMnistPngs } from './write-fashion-mnist-pngs.js';
import { numberArg as arg } from './common/cli.js';

export interface AugmentOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly perClass?: number;
  readonly testPerClass?: number;
  readonly dir?: string;
  readonly checkpointDir?: string;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

export async function runAugmented(options: AugmentOptions = {}): Promise<{ history: nt.History; valAccuracy: number }> {
  const { epochs = 4, batchSize = 64, perClass = 1000, testPerClass = 200, checkpointDir = 'checkpoints', verbose = 1, log = console.log } = options;
  const dir = await writeFashionMnistPngs(options.dir ?? `.neurite/fashion-mnist-png`, { perClass, testPerClass, log });

  // Augmentation for training only; the test images are just rescaled (seed 000's advice).
  const trainDatagen = new nt.ImageDataGenerator({ zoomRange: 0.15, fillMode: 'nearest', rescale: 1 / 255, widthShiftRange: 0.1, heightShiftRange: 0.1 });
  const testDatagen = new nt.ImageDataGenerator({ rescale: 1 / 255 });
  const common = { targetSize: [28, 28] as const, colorMode: 'grayscale' as const, batchSize, classMode: 'categorical' as const };
  const trainGenerator = trainDatagen.flowFromDirectory(join(dir, 'train'), { ...common, seed: 1 });
  const testGenerator = testDatagen.flowFromDirectory(join(dir, 'test'), { ...common, shuffle: false });
  log(`classes: ${Object.keys(trainGenerator.classIndices).join(', ')}`);

  const model = mnistCnn(1);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const checkpoint = new nt.ModelCheckpoint({
    filepath: `${checkpointDir}/model-checkpoint-{epoch:02d}-{val_accuracy:.2f}.weights`,
    monitor: 'val_accuracy',
    verbose: verbose ? 1 : 0,
    saveBestOnly: true,
    saveWeightsOnly: true,
    mode: 'max',
  });
  const history = await model.fit(trainGenerator, {
    stepsPerEpoch: trainGenerator.length,
    validationData: testGenerator,
    validationSteps: testGenerator.length,
    epochs,
    verbose,
    callbacks: [checkpoint],
  });
  const valAccuracy = history.history.val_accuracy[history.history.val_accuracy.length - 1];
  log(`validation accuracy after ${epochs} epochs: ${valAccuracy.toFixed(4)} on ${testGenerator.samples} test PNGs`);
  return { history, valAccuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAugmented({ epochs: arg('epochs'), batchSize: arg('batch-size'), perClass: arg('per-class'), testPerClass: arg('test-per-class') }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
