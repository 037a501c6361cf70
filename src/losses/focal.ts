/**
 * Losses for imbalanced classes and segmentation: BinaryFocalCrossentropy,
 * CategoricalFocalCrossentropy, Dice and Tversky (Keras 3's; formulas in functions.ts).
 */
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import { type LossArgs, LossFunctionWrapper } from './loss.js';
import { binaryFocalCrossentropy, categoricalFocalCrossentropy, dice, tversky } from './functions.js';
import { boolArg, intArg, rangeArg } from './args.js';

export interface FocalArgs extends LossArgs {
  readonly fromLogits?: boolean;
  readonly labelSmoothing?: number;
  readonly axis?: number;
  /** Default 2. */
  readonly gamma?: number;
}

function gammaArg(v: unknown, className: string): number {
  if (v === undefined || v === null) return 2;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${className}: gamma must be a finite number ≥ 0; got ${String(v)}`);
  return v;
}

interface FocalShared {
  readonly gamma: number;
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
}

function focalShared(args: FocalArgs, className: string): FocalShared {
  return {
    gamma: gammaArg(args.gamma, className),
    fromLogits: boolArg(args.fromLogits, false, 'fromLogits', className),
    labelSmoothing: rangeArg(args.labelSmoothing, 0, 0, 1, 'labelSmoothing', className),
    axis: intArg(args.axis, -1, 'axis', className),
  };
}

/** The arguments both focal losses share, and their config keys. */
abstract class FocalLoss extends LossFunctionWrapper implements FocalShared {
  readonly gamma: number;
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;

  constructor(fn: ConstructorParameters<typeof LossFunctionWrapper>[0], args: LossArgs, name: string, o: FocalShared) {
    super(fn, args, name);
    this.gamma = o.gamma;
    this.fromLogits = o.fromLogits;
    this.labelSmoothing = o.labelSmoothing;
    this.axis = o.axis;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), gamma: this.gamma, from_logits: this.fromLogits, label_smoothing: this.labelSmoothing, axis: this.axis };
  }
}

/** Binary crossentropy down-weighting easy examples by (1 − p_t)^γ; with applyClassBalancing, α for class 1 and 1 − α for class 0. */
export class BinaryFocalCrossentropy extends FocalLoss {
  readonly applyClassBalancing: boolean;
  readonly alpha: number;

  constructor(args: FocalArgs & { readonly applyClassBalancing?: boolean; readonly alpha?: number } = {}) {
    const c = 'BinaryFocalCrossentropy';
    const o = { ...focalShared(args, c), applyClassBalancing: boolArg(args.applyClassBalancing, false, 'applyClassBalancing', c), alpha: rangeArg(args.alpha, 0.25, 0, 1, 'alpha', c) };
    super((t, p) => binaryFocalCrossentropy(t, p, o), args, 'binary_focal_crossentropy', o);
    this.applyClassBalancing = o.applyClassBalancing;
    this.alpha = o.alpha;
  }

  override getClassName(): string {
    return 'BinaryFocalCrossentropy';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), apply_class_balancing: this.applyClassBalancing, alpha: this.alpha };
  }
}

/** Categorical crossentropy times α·(1 − q)^γ per class (α a number or one per class). */
export class CategoricalFocalCrossentropy extends FocalLoss {
  readonly alpha: number | readonly number[];

  constructor(args: FocalArgs & { readonly alpha?: number | readonly number[] } = {}) {
    const c = 'CategoricalFocalCrossentropy';
    const alpha = args.alpha ?? 0.25;
    if (!(typeof alpha === 'number' ? Number.isFinite(alpha) : Array.isArray(alpha) && alpha.every((a) => typeof a === 'number' && Number.isFinite(a)))) {
      throw new TypeError(`${c}: alpha must be a number or a list of numbers (one per class); got ${JSON.stringify(alpha)}`);
    }
    const o = { ...focalShared(args, c), alpha };
    super((t, p) => categoricalFocalCrossentropy(t, p, o), args, 'categorical_focal_crossentropy', o);
    this.alpha = alpha;
  }

  override getClassName(): string {
    return 'CategoricalFocalCrossentropy';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), alpha: (typeof this.alpha === 'number' ? this.alpha : [...this.alpha]) as ConfigValue };
  }
}

type AxisArg = number | readonly number[] | null;

function axisArg(v: unknown, className: string): AxisArg {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (Array.isArray(v) && v.every((a) => Number.isInteger(a))) return v as number[];
  throw new TypeError(`${className}: axis must be an integer, a list of integers or null (every axis); got ${JSON.stringify(v)}`);
}

const axisConfig = (a: AxisArg): ConfigValue => (a === null ? null : typeof a === 'number' ? a : [...a]);

/** 1 − Dice coefficient: 1 − 2·Σ y·p / (Σ y + Σ p) over `axis` (default every axis). */
export class Dice extends LossFunctionWrapper {
  readonly axis: AxisArg;

  constructor(args: LossArgs & { readonly axis?: AxisArg } = {}) {
    const axis = axisArg(args.axis, 'Dice');
    super((t, p) => dice(t, p, axis), args, 'dice');
    this.axis = axis;
  }

  override getClassName(): string {
    return 'Dice';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: axisConfig(this.axis) };
  }
}

/** 1 − Tversky index: TP / (TP + α·FP + β·FN) over `axis`; α = β = 0.5 is Dice. */
export class Tversky extends LossFunctionWrapper {
  readonly alpha: number;
  readonly beta: number;
  readonly axis: AxisArg;

  constructor(args: LossArgs & { readonly alpha?: number; readonly beta?: number; readonly axis?: AxisArg } = {}) {
    const alpha = rangeArg(args.alpha, 0.5, 0, Infinity, 'alpha', 'Tversky');
    const beta = rangeArg(args.beta, 0.5, 0, Infinity, 'beta', 'Tversky');
    const axis = axisArg(args.axis, 'Tversky');
    super((t, p) => tversky(t, p, alpha, beta, axis), args, 'tversky');
    this.alpha = alpha;
    this.beta = beta;
    this.axis = axis;
  }

  override getClassName(): string {
    return 'Tversky';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha, beta: this.beta, axis: axisConfig(this.axis) };
  }
}
