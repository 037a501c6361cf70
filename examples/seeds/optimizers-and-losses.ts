/**
 * The seeds' optimizers and losses on real Fashion-MNIST:
 *   - seed 000/001/004's optimizers — SGD, SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
 *     (seed 004), Adagrad, Adadelta, RMSprop, Adam (seed 001: "Adam's defaults are usually
 *     enough") — each training the same MLP from the same initial weights;
 *   - seed 000's rule: categorical crossentropy for more than two classes, binary
 *     crossentropy (one sigmoid unit) for two;
 *   - seed 002's "a common loss is the mean squared error": the MLP trained on mse;
 *   - seed 002's list of Keras losses, each looked up by its Keras name and evaluated on the
 *     trained model's test predictions.
 *
 *   node build/examples/seeds/optimizers-and-losses.js            # 60,000 images, 3 epochs per optimizer
 *   node build/examples/seeds/optimizers-and-losses.js --smoke    # seconds
 */
import * as nt from '../../src/index.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, oneHotSplits, printResult, runIfMain } from './common.js';

/** The MLP every optimizer trains: 784 → 128 (relu) → units (activation), seeded initial weights. */
export function mlp(units = 10, activation = 'softmax'): nt.Sequential {
  return new nt.Sequential([
    new nt.Dense({ units: 128, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 11 }) }),
    new nt.Dense({ units, activation, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 12 }) }),
  ]);
}

/** The optimizers compared, by the label printed in the table. */
export function seedOptimizers(): [string, () => nt.Optimizer][] {
  return [
    ['SGD()', () => new nt.SGD()],
    ['SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)', () => new nt.SGD({ lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true })],
    ['Adagrad()', () => new nt.Adagrad()],
    ['Adagrad(lr=0.01)', () => new nt.Adagrad({ learningRate: 0.01 })],
    ['Adadelta()', () => new nt.Adadelta()],
    ['Adadelta(lr=1.0)', () => new nt.Adadelta({ learningRate: 1.0 })],
    ['RMSprop()', () => new nt.RMSprop()],
    ['Adam()', () => new nt.Adam()],
  ];
}

/** Seed 002's list of Keras losses, by their Keras names. */
export const SEED_LOSSES = [
  'mean_squared_error', 'mean_absolute_error', 'mean_absolute_percentage_error', 'mean_squared_logarithmic_error',
  'squared_hinge', 'hinge', 'categorical_hinge', 'logcosh', 'categorical_crossentropy', 'sparse_categorical_crossentropy',
  'binary_crossentropy', 'kullback_leibler_divergence', 'poisson', 'cosine_proximity',
] as const;

export interface OptimizersOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly log?: (line: string) => void;
}

export interface OptimizersResult {
  /** Test accuracy after training, per optimizer label. */
  readonly accuracy: Readonly<Record<string, number>>;
  readonly binaryAccuracy: number;
  readonly mseAccuracy: number;
  /** Each seed-002 loss on the Adam model's test predictions. */
  readonly losses: Readonly<Record<string, number>>;
  /** model.evaluate's categorical crossentropy for the same predictions. */
  readonly evaluateLoss: number;
}

export async function runOptimizersAndLosses(options: OptimizersOptions = {}): Promise<OptimizersResult> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 3);
  const data = await loadFashion(smoke ? { train: 2000, test: 500 } : { train: 60000, test: 10000 });
  const { x, y, xTest, yTest } = oneHotSplits(data, flatten);

  const accuracy: Record<string, number> = {};
  let adamModel: nt.Sequential | null = null;
  for (const [label, make] of seedOptimizers()) {
    const model = mlp();
    model.compile({ optimizer: make(), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const started = performance.now();
    const h = await model.fit(x, y, { batchSize: 32, epochs, verbose: 0, seed: 5 });
    const [testLoss, testAccuracy] = await lossAndAccuracy(model, xTest, yTest);
    accuracy[label] = testAccuracy;
    log(`${label.padEnd(56)} train loss ${(h.history.loss.at(-1) ?? NaN).toFixed(4)}  test loss ${testLoss.toFixed(4)}  test accuracy ${testAccuracy.toFixed(4)}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    if (label === 'Adam()') adamModel = model;
  }

  // Two classes: one sigmoid unit and binary crossentropy (Sneaker = 0 vs Ankle boot = 1).
  const pick = (images: nt.Tensor, labels: nt.Tensor): [nt.Tensor, nt.Tensor] => {
    const rows: number[] = [];
    const values = labels.dataSync();
    values.forEach((v, i) => {
      if (v === 7 || v === 9) rows.push(i);
    });
    const idx = Int32Array.from(rows);
    return [nt.pickRows(images, idx), nt.tensor(Float32Array.from(rows, (i) => (values[i] === 9 ? 1 : 0)), [rows.length, 1])];
  };
  const [xb, yb] = pick(x, data.train.labels);
  const [xbTest, ybTest] = pick(xTest, data.test.labels);
  const binary = mlp(1, 'sigmoid');
  binary.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  await binary.fit(xb, yb, { batchSize: 32, epochs, verbose: 0, seed: 6 });
  const [, binaryAccuracy] = await lossAndAccuracy(binary, xbTest, ybTest);
  log(`binary_crossentropy, Sneaker vs Ankle boot (${xb.shape[0]} training images): test accuracy ${binaryAccuracy.toFixed(4)}`);

  // Mean squared error on the one-hot targets.
  const mseModel = mlp();
  mseModel.compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracy'] });
  await mseModel.fit(x, y, { batchSize: 32, epochs, verbose: 0, seed: 5 });
  const [, mseAccuracy] = await lossAndAccuracy(mseModel, xTest, yTest);
  log(`mse on one-hot targets: test accuracy ${mseAccuracy.toFixed(4)}`);

  // Every loss of seed 002's list, by its Keras name, on the Adam model's predictions.
  const model = adamModel as nt.Sequential;
  const probs = model.predict(xTest, { verbose: 0 }) as nt.Tensor;
  const losses: Record<string, number> = {};
  for (const name of SEED_LOSSES) {
    const target = name === 'sparse_categorical_crossentropy' ? data.test.labels : yTest;
    losses[name] = nt.losses.getLoss(name).compute(target, probs).item();
    log(`  ${name.padEnd(32)} ${losses[name].toFixed(5)}`);
  }
  const [evaluateLoss] = await lossAndAccuracy(model, xTest, yTest);
  return { accuracy, binaryAccuracy, mseAccuracy, losses, evaluateLoss };
}

runIfMain(import.meta.url, async () => {
  const r = await runOptimizersAndLosses({ smoke: isSmoke() });
  printResult({ ...r.accuracy, binaryAccuracy: r.binaryAccuracy, mseAccuracy: r.mseAccuracy, evaluateLoss: r.evaluateLoss, ...Object.fromEntries(Object.entries(r.losses).map(([k, v]) => [`loss:${k}`, v])) });
});
