/**
 * A training process for the board tests: fits a small MLP on real Fashion-MNIST test
 * images with TrainingMonitor writing into a log folder, pausing between epochs so a
 * watcher sees the run grow.
 *
 *   node build/test/helpers/board-trainer.js <logDir> <runName> [epochs=6] [pauseMs=600]
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../../src/index.js';

const DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The first n Fashion-MNIST test images as [n, 784] in 0..1 and their labels. */
export async function fashionRows(n: number): Promise<{ x: nt.Tensor; labels: number[] }> {
  const img = await nt.readIdxFile(`${DIR}/t10k-images-idx3-ubyte.gz`);
  const lab = await nt.readIdxFile(`${DIR}/t10k-labels-idx1-ubyte.gz`);
  const x = nt.tensor(Float32Array.from(img.data.subarray(0, n * 784), (v) => v / 255), [n, 784]);
  return { x, labels: Array.from(lab.data.subarray(0, n), Number) };
}

/** Trains the MLP with a TrainingMonitor (and a decaying learning rate) and returns its history. */
export async function trainIntoBoard(logDir: string, runName: string, epochs = 6, pauseMs = 600): Promise<nt.History> {
  const { x, labels } = await fashionRows(800);
  const y = nt.toCategorical(nt.tensor(Int32Array.from(labels)), 10);
  const model = new nt.Sequential([
    new nt.Dense({ units: 32, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 3 }) }),
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 4 }) }),
  ]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.003 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const monitor = new nt.TrainingMonitor({ logDir, runName, samples: { x: nt.slice(x, [0, 0], [8, 784]), y: labels.slice(0, 8), classNames: CLASSES, imageShape: [28, 28] } });
  const pause = new nt.LambdaCallback({ onEpochEnd: () => new Promise<void>((ok) => setTimeout(ok, pauseMs)) });
  return model.fit(x, y, {
    epochs,
    batchSize: 32,
    validationSplit: 0.25,
    verbose: 0,
    seed: 1,
    callbacks: [new nt.LearningRateScheduler((epoch) => 0.003 * 0.8 ** epoch), monitor, pause],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [logDir, runName, epochs, pauseMs] = process.argv.slice(2);
  if (!logDir || !runName) {
    console.error('usage: board-trainer.js <logDir> <runName> [epochs] [pauseMs]');
    process.exit(2);
  }
  trainIntoBoard(logDir, runName, epochs ? Number(epochs) : undefined, pauseMs ? Number(pauseMs) : undefined).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
