/**
 * ImageDataGenerator's arguments: Keras' names (camelCase), meanings and defaults, checked
 * once with errors that name the argument and the allowed values.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { FILL_MODES, type FillMode } from './affine.js';

export interface ImageDataGeneratorArgs {
  /** Set the input mean to 0 over the data set, per channel (needs `fit`). */
  featurewiseCenter?: boolean;
  /** Set each sample's mean to 0. */
  samplewiseCenter?: boolean;
  /** Divide inputs by the data set's std, per channel (needs `fit`). */
  featurewiseStdNormalization?: boolean;
  /** Divide each input by its std. */
  samplewiseStdNormalization?: boolean;
  /** Apply ZCA whitening (needs `fit`; turns featurewiseCenter on). */
  zcaWhitening?: boolean;
  /** Epsilon of ZCA whitening (default 1e-6). */
  zcaEpsilon?: number;
  /** Degree range for random rotations. */
  rotationRange?: number;
  /**
   * Horizontal shift: a fraction of the width (< 1), a whole number of pixels n (shifts in
   * (-n, n), integers), a non-integer ≥ 1 (uniform pixels), or a list of allowed pixel shifts.
   */
  widthShiftRange?: number | readonly number[];
  /** Vertical shift, as widthShiftRange. */
  heightShiftRange?: number | readonly number[];
  /** Range [lo, hi] of brightness factors. */
  brightnessRange?: readonly [number, number] | null;
  /** Shear angle range in degrees (counter-clockwise). */
  shearRange?: number;
  /** Zoom range: z means [1 - z, 1 + z]; or [lo, hi]. */
  zoomRange?: number | readonly [number, number];
  /** Range of random channel shifts. */
  channelShiftRange?: number;
  /** How points outside the input are filled (default 'nearest'). */
  fillMode?: FillMode;
  /** The value of 'constant' fill. */
  cval?: number;
  horizontalFlip?: boolean;
  verticalFlip?: boolean;
  /** Multiply the data by this value (after the other transforms, before normalisation). */
  rescale?: number | null;
  /** Run on each image (a [h, w, c] tensor) after augmentation and resizing; returns the same shape. */
  preprocessingFunction?: ((image: Tensor) => Tensor) | null;
  /** Only 'channels_last' (Neurite's layout). */
  dataFormat?: 'channels_last';
  /** Fraction of the images reserved for validation (subset 'validation'). */
  validationSplit?: number;
  /** 1 bilinear (default) or 0 nearest. */
  interpolationOrder?: 0 | 1;
}

export type ShiftRange = { kind: 'none' } | { kind: 'fraction'; r: number } | { kind: 'pixels'; r: number } | { kind: 'integers'; n: number } | { kind: 'choice'; values: readonly number[] };

/** The checked, normalised settings. */
export interface GeneratorSettings {
  featurewiseCenter: boolean;
  samplewiseCenter: boolean;
  featurewiseStdNormalization: boolean;
  samplewiseStdNormalization: boolean;
  zcaWhitening: boolean;
  zcaEpsilon: number;
  rotationRange: number;
  widthShift: ShiftRange;
  heightShift: ShiftRange;
  brightnessRange: readonly [number, number] | null;
  shearRange: number;
  zoomRange: readonly [number, number];
  channelShiftRange: number;
  fillMode: FillMode;
  cval: number;
  horizontalFlip: boolean;
  verticalFlip: boolean;
  rescale: number | null;
  preprocessingFunction: ((image: Tensor) => Tensor) | null;
  validationSplit: number;
  interpolationOrder: 0 | 1;
}

const WHERE = 'ImageDataGenerator';

function finiteNonNegative(v: number | undefined, name: string): number {
  const x = v ?? 0;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new RangeError(`${WHERE}: ${name} must be a finite number ≥ 0; got ${String(v)}`);
  return x;
}

function shiftRange(v: number | readonly number[] | undefined, name: string): ShiftRange {
  if (v === undefined || v === 0) return { kind: 'none' };
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((t) => typeof t === 'number' && Number.isFinite(t))) throw new RangeError(`${WHERE}: ${name} as a list must hold finite numbers; got [${v.join(', ')}]`);
    return { kind: 'choice', values: [...v] };
  }
  const r = finiteNonNegative(v as number, name);
  if (r < 1) return { kind: 'fraction', r };
  return Number.isInteger(r) ? { kind: 'integers', n: r } : { kind: 'pixels', r };
}

function zoomRange(v: ImageDataGeneratorArgs['zoomRange']): readonly [number, number] {
  if (v === undefined) return [1, 1];
  if (typeof v === 'number') {
    finiteNonNegative(v, 'zoomRange');
    return [1 - v, 1 + v];
  }
  if (Array.isArray(v) && v.length === 2 && v.every((t) => typeof t === 'number' && Number.isFinite(t))) return [v[0], v[1]];
  throw new RangeError(`${WHERE}: zoomRange must be a number or a list of two numbers [lo, hi]; got ${JSON.stringify(v)}`);
}

function brightness(v: ImageDataGeneratorArgs['brightnessRange']): readonly [number, number] | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) && v.length === 2 && v.every((t) => typeof t === 'number' && Number.isFinite(t))) return [v[0], v[1]];
  throw new RangeError(`${WHERE}: brightnessRange must be a list of two numbers [lo, hi]; got ${JSON.stringify(v)}`);
}

const KNOWN = new Set([
  'featurewiseCenter', 'samplewiseCenter', 'featurewiseStdNormalization', 'samplewiseStdNormalization', 'zcaWhitening', 'zcaEpsilon',
  'rotationRange', 'widthShiftRange', 'heightShiftRange', 'brightnessRange', 'shearRange', 'zoomRange', 'channelShiftRange',
  'fillMode', 'cval', 'horizontalFlip', 'verticalFlip', 'rescale', 'preprocessingFunction', 'dataFormat', 'validationSplit', 'interpolationOrder',
]);

/** Checks the arguments and applies Keras' implied settings (with its warnings). */
export function parseArgs(args: ImageDataGeneratorArgs, warn: (msg: string) => void = console.warn): GeneratorSettings {
  for (const k of Object.keys(args)) if (!KNOWN.has(k)) throw new RangeError(`${WHERE}: unknown argument '${k}' (known: ${[...KNOWN].join(', ')})`);
  const fillMode = args.fillMode ?? 'nearest';
  if (!FILL_MODES.includes(fillMode)) throw new RangeError(`${WHERE}: fillMode must be one of ${FILL_MODES.join(', ')}; got '${String(fillMode)}'`);
  if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
    throw new RangeError(`${WHERE}: dataFormat must be 'channels_last' (Neurite's layout is NHWC; transpose channels_first images first); got '${String(args.dataFormat)}'`);
  }
  const validationSplit = args.validationSplit ?? 0;
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new RangeError(`${WHERE}: validationSplit must be in [0, 1); got ${validationSplit}`);
  const order = args.interpolationOrder ?? 1;
  if (order !== 0 && order !== 1) throw new RangeError(`${WHERE}: interpolationOrder must be 0 (nearest) or 1 (bilinear); got ${String(order)}`);
  if (args.rescale !== undefined && args.rescale !== null && !Number.isFinite(args.rescale)) throw new RangeError(`${WHERE}: rescale must be a finite number or null; got ${args.rescale}`);
  if (args.preprocessingFunction !== undefined && args.preprocessingFunction !== null && typeof args.preprocessingFunction !== 'function') {
    throw new TypeError(`${WHERE}: preprocessingFunction must be a function (image tensor → image tensor)`);
  }
  const s: GeneratorSettings = {
    featurewiseCenter: Boolean(args.featurewiseCenter),
    samplewiseCenter: Boolean(args.samplewiseCenter),
    featurewiseStdNormalization: Boolean(args.featurewiseStdNormalization),
    samplewiseStdNormalization: Boolean(args.samplewiseStdNormalization),
    zcaWhitening: Boolean(args.zcaWhitening),
    zcaEpsilon: args.zcaEpsilon ?? 1e-6,
    rotationRange: finiteNonNegative(args.rotationRange, 'rotationRange'),
    widthShift: shiftRange(args.widthShiftRange, 'widthShiftRange'),
    heightShift: shiftRange(args.heightShiftRange, 'heightShiftRange'),
    brightnessRange: brightness(args.brightnessRange),
    shearRange: finiteNonNegative(args.shearRange, 'shearRange'),
    zoomRange: zoomRange(args.zoomRange),
    channelShiftRange: finiteNonNegative(args.channelShiftRange, 'channelShiftRange'),
    fillMode,
    cval: args.cval ?? 0,
    horizontalFlip: Boolean(args.horizontalFlip),
    verticalFlip: Boolean(args.verticalFlip),
    rescale: args.rescale ? args.rescale : null,
    preprocessingFunction: args.preprocessingFunction ?? null,
    validationSplit,
    interpolationOrder: order,
  };
  if (!(s.zcaEpsilon > 0)) throw new RangeError(`${WHERE}: zcaEpsilon must be > 0; got ${s.zcaEpsilon}`);
  if (s.zcaWhitening) {
    if (!s.featurewiseCenter) warn(`${WHERE}: zcaWhitening overrides featurewiseCenter: setting it to true`);
    s.featurewiseCenter = true;
    if (s.featurewiseStdNormalization) warn(`${WHERE}: zcaWhitening overrides featurewiseStdNormalization: setting it to false`);
    s.featurewiseStdNormalization = false;
  }
  if (s.featurewiseStdNormalization && !s.featurewiseCenter) {
    warn(`${WHERE}: featurewiseStdNormalization implies featurewiseCenter: setting it to true`);
    s.featurewiseCenter = true;
  }
  if (s.samplewiseStdNormalization && !s.samplewiseCenter) {
    warn(`${WHERE}: samplewiseStdNormalization implies samplewiseCenter: setting it to true`);
    s.samplewiseCenter = true;
  }
  return s;
}
