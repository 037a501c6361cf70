/**
 * Keras' ImageDataGenerator: real-time augmentation (one combined affine warp per image,
 * then channel shift and brightness) and normalisation (rescale, sample- and feature-wise
 * centring and scaling, ZCA whitening), feeding `flow` and `flowFromDirectory` iterators.
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { Rng } from '../../tensor/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { matmul } from '../../ops/matmul.js';
import { noGrad } from '../../autograd/tape.js';
import { brightnessShift, channelShift, transformMatrix, warpAffine, type TransformParams } from './affine.js';
import { parseArgs, type GeneratorSettings, type ImageDataGeneratorArgs, type ShiftRange } from './options.js';
import { zcaMatrix } from './zca.js';
import type { LabeledBatch } from './iterator.js';
import { NumpyArrayIterator, type FlowArgs } from './array-iterator.js';
import { DirectoryIterator, type FlowFromDirectoryArgs } from './directory-iterator.js';

export interface GeneratorFitArgs {
  /** Fit on randomly augmented copies (default false). */
  readonly augment?: boolean;
  /** Augmentation passes over the data when augment is on (default 1). */
  readonly rounds?: number;
  readonly seed?: number;
}

function sampleShift(r: ShiftRange, size: number, rng: Rng): number {
  switch (r.kind) {
    case 'none':
      return 0;
    case 'fraction':
      return (rng.uniform() * 2 - 1) * r.r * size;
    case 'pixels':
      return (rng.uniform() * 2 - 1) * r.r;
    case 'integers':
      return rng.int(r.n) * (rng.uniform() < 0.5 ? -1 : 1);
    default: {
      const v = r.values[rng.int(r.values.length)] * (rng.uniform() < 0.5 ? -1 : 1);
      return Math.max(...r.values) < 1 ? v * size : v;
    }
  }
}

function uniform(lo: number, hi: number, rng: Rng): number {
  return lo + (hi - lo) * rng.uniform();
}

/**
 * Keras' ImageDataGenerator: real-time augmentation (rotation, shifts, shear, zoom, flips —
 * one affine warp per image with Keras' fill modes — channel shift, brightness) and
 * normalization (rescale, sample- or feature-wise centring and scaling, ZCA whitening after
 * `fit(x)`), served in batches by `flow(x, y)` and `flowFromDirectory(dir)` iterators.
 * See docs/image-data.md.
 */
export class ImageDataGenerator {
  readonly settings: GeneratorSettings;
  /** Per-channel mean after `fit` (shape [1, 1, C]), else null. */
  mean: Tensor | null = null;
  /** Per-channel std after `fit` (shape [1, 1, C]), else null. */
  std: Tensor | null = null;
  /** The ZCA whitening matrix [D, D] after `fit`, else null. */
  zcaWhiteningMatrix: Tensor | null = null;
  private warned = new Set<string>();

  constructor(args: ImageDataGeneratorArgs = {}) {
    this.settings = parseArgs(args);
  }

  /** Random parameters for one image of shape [h, w, c] (Keras' get_random_transform). */
  getRandomTransform(shape: readonly number[], rng: Rng = new Rng(Math.floor(Math.random() * 2 ** 31))): TransformParams {
    const s = this.settings;
    const [h, w] = shape;
    const theta = s.rotationRange ? uniform(-s.rotationRange, s.rotationRange, rng) : 0;
    const tx = sampleShift(s.heightShift, h, rng);
    const ty = sampleShift(s.widthShift, w, rng);
    const shear = s.shearRange ? uniform(-s.shearRange, s.shearRange, rng) : 0;
    let zx = 1;
    let zy = 1;
    if (s.zoomRange[0] !== 1 || s.zoomRange[1] !== 1) {
      zx = uniform(s.zoomRange[0], s.zoomRange[1], rng);
      zy = uniform(s.zoomRange[0], s.zoomRange[1], rng);
    }
    const flipHorizontal = s.horizontalFlip && rng.uniform() < 0.5;
    const flipVertical = s.verticalFlip && rng.uniform() < 0.5;
    const channelShiftIntensity = s.channelShiftRange ? uniform(-s.channelShiftRange, s.channelShiftRange, rng) : null;
    const brightness = s.brightnessRange ? uniform(s.brightnessRange[0], s.brightnessRange[1], rng) : null;
    return { theta, tx, ty, shear, zx, zy, flipHorizontal, flipVertical, channelShiftIntensity, brightness };
  }

  /**
   * Applies the parameters to one HWC image held in `src`, writing `out` (they may not
   * overlap). Geometry (rotation, shift, shear, zoom, flips) is one resampling.
   */
  transformInto(src: Float32Array, out: Float32Array, shape: readonly number[], p: TransformParams): void {
    const [h, w, c] = shape;
    const m = transformMatrix(p, h, w);
    if (m === null) out.set(src);
    else warpAffine(src, out, h, w, c, m, this.settings.fillMode, this.settings.cval, this.settings.interpolationOrder);
    if (p.channelShiftIntensity !== null && p.channelShiftIntensity !== undefined) channelShift(out, p.channelShiftIntensity);
    if (p.brightness !== null && p.brightness !== undefined) brightnessShift(out, p.brightness);
  }

  /** Keras' apply_transform on a [h, w, c] image tensor. */
  applyTransform(x: Tensor, params: TransformParams): Tensor {
    checkImage(x, 'applyTransform');
    const out = new Float32Array(x.size);
    this.transformInto(Float32Array.from(x.dataSync()), out, x.shape, params);
    return tensor(out, x.shape);
  }

  /** Keras' random_transform on a [h, w, c] image tensor. */
  randomTransform(x: Tensor, seed?: number): Tensor {
    checkImage(x, 'randomTransform');
    return this.applyTransform(x, this.getRandomTransform(x.shape, seed === undefined ? undefined : new Rng(seed)));
  }

  /**
   * Keras' standardize on one image or a batch (a new tensor): preprocessingFunction (per
   * image), rescale, samplewise centre/std, featurewise centre/std, ZCA whitening.
   */
  standardize(x: Tensor): Tensor {
    if (x.rank !== 3 && x.rank !== 4) throw new RangeError(`ImageDataGenerator.standardize: expected an image [h, w, c] or a batch [n, h, w, c]; got shape ${formatShape(x.shape)}`);
    const shape = x.rank === 3 ? [1, ...x.shape] : [...x.shape];
    const buf = Float32Array.from(x.dataSync());
    const out = this.standardizeBatch(buf, shape);
    return tensor(out, x.shape);
  }

  /** Standardises a batch buffer [n, h, w, c] in place (ZCA returns a new buffer). */
  standardizeBatch(buf: Float32Array, shape: readonly number[]): Float32Array {
    const [n, h, w, c] = shape;
    const per = h * w * c;
    for (let i = 0; i < n; i++) this.standardizeImage(buf.subarray(i * per, (i + 1) * per), [h, w, c]);
    if (!this.settings.zcaWhitening) return buf;
    if (this.zcaWhiteningMatrix === null) {
      this.warnOnce('zca', 'ImageDataGenerator specifies zcaWhitening, but it has not been fit on any training data; call .fit(x) first');
      return buf;
    }
    if (this.zcaWhiteningMatrix.shape[0] !== per) throw new RangeError(`ImageDataGenerator: the ZCA matrix was fit on images of ${this.zcaWhiteningMatrix.shape[0]} values, these have ${per} (${h}x${w}x${c})`);
    const zca = this.zcaWhiteningMatrix;
    return noGrad(() => matmul(tensor(buf, [n, per]), zca)).dataSync() as Float32Array;
  }

  private standardizeImage(img: Float32Array, shape: readonly number[]): void {
    const s = this.settings;
    if (s.preprocessingFunction) {
      const y = s.preprocessingFunction(tensor(Float32Array.from(img), shape));
      if (!(y instanceof Tensor) || y.size !== img.length) throw new RangeError(`ImageDataGenerator: preprocessingFunction must return a tensor of the image's shape ${formatShape(shape)}`);
      img.set(y.dataSync());
    }
    if (s.rescale !== null) for (let i = 0; i < img.length; i++) img[i] *= s.rescale;
    if (s.samplewiseCenter || s.samplewiseStdNormalization) {
      let sum = 0;
      for (let i = 0; i < img.length; i++) sum += img[i];
      const mean = sum / img.length;
      if (s.samplewiseCenter) for (let i = 0; i < img.length; i++) img[i] -= mean;
      if (s.samplewiseStdNormalization) {
        let sq = 0;
        const m2 = s.samplewiseCenter ? 0 : mean;
        for (let i = 0; i < img.length; i++) sq += (img[i] - m2) ** 2;
        const sd = Math.sqrt(sq / img.length) + 1e-6;
        for (let i = 0; i < img.length; i++) img[i] /= sd;
      }
    }
    this.featurewise(img, shape[2]);
  }

  private featurewise(img: Float32Array, c: number): void {
    const s = this.settings;
    if (s.featurewiseCenter) {
      if (this.mean === null) this.warnOnce('mean', 'ImageDataGenerator specifies featurewiseCenter, but it has not been fit on any training data; call .fit(x) first');
      else {
        const m = this.mean.dataSync();
        if (m.length !== c) throw new RangeError(`ImageDataGenerator: the mean was fit on ${m.length} channels, these images have ${c}`);
        for (let i = 0; i < img.length; i++) img[i] -= m[i % c];
      }
    }
    if (s.featurewiseStdNormalization) {
      if (this.std === null) this.warnOnce('std', 'ImageDataGenerator specifies featurewiseStdNormalization, but it has not been fit on any training data; call .fit(x) first');
      else {
        const sd = this.std.dataSync();
        for (let i = 0; i < img.length; i++) img[i] /= sd[i % c] + 1e-6;
      }
    }
  }

  private warnOnce(key: string, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    console.warn(msg);
  }

  /**
   * Computes the featurewise statistics (per-channel mean and std) and the ZCA matrix from
   * sample images [n, h, w, c] (rescale applied first, as Keras does).
   */
  fit(x: Tensor, args: GeneratorFitArgs = {}): this {
    if (!(x instanceof Tensor) || x.rank !== 4) throw new RangeError(`ImageDataGenerator.fit: x must be a rank-4 tensor [n, h, w, c]; got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
    const [n, h, w, c] = x.shape;
    if (n === 0) throw new RangeError('ImageDataGenerator.fit: x has no samples');
    if (![1, 3, 4].includes(c)) console.warn(`ImageDataGenerator.fit: expected 1, 3 or 4 channels on the last axis (channels_last); got shape ${formatShape(x.shape)}`);
    const per = h * w * c;
    let data = Float32Array.from(x.dataSync());
    const s = this.settings;
    if (s.rescale !== null) for (let i = 0; i < data.length; i++) data[i] *= s.rescale;
    let count = n;
    if (args.augment) {
      const rounds = args.rounds ?? 1;
      if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`ImageDataGenerator.fit: rounds must be a positive integer; got ${rounds}`);
      const rng = new Rng(args.seed ?? Math.floor(Math.random() * 2 ** 31));
      const aug = new Float32Array(rounds * data.length);
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < n; i++) {
          const src = data.subarray(i * per, (i + 1) * per);
          this.transformInto(src, aug.subarray((r * n + i) * per, (r * n + i + 1) * per), [h, w, c], this.getRandomTransform([h, w, c], rng));
        }
      }
      data = aug;
      count = rounds * n;
    }
    if (s.featurewiseCenter) {
      const mean = channelStat(data, c, (v, ch, acc) => (acc[ch] += v));
      for (let i = 0; i < c; i++) mean[i] /= data.length / c;
      this.mean = tensor(Float32Array.from(mean), [1, 1, c]);
      for (let i = 0; i < data.length; i++) data[i] -= mean[i % c];
    }
    if (s.featurewiseStdNormalization) {
      const sq = channelStat(data, c, (v, ch, acc) => (acc[ch] += v * v));
      const std = sq.map((v) => Math.sqrt(v / (data.length / c)));
      this.std = tensor(Float32Array.from(std), [1, 1, c]);
      for (let i = 0; i < data.length; i++) data[i] /= std[i % c] + 1e-6;
    }
    if (s.zcaWhitening) this.zcaWhiteningMatrix = zcaMatrix(data, count, per, s.zcaEpsilon);
    return this;
  }

  /** Batches of augmented images and labels from arrays: Keras' flow. Without y, batches are x alone. */
  flow(x: Tensor, y: Tensor, args?: FlowArgs): NumpyArrayIterator<LabeledBatch>;
  flow(x: Tensor, y?: null, args?: FlowArgs): NumpyArrayIterator<Tensor>;
  flow(x: Tensor, y?: Tensor | null, args: FlowArgs = {}): NumpyArrayIterator {
    return new NumpyArrayIterator(x, y ?? null, this, args);
  }

  /** Batches of augmented images read from class sub-folders: Keras' flow_from_directory. */
  flowFromDirectory(directory: string, args: FlowFromDirectoryArgs & { classMode: null }): DirectoryIterator<Tensor>;
  flowFromDirectory(directory: string, args?: FlowFromDirectoryArgs): DirectoryIterator<LabeledBatch>;
  flowFromDirectory(directory: string, args: FlowFromDirectoryArgs = {}): DirectoryIterator {
    return new DirectoryIterator(directory, this, args);
  }
}

function channelStat(data: Float32Array, c: number, add: (v: number, ch: number, acc: Float64Array) => void): Float64Array {
  const acc = new Float64Array(c);
  for (let i = 0; i < data.length; i++) add(data[i], i % c, acc);
  return acc;
}

function checkImage(x: Tensor, where: string): void {
  if (!(x instanceof Tensor) || x.rank !== 3) throw new RangeError(`ImageDataGenerator.${where}: expected one image [h, w, c]; got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
}
