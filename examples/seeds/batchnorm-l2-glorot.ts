/**
 * Seed 002's weight initialisation, L2 regularisation and batch normalisation, checked on
 * their formulas and then compared on real Fashion-MNIST:
 *   - `Dense(32, activation='relu', kernel_initializer='glorot_uniform')`: Xavier/Glorot
 *     weights, uniform in ±sqrt(6 / (fan_in + fan_out)), variance 2 / (fan_in + fan_out);
 *     He (`he_normal`, the seed's "var = 2 / n"): variance 2 / fan_in;
 *   - `Dense(32, activation='relu', kernel_regularizer=regularizers.l2(0.01))`: the penalty
 *     0.01 · Σw² is added to the loss;
 *   - `BatchNormalization(axis=1)` in the seed's model with `input_shape=(1, 5)`: axis 1 has
 *     size 1 there, so the layer learns one γ and one β instead of one per unit;
 *     BatchNormalization normalises each feature of a batch to mean 0, variance 1;
 *   - an MLP on Fashion-MNIST: plain, with BatchNormalization, with L2 — test accuracy and
 *     the train–test gap.
 *
 *   node build/examples/seeds/batchnorm-l2-glorot.js            # 60,000 images, 5 epochs per model
 *   node build/examples/seeds/batchnorm-l2-glorot.js --smoke    # seconds
 */
import * as nt from '../../src/index.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, printResult, runIfMain } from './common.js';

const variance = (t: nt.Tensor): number => {
  const m = nt.mean(t).item();
  return nt.mean(nt.square(nt.sub(t, m))).item();
};

/** Glorot and He initialisers against their formulas, on a 784 → 256 kernel. */
export function initialisers(log: (line: string) => void = console.log): { glorotLimit: number; glorotMaxAbs: number; glorotVar: number; glorotVarFormula: number; heVar: number; heVarFormula: number } {
  nt.setSeed(20);
  const [fanIn, fanOut] = [784, 256];
  const glorot = new nt.Dense({ units: fanOut, activation: 'relu', kernelInitializer: 'glorot_uniform' });
  glorot.apply(nt.zeros([1, fanIn]));
  const w = glorot.getWeights()[0];
  const glorotLimit = Math.sqrt(6 / (fanIn + fanOut));
  const glorotMaxAbs = nt.max(nt.abs(w)).item();
  const glorotVar = variance(w);
  const he = new nt.Dense({ units: fanOut, kernelInitializer: 'he_normal' });
  he.apply(nt.zeros([1, fanIn]));
  const heVar = variance(he.getWeights()[0]);
  log(`glorot_uniform 784→256: max |w| ${glorotMaxAbs.toFixed(5)} ≤ sqrt(6/(784+256)) = ${glorotLimit.toFixed(5)}; var ${glorotVar.toExponential(4)} vs 2/(784+256) = ${(2 / 1040).toExponential(4)}`);
  log(`he_normal 784→256: var ${heVar.toExponential(4)} vs 2/784 = ${(2 / 784).toExponential(4)} (truncated normal, rescaled to keep that variance)`);
  return { glorotLimit, glorotMaxAbs, glorotVar, glorotVarFormula: 2 / (fanIn + fanOut), heVar, heVarFormula: 2 / fanIn };
}

/** The L2 penalty of `kernel_regularizer=l2(0.01)` equals 0.01·Σw², and training adds it to the loss. */
export async function l2Penalty(x: nt.Tensor, y: nt.Tensor, log: (line: string) => void = console.log): Promise<{ penalty: number; formula: number; lossWith: number; lossWithout: number }> {
  nt.setSeed(21);
  const model = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape: [784], activation: 'relu' }),
    new nt.Dense({ units: 32, activation: 'relu', kernelRegularizer: nt.regularizers.l2(0.01) }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  const penalty = model.regularizationLosses().reduce((s, t) => s + t.item(), 0);
  const w = model.layers[1].getWeights()[0];
  const formula = 0.01 * nt.sum(nt.square(w)).item();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const lossWith = (await model.evaluate(x, y, { verbose: 0 })) as number;
  const plain = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape: [784], activation: 'relu' }),
    new nt.Dense({ units: 32, activation: 'relu' }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  plain.setWeights(model.getWeights());
  plain.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const lossWithout = (await plain.evaluate(x, y, { verbose: 0 })) as number;
  log(`l2(0.01) penalty ${penalty.toFixed(5)} = 0.01·Σw² ${formula.toFixed(5)}; loss with it ${lossWith.toFixed(5)}, same weights without it ${lossWithout.toFixed(5)} (difference ${(lossWith - lossWithout).toFixed(5)})`);
  return { penalty, formula, lossWith, lossWithout };
}

/** The seed's model with BatchNormalization(axis=1) on input_shape=(1, 5), and BatchNormalization on real features. */
export function batchNorm(x: nt.Tensor, log: (line: string) => void = console.log): { seedBnParams: number; lastAxisBnParams: number; bnMeanAbs: number; bnVarMaxError: number; nearOne: number } {
  const seedModel = (axis: number): nt.Sequential =>
    new nt.Sequential([
      new nt.Dense({ units: 16, inputShape: [1, 5], activation: 'relu' }),
      new nt.Dense({ units: 32, activation: 'relu' }),
      new nt.BatchNormalization({ axis }),
      new nt.Dense({ units: 2, activation: 'softmax' }),
    ]);
  const seed = seedModel(1);
  seed.summary({ printFn: log });
  const seedBnParams = seed.layers[2].countParams();
  const lastAxisBnParams = seedModel(-1).layers[2].countParams();
  log(`BatchNormalization(axis=1) on (None, 1, 32): ${seedBnParams} parameters (γ, β, moving mean, moving variance for 1 feature); axis=-1: ${lastAxisBnParams} (for 32 features)`);

  // On real features: Dense(64) of 512 Fashion-MNIST images, normalised in training mode.
  nt.setSeed(22);
  const dense = new nt.Dense({ units: 64, activation: 'relu' });
  const bn = new nt.BatchNormalization();
  const h = dense.apply(x) as nt.Tensor;
  const z = bn.apply(h, { training: true }) as nt.Tensor;
  const featureVariance = (t: nt.Tensor): Float32Array => nt.mean(nt.square(nt.sub(t, nt.mean(t, 0))), 0).dataSync() as Float32Array;
  const bnMeanAbs = nt.max(nt.abs(nt.mean(z, 0))).item();
  // Each feature becomes (h − mean) / sqrt(var + ε): its variance is var / (var + ε), ε = 0.001.
  const before = featureVariance(h);
  const after = featureVariance(z);
  let bnVarMaxError = 0;
  let nearOne = 0;
  for (let j = 0; j < before.length; j++) {
    bnVarMaxError = Math.max(bnVarMaxError, Math.abs(after[j] - before[j] / (before[j] + bn.epsilon)));
    if (Math.abs(after[j] - 1) < 0.05) nearOne++;
  }
  log(`BatchNormalization (training) of Dense(64) on ${x.shape[0]} images: largest |feature mean| ${bnMeanAbs.toExponential(2)}; ${nearOne} of 64 feature variances within 0.05 of 1, all equal var/(var+ε) to ${bnVarMaxError.toExponential(2)}`);
  return { seedBnParams, lastAxisBnParams, bnMeanAbs, bnVarMaxError, nearOne };
}

export interface CompareOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly log?: (line: string) => void;
}

/** Plain MLP, MLP + BatchNormalization, MLP + L2 on Fashion-MNIST: test accuracy and gap. */
export async function compare(options: CompareOptions = {}): Promise<Record<string, { train: number; test: number }>> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 2 : 5);
  const data = await loadFashion(smoke ? { train: 2000, test: 500 } : { train: 60000, test: 10000 });
  const x = flatten(data.train.x);
  const xTest = flatten(data.test.x);
  const variants: [string, () => nt.Layer[]][] = [
    ['plain', () => [new nt.Dense({ units: 256, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' })]],
    ['batchnorm', () => [new nt.Dense({ units: 256, activation: 'relu', inputShape: [784] }), new nt.BatchNormalization(), new nt.Dense({ units: 256, activation: 'relu' }), new nt.BatchNormalization()]],
    ['l2(1e-4)', () => [new nt.Dense({ units: 256, activation: 'relu', inputShape: [784], kernelRegularizer: nt.regularizers.l2(1e-4) }), new nt.Dense({ units: 256, activation: 'relu', kernelRegularizer: nt.regularizers.l2(1e-4) })]],
  ];
  const out: Record<string, { train: number; test: number }> = {};
  for (const [name, layers] of variants) {
    nt.setSeed(23);
    const model = new nt.Sequential([...layers(), new nt.Dense({ units: 10, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, data.train.labels, { batchSize: 64, epochs, verbose: 0, seed: 23 });
    const [, train] = await lossAndAccuracy(model, x, data.train.labels);
    const [, test] = await lossAndAccuracy(model, xTest, data.test.labels);
    out[name] = { train, test };
    log(`${name.padEnd(10)} train accuracy ${train.toFixed(4)}, test accuracy ${test.toFixed(4)}, gap ${(train - test).toFixed(4)}`);
  }
  return out;
}

runIfMain(import.meta.url, async () => {
  const smoke = isSmoke();
  const init = initialisers();
  const data = await loadFashion({ train: 512, test: 1 });
  const l2 = await l2Penalty(flatten(data.train.x), data.train.labels);
  const bn = batchNorm(flatten(data.train.x));
  const cmp = await compare({ smoke });
  printResult({ ...init, ...l2, ...bn, ...Object.fromEntries(Object.entries(cmp).flatMap(([k, v]) => [[`${k}:train`, v.train], [`${k}:test`, v.test]])) });
});
