/**
 * Seeing training: a small CNN on real Fashion-MNIST with a TrainingMonitor (loss and
 * accuracy curves after every epoch, sample predictions, log.json for the board) and a
 * picture of the model (plotModel). Watch it live in another terminal with the board:
 *
 *   node build/examples/training-monitor.js                 # 8 epochs on 20,000 images (≈ 1–2 min on 2 cores)
 *   node build/examples/training-monitor.js --smoke         # seconds
 *   node build/examples/training-monitor.js --log-dir runs --run cnn --epochs 5
 *   node -e "import('./build/src/board/server.js').then(b => b.startBoard({ logDir: 'viz-output/runs' })).then(b => console.log(b.url))"
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { CLASSES, loadFashionMnist } from './common/fashion-mnist.js';
import { numberArg, stringArg } from './common/cli.js';

export interface MonitorExampleOptions {
  /** Small and fast (for tests): 1,000 training images, 2 epochs. */
  readonly smoke?: boolean;
  /** The runs folder (default viz-output/runs). */
  readonly logDir?: string;
  /** The run's name (default cnn-<time>). */
  readonly runName?: string;
  readonly epochs?: number;
  /** Training images (default 20,000; smoke 1,000). */
  readonly trainImages?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface MonitorExampleResult {
  readonly history: nt.History;
  /** The run's folder (curves.svg, curves.png, log.json, events.jsonl, model.svg, model.png). */
  readonly runDir: string;
  readonly testAccuracy: number;
  readonly fullDataset: boolean;
}

/** Conv2D(16, 3×3) → MaxPooling2D(2) → Flatten → Dropout(0.25) → Dense(10, softmax). */
export function smallCnn(seed = 1): nt.Sequential {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  return new nt.Sequential({
    name: 'small_cnn',
    layers: [
      new nt.Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(0), name: 'conv' }),
      new nt.MaxPooling2D({ poolSize: 2, name: 'pool' }),
      new nt.Flatten({ name: 'flatten' }),
      new nt.Dropout({ rate: 0.25, seed: seed + 10, name: 'dropout' }),
      new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: init(1), name: 'classes' }),
    ],
  });
}

export async function runMonitorExample(options: MonitorExampleOptions = {}): Promise<MonitorExampleResult> {
  const smoke = options.smoke ?? false;
  const { seed = 1, log = console.log, logDir = 'viz-output/runs' } = options;
  const epochs = options.epochs ?? (smoke ? 2 : 8);
  const runName = options.runName ?? `cnn-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
  const data = await loadFashionMnist();
  const nTrain = Math.min(data.train.labels.size, options.trainImages ?? (smoke ? 1000 : 20000));
  const nTest = Math.min(data.test.labels.size, smoke ? 500 : 10000);
  const images = (t: nt.Tensor, n: number): nt.Tensor => nt.slice(t, [0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]);
  const x = images(data.train.images, nTrain);
  const y = nt.toCategorical(nt.slice(data.train.labels, [0], [nTrain]), 10);
  const xTest = images(data.test.images, nTest);
  const yTest = nt.toCategorical(nt.slice(data.test.labels, [0], [nTest]), 10);

  const model = smallCnn(seed);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.002 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const monitor = new nt.TrainingMonitor({
    logDir,
    runName,
    // Twelve test images whose predictions the board shows after every epoch.
    samples: { x: nt.slice(xTest, [0, 0, 0, 0], [12, 28, 28, 1]), y: Array.from(data.test.labels.dataSync().subarray(0, 12), Number), classNames: CLASSES },
  });
  await nt.utils.plotModel(model, { toFile: `${monitor.runDir}/model.svg`, showShapes: true });
  await nt.utils.plotModel(model, { toFile: `${monitor.runDir}/model.png`, showShapes: true });
  log(`Fashion-MNIST: ${nTrain} training images${data.full ? '' : ' (bundled subset)'}; run folder ${monitor.runDir}`);
  const history = await model.fit(x, y, {
    epochs,
    batchSize: 64,
    validationData: [xTest, yTest],
    verbose: 0,
    seed,
    callbacks: [
      new nt.LearningRateScheduler((epoch) => 0.002 * 0.85 ** epoch),
      monitor,
      new nt.LambdaCallback({ onEpochEnd: (epoch, logs) => log(`epoch ${epoch + 1}/${epochs}: loss ${Number(logs.loss).toFixed(4)}, accuracy ${Number(logs.accuracy).toFixed(4)}, val_accuracy ${Number(logs.val_accuracy).toFixed(4)}`) }),
    ],
  });
  const testAccuracy = history.history.val_accuracy[history.history.val_accuracy.length - 1];
  log(`test accuracy ${testAccuracy.toFixed(4)}; curves in ${monitor.runDir}/curves.png`);
  return { history, runDir: monitor.runDir, testAccuracy, fullDataset: data.full };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMonitorExample({ smoke: process.argv.includes('--smoke'), epochs: numberArg('epochs'), logDir: stringArg('log-dir'), runName: stringArg('run') }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
