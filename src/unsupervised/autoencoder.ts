/**
 * Autoencoders as ordinary Keras models: dense and convolutional builders (each returning
 * the autoencoder with its encoder and decoder sharing the same layers), a noise helper for
 * denoising training, and the stacked autoencoder with greedy layer-wise pretraining.
 */
import { Tensor } from '../tensor/index.js';
import { add, clip as clipOp, randomNormal } from '../ops/index.js';
import { Conv2D, Dense, Input, MaxPooling2D, UpSampling2D, type DenseArgs, type Layer, type SymbolicTensor } from '../layers/index.js';
import { GlorotUniform } from '../initializers/index.js';
import { Model } from '../models/index.js';
import type { CompileArgs, FitArgs } from '../training/index.js';
import type { History } from '../callbacks/index.js';

type Activation = DenseArgs['activation'];

/** An autoencoder with its two halves; all three share the same layers (and weights). */
export interface Autoencoder {
  readonly autoencoder: Model;
  readonly encoder: Model;
  readonly decoder: Model;
}

export interface DenseAutoencoderArgs {
  /** Length of the (flat) input vectors. */
  readonly inputDim: number;
  /** Widths of the encoder's Dense layers; the last is the code size. The decoder mirrors them. */
  readonly encodingDims: readonly number[];
  /** Hidden activation (default 'relu'). */
  readonly activation?: Activation;
  /** Activation of the reconstruction (default 'sigmoid', for inputs in [0, 1]). */
  readonly outputActivation?: Activation;
  /** Seeds the Glorot-uniform kernels (layer k uses seed + k). */
  readonly seed?: number;
  readonly name?: string;
}

export interface ConvAutoencoderArgs {
  /** [height, width, channels]; height and width must be divisible by 2^filters.length. */
  readonly inputShape: readonly [number, number, number];
  /** Filters of the encoder's Conv2D layers (each followed by MaxPooling2D(2)); the decoder mirrors them. */
  readonly filters: readonly number[];
  readonly kernelSize?: number;
  readonly activation?: Activation;
  readonly outputActivation?: Activation;
  readonly seed?: number;
  readonly name?: string;
}

function positiveInts(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what} must not be empty`);
  for (const v of values) if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be positive integers; got [${values.join(', ')}]`);
}

function init(seed: number | undefined, k: number): GlorotUniform | undefined {
  return seed === undefined ? undefined : new GlorotUniform({ seed: seed + k });
}

function chain(x: SymbolicTensor, layers: readonly Layer[]): SymbolicTensor {
  let h = x;
  for (const l of layers) h = l.apply(h) as SymbolicTensor;
  return h;
}

function assemble(inputShape: readonly number[], codeShape: readonly number[], enc: readonly Layer[], dec: readonly Layer[], name: string): Autoencoder {
  const x = Input({ shape: inputShape, name: `${name}_input` });
  const autoencoder = new Model({ inputs: x, outputs: chain(chain(x, enc), dec), name });
  const xe = Input({ shape: inputShape, name: `${name}_encoder_input` });
  const encoder = new Model({ inputs: xe, outputs: chain(xe, enc), name: `${name}_encoder` });
  const code = Input({ shape: codeShape, name: `${name}_code` });
  const decoder = new Model({ inputs: code, outputs: chain(code, dec), name: `${name}_decoder` });
  return { autoencoder, encoder, decoder };
}

/** Dense autoencoder inputDim → encodingDims… → mirrored … → inputDim. */
export function denseAutoencoder(args: DenseAutoencoderArgs): Autoencoder {
  const { inputDim, encodingDims, activation = 'relu', outputActivation = 'sigmoid', seed, name = 'dense_autoencoder' } = args;
  positiveInts([inputDim], 'denseAutoencoder: inputDim');
  positiveInts(encodingDims, 'denseAutoencoder: encodingDims');
  const enc = encodingDims.map((units, k) => new Dense({ units, activation, kernelInitializer: init(seed, k), name: `${name}_enc_${k}` }));
  const widths = [...encodingDims.slice(0, -1)].reverse();
  const dec: Layer[] = widths.map((units, k) => new Dense({ units, activation, kernelInitializer: init(seed, 100 + k), name: `${name}_dec_${k}` }));
  dec.push(new Dense({ units: inputDim, activation: outputActivation, kernelInitializer: init(seed, 199), name: `${name}_reconstruction` }));
  return assemble([inputDim], [encodingDims[encodingDims.length - 1]], enc, dec, name);
}

/**
 * Convolutional autoencoder: per filter count Conv2D(3×3, same) + MaxPooling2D(2), then
 * mirrored Conv2D + UpSampling2D(2), and a final Conv2D back to the input's channels.
 */
export function convAutoencoder(args: ConvAutoencoderArgs): Autoencoder {
  const { inputShape, filters, kernelSize = 3, activation = 'relu', outputActivation = 'sigmoid', seed, name = 'conv_autoencoder' } = args;
  positiveInts([...inputShape], 'convAutoencoder: inputShape');
  positiveInts(filters, 'convAutoencoder: filters');
  const [h, w, c] = inputShape;
  const factor = 2 ** filters.length;
  if (h % factor !== 0 || w % factor !== 0) {
    throw new RangeError(`convAutoencoder: inputShape [${inputShape.join(', ')}] must have height and width divisible by ${factor} (2^${filters.length} poolings)`);
  }
  const conv = (f: number, k: number, act: Activation, label: string): Conv2D =>
    new Conv2D({ filters: f, kernelSize, padding: 'same', activation: act, kernelInitializer: init(seed, k), name: `${name}_${label}` });
  const enc: Layer[] = [];
  filters.forEach((f, k) => enc.push(conv(f, k, activation, `enc_conv_${k}`), new MaxPooling2D({ poolSize: 2, name: `${name}_enc_pool_${k}` })));
  const dec: Layer[] = [];
  [...filters].reverse().forEach((f, k) => dec.push(conv(f, 100 + k, activation, `dec_conv_${k}`), new UpSampling2D({ size: 2, name: `${name}_dec_up_${k}` })));
  dec.push(conv(c, 199, outputActivation, 'reconstruction'));
  return assemble(inputShape, [h / factor, w / factor, filters[filters.length - 1]], enc, dec, name);
}

export interface NoiseOptions {
  /** Standard deviation of the additive Gaussian noise. */
  readonly stddev: number;
  readonly seed?: number;
  /** Clip the result: true for [0, 1], or an explicit [min, max]. Default: no clipping. */
  readonly clip?: boolean | readonly [number, number];
}

/** x + N(0, stddev²), optionally clipped: the corrupted inputs for a denoising autoencoder. */
export function addNoise(x: Tensor, options: NoiseOptions): Tensor {
  const { stddev, seed, clip = false } = options;
  if (!(stddev >= 0)) throw new RangeError(`addNoise: stddev must be ≥ 0; got ${stddev}`);
  const noisy = add(x, randomNormal(x.shape, { stddev, seed }));
  if (clip === false) return noisy;
  const [lo, hi] = clip === true ? [0, 1] : clip;
  return clipOp(noisy, lo, hi);
}

export interface PretrainOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Activation of the code layers (default 'relu'). */
  readonly activation?: Activation;
  /** Reconstruction activation of the first shallow autoencoder (default 'sigmoid'); deeper ones reconstruct linearly. */
  readonly outputActivation?: Activation;
  readonly optimizer?: CompileArgs['optimizer'];
  readonly verbose?: 0 | 1 | 2;
  readonly seed?: number;
  /** Extra fit arguments for every shallow autoencoder. */
  readonly fitArgs?: FitArgs;
}

export interface StackedClassifierOptions {
  /** Activation of the classification head (default 'softmax'). */
  readonly outputActivation?: Activation;
  readonly seed?: number;
  readonly name?: string;
}

/** The result of greedy layer-wise pretraining. */
export interface StackedAutoencoder {
  /** The trained encoding layer of each shallow autoencoder, bottom to top. */
  readonly encoders: readonly Dense[];
  /** The shallow autoencoders themselves. */
  readonly autoencoders: readonly Model[];
  readonly histories: readonly History[];
  /** The codes of the last layer for the training inputs. */
  readonly codes: Tensor;
  /** Input → pretrained encoders (copied weights) → Dense(numClasses, softmax), ready to compile and fine-tune. */
  stackedClassifier(numClasses: number, options?: StackedClassifierOptions): Model;
}

/**
 * Greedy layer-wise pretraining: one shallow autoencoder (d_prev → d → d_prev) per entry of
 * `dims`, each trained on the codes of the previous one.
 */
export async function pretrainStacked(x: Tensor, dims: readonly number[], options: PretrainOptions = {}): Promise<StackedAutoencoder> {
  const { epochs = 5, batchSize = 64, activation = 'relu', outputActivation = 'sigmoid', optimizer = 'adam', verbose = 0, seed = 1, fitArgs = {} } = options;
  if (x.rank !== 2) throw new RangeError(`pretrainStacked: x must be [samples, features]; got shape [${x.shape.join(', ')}]`);
  positiveInts(dims, 'pretrainStacked: dims');
  const inputDim = x.shape[1];
  const encoders: Dense[] = [];
  const autoencoders: Model[] = [];
  const histories: History[] = [];
  let codes = x;
  let prev = inputDim;
  for (const [k, units] of dims.entries()) {
    const enc = new Dense({ units, activation, kernelInitializer: init(seed, 2 * k), name: `stacked_enc_${k}` });
    const dec = new Dense({ units: prev, activation: k === 0 ? outputActivation : 'linear', kernelInitializer: init(seed, 2 * k + 1), name: `stacked_dec_${k}` });
    const input = Input({ shape: [prev], name: `stacked_input_${k}` });
    const ae = new Model({ inputs: input, outputs: dec.apply(enc.apply(input) as SymbolicTensor) as SymbolicTensor, name: `stacked_autoencoder_${k}` });
    ae.compile({ optimizer, loss: 'mse' });
    histories.push(await ae.fit(codes, codes, { batchSize, epochs, verbose, seed: seed + k, ...fitArgs }));
    const encIn = Input({ shape: [prev] });
    const encModel = new Model({ inputs: encIn, outputs: enc.apply(encIn) as SymbolicTensor });
    codes = encModel.predict(codes, { batchSize: 1024 }) as Tensor;
    encoders.push(enc);
    autoencoders.push(ae);
    prev = units;
  }
  const stackedClassifier = (numClasses: number, opts: StackedClassifierOptions = {}): Model => {
    positiveInts([numClasses], 'stackedClassifier: numClasses');
    const name = opts.name ?? 'stacked_classifier';
    const input = Input({ shape: [inputDim], name: `${name}_input` });
    let h = input;
    encoders.forEach((pre, k) => {
      const layer = new Dense({ units: pre.units, activation, name: `${name}_dense_${k}` });
      h = layer.apply(h) as SymbolicTensor;
      layer.setWeights(pre.getWeights().map((w) => w.dataSync().slice()));
    });
    const head = new Dense({ units: numClasses, activation: opts.outputActivation ?? 'softmax', kernelInitializer: init(opts.seed ?? seed, 1000), name: `${name}_head` });
    return new Model({ inputs: input, outputs: head.apply(h) as SymbolicTensor, name });
  };
  return { encoders, autoencoders, histories, codes, stackedClassifier };
}
