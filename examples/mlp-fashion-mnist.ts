/**
 * The main demo: a Keras-style MLP on real Fashion-MNIST.
 *
 *   npm run demo                  # 5 epochs with a progress bar, validation, a checkpoint
 *   npm run demo -- --epochs 2
 *
 * Dense(512, relu) → Dropout(0.2) → Dense(10, softmax), Adam, categorical crossentropy,
 * 10% of the training images held out for validation, the best epoch's weights saved to
 * checkpoints/, test accuracy printed.
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { CLASSES, loadFashionMnist } from './common/fashion-mnist.js';
import { numberArg as arg } from './common/cli.js';

export interface DemoOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly checkpointDir?: string;
  readonly log?: (line: string) => void;
}

export interface DemoResult {
  readonly history: nt.History;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly checkpoint: string;
  readonly fullDataset: boolean;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const { epochs = 5, batchSize = 128, verbose = 1, checkpointDir = 'checkpoints', log = console.log } = options;
  const data = await loadFashionMnist();
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset: install dataset-fashion-mnist for the full set)'}: ${data.train.labels.size} training, ${data.test.labels.size} test images; backend ${nt.getBackendName()}`);

  const flat = (t: nt.Tensor): nt.Tensor => t.reshape([t.shape[0], 784]);
  const xTrain = flat(data.train.images);
  const xTest = flat(data.test.images);
  const yTrain = nt.toCategorical(data.train.labels, 10);
  const yTest = nt.toCategorical(data.test.labels, 10);

  const model = new nt.Sequential([
    new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }),
    new nt.Dropout({ rate: 0.2 }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.summary({ printFn: log });
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });

  const checkpoint = `${checkpointDir}/mlp-best.weights`;
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize,
    validationSplit: 0.1,
    verbose,
    callbacks: [new nt.ModelCheckpoint({ filepath: checkpoint, monitor: 'val_accuracy', saveBestOnly: true, saveWeightsOnly: true, verbose: verbose ? 1 : 0 })],
  });

  const [testLoss, testAccuracy] = (await model.evaluate(xTest, yTest, { verbose: 0 })) as number[];
  log(`test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}; best weights in ${checkpoint}`);
  const probs = model.predict(nt.slice(xTest, [0, 0], [5, 784])) as nt.Tensor;
  const pred = nt.argmax(probs, 1).dataSync();
  const truth = data.test.labels.dataSync();
  log(`first test images: ${Array.from(pred, (p, i) => `${CLASSES[p]} (true: ${CLASSES[truth[i]]})`).join(', ')}`);
  return { history, testAccuracy, testLoss, checkpoint, fullDataset: data.full };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo({ epochs: arg('epochs'), batchSize: arg('batch-size') }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
