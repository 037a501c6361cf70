/**
 * One-hot encoding (seeds 000 and 002) with `nt.toCategorical` (Keras' `to_categorical`):
 *   - seed 002's tables: cat / dog / lizard → vectors of length 3, and with llama → length 4;
 *   - Fashion-MNIST's integer labels → one-hot rows, and back with argmax;
 *   - on real data: categorical crossentropy on one-hot labels and sparse categorical
 *     crossentropy on the integer labels are the same loss — equal for the same weights, and
 *     two models trained from the same start with the same batches end with the same accuracy.
 *
 *   node build/examples/seeds/one-hot.js            # 60,000 images, 2 epochs per model
 *   node build/examples/seeds/one-hot.js --smoke    # seconds
 */
import * as nt from '../../src/index.js';
import { CLASSES } from '../common/fashion-mnist.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, printResult, runIfMain } from './common.js';

/** One-hot rows of string labels, in the order of `classes`. */
export function oneHotNames(labels: readonly string[], classes: readonly string[]): nt.Tensor {
  const index = labels.map((l) => {
    const i = classes.indexOf(l);
    if (i < 0) throw new RangeError(`oneHotNames: unknown label '${l}'; known: ${classes.join(', ')}`);
    return i;
  });
  return nt.toCategorical(index, classes.length);
}

const rows = (t: nt.Tensor): number[][] => {
  const [n, k] = t.shape;
  const values = t.dataSync();
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * k, (i + 1) * k)));
};

export interface OneHotOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly log?: (line: string) => void;
}

export async function runOneHot(options: OneHotOptions = {}): Promise<Record<string, number | number[][] | boolean>> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 2);

  const three = rows(oneHotNames(['cat', 'dog', 'lizard'], ['cat', 'dog', 'lizard']));
  const four = rows(oneHotNames(['cat', 'dog', 'lizard', 'llama'], ['cat', 'dog', 'lizard', 'llama']));
  log(`cat, dog, lizard → ${JSON.stringify(three)}`);
  log(`cat, dog, lizard, llama → ${JSON.stringify(four)}`);

  const data = await loadFashion(smoke ? { train: 2000, test: 500 } : { train: 60000, test: 10000 });
  const yTrain = nt.toCategorical(data.train.labels, 10);
  const yTest = nt.toCategorical(data.test.labels, 10);
  const firstFive = rows(nt.slice(yTrain, [0, 0], [5, 10]));
  const labels = data.train.labels.dataSync();
  firstFive.forEach((r, i) => log(`label ${labels[i]} (${CLASSES[labels[i]]}) → [${r.join(', ')}]`));
  const back = nt.argmax(yTrain, 1).dataSync();
  let roundTrip = true;
  for (let i = 0; i < back.length; i++) if (back[i] !== labels[i]) roundTrip = false;
  log(`argmax of the one-hot rows gives the ${back.length} labels back: ${roundTrip}`);

  // The same network twice, from the same initial weights and with the same batch order.
  const build = (): nt.Sequential =>
    new nt.Sequential([
      new nt.Dense({ units: 128, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 31 }) }),
      new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 32 }) }),
    ]);
  const x = flatten(data.train.x);
  const xTest = flatten(data.test.x);
  const oneHotModel = build();
  oneHotModel.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const sparseModel = build();
  sparseModel.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const [initialOneHotLoss] = await lossAndAccuracy(oneHotModel, xTest, yTest);
  const [initialSparseLoss] = await lossAndAccuracy(sparseModel, xTest, data.test.labels);
  log(`untrained: categorical_crossentropy (one-hot) ${initialOneHotLoss.toFixed(6)}, sparse_categorical_crossentropy (integers) ${initialSparseLoss.toFixed(6)}`);

  await oneHotModel.fit(x, yTrain, { batchSize: 32, epochs, verbose: 0, seed: 33 });
  await sparseModel.fit(x, data.train.labels, { batchSize: 32, epochs, verbose: 0, seed: 33 });
  const [oneHotLoss, oneHotAccuracy] = await lossAndAccuracy(oneHotModel, xTest, yTest);
  const [sparseLoss, sparseAccuracy] = await lossAndAccuracy(sparseModel, xTest, data.test.labels);
  log(`after ${epochs} epoch(s): one-hot labels test loss ${oneHotLoss.toFixed(6)}, accuracy ${oneHotAccuracy.toFixed(4)}; integer labels test loss ${sparseLoss.toFixed(6)}, accuracy ${sparseAccuracy.toFixed(4)}`);
  return { three, four, roundTrip, initialOneHotLoss, initialSparseLoss, oneHotLoss, oneHotAccuracy, sparseLoss, sparseAccuracy };
}

runIfMain(import.meta.url, async () => {
  printResult(await runOneHot({ smoke: isSmoke() }));
});
