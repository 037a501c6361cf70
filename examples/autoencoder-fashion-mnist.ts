/**
 * Autoencoders on real Fashion-MNIST: a dense autoencoder (784-128-32-128-784), a
 * convolutional one (Conv2D/MaxPooling2D down to 7×7×8, UpSampling2D/Conv2D back up) and a
 * denoising dense one (trained on noisy inputs, Gaussian σ = 0.3 clipped to [0, 1], against
 * the clean images). The test-set reconstruction MSE is printed after every epoch.
 *
 *   node build/examples/autoencoder-fashion-mnist.js            # full (≈ 2 min on 2 cores)
 *   node build/examples/autoencoder-fashion-mnist.js --smoke    # seconds
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { addNoise, convAutoencoder, denseAutoencoder } from '../src/unsupervised/index.js';
import { loadFashionMnist } from './common/fashion-mnist.js';

export interface AutoencoderOptions {
  /** Small and fast (for tests and CI). */
  readonly smoke?: boolean;
  /** Training images (default 20,000; smoke 1,000). */
  readonly trainImages?: number;
  /** Test images used for the reconstruction error (default 2,000; smoke 200). */
  readonly testImages?: number;
  readonly epochs?: number;
  readonly noiseStddev?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface AutoencoderResult {
  /** Test reconstruction MSE after each epoch, per model. */
  readonly dense: number[];
  readonly conv: number[];
  /** The denoising model's MSE (denoised noisy test images vs clean). */
  readonly denoising: number[];
  /** MSE of the noisy test images themselves against the clean ones. */
  readonly noisyInputError: number;
  readonly fullDataset: boolean;
  readonly seconds: number;
}

async function train(name: string, model: nt.Model, x: nt.Tensor, target: nt.Tensor, xTest: nt.Tensor, yTest: nt.Tensor, epochs: number, seed: number, log: (line: string) => void): Promise<number[]> {
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const errors: number[] = [];
  const perEpoch = new nt.LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      const err = Number(logs.val_loss);
      errors.push(err);
      log(`  ${name} epoch ${epoch + 1}/${epochs}: train loss ${Number(logs.loss).toFixed(5)}, test reconstruction MSE ${err.toFixed(5)}`);
    },
  });
  await model.fit(x, target, { epochs, batchSize: 128, verbose: 0, seed, validationData: [xTest, yTest], callbacks: [perEpoch] });
  return errors;
}

export async function runAutoencoders(options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  const smoke = options.smoke ?? false;
  const { seed = 1, log = console.log, noiseStddev = 0.3 } = options;
  const epochs = options.epochs ?? (smoke ? 2 : 5);
  const started = performance.now();
  const data = await loadFashionMnist();
  const nTrain = Math.min(data.train.labels.size, options.trainImages ?? (smoke ? 1000 : 20000));
  const nTest = Math.min(data.test.labels.size, options.testImages ?? (smoke ? 200 : 2000));
  const x = nt.slice(data.train.images, [0, 0, 0], [nTrain, 28, 28]).reshape([nTrain, 784]);
  const xTest = nt.slice(data.test.images, [0, 0, 0], [nTest, 28, 28]).reshape([nTest, 784]);
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset)'}: ${nTrain} training, ${nTest} test images; backend ${nt.getBackendName()}`);

  log('dense autoencoder 784-128-32-128-784:');
  const dense = denseAutoencoder({ inputDim: 784, encodingDims: [128, 32], seed });
  const denseErrors = await train('dense', dense.autoencoder, x, x, xTest, xTest, epochs, seed, log);

  log('convolutional autoencoder 28×28×1 → 7×7×8 → 28×28×1:');
  const img = (t: nt.Tensor): nt.Tensor => t.reshape([t.shape[0], 28, 28, 1]);
  const conv = convAutoencoder({ inputShape: [28, 28, 1], filters: [16, 8], seed });
  const convErrors = await train('conv', conv.autoencoder, img(x), img(x), img(xTest), img(xTest), epochs, seed, log);

  const noisy = addNoise(x, { stddev: noiseStddev, seed: seed + 100, clip: true });
  const noisyTest = addNoise(xTest, { stddev: noiseStddev, seed: seed + 200, clip: true });
  const noisyInputError = nt.mean(nt.squaredDifference(noisyTest, xTest)).dataSync()[0];
  log(`denoising autoencoder 784-128-784 (noise σ=${noiseStddev}; noisy test images vs clean: MSE ${noisyInputError.toFixed(5)}):`);
  const denoiser = denseAutoencoder({ inputDim: 784, encodingDims: [128], seed: seed + 1, name: 'denoising_autoencoder' });
  const denoisingErrors = await train('denoising', denoiser.autoencoder, noisy, x, noisyTest, xTest, epochs, seed, log);

  const seconds = (performance.now() - started) / 1000;
  const last = (e: number[]): string => e[e.length - 1].toFixed(5);
  log(`final test reconstruction MSE: dense ${last(denseErrors)}, conv ${last(convErrors)}, denoising ${last(denoisingErrors)} (noisy input ${noisyInputError.toFixed(5)}); ${seconds.toFixed(0)} s in all`);
  return { dense: denseErrors, conv: convErrors, denoising: denoisingErrors, noisyInputError, fullDataset: data.full, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--epochs');
  runAutoencoders({ smoke: process.argv.includes('--smoke'), epochs: i >= 0 ? Number(process.argv[i + 1]) : undefined }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
