/**
 * Neurite demo: multinomial logistic regression on real Fashion-MNIST, written directly
 * with tensors and autograd (no model API yet).
 *
 *   npm run demo                      # 5 epochs
 *   npm run demo -- --epochs 2        # fewer epochs
 *
 * Data: the Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist),
 * or the folder named by FASHION_MNIST_DIR holding the four IDX files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { numberArg as argValue } from './common/cli.js';

const DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface Split {
  readonly x: nt.Tensor; // [n, 784] float32 in [0, 1]
  readonly y: Int32Array; // labels 0..9
}

/** Loads one split ('train' or 't10k') of Fashion-MNIST from its IDX files. */
export async function loadFashionMnist(split: 'train' | 't10k', dir = process.env.FASHION_MNIST_DIR ?? DEFAULT_DIR): Promise<Split> {
  const images = join(dir, `${split}-images-idx3-ubyte.gz`);
  const labels = join(dir, `${split}-labels-idx1-ubyte.gz`);
  if (!existsSync(images) || !existsSync(labels)) {
    throw new Error(`Fashion-MNIST not found in ${dir}. Run 'bash scripts/setup.sh' (installs the Debian package dataset-fashion-mnist) or set FASHION_MNIST_DIR to a folder with the IDX files.`);
  }
  const img = await nt.readIdxFile(images);
  const lab = await nt.readIdxFile(labels);
  const [n, h, w] = img.shape;
  const pixels = new Float32Array(n * h * w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = img.data[i] / 255;
  return { x: nt.tensor(pixels, [n, h * w]), y: Int32Array.from(lab.data) };
}

/** Rows `idx` of x and their labels. */
function batchOf(data: Split, idx: Int32Array): { x: nt.Tensor; y: nt.Tensor } {
  return { x: nt.gather(data.x, nt.tensor(idx)), y: nt.tensor(idx.map((i) => data.y[i])) };
}

/** Mean cross-entropy of softmax(logits) against integer labels. */
function crossEntropy(logits: nt.Tensor, labels: nt.Tensor): nt.Tensor {
  const onehot = nt.oneHot(labels, logits.shape[1]);
  return nt.neg(nt.mean(nt.sum(nt.mul(onehot, nt.logSoftmax(logits)), 1)));
}

function accuracy(logits: nt.Tensor, labels: Int32Array): number {
  const pred = nt.argmax(logits, 1).dataSync();
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hit++;
  return hit / labels.length;
}

export interface TrainOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface TrainResult {
  readonly losses: number[];
  readonly testAccuracy: number;
}

/** Trains softmax regression with minibatch SGD and returns the per-epoch losses and test accuracy. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const { epochs = 5, batchSize = 100, learningRate = 0.1, seed = 42, log = console.log } = options;
  const trainSet = await loadFashionMnist('train');
  const testSet = await loadFashionMnist('t10k');
  const n = trainSet.y.length;
  log(`Fashion-MNIST: ${n} training and ${testSet.y.length} test images, 784 pixels each; backend: ${nt.getBackendName()}`);

  const W = nt.zeros([784, 10]);
  const b = nt.zeros([10]);
  W.requiresGrad = true;
  b.requiresGrad = true;
  let weights = { W, b };
  const rng = new nt.Rng(seed);
  const losses: number[] = [];

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = Date.now();
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let total = 0;
    let batches = 0;
    for (let start = 0; start < n; start += batchSize) {
      const { x, y } = batchOf(trainSet, order.subarray(start, Math.min(n, start + batchSize)));
      const loss = crossEntropy(nt.add(nt.matmul(x, weights.W), weights.b), y);
      const [gW, gb] = nt.gradients(loss, [weights.W, weights.b], { retainGraph: false });
      // The SGD step is not recorded: new leaves replace the old weights.
      weights = nt.noGrad(() => ({ W: nt.sub(weights.W, nt.mul(gW, learningRate)), b: nt.sub(weights.b, nt.mul(gb, learningRate)) }));
      weights.W.requiresGrad = true;
      weights.b.requiresGrad = true;
      total += loss.item();
      batches++;
    }
    losses.push(total / batches);
    const trainAcc = nt.noGrad(() => accuracy(nt.add(nt.matmul(trainSet.x, weights.W), weights.b), trainSet.y));
    log(`epoch ${epoch}/${epochs}  loss ${(total / batches).toFixed(4)}  train accuracy ${trainAcc.toFixed(4)}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  const testLogits = nt.noGrad(() => nt.add(nt.matmul(testSet.x, weights.W), weights.b));
  const testAccuracy = accuracy(testLogits, testSet.y);
  log(`test accuracy ${testAccuracy.toFixed(4)} on ${testSet.y.length} images`);
  const pred = nt.argmax(testLogits, 1).dataSync();
  log(`first test images: ${Array.from({ length: 5 }, (_, i) => `${CLASSES[pred[i]]} (true: ${CLASSES[testSet.y[i]]})`).join(', ')}`);
  return { losses, testAccuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  train({ epochs: argValue('epochs'), batchSize: argValue('batch-size'), learningRate: argValue('lr') }).catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
