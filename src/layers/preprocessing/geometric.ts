/**
 * Keras' geometric augmentation layers (keras/src/layers/preprocessing/image_preprocessing):
 * RandomRotation, RandomZoom and RandomTranslation. In training each image of an NHWC batch
 * (rank 4, or one HWC image of rank 3) is resampled through its own affine map, drawn from
 * the layer's seeded generator; at inference the layers are the identity (a float32 cast,
 * as Keras).
 *
 * Keras' affine_transform: the output pixel at (row y, column x) reads the input at
 *   x' = a0·x + a1·y + a2,   y' = b0·x + b1·y + b2
 * with these maps (cx = (W − 1)/2, cy = (H − 1)/2):
 *  - rotation by θ (counter-clockwise for θ > 0): x' = cos θ·(x − cx) − sin θ·(y − cy) + cx,
 *    y' = sin θ·(x − cx) + cos θ·(y − cy) + cy;
 *  - zoom by (zx, zy) = (1 + width draw, 1 + height draw): x' = zx·(x − cx) + cx, y' =
 *    zy·(y − cy) + cy (a factor > 0 zooms out, < 0 zooms in);
 *  - translation by (dx, dy) = (width draw · W, height draw · H): x' = x − dx, y' = y − dy.
 *
 * Resampling follows Keras' map_coordinates (its NumPy and JAX backends, scipy.ndimage
 * semantics after padding): bilinear reads the four neighbours floor(·) and floor(·) + 1
 * with weights 1 − f and f; nearest reads floor(· + ½). Each neighbour index outside the
 * image is mapped by the fill mode on its own:
 *   reflect   (d c b a | a b c d | d c b a)  half-sample symmetric
 *   wrap      (a b c d | a b c d | a b c d)
 *   nearest   (a a a a | a b c d | d d d d)
 *   constant  (k k k k | a b c d | k k k k)  k = fillValue, so an output next to the border
 *             blends the edge pixel with fillValue in proportion to the weights.
 *
 * Everything runs as tensor ops on the input's backend: the per-image draws are random
 * kernels (a plan draws new ones at every step), the source coordinates elementwise ops,
 * and the resampling one sampleImage kernel (ops/pool.ts) — or, where a gradient to the
 * images is wanted, neighbour indices and weights as elementwise ops and a gather (the two
 * paths are compared in the tests); no value is read on the host.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { add, cast, clip, concat, cos, floor, gather, greaterEqual, lessEqual, mul, randomUniform, reshape, sampleImage, sin, sub, sum, where } from '../../ops/index.js';
import { isGradEnabled } from '../../autograd/tape.js';
import type { CallOptions, LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgDecl, type ArgsIn, type DeclaredArgs, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';
import { RandomImageLayer } from './preprocessing.js';

export type GeometricFillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export type GeometricInterpolation = 'bilinear' | 'nearest';

const FILL_MODES = ['reflect', 'wrap', 'constant', 'nearest'] as const;
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;

/** The arguments all three share (Keras' names and defaults). */
const commonArgs = () => ({
  fillMode: arg.oneOf(FILL_MODES, { default: 'reflect' }),
  interpolation: arg.oneOf(INTERPOLATIONS, { default: 'bilinear' }),
  seed: arg.seed(),
  fillValue: arg.number({ default: 0 }),
  /** Keras' data_format: NHWC only (channels_first is transposed at import, as elsewhere). */
  dataFormat: arg.oneOf(['channels_last'] as const, { default: 'channels_last' }),
});

type Factor = number | readonly number[];

/** A number f, or [lower, upper] with both numbers accepted by `ok`; written to the config as given. */
function checkFactor(v: unknown, where: string, ok: (x: number) => boolean, range: string): number | number[] {
  const good = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && ok(x);
  if (good(v)) return v;
  if (Array.isArray(v) && v.length === 2 && v.every(good)) return [v[0] as number, v[1] as number];
  throw new RangeError(`${where} must be a number or a list of two numbers [lower, upper] in ${range}; got ${JSON.stringify(v)}`);
}

/** Keras' _set_factor for zoom and translation: f gives [−|f|, |f|]; a pair is sorted. */
function bounds(f: number | readonly number[]): [number, number] {
  if (typeof f === 'number') return [-Math.abs(f), Math.abs(f)];
  return f[0] <= f[1] ? [f[0], f[1]] : [f[1], f[0]];
}

const requiredFactor = (ok: (x: number) => boolean, range: string) =>
  arg.custom<Factor, number | number[], true>({
    required: true,
    resolve: (v, where) => checkFactor(v, where, ok, range),
    toConfig: (v) => (typeof v === 'number' ? v : [...v]),
  });

// ---- the common part ----------------------------------------------------------------------

type CommonDecl = ArgDecl & { seed: ReturnType<typeof arg.seed> } & ReturnType<typeof commonArgs>;

/** A grid [1, h, w] of values f(row, col) (shape-only: the same for every call). */
function grid(h: number, w: number, f: (r: number, c: number) => number): Tensor {
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[r * w + c] = f(r, c);
  return tensor(out, [1, h, w]);
}

/** An index tensor of integer values mapped into [0, n) by the fill mode (constant and nearest clamp; constant zeroes the weight outside). */
function fold(i: Tensor, n: number, mode: GeometricFillMode): Tensor {
  if (mode === 'wrap') {
    // i − n·⌊i/n⌋; the ½ keeps ⌊·⌋ away from integers whatever the division's rounding.
    return clip(sub(i, mul(floor(mul(add(i, 0.5), 1 / n)), n)), 0, n - 1);
  }
  if (mode === 'reflect') {
    const k = sub(i, mul(floor(mul(add(i, 0.5), 1 / (2 * n))), 2 * n)); // in [0, 2n)
    return clip(where(greaterEqual(k, n), sub(2 * n - 1, k), k), 0, n - 1);
  }
  return clip(i, 0, n - 1);
}

/** 1 where 0 ≤ i ≤ n − 1, else 0. */
function inside(i: Tensor, n: number): Tensor {
  return mul(cast(greaterEqual(i, 0), 'float32'), cast(lessEqual(i, n - 1), 'float32'));
}

interface Sampling {
  readonly fillMode: GeometricFillMode;
  readonly interpolation: GeometricInterpolation;
  readonly fillValue: number;
}

/** One axis's neighbours of the source coordinates: the folded index (times `stride`) and the weight (null: 1). */
interface Neighbour {
  readonly index: Tensor;
  readonly weight: Tensor | null;
}

/**
 * The neighbours along one axis of size n of source coordinates v: ⌊v + ½⌋ (nearest), or ⌊v⌋
 * and ⌊v⌋ + 1 with weights 1 − f and f (bilinear); constant fill zeroes the weight of an index
 * outside [0, n).
 */
function neighbours(v: Tensor, n: number, stride: number, s: Sampling): Neighbour[] {
  const raw: [Tensor, Tensor | null][] = [];
  if (s.interpolation === 'nearest') raw.push([floor(add(v, 0.5)), null]);
  else {
    const lo = floor(v);
    const f = sub(v, lo);
    raw.push([lo, sub(1, f)], [add(lo, 1), f]);
  }
  return raw.map(([i, w]) => {
    const index = stride === 1 ? fold(i, n, s.fillMode) : mul(fold(i, n, s.fillMode), stride);
    if (s.fillMode !== 'constant') return { index, weight: w };
    const valid = inside(i, n);
    return { index, weight: w === null ? valid : mul(w, valid) };
  });
}

/** Σ of the weights of constant fill's neighbours (never null there). */
function weightSum(ns: readonly Neighbour[]): Tensor {
  return ns.map((nb) => nb.weight as Tensor).reduce((acc, wt) => add(acc, wt));
}

/**
 * Keras' map_coordinates of x [B, H, W, C] at source columns `sx` and rows `sy` (both [B, H, W]):
 * the output [B, H, W, C]. The K neighbours (1 or 4) of every pixel are gathered at once and
 * summed with their weights; constant fill adds fillValue times the weight that fell outside.
 */
function resample(x: Tensor, sx: Tensor, sy: Tensor, s: Sampling): Tensor {
  const [b, h, w, c] = x.shape;
  const n = b * h * w;
  // Flat indices: row·W + column within the image (exact in float32 below 2²⁴ pixels), then
  // the image's first pixel in int32.
  const base = tensor(Int32Array.from({ length: b }, (_, i) => i * h * w), [b, 1, 1], 'int32');
  const rows = neighbours(sy, h, w, s);
  const cols = neighbours(sx, w, 1, s);
  const indices: Tensor[] = [];
  const weights: Tensor[] = [];
  for (const r of rows) {
    for (const q of cols) {
      indices.push(reshape(add(cast(add(r.index, q.index), 'int32'), base), [n]));
      const wt = r.weight === null ? q.weight : q.weight === null ? r.weight : mul(r.weight, q.weight);
      if (wt !== null) weights.push(reshape(wt, [n]));
    }
  }
  const k = indices.length;
  const pixels = gather(reshape(x, [n, c]), k === 1 ? indices[0] : concat(indices, 0), 0); // [k·n, c]
  let y: Tensor;
  if (weights.length === 0) y = pixels;
  else {
    const wk = reshape(k === 1 ? weights[0] : concat(weights, 0), [k, n, 1]);
    y = k === 1 ? mul(reshape(pixels, [1, n, c]), wk) : sum(mul(reshape(pixels, [k, n, c]), wk), 0);
  }
  y = reshape(y, [b, h, w, c]);
  if (s.fillMode !== 'constant' || s.fillValue === 0) return y;
  // The weight outside the image: 1 − (Σ row weights)·(Σ column weights).
  const kept = mul(weightSum(rows), weightSum(cols));
  return add(y, mul(reshape(sub(1, kept), [b, h, w, 1]), s.fillValue));
}

/**
 * An augmentation layer that resamples each image through an affine map drawn per image
 * (the subclass gives the map), with Keras' fill modes and interpolations; training only.
 */
abstract class AffineImageLayer extends RandomImageLayer {
  readonly fillMode: GeometricFillMode;
  readonly interpolation: GeometricInterpolation;
  readonly fillValue: number;

  constructor(args: LayerArgs, decl: DeclaredArgs<CommonDecl>) {
    super(args, decl);
    const a = this.declared(decl, args) as { readonly fillMode: GeometricFillMode; readonly interpolation: GeometricInterpolation; readonly fillValue: number };
    this.fillMode = a.fillMode;
    this.interpolation = a.interpolation;
    this.fillValue = a.fillValue;
    this.inputSpec = { minNdim: 3 };
  }

  /** The source columns and rows [b, h, w] of every output pixel for a fresh draw per image. */
  protected abstract sourceCoordinates(b: number, h: number, w: number): { readonly x: Tensor; readonly y: Tensor };

  /**
   * Per-image values [b, 1, 1]: uniform in [lo, hi) times `scale`, drawn when the kernel runs
   * (so a plan draws anew at every step) from the layer's generator; a constant when lo = hi.
   */
  protected draw(b: number, lo: number, hi: number, scale = 1): Tensor {
    if (lo === hi) return tensor(new Float32Array(b).fill(lo * scale), [b, 1, 1]);
    const rng = this.rng;
    const u = randomUniform([b, 1, 1], { minval: lo, maxval: hi, seed: () => rng.nextUint32() });
    return scale === 1 ? u : mul(u, scale);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const given = inputs as Tensor;
    if (given.rank !== 3 && given.rank !== 4) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected NHWC images of rank 4 (or one HWC image of rank 3); got shape [${given.shape.join(', ')}]`);
    const x = given.dtype === 'float32' ? given : cast(given, 'float32');
    if (!options.training) return x;
    const x4 = x.rank === 3 ? reshape(x, [1, ...x.shape]) : x;
    const [b, h, w] = x4.shape;
    const src = this.sourceCoordinates(b, h, w);
    // One sampleImage kernel pass (augmentation's usual case), or the same sampling composed
    // of gather and elementwise ops where a gradient to the images is wanted.
    const y = isGradEnabled() && x4.requiresGrad ? resample(x4, src.x, src.y, this) : sampleImage(x4, src.x, src.y, this);
    return x.rank === 3 ? reshape(y, x.shape) : y;
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return inputShape as LayerShape;
  }
}

// ---- RandomRotation -------------------------------------------------------------------------

const RANDOM_ROTATION_ARGS = declareArgs('RandomRotation', {
  /** f: angles in [−f, f]·2π; [lower, upper]: in [lower, upper]·2π (Keras' BaseImagePreprocessingLayer factor). */
  factor: arg.custom<Factor, number[], true>({
    required: true,
    resolve: (v, where) => {
      const f = checkFactor(v, where, () => true, '[−1, 1]');
      if (typeof f === 'number' ? Math.abs(f) > 1 : f[0] > 1 || f[1] < -1) throw new RangeError(`${where} must be a number or a list of two numbers [lower, upper] in [−1, 1]; got ${JSON.stringify(v)}`);
      return typeof f === 'number' ? [-Math.abs(f), Math.abs(f)] : bounds(f);
    },
    toConfig: (v) => [...v],
  }),
  ...commonArgs(),
});

/**
 * Keras RandomRotation: each image rotated about its centre by its own angle in
 * [lower, upper]·2π (positive: counter-clockwise), the corners filled by `fillMode`;
 * training only.
 */
export class RandomRotation extends AffineImageLayer {
  static override readonly className = 'RandomRotation';
  static override readonly args = RANDOM_ROTATION_ARGS;
  /** [lower, upper] as fractions of a full turn. */
  readonly factor: readonly number[];

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_ROTATION_ARGS>) {
    super(args, RANDOM_ROTATION_ARGS);
    this.factor = this.declared(RANDOM_ROTATION_ARGS, args).factor;
  }

  protected sourceCoordinates(b: number, h: number, w: number): { x: Tensor; y: Tensor } {
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    // Degrees, as Keras draws them, then radians.
    const theta = mul(this.draw(b, this.factor[0] * 360, this.factor[1] * 360), Math.PI / 180);
    const c = cos(theta);
    const s = sin(theta);
    const dx = grid(h, w, (_, q) => q - cx);
    const dy = grid(h, w, (r) => r - cy);
    return { x: add(sub(mul(c, dx), mul(s, dy)), cx), y: add(add(mul(s, dx), mul(c, dy)), cy) };
  }
}
registerLayer(RandomRotation);

// ---- RandomZoom -----------------------------------------------------------------------------

const zoomFactor = (x: number): boolean => x > -1 && x <= 1;

const RANDOM_ZOOM_ARGS = declareArgs('RandomZoom', {
  /** f: zoom factors 1 + [−f, f] vertically; [lower, upper]: 1 + [lower, upper]; > 0 zooms out, < 0 in. */
  heightFactor: requiredFactor(zoomFactor, '(−1, 1]'),
  /** As heightFactor, horizontally; null: the height's draw (the aspect ratio kept). */
  widthFactor: arg.custom<Factor | null, number | number[] | null, false>({
    resolve: (v, where) => (v === undefined || v === null ? null : checkFactor(v, where, zoomFactor, '(−1, 1]')),
    toConfig: (v) => (v === null || typeof v === 'number' ? v : [...v]),
    fromConfig: (v) => (v === undefined ? undefined : (v as Factor | null)),
  }),
  ...commonArgs(),
});

/**
 * Keras RandomZoom: each image scaled about its centre by 1 + a draw in [lower, upper] per
 * axis (a positive factor zooms out, a negative one zooms in), filled by `fillMode`;
 * training only.
 */
export class RandomZoom extends AffineImageLayer {
  static override readonly className = 'RandomZoom';
  static override readonly args = RANDOM_ZOOM_ARGS;
  readonly heightFactor: number | readonly number[];
  readonly widthFactor: number | readonly number[] | null;

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_ZOOM_ARGS>) {
    super(args, RANDOM_ZOOM_ARGS);
    const a = this.declared(RANDOM_ZOOM_ARGS, args);
    this.heightFactor = a.heightFactor;
    this.widthFactor = a.widthFactor;
  }

  protected sourceCoordinates(b: number, h: number, w: number): { x: Tensor; y: Tensor } {
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    const [hl, hu] = bounds(this.heightFactor);
    const zy = this.draw(b, 1 + hl, 1 + hu);
    let zx = zy;
    if (this.widthFactor !== null) {
      const [wl, wu] = bounds(this.widthFactor);
      zx = this.draw(b, 1 + wl, 1 + wu);
    }
    return { x: add(mul(zx, grid(h, w, (_, q) => q - cx)), cx), y: add(mul(zy, grid(h, w, (r) => r - cy)), cy) };
  }
}
registerLayer(RandomZoom);

// ---- RandomTranslation ----------------------------------------------------------------------

const translationFactor = (x: number): boolean => x >= -1 && x <= 1;

const RANDOM_TRANSLATION_ARGS = declareArgs('RandomTranslation', {
  /** f: shifts in [−f, f]·H; [lower, upper]: in [lower, upper]·H (negative: up). */
  heightFactor: requiredFactor(translationFactor, '[−1, 1]'),
  /** f: shifts in [−f, f]·W; [lower, upper]: in [lower, upper]·W (negative: left). */
  widthFactor: requiredFactor(translationFactor, '[−1, 1]'),
  ...commonArgs(),
});

/**
 * Keras RandomTranslation: each image shifted by a draw in [lower, upper] times its height
 * (down for positive) and its width (right for positive), filled by `fillMode`; training only.
 */
export class RandomTranslation extends AffineImageLayer {
  static override readonly className = 'RandomTranslation';
  static override readonly args = RANDOM_TRANSLATION_ARGS;
  readonly heightFactor: number | readonly number[];
  readonly widthFactor: number | readonly number[];

  constructor(args: LayerArgs & ArgsIn<typeof RANDOM_TRANSLATION_ARGS>) {
    super(args, RANDOM_TRANSLATION_ARGS);
    const a = this.declared(RANDOM_TRANSLATION_ARGS, args);
    this.heightFactor = a.heightFactor;
    this.widthFactor = a.widthFactor;
  }

  protected sourceCoordinates(b: number, h: number, w: number): { x: Tensor; y: Tensor } {
    const [hl, hu] = bounds(this.heightFactor);
    const [wl, wu] = bounds(this.widthFactor);
    // Keras draws the height's shift first.
    const dy = this.draw(b, hl, hu, h);
    const dx = this.draw(b, wl, wu, w);
    return { x: sub(grid(h, w, (_, q) => q), dx), y: sub(grid(h, w, (r) => r), dy) };
  }
}
registerLayer(RandomTranslation);
