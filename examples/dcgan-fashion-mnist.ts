/**
 * A DCGAN on real Fashion-MNIST, as Keras' example "DCGAN to generate face images"
 * (keras-io examples/generative/dcgan_overriding_train_step.py), sized for 28×28 grey images
 * and a CPU, with Neurite's subclassed models and a custom training step:
 *
 * - generator: Dense(7·7·64) → Reshape → Conv2DTranspose(64, 4, stride 2) → BatchNorm →
 *   LeakyReLU(0.2) → Conv2DTranspose(32, 4, stride 2) → BatchNorm → LeakyReLU(0.2) →
 *   Conv2D(1, 5, sigmoid): z [n, latentDim] → images [n, 28, 28, 1] in (0, 1);
 * - discriminator: Conv2D(32, 4, stride 2) → LeakyReLU(0.2) → Conv2D(64, 4, stride 2) →
 *   LeakyReLU(0.2) → Flatten → Dropout(0.2) → Dense(1, sigmoid): the probability that an
 *   image is fake (Keras' example labels fakes 1 and real images 0);
 * - `Gan extends nt.Model` holds both (its weights are theirs: saveWeights writes both),
 *   its `compile({ dOptimizer, gOptimizer, lossFn })` sets up two optimizers, and its
 *   `trainStep` override does Keras' train_step: a discriminator step on generated + real
 *   images (labels with uniform noise of 0.05, "an important trick"), then a generator
 *   step through the discriminator with the misleading labels "all real"; two
 *   `nt.metrics.Mean` trackers give the logs d_loss and g_loss;
 * - `GanMonitor`, a callback, writes a PNG grid of images generated from fixed latent
 *   vectors after every epoch (epoch-001.png, …) into the output folder.
 *
 *   npx tsc -p . && node build/examples/dcgan-fashion-mnist.js --samples 10000 --epochs 5 --out dcgan-output
 *   node build/examples/dcgan-fashion-mnist.js --smoke          # seconds
 *
 * Options: --samples (training images, default 10,000), --epochs (default 5), --batch-size
 * (default 64), --latent-dim (default 64), --out (default dcgan-output), --smoke.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { loadFashionMnist } from './common/fashion-mnist.js';
import { numberArg, stringArg } from './common/cli.js';
import { saveImageGrid } from './common/image-grid.js';

/** The DCGAN generator for 28×28×1 images. */
export function buildGenerator(latentDim: number, seed: number): nt.Sequential {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  return new nt.Sequential({
    name: 'generator',
    layers: [
      new nt.Dense({ units: 7 * 7 * 64, inputShape: [latentDim], kernelInitializer: init(0) }),
      new nt.Reshape({ targetShape: [7, 7, 64] }),
      new nt.Conv2DTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(1) }),
      new nt.BatchNormalization(),
      new nt.LeakyReLU({ negativeSlope: 0.2 }),
      new nt.Conv2DTranspose({ filters: 32, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(2) }),
      new nt.BatchNormalization(),
      new nt.LeakyReLU({ negativeSlope: 0.2 }),
      new nt.Conv2D({ filters: 1, kernelSize: 5, padding: 'same', activation: 'sigmoid', kernelInitializer: init(3) }),
    ],
  });
}

/** The DCGAN discriminator: images → the probability of being generated. */
export function buildDiscriminator(seed: number): nt.Sequential {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + 10 + k });
  return new nt.Sequential({
    name: 'discriminator',
    layers: [
      new nt.Conv2D({ filters: 32, kernelSize: 4, strides: 2, padding: 'same', inputShape: [28, 28, 1], kernelInitializer: init(0) }),
      new nt.LeakyReLU({ negativeSlope: 0.2 }),
      new nt.Conv2D({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(1) }),
      new nt.LeakyReLU({ negativeSlope: 0.2 }),
      new nt.Flatten(),
      new nt.Dropout({ rate: 0.2, seed: seed + 20 }),
      new nt.Dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(2) }),
    ],
  });
}

/** What `Gan.compile` takes: the optimizers of the two players and the loss (default: binary crossentropy, batch mean). */
export interface GanCompileArgs {
  readonly dOptimizer: nt.Optimizer;
  readonly gOptimizer: nt.Optimizer;
  readonly lossFn?: (yTrue: nt.Tensor, yPred: nt.Tensor) => nt.Tensor;
}

/** Keras' GAN model: a subclassed model with no call, only a trainStep over the two models it holds. */
export class Gan extends nt.Model {
  readonly dLossTracker = new nt.metrics.Mean({ name: 'd_loss' });
  readonly gLossTracker = new nt.metrics.Mean({ name: 'g_loss' });
  private players: Required<GanCompileArgs> | null = null;
  private readonly rng: nt.Rng;

  constructor(readonly discriminator: nt.Model, readonly generator: nt.Model, readonly latentDim: number, seed = 1337) {
    super({ name: 'gan' });
    this.rng = new nt.Rng(seed);
  }

  /**
   * Keras' GAN.compile(d_optimizer, g_optimizer, loss_fn): the model itself is compiled
   * without a loss (an override keeps Model.compile's parameter, so the two optimizers are
   * optional in the type and checked here).
   */
  override compile(args: nt.CompileArgs & Partial<GanCompileArgs> = {}): void {
    const { dOptimizer, gOptimizer, lossFn = (t, p): nt.Tensor => nt.mean(nt.losses.binaryCrossentropy(t, p)), ...rest } = args;
    if (!(dOptimizer instanceof nt.Optimizer) || !(gOptimizer instanceof nt.Optimizer)) throw new TypeError('Gan.compile: dOptimizer and gOptimizer (Optimizer objects) are required');
    // The loop needs the model compiled; its own optimizer is never used (the step applies the two players').
    super.compile({ optimizer: gOptimizer, ...rest });
    this.players = { dOptimizer, gOptimizer, lossFn };
  }

  /** Random points of the latent space (a new draw at every call). */
  latentVectors(n: number): nt.Tensor {
    const rng = this.rng;
    return nt.randomNormal([n, this.latentDim], { seed: () => rng.nextUint32() });
  }

  override trainStep([x]: nt.StepData): nt.StepLogs {
    if (this.players === null) throw new Error('Gan: call compile({ dOptimizer, gOptimizer }) before fit');
    const { dOptimizer, gOptimizer, lossFn } = this.players;
    const real = x as nt.Tensor;
    const n = real.shape[0];
    const rng = this.rng;

    // The discriminator: generated images (label 1) and real ones (label 0), labels with noise.
    const generated = nt.noGrad(() => this.generator.apply(this.latentVectors(n), { training: true }));
    const combined = nt.concat([generated, real], 0);
    const labels = nt.concat([nt.ones([n, 1]), nt.zeros([n, 1])], 0);
    const noisyLabels = nt.add(labels, nt.mul(nt.randomUniform([2 * n, 1], { seed: () => rng.nextUint32() }), 0.05));
    const dVars = this.discriminator.trainableWeights;
    const dLoss = lossFn(noisyLabels, this.discriminator.apply(combined, { training: true }));
    const dGrads = nt.gradients(dLoss, dVars);
    dOptimizer.applyGradients(dGrads.map((g, i) => [g, dVars[i]] as const));

    // The generator, through the discriminator (whose weights this step leaves alone): "all real".
    const misleadingLabels = nt.zeros([n, 1]);
    const gVars = this.generator.trainableWeights;
    const fakes = this.generator.apply(this.latentVectors(n), { training: true });
    const gLoss = lossFn(misleadingLabels, this.discriminator.apply(fakes, { training: true }));
    const gGrads = nt.gradients(gLoss, gVars);
    gOptimizer.applyGradients(gGrads.map((g, i) => [g, gVars[i]] as const));

    this.dLossTracker.updateState(dLoss);
    this.gLossTracker.updateState(gLoss);
    return { d_loss: this.dLossTracker, g_loss: this.gLossTracker };
  }
}

/** Keras' GANMonitor: after every epoch, a grid of images generated from the same latent vectors. */
export class GanMonitor extends nt.Callback {
  /** The files written so far. */
  readonly written: string[] = [];
  private readonly z: nt.Tensor;

  constructor(private readonly gan: Gan, private readonly outDir: string, numImages = 36, seed = 42) {
    super();
    this.z = nt.randomNormal([numImages, gan.latentDim], { seed });
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const images = this.gan.generator.predict(this.z) as nt.Tensor;
    const path = join(this.outDir, `epoch-${String(epoch + 1).padStart(3, '0')}.png`);
    this.written.push(await saveImageGrid(path, images, { columns: Math.ceil(Math.sqrt(this.z.shape[0])) }));
  }
}

export interface DcganOptions {
  /** A tiny run for tests: 256 images, 1 epoch, batch 32. */
  readonly smoke?: boolean;
  /** Training images (default 10,000; smoke 256). */
  readonly samples?: number;
  /** Default 5 (smoke 1). */
  readonly epochs?: number;
  /** Default 64 (smoke 32). */
  readonly batchSize?: number;
  /** Default 64. */
  readonly latentDim?: number;
  /** Adam's learning rate for both players (default 0.0002, with beta1 0.5, as the DCGAN paper). */
  readonly learningRate?: number;
  /** Folder of the per-epoch PNG grids (default 'dcgan-output'). */
  readonly outDir?: string;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

export interface DcganResult {
  /** Per-epoch d_loss and g_loss. */
  readonly history: nt.History;
  /** The PNG grids, one per epoch. */
  readonly images: readonly string[];
  /** The discriminator's mean output (probability of "generated") on real test images and on generated images, after training. */
  readonly dOnReal: number;
  readonly dOnGenerated: number;
  readonly gan: Gan;
  readonly fullDataset: boolean;
  readonly seconds: number;
}

/** Trains the DCGAN on Fashion-MNIST and writes a grid of generated images per epoch; see the file's header. */
export async function runDcgan(options: DcganOptions = {}): Promise<DcganResult> {
  const smoke = options.smoke ?? false;
  const { seed = 1, log = console.log, latentDim = 64, learningRate = 0.0002, outDir = 'dcgan-output', verbose = smoke ? 0 : 2 } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 5);
  const batchSize = options.batchSize ?? (smoke ? 32 : 64);
  const started = performance.now();
  const data = await loadFashionMnist();
  const n = Math.min(data.train.labels.size, options.samples ?? (smoke ? 256 : 10000));
  const x = nt.slice(data.train.images, [0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]);
  log(`Fashion-MNIST from ${data.source}${data.full ? '' : ' (bundled subset)'}: ${n} training images; backend ${nt.getBackendName()}`);

  const gan = new Gan(buildDiscriminator(seed), buildGenerator(latentDim, seed), latentDim, seed + 1336);
  const adam = (): nt.Optimizer => new nt.optimizers.Adam({ learningRate, beta1: 0.5 });
  gan.compile({ dOptimizer: adam(), gOptimizer: adam() });
  log(`generator ${gan.generator.countParams()} parameters, discriminator ${gan.discriminator.countParams()}`);
  const monitor = new GanMonitor(gan, outDir);
  const perEpoch = new nt.LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      log(`epoch ${epoch + 1}/${epochs}: d_loss ${Number(logs.d_loss).toFixed(4)}, g_loss ${Number(logs.g_loss).toFixed(4)} → ${monitor.written[monitor.written.length - 1] ?? ''}`);
    },
  });
  const history = await gan.fit(x, { epochs, batchSize, verbose: verbose === 2 ? 0 : verbose, seed, callbacks: [monitor, perEpoch] });

  // How the discriminator sees real test images and new generated ones (1 = "generated").
  const realTest = nt.slice(data.test.images, [0, 0, 0], [Math.min(500, data.test.labels.size), 28, 28]).reshape([-1, 28, 28, 1]);
  const dOnReal = nt.mean(gan.discriminator.predict(realTest) as nt.Tensor).item();
  const dOnGenerated = nt.mean(gan.discriminator.predict(gan.generator.predict(gan.latentVectors(500)) as nt.Tensor) as nt.Tensor).item();
  const seconds = (performance.now() - started) / 1000;
  log(`discriminator's mean P(generated): real test images ${dOnReal.toFixed(3)}, generated images ${dOnGenerated.toFixed(3)}; ${monitor.written.length} grids in ${outDir} (${seconds.toFixed(0)} s in all)`);
  return { history, images: monitor.written, dOnReal, dOnGenerated, gan, fullDataset: data.full, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDcgan({
    smoke: process.argv.includes('--smoke'),
    samples: numberArg('samples'),
    epochs: numberArg('epochs'),
    batchSize: numberArg('batch-size'),
    latentDim: numberArg('latent-dim'),
    outDir: stringArg('out'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
