/**
 * Keras' preprocessing layers that travel inside the model (keras/src/layers/preprocessing):
 * their configuration and state save with it, so a model served elsewhere (a browser)
 * preprocesses exactly as it did in training.
 *  - Rescaling: x·scale + offset;
 *  - CenterCrop: the central height × width window of NHWC images;
 *  - RandomFlip: horizontal and/or vertical flips of each image with probability ½, in
 *    training only;
 *  - Normalization: (x − mean) / max(√variance, 1e-7) per feature of `axis` (or the inverse),
 *    with mean and variance given or computed by `adapt(data)` (kept as non-trainable
 *    weights `mean` and `variance`, as Keras 3);
 *  - Discretization: the bucket index of x among sorted boundaries (boundaries[i−1] ≤ x <
 *    boundaries[i]), given or from `adapt(data)` as numBins − 1 quantiles; int, one_hot,
 *    multi_hot or count output;
 *  - CategoryEncoding: integer tokens in [0, numTokens) as one_hot, multi_hot or count vectors;
 *  - Resizing (bilinear or nearest, half-pixel centres as tf.image.resize; optionally the
 *    centre cropped to the target's aspect ratio first), RandomCrop (a random window in
 *    training, the central one at inference), RandomContrast ((x − mean)·c + mean per image
 *    and channel, c ∈ [1 − lower, 1 + upper]) and RandomBrightness (x + δ·range, δ ∈ [lower,
 *    upper]), both clipped to the value range and active in training only.
 */
import { Tensor } from '../../tensor/tensor.js';
import { range, tensor, zeros } from '../../tensor/create.js';
import type { Variable } from '../../tensor/variable.js';
import { Rng } from '../../tensor/rng.js';
import { isGradEnabled, noGrad } from '../../autograd/tape.js';
import { add, cast, clip, div, floor, gather, greaterEqual, maximum, mean as reduceMean, mul, oneHot, randomUniform, reshape, resize2d, sampleImage, slice, sqrt, sub, sum, where } from '../../ops/index.js';
import { checkValues } from '../../ops/util.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { type ArgDecl, type ArgsIn, type DeclaredArgs, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';

/** A list of numbers, or a number (Keras takes either for mean/variance), or null. */
const numbers = (what: string) =>
  arg.json((v, where): number[] | null => {
    if (v === null || v === undefined) return null;
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new TypeError(`${where} must be ${what}; got ${JSON.stringify(v)}`);
    return [...(list as number[])];
  }, { default: null });

/** The values of data given as a tensor, a number array or a Dataset-like async iterable of tensors. */
async function collect(data: Tensor | readonly number[] | AsyncIterable<unknown> | Iterable<unknown>, who: string): Promise<Tensor[]> {
  if (data instanceof Tensor) return [data];
  if (Array.isArray(data) && data.every((v) => typeof v === 'number')) return [tensor(data as number[])];
  const out: Tensor[] = [];
  const take = (v: unknown): void => {
    const t = Array.isArray(v) ? v[0] : v;
    if (!(t instanceof Tensor)) throw new TypeError(`${who}.adapt: expected tensors (or [x, …] batches); got ${typeof t}`);
    out.push(t);
  };
  if (typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') for await (const v of data as AsyncIterable<unknown>) take(v);
  else for (const v of data as Iterable<unknown>) take(v);
  if (out.length === 0) throw new RangeError(`${who}.adapt: no data`);
  return out;
}

// ---- Rescaling -----------------------------------------------------------------------------

const RESCALING_ARGS = declareArgs('Rescaling', {
  /** The factor (1/255 maps bytes to [0, 1]). */
  scale: arg.number(),
  offset: arg.number({ default: 0 }),
});

/** Keras Rescaling: x·scale + offset. */
export class Rescaling extends Layer {
  static override readonly className = 'Rescaling';
  static override readonly args = RESCALING_ARGS;
  readonly scale: number;
  readonly offset: number;

  constructor(args: LayerArgs & ArgsIn<typeof RESCALING_ARGS>) {
    super(args);
    const a = this.declared(RESCALING_ARGS, args);
    this.scale = a.scale;
    this.offset = a.offset;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const y = mul(x.dtype === 'float32' ? x : cast(x, 'float32'), this.scale);
    return this.offset === 0 ? y : add(y, this.offset);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return inputShape as LayerShape;
  }
}
registerLayer(Rescaling);

// ---- CenterCrop ----------------------------------------------------------------------------

const CENTER_CROP_ARGS = declareArgs('CenterCrop', {
  height: arg.int({ min: 1 }),
  width: arg.int({ min: 1 }),
  dataFormat: arg.oneOf(['channels_last'] as const, { default: 'channels_last' }),
});

/** Keras CenterCrop on NHWC images: the central height × width window (offsets ⌊(H − h)/2⌋, ⌊(W − w)/2⌋). */
export class CenterCrop extends Layer {
  static override readonly className = 'CenterCrop';
  static override readonly args = CENTER_CROP_ARGS;
  readonly height: number;
  readonly width: number;

  constructor(args: LayerArgs & ArgsIn<typeof CENTER_CROP_ARGS>) {
    super(args);
    const a = this.declared(CENTER_CROP_ARGS, args);
    this.height = a.height;
    this.width = a.width;
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [b, h, w, c] = x.shape;
    if (h < this.height || w < this.width) throw new RangeError(`Layer ${this.name} (CenterCrop): images of ${h}×${w} are smaller than the crop ${this.height}×${this.width}`);
    return slice(x, [0, Math.floor((h - this.height) / 2), Math.floor((w - this.width) / 2), 0], [b, this.height, this.width, c]);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    return [s[0], this.height, this.width, s[3]];
  }
}
registerLayer(CenterCrop);

// ---- the random image layers' common part ---------------------------------------------------

/**
 * A seeded augmentation layer: its own generator (a seed makes its sequence of draws
 * reproducible, and checkpoints keep its state), active in training only, its output
 * shaped like its input unless it says otherwise.
 */
export abstract class RandomImageLayer extends Layer {
  readonly seed: number | null;
  protected readonly rng: Rng;

  /** `decl` declares the subclass's arguments, `seed` among them (resolved once, here). */
  constructor(args: LayerArgs, decl: DeclaredArgs<ArgDecl & { seed: ReturnType<typeof arg.seed> }>) {
    super(args);
    this.seed = (this.declared(decl, args) as { readonly seed: number | null }).seed;
    this.rng = new Rng(this.seed ?? Math.floor(Math.random() * 2 ** 31));
  }

  /**
   * One uniform draw per image of the batch, in [lo, hi), as a tensor of `shape`. A random
   * kernel seeded from the layer's generator at every run: a plan (fit's steps) replays the
   * kernel, not the numbers, so every step draws anew.
   */
  protected perImage(n: number, lo: number, hi: number, shape: readonly number[]): Tensor {
    return reshape(randomUniform([n], { minval: lo, maxval: hi, seed: () => this.rng.nextUint32() }), shape);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return inputShape as LayerShape;
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }
}

/** Keras' value_range argument ([low, high], default [0, 255]). */
const valueRangeArg = () =>
  arg.json((v, where): number[] => {
    const r = v === undefined ? [0, 255] : v;
    if (!Array.isArray(r) || r.length !== 2 || !(Number(r[0]) < Number(r[1]))) throw new RangeError(`${where} must be [low, high]; got ${JSON.stringify(v)}`);
    return [Number(r[0]), Number(r[1])];
  }, { default: [0, 255] });

// ---- RandomFlip ----------------------------------------------------------------------------

const RANDOM_FLIP_ARGS = declareArgs('RandomFlip', {
  mode: arg.oneOf(['horizontal', 'vertical', 'horizontal_and_vertical'] as const, { default: 'horizontal_and_vertical' }),
  seed: arg.seed(),
});

/** Keras RandomFlip: each image flipped left-right and/or upside-down with probability ½, in training only. */
export class RandomFlip extends RandomImageLayer {
  static override readonly className = 'RandomFlip';
  static override readonly args = RANDOM_FLIP_ARGS;
  readonly mode: 'horizontal' | 'vertical' | 'horizontal_and_vertical';

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_FLIP_ARGS> = {}) {
    super(args, RANDOM_FLIP_ARGS);
    this.mode = this.declared(RANDOM_FLIP_ARGS, args).mode;
    this.inputSpec = { ndim: 4 };
  }

  private flip(x: Tensor, axis: 1 | 2): Tensor {
    const size = x.shape[axis];
    const flipped = gather(x, Array.from({ length: size }, (_, i) => size - 1 - i), axis);
    return where(greaterEqual(this.perImage(x.shape[0], 0, 1, [x.shape[0], 1, 1, 1]), 0.5), flipped, x);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    let x = inputs as Tensor;
    if (!options.training) return x;
    if (isGradEnabled() && x.requiresGrad) {
      // Differentiable: gathers of the mirrored image and a per-image choice.
      if (this.mode !== 'vertical') x = this.flip(x, 2);
      if (this.mode !== 'horizontal') x = this.flip(x, 1);
      return x;
    }
    // One sampleImage pass: column c' = c + flip·(W − 1 − 2c) per image (rows likewise), the
    // flip draws in the same order as the differentiable path.
    const [b, h, w] = x.shape;
    const axis = (size: number, along: 1 | 2, on: boolean): Tensor => {
      const at = tensor(Float32Array.from({ length: h * w }, (_, p) => (along === 2 ? p % w : Math.floor(p / w))), [1, h, w]);
      if (!on) return at;
      const flip = cast(greaterEqual(this.perImage(b, 0, 1, [b, 1, 1]), 0.5), 'float32');
      return add(at, mul(flip, sub(size - 1, mul(at, 2))));
    };
    const cols = axis(w, 2, this.mode !== 'vertical');
    const rows = axis(h, 1, this.mode !== 'horizontal');
    const full = (t: Tensor): Tensor => (t.shape[0] === b ? t : add(t, zeros([b, h, w])));
    return sampleImage(x.dtype === 'float32' ? x : cast(x, 'float32'), full(cols), full(rows), { interpolation: 'nearest' });
  }
}
registerLayer(RandomFlip);

// ---- Normalization -------------------------------------------------------------------------

const NORMALIZATION_ARGS = declareArgs('Normalization', {
  /** The axis (or axes) that keep their own mean and variance (default the last); null: one for all. */
  axis: arg.json((v, where): number[] | null => {
    if (v === null) return null;
    const list = v === undefined ? [-1] : typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || !list.every(Number.isInteger)) throw new TypeError(`${where} must be an axis, a list of axes or null; got ${JSON.stringify(v)}`);
    return [...(list as number[])];
  }, { default: [-1] }),
  mean: numbers('a number or a list of numbers'),
  variance: numbers('a number or a list of numbers'),
  invert: arg.bool(false),
});

const EPSILON = 1e-7;

/** Keras Normalization: (x − mean) / max(√variance, 1e-7) per feature of `axis`; `invert` undoes it. */
export class Normalization extends Layer {
  static override readonly className = 'Normalization';
  static override readonly args = NORMALIZATION_ARGS;
  readonly axis: readonly number[] | null;
  readonly invert: boolean;
  private readonly given: { mean: number[]; variance: number[] } | null;
  meanWeight: Variable | null = null;
  varianceWeight: Variable | null = null;
  private featureShape: number[] = [];

  constructor(args: LayerArgs & ArgsIn<typeof NORMALIZATION_ARGS> = {}) {
    super(args);
    const a = this.declared(NORMALIZATION_ARGS, args);
    this.axis = a.axis;
    this.invert = a.invert;
    if ((a.mean === null) !== (a.variance === null)) throw new TypeError('Normalization: give both mean and variance, or neither (then call adapt)');
    this.given = a.mean === null ? null : { mean: a.mean, variance: a.variance as number[] };
  }

  private axesOf(rank: number): number[] {
    return (this.axis ?? []).map((a) => (a < 0 ? a + rank : a));
  }

  /** [1, …] broadcast shape: the kept axes' sizes, 1 elsewhere. */
  private broadcastShape(shape: LayerShape): number[] {
    const keep = this.axesOf(shape.length);
    return shape.map((d, i) => (keep.includes(i) ? (d as number) : 1));
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = inputShape as LayerShape;
    const keep = this.axesOf(shape.length);
    for (const a of keep) {
      if (a <= 0 || a >= shape.length || shape[a] === null) throw new RangeError(`Layer ${this.name} (Normalization): axis ${a} must be a non-batch axis of known size; input shape [${shape.join(', ')}]`);
    }
    this.featureShape = keep.map((a) => shape[a] as number);
    if (this.given === null) {
      this.meanWeight = this.addWeight('mean', this.featureShape, { initializer: 'zeros', trainable: false });
      this.varianceWeight = this.addWeight('variance', this.featureShape, { initializer: 'ones', trainable: false });
    }
  }

  /** Computes the mean and variance of `data` (a tensor, or batches from a Dataset) per feature of `axis`. */
  async adapt(data: Tensor | AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
    if (this.given !== null) throw new Error(`Layer ${this.name} (Normalization): mean and variance were given; adapt computes them instead`);
    const parts = await collect(data, 'Normalization');
    if (!this.built) {
      this.build([null, ...parts[0].shape.slice(1)]);
      this.built = true;
    }
    const rank = parts[0].rank;
    const keep = this.axesOf(rank);
    const reduce = [...Array(rank).keys()].filter((a) => !keep.includes(a));
    // Float64 sums over all parts: Σx and Σx² per feature, then the biased variance.
    const size = this.featureShape.reduce((a, b) => a * b, 1);
    const s1 = new Float64Array(size);
    const s2 = new Float64Array(size);
    let count = 0;
    for (const p of parts) {
      const [a, b] = await Promise.all(
        noGrad(() => {
          const x = cast(p, 'float32');
          return [sum(x, reduce), sum(mul(x, x), reduce)];
        }).map((t) => t.data()),
      );
      for (let i = 0; i < size; i++) {
        s1[i] += a[i];
        s2[i] += b[i];
      }
      count += p.size / size;
    }
    const mean = Float32Array.from(s1, (v) => v / count);
    const variance = Float32Array.from(s2, (v, i) => Math.max(0, v / count - (s1[i] / count) ** 2));
    noGrad(() => {
      (this.meanWeight as Variable).assign(tensor(mean, this.featureShape));
      (this.varianceWeight as Variable).assign(tensor(variance, this.featureShape));
    });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = cast(inputs as Tensor, 'float32');
    const shape = this.broadcastShape(x.shape);
    const mean = this.given ? tensor(this.given.mean.length === 1 ? Array(shape.reduce((a, b) => a * b, 1)).fill(this.given.mean[0]) : this.given.mean, shape) : reshape(this.meanWeight as Variable, shape);
    const variance = this.given ? tensor(this.given.variance.length === 1 ? Array(shape.reduce((a, b) => a * b, 1)).fill(this.given.variance[0]) : this.given.variance, shape) : reshape(this.varianceWeight as Variable, shape);
    const std = maximum(sqrt(variance), EPSILON);
    return this.invert ? add(mean, mul(x, std)) : div(sub(x, mean), std);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return inputShape as LayerShape;
  }
}
registerLayer(Normalization);

// ---- Discretization ------------------------------------------------------------------------

const OUTPUT_MODES = ['int', 'one_hot', 'multi_hot', 'count'] as const;

const DISCRETIZATION_ARGS = declareArgs('Discretization', {
  binBoundaries: numbers('a sorted list of numbers'),
  numBins: arg.optionalInt({ min: 2 }),
  epsilon: arg.number({ default: 0.01, min: 0 }),
  outputMode: arg.oneOf(OUTPUT_MODES, { default: 'int' }),
  sparse: arg.bool(false),
});

/** Encodes bucket indices of shape [..., n] (int) as one_hot/multi_hot/count vectors of `depth`. */
function encode(indices: Tensor, depth: number, mode: (typeof OUTPUT_MODES)[number]): Tensor {
  if (mode === 'int') return indices;
  const hot = oneHot(indices, depth); // [..., n, depth]
  if (mode === 'one_hot') return indices.shape[indices.rank - 1] === 1 ? reshape(hot, [...indices.shape.slice(0, -1), depth]) : hot;
  const counts = sum(hot, indices.rank - 1); // [..., depth]
  return mode === 'count' ? counts : cast(greaterEqual(counts, 1), 'float32');
}

/** Keras Discretization: the bucket of each value among the boundaries (given, or adapted as quantiles). */
export class Discretization extends Layer {
  static override readonly className = 'Discretization';
  static override readonly args = DISCRETIZATION_ARGS;
  binBoundaries: number[] | null;
  readonly numBins: number | null;
  readonly epsilon: number;
  readonly outputMode: (typeof OUTPUT_MODES)[number];

  constructor(args: LayerArgs & ArgsIn<typeof DISCRETIZATION_ARGS> = {}) {
    super(args);
    const a = this.declared(DISCRETIZATION_ARGS, args);
    if (a.sparse) throw new RangeError('Discretization: sparse outputs are not supported (Neurite has no sparse tensors)');
    // Both come back from an adapted layer's config; they must agree (Keras' check).
    if (a.binBoundaries !== null && a.numBins !== null && a.binBoundaries.length !== a.numBins - 1) throw new TypeError(`Discretization: binBoundaries (${a.binBoundaries.length}) must hold numBins − 1 = ${a.numBins - 1} values`);
    if (a.binBoundaries !== null && a.binBoundaries.some((v, i, all) => i > 0 && v < all[i - 1])) throw new RangeError(`Discretization: binBoundaries must be sorted; got ${JSON.stringify(a.binBoundaries)}`);
    this.binBoundaries = a.binBoundaries;
    this.numBins = a.numBins;
    this.epsilon = a.epsilon;
    this.outputMode = a.outputMode;
  }

  /** The numBins − 1 boundaries at the quantiles i/numBins of `data` (exact quantiles; Keras approximates them). */
  async adapt(data: Tensor | AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
    if (this.numBins === null) throw new Error(`Layer ${this.name} (Discretization): adapt needs numBins`);
    const parts = await Promise.all((await collect(data, 'Discretization')).map((t) => t.data()));
    const values = parts.flatMap((v) => Array.from(v)).sort((a, b) => a - b);
    const q = (p: number): number => {
      const pos = p * (values.length - 1);
      const lo = Math.floor(pos);
      return values[lo] + (values[Math.min(lo + 1, values.length - 1)] - values[lo]) * (pos - lo);
    };
    this.binBoundaries = Array.from({ length: this.numBins - 1 }, (_, i) => Math.fround(q((i + 1) / this.numBins!)));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const b = this.binBoundaries;
    if (b === null) throw new Error(`Layer ${this.name} (Discretization): call adapt(data) first, or give binBoundaries`);
    const x = cast(inputs as Tensor, 'float32');
    // The bucket: how many boundaries are ≤ x.
    let index = cast(greaterEqual(x, b[0] ?? Infinity), 'int32');
    for (let i = 1; i < b.length; i++) index = add(index, cast(greaterEqual(x, b[i]), 'int32'));
    return encode(b.length === 0 ? cast(mul(x, 0), 'int32') : index, b.length + 1, this.outputMode);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    const depth = (this.binBoundaries?.length ?? (this.numBins ?? 1) - 1) + 1;
    if (this.outputMode === 'int') return s;
    if (this.outputMode === 'one_hot' && s[s.length - 1] !== 1) return [...s, depth];
    return [...s.slice(0, -1), depth];
  }

  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), bin_boundaries: this.binBoundaries };
  }
}
registerLayer(Discretization);

// ---- CategoryEncoding ----------------------------------------------------------------------

const CATEGORY_ENCODING_ARGS = declareArgs('CategoryEncoding', {
  numTokens: arg.int({ min: 1 }),
  outputMode: arg.oneOf(['one_hot', 'multi_hot', 'count'] as const, { default: 'multi_hot' }),
  sparse: arg.bool(false),
});

/** Keras CategoryEncoding: integer tokens in [0, numTokens) as one_hot, multi_hot or count vectors. */
export class CategoryEncoding extends Layer {
  static override readonly className = 'CategoryEncoding';
  static override readonly args = CATEGORY_ENCODING_ARGS;
  readonly numTokens: number;
  readonly outputMode: 'one_hot' | 'multi_hot' | 'count';

  constructor(args: LayerArgs & ArgsIn<typeof CATEGORY_ENCODING_ARGS>) {
    super(args);
    const a = this.declared(CATEGORY_ENCODING_ARGS, args);
    if (a.sparse) throw new RangeError('CategoryEncoding: sparse outputs are not supported (Neurite has no sparse tensors)');
    this.numTokens = a.numTokens;
    this.outputMode = a.outputMode;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    if (x.rank === 1) x = reshape(x, [x.shape[0], 1]);
    const ids = x.dtype === 'int32' ? x : cast(x, 'int32');
    // Checked without a synchronous read (it also runs inside plans and on GPU memory).
    checkValues([ids], ([v]) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const t of v) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
      return lo < 0 || hi >= this.numTokens ? `Layer ${this.name} (CategoryEncoding): tokens must be in [0, ${this.numTokens}); got values from ${lo} to ${hi}` : null;
    });
    return encode(ids, this.numTokens, this.outputMode);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    if (s.length === 1) return [s[0], this.numTokens];
    if (this.outputMode === 'one_hot' && s[s.length - 1] !== 1) return [...s, this.numTokens];
    return [...s.slice(0, -1), this.numTokens];
  }
}
registerLayer(CategoryEncoding);

// ---- Resizing, RandomCrop, RandomContrast, RandomBrightness ------------------------------------

/** The central window of x [B, H, W, C] with the aspect ratio of [h, w]. */
function cropToAspect(x: Tensor, h: number, w: number): Tensor {
  const [b, H, W, c] = x.shape;
  const ch = Math.min(H, Math.floor((W * h) / w));
  const cw = Math.min(W, Math.floor((H * w) / h));
  return slice(x, [0, Math.floor((H - ch) / 2), Math.floor((W - cw) / 2), 0], [b, ch, cw, c]);
}

const RESIZING_ARGS = declareArgs('Resizing', {
  height: arg.int({ min: 1 }),
  width: arg.int({ min: 1 }),
  interpolation: arg.oneOf(['bilinear', 'nearest'] as const, { default: 'bilinear' }),
  cropToAspectRatio: arg.bool(false),
});

/** Keras Resizing: NHWC images resized to height × width (tf.image.resize's half-pixel sampling). */
export class Resizing extends Layer {
  static override readonly className = 'Resizing';
  static override readonly args = RESIZING_ARGS;
  readonly height: number;
  readonly width: number;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly cropToAspectRatio: boolean;

  constructor(args: LayerArgs & ArgsIn<typeof RESIZING_ARGS>) {
    super(args);
    const a = this.declared(RESIZING_ARGS, args);
    this.height = a.height;
    this.width = a.width;
    this.interpolation = a.interpolation;
    this.cropToAspectRatio = a.cropToAspectRatio;
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = cast(inputs as Tensor, 'float32');
    if (this.cropToAspectRatio) x = cropToAspect(x, this.height, this.width);
    return resize2d(x, [this.height, this.width], { method: this.interpolation, halfPixelCenters: true });
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    return [s[0], this.height, this.width, s[3]];
  }
}
registerLayer(Resizing);

const RANDOM_CROP_ARGS = declareArgs('RandomCrop', {
  height: arg.int({ min: 1 }),
  width: arg.int({ min: 1 }),
  seed: arg.seed(),
});

/** Keras RandomCrop: a random height × width window of the batch in training; the central one at inference. */
export class RandomCrop extends RandomImageLayer {
  static override readonly className = 'RandomCrop';
  static override readonly args = RANDOM_CROP_ARGS;
  readonly height: number;
  readonly width: number;

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_CROP_ARGS>) {
    super(args, RANDOM_CROP_ARGS);
    const a = this.declared(RANDOM_CROP_ARGS, args);
    this.height = a.height;
    this.width = a.width;
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const [b, h, w, c] = x.shape;
    if (h < this.height || w < this.width) throw new RangeError(`Layer ${this.name} (RandomCrop): images of ${h}×${w} are smaller than the crop ${this.height}×${this.width}`);
    if (!options.training) return slice(x, [0, Math.floor((h - this.height) / 2), Math.floor((w - this.width) / 2), 0], [b, this.height, this.width, c]);
    // The window's corner drawn by a random kernel (so a plan draws anew at every step), the
    // rows and columns gathered from it.
    const offsets = (size: number, crop: number): Tensor => {
      const start = cast(floor(randomUniform([1], { minval: 0, maxval: size - crop + 1 - 1e-3, seed: () => this.rng.nextUint32() })), 'int32');
      return add(start, range(0, crop, 1, 'int32'));
    };
    return gather(gather(x, offsets(h, this.height), 1), offsets(w, this.width), 2);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    return [s[0], this.height, this.width, s[3]];
  }
}
registerLayer(RandomCrop);

/** Keras' factor argument: a number f or [lower, upper], read by `pair` into [lower, upper]. */
const factorArg = (pair: (f: number) => [number, number], check: (lo: number, hi: number) => boolean, what: string) =>
  arg.custom<number | readonly number[], number[], true>({
    required: true,
    resolve: (v, where) => {
      const p = typeof v === 'number' ? pair(v) : v;
      if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x)) || !check(p[0], p[1])) throw new RangeError(`${where} must be ${what}; got ${JSON.stringify(v)}`);
      return [p[0], p[1]];
    },
    toConfig: (v) => [...v],
  });

const RANDOM_CONTRAST_ARGS = declareArgs('RandomContrast', {
  /** f: contrast factors in [1 − f, 1 + f]; [lower, upper]: in [1 − lower, 1 + upper]. */
  factor: factorArg((f) => [f, f], (lo, hi) => lo >= 0 && hi >= 0 && lo <= 1, 'a number in [0, 1] or [lower, upper]'),
  valueRange: valueRangeArg(),
  seed: arg.seed(),
});

/** Keras RandomContrast: per image, (x − its per-channel mean)·c + mean, c ∈ [1 − lower, 1 + upper], clipped to the value range; training only. */
export class RandomContrast extends RandomImageLayer {
  static override readonly className = 'RandomContrast';
  static override readonly args = RANDOM_CONTRAST_ARGS;
  readonly factor: readonly number[];
  readonly valueRange: readonly number[];

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_CONTRAST_ARGS>) {
    super(args, RANDOM_CONTRAST_ARGS);
    const a = this.declared(RANDOM_CONTRAST_ARGS, args);
    this.factor = a.factor;
    this.valueRange = a.valueRange;
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = cast(inputs as Tensor, 'float32');
    if (!options.training) return x;
    const c = this.perImage(x.shape[0], 1 - this.factor[0], 1 + this.factor[1], [x.shape[0], 1, 1, 1]);
    const m = reduceMean(x, [1, 2], true);
    return clip(add(mul(sub(x, m), c), m), this.valueRange[0], this.valueRange[1]);
  }
}
registerLayer(RandomContrast);

const RANDOM_BRIGHTNESS_ARGS = declareArgs('RandomBrightness', {
  /** f: δ ∈ [−f, f]; [lower, upper]: δ ∈ [lower, upper]; times the value range's width. */
  factor: factorArg((f) => [-f, f], (lo, hi) => lo <= hi && lo >= -1 && hi <= 1, 'a number or [lower, upper] in [−1, 1]'),
  valueRange: valueRangeArg(),
  seed: arg.seed(),
});

/** Keras RandomBrightness: per image x + δ·(high − low), δ ∈ [lower, upper], clipped to the value range; training only. */
export class RandomBrightness extends RandomImageLayer {
  static override readonly className = 'RandomBrightness';
  static override readonly args = RANDOM_BRIGHTNESS_ARGS;
  readonly factor: readonly number[];
  readonly valueRange: readonly number[];

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_BRIGHTNESS_ARGS>) {
    super(args, RANDOM_BRIGHTNESS_ARGS);
    const a = this.declared(RANDOM_BRIGHTNESS_ARGS, args);
    this.factor = a.factor;
    this.valueRange = a.valueRange;
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = cast(inputs as Tensor, 'float32');
    if (!options.training) return x;
    const width = this.valueRange[1] - this.valueRange[0];
    const delta = this.perImage(x.shape[0], this.factor[0] * width, this.factor[1] * width, [x.shape[0], ...x.shape.slice(1).map(() => 1)]);
    return clip(add(x, delta), this.valueRange[0], this.valueRange[1]);
  }
}
registerLayer(RandomBrightness);
