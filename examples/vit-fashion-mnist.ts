/**
 * A small Vision Transformer (Dosovitskiy et al., "An image is worth 16×16 words") on real
 * Fashion-MNIST, written with the functional API:
 *
 *   patches:   Conv2D(dim, kernel = stride = patchSize) → Reshape([patches, dim])
 *   positions: + PositionEmbedding (a learned row per patch)
 *   depth ×    x + Dropout(MultiHeadAttention(LayerNorm(x)))      (pre-norm encoder block,
 *              x + Dropout(Dense(dim)(Dropout(Dense(mlpDim, gelu)(LayerNorm(x)))))   examples/common/transformer.ts)
 *   head:      LayerNorm → GlobalAveragePooling1D → Dropout → Dense(10, softmax)
 *
 * AdamW (weight decay 1e-4) with a linear warm-up and a cosine decay of the learning rate,
 * sparse categorical crossentropy, batch 128, 10 % of the training images held out for
 * validation, the test accuracy at the end.
 *
 *   node build/examples/vit-fashion-mnist.js             # full run (docs/layers.md, "Transformer examples": times, accuracy)
 *   node build/examples/vit-fashion-mnist.js --smoke     # seconds
 *   node build/examples/vit-fashion-mnist.js --patch-size 4 --epochs 4 --dim 48 --depth 3 --dropout 0
 *
 * It trains from fit's plans (`--eager`: op by op).
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { CLASSES, loadFashionMnist, type FashionSplit } from './common/fashion-mnist.js';
import { numberArg as arg } from './common/cli.js';
import { transformerBlock } from './common/transformer.js';

export interface VitOptions {
  /** Small sizes for tests: 512 training and 256 test images, one epoch, a tiny model (seconds). */
  readonly smoke?: boolean;
  /** Side of the square patches; 28 must be a multiple of it (default 7: 16 patches; 4 gives 49 patches and ≈ 10× slower steps). */
  readonly patchSize?: number;
  /** Width of the token vectors (default 64). */
  readonly dim?: number;
  /** Encoder blocks (default 2). */
  readonly depth?: number;
  /** Attention heads; keyDim = dim / heads (default 4). */
  readonly heads?: number;
  /** Hidden width of each block's MLP (default 2·dim). */
  readonly mlpDim?: number;
  /** Dropout after the attention, in the MLPs and before the classifier (default 0: the 12-epoch run does not overfit). */
  readonly dropout?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** The peak learning rate, reached after the warm-up (default 2e-3; smoke 5e-3). */
  readonly learningRate?: number;
  readonly weightDecay?: number;
  /** Epochs of linear warm-up before the cosine decay (default 1; fractions allowed). */
  readonly warmupEpochs?: number;
  /** Use only the first n training / test images (default: all 60,000 / 10,000). */
  readonly trainSamples?: number;
  readonly testSamples?: number;
  readonly validationSplit?: number;
  /**
   * Train eagerly instead of from a plan (default true): works around a plan-fusion bug that
   * corrupts the gradient of a tensor read by two matmuls (e.g. the input of the query, key
   * and value projections); see docs/layers.md, Transformer examples.
   */
  readonly runEagerly?: boolean;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

export interface VitResult {
  readonly history: nt.History;
  readonly testAccuracy: number;
  readonly testLoss: number;
  /** Test accuracy after each epoch (measured by a callback; the last equals testAccuracy). */
  readonly testAccuracies: number[];
  /** Test loss after each epoch. */
  readonly testLosses: number[];
  readonly model: nt.Model;
  readonly params: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly fullDataset: boolean;
  readonly seconds: number;
}

/** The architecture of {@link vit}. */
export interface VitConfig {
  readonly imageSize: number;
  readonly channels: number;
  readonly patchSize: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpDim: number;
  readonly dropout: number;
  readonly classes: number;
  readonly seed: number;
}

/** A Vision Transformer for [imageSize, imageSize, channels] images, softmax over `classes`. */
export function vit(c: VitConfig): nt.Model {
  if (c.imageSize % c.patchSize !== 0) throw new RangeError(`vit: patchSize ${c.patchSize} must divide the image size ${c.imageSize}`);
  if (c.dim % c.heads !== 0) throw new RangeError(`vit: dim ${c.dim} must be a multiple of heads ${c.heads}`);
  const patches = (c.imageSize / c.patchSize) ** 2;
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: c.seed + k });
  const input = nt.Input({ shape: [c.imageSize, c.imageSize, c.channels], name: 'image' });
  const apply = (layer: nt.Layer, x: nt.SymbolicTensor | nt.SymbolicTensor[]): nt.SymbolicTensor => layer.apply(x) as nt.SymbolicTensor;
  // Patch embedding: one linear map per non-overlapping patch is a strided convolution.
  const embedded = apply(new nt.Conv2D({ filters: c.dim, kernelSize: c.patchSize, strides: c.patchSize, kernelInitializer: init(0), name: 'patch_embedding' }), input);
  const tokens = apply(new nt.Reshape({ targetShape: [patches, c.dim], name: 'patches' }), embedded);
  const positions = apply(new nt.PositionEmbedding({ sequenceLength: patches, initializer: new nt.initializers.RandomNormal({ stddev: 0.02, seed: c.seed + 1 }), name: 'position_embedding' }), tokens);
  let x = apply(new nt.Add({ name: 'add_positions' }), [tokens, positions]);
  for (let i = 0; i < c.depth; i++) {
    x = transformerBlock(x, { heads: c.heads, mlpDim: c.mlpDim, dropout: c.dropout, normalizeFirst: true, seed: c.seed + 100 * (i + 1), name: `block${i + 1}` });
  }
  x = apply(new nt.LayerNormalization({ epsilon: 1e-6, name: 'final_ln' }), x);
  x = apply(new nt.GlobalAveragePooling1D({ name: 'pool' }), x);
  if (c.dropout > 0) x = apply(new nt.Dropout({ rate: c.dropout, seed: c.seed + 2, name: 'head_dropout' }), x);
  const output = apply(new nt.Dense({ units: c.classes, activation: 'softmax', kernelInitializer: init(3), name: 'classifier' }), x);
  return new nt.Model({ inputs: input, outputs: output, name: 'vit' });
}

function take(split: FashionSplit, n: number): { x: nt.Tensor; y: nt.Tensor } {
  const count = Math.min(n, split.labels.size);
  return {
    x: nt.reshape(nt.slice(split.images, [0, 0, 0], [count, 28, 28]), [count, 28, 28, 1]),
    y: nt.slice(split.labels, [0], [count]),
  };
}

/** Evaluates the test images at the end of every epoch, so the log shows test accuracy as training goes. */
class TestAccuracy extends nt.Callback {
  readonly accuracies: number[] = [];
  readonly losses: number[] = [];
  constructor(
    private readonly net: nt.Model,
    private readonly x: nt.Tensor,
    private readonly y: nt.Tensor,
    private readonly log: (line: string) => void,
  ) {
    super();
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const [loss, accuracy] = (await this.net.evaluate(this.x, this.y, { verbose: 0, batchSize: 500 })) as number[];
    this.losses.push(loss);
    this.accuracies.push(accuracy);
    this.log(`epoch ${epoch + 1}: test loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
  }
}

export async function runVit(options: VitOptions = {}): Promise<VitResult> {
  const smoke = options.smoke ?? false;
  const { patchSize = 7, dim = smoke ? 16 : 64, depth = smoke ? 1 : 2, heads = smoke ? 2 : 4, dropout = 0, epochs = smoke ? 1 : 12 } = options;
  const { mlpDim = 2 * dim, batchSize = smoke ? 64 : 128, learningRate = smoke ? 5e-3 : 2e-3, weightDecay = 1e-4, warmupEpochs = smoke ? 0 : 1 } = options;
  const { trainSamples = smoke ? 512 : 60000, testSamples = smoke ? 256 : 10000, validationSplit = smoke ? 0 : 0.1, runEagerly = false, seed = 1, verbose = 2, log = console.log } = options;
  const started = performance.now();
  const data = await loadFashionMnist();
  const train = take(data.train, trainSamples);
  const test = take(data.test, testSamples);
  const trainSize = train.y.size;
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset)'}: ${trainSize} training (${Math.round(trainSize * validationSplit)} of them for validation), ${test.y.size} test images; backend ${nt.getBackendName()}`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = vit({ imageSize: 28, channels: 1, patchSize, dim, depth, heads, mlpDim, dropout, classes: 10, seed });
  const params = model.countParams();
  if (verbose) model.summary({ printFn: log });
  const stepsPerEpoch = Math.ceil((trainSize - Math.round(trainSize * validationSplit)) / batchSize);
  const warmupSteps = Math.round(warmupEpochs * stepsPerEpoch);
  const schedule = new nt.CosineDecay({
    initialLearningRate: warmupSteps > 0 ? learningRate / 10 : learningRate,
    warmupTarget: warmupSteps > 0 ? learningRate : null,
    warmupSteps,
    decaySteps: Math.max(1, epochs * stepsPerEpoch - warmupSteps),
    alpha: 0.01,
  });
  model.compile({ optimizer: new nt.AdamW({ learningRate: schedule, weightDecay }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], runEagerly });
  log(`ViT: patches ${patchSize}×${patchSize} (${(28 / patchSize) ** 2} tokens), dim ${dim}, ${depth} blocks, ${heads} heads, MLP ${mlpDim}; ${params} parameters; AdamW (peak ${learningRate}, weight decay ${weightDecay}), ${warmupSteps} warm-up steps then cosine decay over ${epochs} epochs of ${stepsPerEpoch} steps`);
  const tester = new TestAccuracy(model, test.x, test.y, log);
  const history = await model.fit(train.x, train.y, { epochs, batchSize, validationSplit, verbose, seed, callbacks: [tester] });
  const testLoss = tester.losses[tester.losses.length - 1];
  const testAccuracy = tester.accuracies[tester.accuracies.length - 1];
  const seconds = (performance.now() - started) / 1000;
  log(`test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} after ${epochs} epochs (${seconds.toFixed(0)} s in all)`);
  const shown = Math.min(5, test.y.size);
  const pred = nt.argmax(model.predict(nt.slice(test.x, [0, 0, 0, 0], [shown, 28, 28, 1])) as nt.Tensor, 1).dataSync();
  const truth = test.y.dataSync();
  log(`first test images: ${Array.from(pred, (p, i) => `${CLASSES[p]} (true: ${CLASSES[truth[i]]})`).join(', ')}`);
  return { history, testAccuracy, testLoss, testAccuracies: tester.accuracies, testLosses: tester.losses, model, params, trainSize, testSize: test.y.size, fullDataset: data.full, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runVit({
    smoke: process.argv.includes('--smoke'),
    epochs: arg('epochs'),
    patchSize: arg('patch-size'),
    dim: arg('dim'),
    depth: arg('depth'),
    heads: arg('heads'),
    mlpDim: arg('mlp-dim'),
    dropout: arg('dropout'),
    batchSize: arg('batch-size'),
    learningRate: arg('lr'),
    weightDecay: arg('weight-decay'),
    warmupEpochs: arg('warmup-epochs'),
    trainSamples: arg('train-samples'),
    testSamples: arg('test-samples'),
    seed: arg('seed'),
    runEagerly: process.argv.includes('--eager'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
