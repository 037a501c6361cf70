/**
 * The layers of seed 001 ("the parts of a deep network") and seed 002 (padding, pooling),
 * each run on the numbers the seeds print, then seed 002's padding/pooling net trained on
 * real Fashion-MNIST:
 *   - Conv2D: the 3×3 kernel [[1,0,1],[0,1,0],[1,0,1]] over the seed's 5×5 image gives
 *     [[4,3,4],[2,4,3],[2,3,4]]; strides and padding='same' give input_size / strides;
 *   - MaxPooling2D / AveragePooling2D 2×2 on the 4×4 example: [[6,8],[3,4]] and
 *     [[3.25,5.25],[2,2]]; GlobalAveragePooling2D: one mean per channel;
 *   - ZeroPadding2D(padding=(2, 2)) on 32×32×3 → 36×36×3, Cropping2D, UpSampling2D(size=(2, 2));
 *   - Activation (relu = x·(x>0) and its derivative, sigmoid, tanh), Dropout, Flatten;
 *   - Flatten + Dense versus GlobalAveragePooling2D: parameter counts;
 *   - seed 002's `model_valid` (padding='valid': 20 → 18 → 14 → 8) and its padding='same' +
 *     MaxPooling2D(pool_size=(2, 2), strides=2) variant, with Keras' parameter counts.
 *
 *   node build/examples/seeds/layers-tour.js            # the padding/pooling net on 20,000 images, 2 epochs
 *   node build/examples/seeds/layers-tour.js --smoke    # seconds
 */
import * as nt from '../../src/index.js';
import { isSmoke, type Json, loadFashion, lossAndAccuracy, printResult, runIfMain, withChannel } from './common.js';

const asImage = (rows: number[][]): nt.Tensor => nt.tensor(rows).reshape([1, rows.length, rows[0].length, 1]);
const asRows = (t: nt.Tensor): number[][] => {
  const [, h, w] = t.shape;
  const values = t.dataSync();
  return Array.from({ length: h }, (_, i) => Array.from(values.subarray(i * w, (i + 1) * w)));
};

/** Seed 001's convolution and pooling examples, on their own numbers. */
export function convAndPooling(log: (line: string) => void = console.log): { conv: number[][]; maxPool: number[][]; avgPool: number[][]; globalAvg: number; sameShape: number[]; strided: number[] } {
  const image = asImage([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]);
  const conv = new nt.Conv2D({ filters: 1, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', useBias: false });
  conv.apply(image); // builds the kernel (random), replaced next by the seed's
  conv.setWeights([nt.tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]]).reshape([3, 3, 1, 1])]);
  const convOut = asRows(conv.apply(image) as nt.Tensor);
  log(`Conv2D 3×3 over the 5×5 image: ${JSON.stringify(convOut)}`);
  const same = new nt.Conv2D({ filters: 1, kernelSize: 3, padding: 'same' }).apply(image) as nt.Tensor;
  const strided = new nt.Conv2D({ filters: 1, kernelSize: 3, strides: 2, padding: 'same' }).apply(image) as nt.Tensor;
  log(`padding='same': output ${same.shape.slice(1, 3).join('×')} (= input); strides=2: ${strided.shape.slice(1, 3).join('×')} (= ceil(5 / 2))`);

  const x = asImage([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]);
  const maxPool = asRows(new nt.MaxPooling2D({ poolSize: [2, 2] }).apply(x) as nt.Tensor);
  const avgPool = asRows(new nt.AveragePooling2D({ poolSize: [2, 2] }).apply(x) as nt.Tensor);
  const globalAvg = (new nt.GlobalAveragePooling2D().apply(x) as nt.Tensor).item();
  log(`MaxPooling2D 2×2: ${JSON.stringify(maxPool)}; AveragePooling2D 2×2: ${JSON.stringify(avgPool)}; GlobalAveragePooling2D: ${globalAvg}`);
  return { conv: convOut, maxPool, avgPool, globalAvg, sameShape: same.shape.slice(1), strided: strided.shape.slice(1) };
}

/** Reshaping layers, activations, dropout and flatten on small inputs. */
export function otherLayers(log: (line: string) => void = console.log): { padded: number[]; cropped: number[]; upsampled: number[]; reluGrad: number[]; dropoutZeroFraction: number } {
  const rgb = nt.randomUniform([1, 32, 32, 3], { seed: 1 });
  const padded = (new nt.ZeroPadding2D({ padding: [2, 2] }).apply(rgb) as nt.Tensor).shape.slice(1);
  const cropped = (new nt.Cropping2D({ cropping: [[12, 0], [0, 0]] }).apply(rgb) as nt.Tensor).shape.slice(1); // drop the "sky": the top 12 rows
  const upsampled = (new nt.UpSampling2D({ size: [2, 2] }).apply(rgb) as nt.Tensor).shape.slice(1);
  log(`32×32×3 → ZeroPadding2D((2, 2)) ${padded.join('×')}, Cropping2D(((12, 0), (0, 0))) ${cropped.join('×')}, UpSampling2D((2, 2)) ${upsampled.join('×')}`);

  const v = nt.tensor([-2, -0.5, 0.5, 2]);
  const reluGrad = Array.from(nt.grad((t) => nt.sum(nt.relu(t)))(v).dataSync());
  const show = (t: nt.Tensor): string => Array.from(t.dataSync(), (a) => a.toFixed(3)).join(', ');
  log(`x = [-2, -0.5, 0.5, 2]: relu [${show(nt.relu(v))}] (derivative [${reluGrad.join(', ')}]), sigmoid [${show(nt.sigmoid(v))}], tanh [${show(nt.tanh(v))}]`);

  const ones = nt.ones([1, 10000]);
  const dropped = new nt.Dropout({ rate: 0.3, seed: 1 }).apply(ones, { training: true }) as nt.Tensor;
  let zeros = 0;
  for (const d of dropped.dataSync()) if (d === 0) zeros++;
  const kept = Array.from(dropped.dataSync()).find((d) => d !== 0) ?? 0;
  log(`Dropout(0.3) while training: ${(zeros / 100).toFixed(1)}% of 10,000 inputs zeroed, the rest scaled to ${kept.toFixed(4)} (1 / 0.7); at inference it passes inputs through`);
  return { padded, cropped, upsampled, reluGrad, dropoutZeroFraction: zeros / 10000 };
}

/** Seed 001's point: Flatten + Dense costs far more parameters than GlobalAveragePooling2D. */
export function flattenVersusGap(log: (line: string) => void = console.log): { flattenDense: number; gapDense: number } {
  const head = (pool: nt.Layer): nt.Sequential => new nt.Sequential([new nt.InputLayer({ inputShape: [7, 7, 512] }), pool, new nt.Dense({ units: 1000 })]);
  const flattenDense = head(new nt.Flatten()).countParams();
  const gapDense = head(new nt.GlobalAveragePooling2D()).countParams();
  log(`7×7×512 features → 1000 classes: Flatten + Dense ${flattenDense.toLocaleString('en-US')} parameters, GlobalAveragePooling2D + Dense ${gapDense.toLocaleString('en-US')}`);
  return { flattenDense, gapDense };
}

/** Seed 002's `model_valid` and its same-padding + max-pooling variant (input 20×20×3, or any). */
export function seedPaddingModels(inputShape: number[] = [20, 20, 3], classes = 2): { valid: nt.Sequential; same: nt.Sequential } {
  const valid = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape, activation: 'relu' }),
    new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', padding: 'valid' }),
    new nt.Conv2D({ filters: 64, kernelSize: [5, 5], activation: 'relu', padding: 'valid' }),
    new nt.Conv2D({ filters: 128, kernelSize: [7, 7], activation: 'relu', padding: 'valid' }),
    new nt.Flatten(),
    new nt.Dense({ units: classes, activation: 'softmax' }),
  ]);
  const same = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape, activation: 'relu' }),
    new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', padding: 'same' }),
    new nt.MaxPooling2D({ poolSize: [2, 2], strides: 2, padding: 'valid' }),
    new nt.Conv2D({ filters: 64, kernelSize: [5, 5], activation: 'relu', padding: 'same' }),
    new nt.Flatten(),
    new nt.Dense({ units: classes, activation: 'softmax' }),
  ]);
  return { valid, same };
}

export interface LayersTourOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly log?: (line: string) => void;
}

export async function runLayersTour(options: LayersTourOptions = {}): Promise<Record<string, Json>> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 2);
  const cp = convAndPooling(log);
  const other = otherLayers(log);
  const heads = flattenVersusGap(log);

  nt.setSeed(4);
  const { valid, same } = seedPaddingModels();
  valid.summary({ printFn: log });
  same.summary({ printFn: log });
  let shape: nt.LayerShape = [null, 20, 20, 3];
  const validShapes = valid.layers.map((l) => (shape = l.computeOutputShape(shape) as nt.LayerShape).slice(1) as number[]);

  // The same-padding net on real images: 28×28×1 Fashion-MNIST, ten classes.
  const data = await loadFashion(smoke ? { train: 1000, test: 500 } : { train: 20000, test: 10000 });
  const model = seedPaddingModels([28, 28, 1], 10).same;
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(withChannel(data.train.x), data.train.labels, { batchSize: 32, epochs, verbose: 2, seed: 4 });
  const [testLoss, testAccuracy] = await lossAndAccuracy(model, withChannel(data.test.x), data.test.labels);
  log(`padding='same' + MaxPooling2D net on Fashion-MNIST (${data.train.labels.size} images, ${epochs} epochs): test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`);
  return {
    ...cp,
    ...other,
    ...heads,
    validShapes,
    validParams: valid.layers.map((l) => l.countParams()),
    sameParams: same.layers.map((l) => l.countParams()),
    testLoss,
    testAccuracy,
  };
}

runIfMain(import.meta.url, async () => {
  printResult(await runLayersTour({ smoke: isSmoke() }));
});
