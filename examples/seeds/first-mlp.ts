/**
 * Seed 002's first Keras models, in Neurite:
 *   1. `Sequential([Dense(5, input_shape=(3,), activation='relu'), Dense(2, activation='softmax')])`
 *      and the same layer written as `model.add(Dense(units=5, input_shape=(3,)))` +
 *      `model.add(Activation('relu'))`: the same function and the same parameter count;
 *   2. the seed's six (height, weight) samples with `Adam(learning_rate=0.0001)`,
 *      `'sparse_categorical_crossentropy'`, `batch_size=3`, `epochs=10`, `shuffle=True`,
 *      `verbose=2` — the seed declares `input_shape=(1,)` for two-column samples, which
 *      Neurite refuses with a clear error, so the twin declares `[2]`;
 *   3. the seed's 16-32-out MLP on real Fashion-MNIST with `validation_data`, `batch_size=10`
 *      and `model.predict(x, batch_size=10, verbose=0)`.
 *
 *   node build/examples/seeds/first-mlp.js            # 60,000 images, 5 epochs
 *   node build/examples/seeds/first-mlp.js --smoke    # seconds
 */
import * as nt from '../../src/index.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, printResult, runIfMain } from './common.js';

/** Part 1: the two spellings of the seed's first layer compute the same thing. */
export function twoSpellings(log: (line: string) => void = console.log): { maxDifference: number; params: [number, number] } {
  nt.setSeed(1);
  const listed = new nt.Sequential([
    new nt.Dense({ units: 5, inputShape: [3], activation: 'relu' }), // hidden layer; inputShape is the input layer
    new nt.Dense({ units: 2, activation: 'softmax' }), // output layer
  ]);
  listed.summary({ printFn: log });

  const added = new nt.Sequential();
  added.add(new nt.Dense({ units: 5, inputShape: [3] }));
  added.add(new nt.Activation({ activation: 'relu' }));
  added.setWeights(listed.layers[0].getWeights()); // same kernel and bias as the first model's hidden layer

  const x = nt.tensor([[0.5, -1, 2], [3, 0.25, -0.5], [-2, 1, 1]]);
  const hidden = listed.layers[0].apply(x) as nt.Tensor;
  const viaAdd = added.predict(x, { verbose: 0 }) as nt.Tensor;
  const maxDifference = nt.max(nt.abs(nt.sub(hidden, viaAdd))).item();
  // Learnable parameters of a Dense layer: inputs × outputs + biases.
  const params: [number, number] = [listed.countParams(), 3 * 5 + 5 + (5 * 2 + 2)];
  log(`Dense(5, relu) and Dense(5) + Activation('relu'): largest difference ${maxDifference}; parameters ${params[0]} (3·5+5 + 5·2+2 = ${params[1]})`);
  return { maxDifference, params };
}

/** Part 2: the seed's six samples (two columns; 0 = male, 1 = female). */
export async function seedSamples(log: (line: string) => void = console.log): Promise<{ error: string; unscaledLoss: number[]; scaledLoss: number[] }> {
  const trainSamples = nt.tensor([[150, 67], [130, 60], [200, 65], [125, 52], [230, 72], [181, 70]]);
  const trainLabels = nt.tensor(Int32Array.from([1, 1, 0, 1, 0, 0]));
  const build = (inputShape: number[]): nt.Sequential =>
    new nt.Sequential([
      new nt.Dense({ units: 16, inputShape, activation: 'relu' }),
      new nt.Dense({ units: 32, activation: 'relu' }),
      new nt.Dense({ units: 2, activation: 'sigmoid' }),
    ]);
  nt.setSeed(2);
  // The seed writes input_shape=(1,): the samples have two columns, so fit must refuse.
  const wrong = build([1]);
  wrong.compile({ optimizer: new nt.Adam({ learningRate: 0.0001 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  let error = '';
  try {
    await wrong.fit(trainSamples, trainLabels, { batchSize: 3, epochs: 1, verbose: 0 });
  } catch (e) {
    error = (e as Error).message;
  }
  log(`input_shape=(1,) with two-column samples: ${error || 'NO ERROR'}`);

  // Unscaled (heights near 200): the ReLU units saturate the sigmoid outputs and the loss stays put.
  const unscaled = build([2]);
  unscaled.compile({ optimizer: new nt.Adam({ learningRate: 0.0001 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const raw = await unscaled.fit(trainSamples, trainLabels, { batchSize: 3, epochs: 10, shuffle: true, verbose: 0, seed: 2 });
  const unscaledLoss = [raw.history.loss[0], raw.history.loss.at(-1) ?? NaN];
  log(`unscaled samples: loss ${unscaledLoss[0].toFixed(4)} → ${unscaledLoss[1].toFixed(4)}`);

  // The seed's comment: train on scaled_train_samples (here min-max scaled to [0, 1] per column).
  const lo = nt.min(trainSamples, 0);
  const scaledTrainSamples = nt.div(nt.sub(trainSamples, lo), nt.sub(nt.max(trainSamples, 0), lo));
  const model = build([2]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.0001 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(scaledTrainSamples, trainLabels, { batchSize: 3, epochs: 10, shuffle: true, verbose: 2, seed: 2 });
  const scaledLoss = [history.history.loss[0], history.history.loss.at(-1) ?? NaN];
  log(`scaled samples: loss ${scaledLoss[0].toFixed(4)} → ${scaledLoss[1].toFixed(4)}`);
  return { error, unscaledLoss, scaledLoss };
}

/** Options of part 3. */
export interface FashionMlpOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly log?: (line: string) => void;
}

/** Part 3: the seed's 16-32 MLP on Fashion-MNIST (10 outputs, softmax). */
export async function fashionMlp(options: FashionMlpOptions = {}): Promise<{ valAccuracy: number; testLoss: number; testAccuracy: number; predictAccuracy: number }> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 2 : 5);
  const data = await loadFashion(smoke ? { train: 3000, test: 1000 } : { train: 60000, test: 10000 });
  const nValid = smoke ? 500 : 5000;
  const nTrain = data.train.labels.size - nValid;
  const x = flatten(data.train.x);
  const scaledTrainSamples = nt.slice(x, [0, 0], [nTrain, 784]);
  const trainLabels = nt.slice(data.train.labels, [0], [nTrain]);
  const validSet: [nt.Tensor, nt.Tensor] = [nt.slice(x, [nTrain, 0], [nValid, 784]), nt.slice(data.train.labels, [nTrain], [nValid])];

  nt.setSeed(3);
  const model = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape: [784], activation: 'relu' }),
    new nt.Dense({ units: 32, activation: 'relu' }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.001 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(scaledTrainSamples, trainLabels, { validationData: validSet, batchSize: 10, epochs, shuffle: true, verbose: 2, seed: 3 });

  const scaledTestSamples = flatten(data.test.x);
  const [testLoss, testAccuracy] = await lossAndAccuracy(model, scaledTestSamples, data.test.labels);
  const predictions = model.predict(scaledTestSamples, { batchSize: 10, verbose: 0 }) as nt.Tensor;
  const predicted = nt.argmax(predictions, 1).dataSync();
  const truth = data.test.labels.dataSync();
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) hits++;
  const predictAccuracy = hits / truth.length;
  const valAccuracy = history.history.val_accuracy.at(-1) ?? NaN;
  log(`Fashion-MNIST 784-16-32-10: val_accuracy ${valAccuracy.toFixed(4)}, test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} (predict + argmax: ${predictAccuracy.toFixed(4)})`);
  return { valAccuracy, testLoss, testAccuracy, predictAccuracy };
}

runIfMain(import.meta.url, async () => {
  const smoke = isSmoke();
  const spellings = twoSpellings();
  const toy = await seedSamples();
  const fashion = await fashionMlp({ smoke });
  printResult({ spellingsMaxDifference: spellings.maxDifference, params: spellings.params, inputShapeError: toy.error.length > 0, toyLossUnscaled: toy.unscaledLoss, toyLossScaled: toy.scaledLoss, ...fashion });
});
