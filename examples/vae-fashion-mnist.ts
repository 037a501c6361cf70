/**
 * A variational autoencoder on real Fashion-MNIST, as Keras' example "Variational
 * AutoEncoder" (keras-io examples/generative/vae.py), written with Neurite's subclassed
 * models and a custom training step:
 *
 * - encoder (functional): Conv2D(32, 3, stride 2, relu) → Conv2D(64, 3, stride 2, relu) →
 *   Flatten → Dense(16, relu) → z_mean, z_log_var (Dense(latentDim) each) → Sampling, a
 *   custom layer doing the reparameterization trick z = z_mean + exp(z_log_var / 2)·ε;
 * - decoder (functional): Dense(7·7·64, relu) → Reshape → Conv2DTranspose(64, 3, stride 2,
 *   relu) → Conv2DTranspose(32, 3, stride 2, relu) → Conv2DTranspose(1, 3, sigmoid);
 * - `Vae extends nt.Model` holds both and overrides `trainStep` (and `testStep`): loss =
 *   reconstruction (binary crossentropy summed over the 28×28 pixels, mean over the batch)
 *   + KL divergence of N(z_mean, exp(z_log_var)) from N(0, I) (summed over the latent axes,
 *   mean over the batch); three `nt.metrics.Mean` trackers give the logs loss,
 *   reconstruction_loss and kl_loss.
 *
 * It trains with `vae.compile({ optimizer })` (no loss) and `vae.fit(x, { epochs, batchSize })`
 * (no targets), prints the per-epoch logs, the held-out reconstruction loss on the test set,
 * and writes PNG grids into the output folder: samples.png (decoded from z ~ N(0, I)),
 * reconstructions.png (test images, each above its reconstruction) and, for a 2-D latent
 * space, manifold.png (the decoder over a grid of z in [−2, 2]², Keras' plot_latent_space).
 *
 *   npx tsc -p . && node build/examples/vae-fashion-mnist.js                 # 10 epochs on the 60,000 training images
 *   node build/examples/vae-fashion-mnist.js --epochs 3 --samples 20000 --out vae-output
 *   node build/examples/vae-fashion-mnist.js --smoke                          # seconds
 *
 * Options: --epochs, --samples (training images), --batch-size, --latent-dim, --out, --smoke.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { loadFashionMnist } from './common/fashion-mnist.js';
import { numberArg, stringArg } from './common/cli.js';
import { saveImageGrid } from './common/image-grid.js';

/**
 * The reparameterization trick: z = z_mean + exp(z_log_var / 2)·ε with ε ~ N(0, I) drawn
 * at every call (a seed makes the sequence of draws reproducible). Gradients flow to z_mean
 * and z_log_var through the sum and the product; ε is a constant.
 */
export class Sampling extends nt.Layer {
  static override readonly className = 'Sampling';
  private readonly rng: nt.Rng | null;

  constructor(args: nt.LayerArgs & { seed?: number } = {}) {
    super(args);
    this.rng = args.seed === undefined ? null : new nt.Rng(args.seed);
  }

  override call(inputs: nt.Tensor | nt.Tensor[]): nt.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new TypeError(`Sampling ${this.name}: expects [z_mean, z_log_var]`);
    const [zMean, zLogVar] = inputs;
    const rng = this.rng;
    const epsilon = nt.randomNormal(zMean.shape, { seed: rng ? () => rng.nextUint32() : undefined });
    return nt.add(zMean, nt.mul(nt.exp(nt.mul(zLogVar, 0.5)), epsilon));
  }

  override computeOutputShape(inputShape: nt.LayerShape | readonly nt.LayerShape[]): nt.LayerShape {
    return (inputShape as readonly nt.LayerShape[])[0];
  }

  protected override randomGenerator(): nt.Rng | null {
    return this.rng;
  }
}

/** Keras' VAE encoder: images [n, 28, 28, 1] → [z_mean, z_log_var, z]. */
export function buildEncoder(latentDim: number, seed: number): nt.Model {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  const input = nt.Input({ shape: [28, 28, 1] });
  let x = new nt.Conv2D({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(0) }).apply(input);
  x = new nt.Conv2D({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(x);
  x = new nt.Flatten().apply(x);
  x = new nt.Dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }).apply(x);
  const zMean = new nt.Dense({ units: latentDim, name: 'z_mean', kernelInitializer: init(3) }).apply(x);
  const zLogVar = new nt.Dense({ units: latentDim, name: 'z_log_var', kernelInitializer: init(4) }).apply(x);
  const z = new Sampling({ seed: seed + 5 }).apply([zMean, zLogVar]) as nt.SymbolicTensor;
  return new nt.Model({ inputs: input, outputs: [zMean, zLogVar, z], name: 'encoder' });
}

/** Keras' VAE decoder: z [n, latentDim] → images [n, 28, 28, 1] in (0, 1). */
export function buildDecoder(latentDim: number, seed: number): nt.Model {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + 10 + k });
  const input = nt.Input({ shape: [latentDim] });
  let x = new nt.Dense({ units: 7 * 7 * 64, activation: 'relu', kernelInitializer: init(0) }).apply(input);
  x = new nt.Reshape({ targetShape: [7, 7, 64] }).apply(x);
  x = new nt.Conv2DTranspose({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(x);
  x = new nt.Conv2DTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }).apply(x);
  const out = new nt.Conv2DTranspose({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', kernelInitializer: init(3) }).apply(x);
  return new nt.Model({ inputs: input, outputs: out, name: 'decoder' });
}

/** The three terms of a batch's loss (scalars). */
export interface VaeLosses {
  readonly total: nt.Tensor;
  readonly reconstruction: nt.Tensor;
  readonly kl: nt.Tensor;
}

/**
 * Keras' VAE loss: reconstruction = binary crossentropy of the images [n, 28, 28, 1] and
 * their reconstructions, summed over the pixels, mean over the batch; KL = −½·Σ(1 + log σ²
 * − μ² − σ²) over the latent axes, mean over the batch; total = reconstruction + KL.
 */
export function vaeLossTerms(data: nt.Tensor, zMean: nt.Tensor, zLogVar: nt.Tensor, reconstruction: nt.Tensor): VaeLosses {
  // binary_crossentropy averages over the last axis (1 channel), then the sum over height and width.
  const reconstructionLoss = nt.mean(nt.sum(nt.losses.binaryCrossentropy(data, reconstruction), [1, 2]));
  const klTerms = nt.mul(nt.sub(nt.sub(nt.add(zLogVar, 1), nt.square(zMean)), nt.exp(zLogVar)), -0.5);
  const klLoss = nt.mean(nt.sum(klTerms, 1));
  return { total: nt.add(reconstructionLoss, klLoss), reconstruction: reconstructionLoss, kl: klLoss };
}

/**
 * The VAE: a subclassed model holding the encoder and the decoder (their weights are its
 * weights: saveWeights writes both) with Keras' train_step as a `trainStep` override.
 */
export class Vae extends nt.Model {
  readonly totalLossTracker = new nt.metrics.Mean({ name: 'loss' });
  readonly reconstructionLossTracker = new nt.metrics.Mean({ name: 'reconstruction_loss' });
  readonly klLossTracker = new nt.metrics.Mean({ name: 'kl_loss' });

  constructor(readonly encoder: nt.Model, readonly decoder: nt.Model) {
    super({ name: 'vae' });
  }

  /** The reconstruction of x (through a sampled z, as in training; predict runs it in inference mode). */
  override call(x: nt.Tensor | nt.Tensor[], options: nt.CallOptions): nt.Tensor {
    const [, , z] = this.encoder.apply(x as nt.Tensor, options) as unknown as nt.Tensor[];
    return this.decoder.apply(z, options);
  }

  /** Keras' VAE loss of a batch of images (see vaeLossTerms), through a sampled z. */
  vaeLosses(data: nt.Tensor, training: boolean): VaeLosses {
    const [zMean, zLogVar, z] = this.encoder.apply(data, { training }) as unknown as nt.Tensor[];
    return vaeLossTerms(data, zMean, zLogVar, this.decoder.apply(z, { training }));
  }

  private track(losses: VaeLosses, batch: number): nt.StepLogs {
    // Weighted by the batch size, so an epoch's log is the mean over its images.
    this.totalLossTracker.updateState(losses.total, batch);
    this.reconstructionLossTracker.updateState(losses.reconstruction, batch);
    this.klLossTracker.updateState(losses.kl, batch);
    return { loss: this.totalLossTracker, reconstruction_loss: this.reconstructionLossTracker, kl_loss: this.klLossTracker };
  }

  override trainStep([x]: nt.StepData): nt.StepLogs {
    const data = x as nt.Tensor;
    const vars = this.trainableWeights;
    const losses = this.vaeLosses(data, true);
    const grads = nt.gradients(losses.total, vars);
    this.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    return this.track(losses, data.shape[0]);
  }

  /** The same loss without training (evaluate): z is still sampled, so it is the loss being minimised. */
  override testStep([x]: nt.StepData): nt.StepLogs {
    const data = x as nt.Tensor;
    return this.track(this.vaeLosses(data, false), data.shape[0]);
  }
}

export interface VaeOptions {
  /** A tiny run for tests: 256 training and 128 test images, 1 epoch, batch 32. */
  readonly smoke?: boolean;
  /** Training images (default all 60,000). */
  readonly samples?: number;
  /** Test images for the held-out loss (default all 10,000). */
  readonly testSamples?: number;
  /** Default 10 (smoke 1). */
  readonly epochs?: number;
  /** Default 128, as Keras' example (smoke 32). */
  readonly batchSize?: number;
  /** Default 2, as Keras' example (so the latent space can be drawn as a manifold). */
  readonly latentDim?: number;
  /** Adam's learning rate (default 0.001, Keras' Adam default). */
  readonly learningRate?: number;
  /** Folder of the PNG grids (default 'vae-output'). */
  readonly outDir?: string;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

/** Held-out losses (means over the test images). */
export interface VaeTestLosses {
  readonly loss: number;
  readonly reconstruction_loss: number;
  readonly kl_loss: number;
}

export interface VaeResult {
  /** Per-epoch loss, reconstruction_loss and kl_loss. */
  readonly history: nt.History;
  /** Test-set losses before training (the untrained model) and after. */
  readonly initialTest: VaeTestLosses;
  readonly test: VaeTestLosses;
  /** The PNG files written. */
  readonly samplesPng: string;
  readonly reconstructionsPng: string;
  readonly manifoldPng: string | null;
  readonly vae: Vae;
  readonly fullDataset: boolean;
  readonly seconds: number;
}

/** The decoder's images over a grid×grid lattice of z in [−span, span]² (2-D latent space only). */
function manifold(decoder: nt.Model, grid: number, span: number): nt.Tensor {
  const z = new Float32Array(grid * grid * 2);
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      // Rows top to bottom: z₁ from +span to −span; columns: z₀ from −span to +span (as Keras' plot).
      z[(i * grid + j) * 2] = -span + (2 * span * j) / (grid - 1);
      z[(i * grid + j) * 2 + 1] = span - (2 * span * i) / (grid - 1);
    }
  }
  return decoder.predict(nt.tensor(z, [grid * grid, 2])) as nt.Tensor;
}

async function testLosses(vae: Vae, x: nt.Tensor): Promise<VaeTestLosses> {
  return (await vae.evaluate(x, { batchSize: 500, verbose: 0, returnDict: true })) as unknown as VaeTestLosses;
}

/** Trains the VAE on Fashion-MNIST and writes its image grids; see the file's header. */
export async function runVae(options: VaeOptions = {}): Promise<VaeResult> {
  const smoke = options.smoke ?? false;
  const { seed = 1, log = console.log, latentDim = 2, learningRate = 0.001, outDir = 'vae-output', verbose = smoke ? 0 : 2 } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 10);
  const batchSize = options.batchSize ?? (smoke ? 32 : 128);
  const started = performance.now();
  const data = await loadFashionMnist();
  const nTrain = Math.min(data.train.labels.size, options.samples ?? (smoke ? 256 : Infinity));
  const nTest = Math.min(data.test.labels.size, options.testSamples ?? (smoke ? 128 : Infinity));
  const x = nt.slice(data.train.images, [0, 0, 0], [nTrain, 28, 28]).reshape([nTrain, 28, 28, 1]);
  const xTest = nt.slice(data.test.images, [0, 0, 0], [nTest, 28, 28]).reshape([nTest, 28, 28, 1]);
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset)'}: ${nTrain} training, ${nTest} test images; backend ${nt.getBackendName()}`);

  const vae = new Vae(buildEncoder(latentDim, seed), buildDecoder(latentDim, seed));
  vae.compile({ optimizer: new nt.optimizers.Adam({ learningRate }) });
  const initialTest = await testLosses(vae, xTest);
  log(`latent dim ${latentDim}, ${vae.countParams()} parameters; untrained test loss ${initialTest.loss.toFixed(2)}`);
  const perEpoch = new nt.LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      if (verbose !== 0) return;
      log(`epoch ${epoch + 1}/${epochs}: loss ${Number(logs.loss).toFixed(2)}, reconstruction_loss ${Number(logs.reconstruction_loss).toFixed(2)}, kl_loss ${Number(logs.kl_loss).toFixed(3)}`);
    },
  });
  const history = await vae.fit(x, { epochs, batchSize, verbose, seed, callbacks: [perEpoch] });
  const test = await testLosses(vae, xTest);
  log(`test set (${nTest} images): loss ${test.loss.toFixed(2)}, reconstruction_loss ${test.reconstruction_loss.toFixed(2)} (summed BCE over 784 pixels), kl_loss ${test.kl_loss.toFixed(3)}`);

  const samples = vae.decoder.predict(nt.randomNormal([64, latentDim], { seed: seed + 100 })) as nt.Tensor;
  const samplesPng = await saveImageGrid(join(outDir, 'samples.png'), samples, { columns: 8 });
  const shown = Math.min(16, nTest);
  const originals = nt.slice(xTest, [0, 0, 0, 0], [shown, 28, 28, 1]);
  const [zMean] = vae.encoder.predict(originals) as nt.Tensor[];
  const pairs = nt.concat([originals, vae.decoder.predict(zMean) as nt.Tensor], 0);
  const reconstructionsPng = await saveImageGrid(join(outDir, 'reconstructions.png'), pairs, { columns: shown });
  const manifoldPng = latentDim === 2 ? await saveImageGrid(join(outDir, 'manifold.png'), manifold(vae.decoder, 15, 2), { columns: 15 }) : null;
  const seconds = (performance.now() - started) / 1000;
  log(`wrote ${[samplesPng, reconstructionsPng, manifoldPng].filter((p) => p !== null).join(', ')} (${seconds.toFixed(0)} s in all)`);
  return { history, initialTest, test, samplesPng, reconstructionsPng, manifoldPng, vae, fullDataset: data.full, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runVae({
    smoke: process.argv.includes('--smoke'),
    epochs: numberArg('epochs'),
    samples: numberArg('samples'),
    batchSize: numberArg('batch-size'),
    latentDim: numberArg('latent-dim'),
    outDir: stringArg('out'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
