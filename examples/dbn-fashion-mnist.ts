/**
 * A deep belief network (784-256-128) on real Fashion-MNIST: greedy RBM pretraining on
 * unlabelled images (reconstruction error printed per epoch), then fine-tuning as a
 * classifier on a small labelled subset, against the same network from random (Glorot)
 * initialisation trained equally long on the same labels. Both test accuracies are printed.
 *
 *   node build/examples/dbn-fashion-mnist.js            # full: 20,000 unlabelled, 2,000 labels (≈ 35–60 s on 2 cores; test accuracy 0.830 vs 0.825 from random init)
 *   node build/examples/dbn-fashion-mnist.js --smoke    # seconds
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { DBN, denseSigmoidClassifier, type RBMHistory } from '../src/unsupervised/index.js';
import { rowsOf } from '../src/unsupervised/rbm.js';
import { loadFashionMnist } from './common/fashion-mnist.js';
import { numberArg as arg } from './common/cli.js';

export interface DbnOptions {
  /** Small and fast (for tests and CI). */
  readonly smoke?: boolean;
  /** Unlabelled training images for pretraining (default 20,000; smoke 1,000). */
  readonly pretrainImages?: number;
  /** Labelled training images for fine-tuning (default 2,000; smoke 300). */
  readonly labels?: number;
  readonly pretrainEpochs?: number;
  readonly fineTuneEpochs?: number;
  readonly layerSizes?: readonly number[];
  /** CD learning rate of every RBM (default 0.05). */
  readonly pretrainLearningRate?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface DbnResult {
  readonly pretraining: RBMHistory[];
  readonly pretrainedAccuracy: number;
  readonly randomInitAccuracy: number;
  readonly fullDataset: boolean;
  readonly seconds: number;
}

async function fineTune(model: nt.Sequential, x: nt.Tensor, y: nt.Tensor, epochs: number, seed: number): Promise<void> {
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.001 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs, batchSize: 32, verbose: 0, seed });
}

async function accuracy(model: nt.Sequential, x: nt.Tensor, y: nt.Tensor): Promise<number> {
  const [, acc] = (await model.evaluate(x, y, { verbose: 0, batchSize: 512 })) as number[];
  return acc;
}

export async function runDbn(options: DbnOptions = {}): Promise<DbnResult> {
  const smoke = options.smoke ?? false;
  const { seed = 1, log = console.log, layerSizes = [784, 256, 128] } = options;
  const pretrainEpochs = options.pretrainEpochs ?? (smoke ? 2 : 5);
  const fineTuneEpochs = options.fineTuneEpochs ?? (smoke ? 5 : 30);
  const started = performance.now();
  const data = await loadFashionMnist();
  const nTrain = data.train.labels.size;
  const nUnlabelled = Math.min(nTrain, options.pretrainImages ?? (smoke ? 1000 : 20000));
  const nLabels = Math.min(nTrain, options.labels ?? (smoke ? 300 : 2000));
  const flat = data.train.images.reshape([nTrain, 784]);
  const index = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  const xUnlabelled = rowsOf(flat, index(nUnlabelled), 784);
  const xLabelled = rowsOf(flat, index(nLabels), 784);
  const yLabelled = nt.toCategorical(nt.slice(data.train.labels, [0], [nLabels]), 10);
  const nTest = smoke ? Math.min(1000, data.test.labels.size) : data.test.labels.size;
  const xTest = rowsOf(data.test.images.reshape([data.test.labels.size, 784]), index(nTest), 784);
  const yTest = nt.toCategorical(nt.slice(data.test.labels, [0], [nTest]), 10);
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset)'}; backend ${nt.getBackendName()}`);
  log(`DBN ${layerSizes.join('-')}: pretraining on ${nUnlabelled} unlabelled images (${pretrainEpochs} epochs per RBM), fine-tuning on ${nLabels} labels (${fineTuneEpochs} epochs)`);

  const dbn = new DBN({ layerSizes, learningRate: options.pretrainLearningRate ?? 0.05, k: 1, batchSize: 32, momentum: 0.5, weightDecay: 1e-4, seed });
  const pretraining = dbn.pretrain(xUnlabelled, { epochs: pretrainEpochs, verbose: 1, log });
  const pretrained = dbn.toClassifier(10, { seed });
  await fineTune(pretrained, xLabelled, yLabelled, fineTuneEpochs, seed);
  const pretrainedAccuracy = await accuracy(pretrained, xTest, yTest);

  const baseline = denseSigmoidClassifier(layerSizes, 10, seed);
  await fineTune(baseline, xLabelled, yLabelled, fineTuneEpochs, seed);
  const randomInitAccuracy = await accuracy(baseline, xTest, yTest);

  const seconds = (performance.now() - started) / 1000;
  log(`test accuracy on ${nTest} images with ${nLabels} labels: DBN-pretrained ${pretrainedAccuracy.toFixed(4)}, random init ${randomInitAccuracy.toFixed(4)} (${seconds.toFixed(0)} s in all)`);
  return { pretraining, pretrainedAccuracy, randomInitAccuracy, fullDataset: data.full, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDbn({
    smoke: process.argv.includes('--smoke'),
    labels: arg('labels'),
    pretrainImages: arg('pretrain-images'),
    pretrainEpochs: arg('pretrain-epochs'),
    fineTuneEpochs: arg('epochs'),
    pretrainLearningRate: arg('pretrain-lr'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
