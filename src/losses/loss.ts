/**
 * The Loss base class (Keras `keras.losses.Loss`) and the wrapper that turns a function of
 * (yTrue, yPred) into a Loss (Keras' `LossFunctionWrapper`). `call` gives the per-sample
 * losses; `compute` weights and reduces them as tf.keras 2 does.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { cast, div, expandDims, greater, maximum, mul, squeeze, sum, where } from '../ops/index.js';
import type { ConfigDict, Serializable } from '../utils/serialization.js';
import { choiceArg, describe } from '../initializers/config.js';

/** How `compute` reduces the weighted per-sample losses. */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'none';

/** The reductions, with Keras' 'auto' (= 'sum_over_batch_size') accepted on input. */
export const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'none'];

export interface LossArgs {
  /** Default 'sum_over_batch_size' ('auto' is accepted and means the same). */
  readonly reduction?: Reduction | 'auto';
  /** Default: the Keras function name ('mean_squared_error'). */
  readonly name?: string;
}

/** Per-sample losses and, where some entries are ignored (`ignoreClass`), the 0/1 mask of valid ones. */
export interface MaskedLosses {
  readonly losses: Tensor;
  readonly mask?: Tensor;
}

/** A function from (yTrue, yPred) to per-sample losses. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** K.epsilon(): the fuzz factor of Keras' clipping. */
export const EPSILON = 1e-7;

/** Throws unless `value` is a Tensor, naming the loss or metric and the argument. */
export function checkTensorArg(value: unknown, who: string, arg: string): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${who}: ${arg} must be a Tensor; got ${value === null ? 'null' : typeof value}`);
  }
  return value;
}

/**
 * Brings yTrue and yPred to the same rank the way Keras does before a loss or metric: a
 * label vector [N] against predictions [N, 1] becomes [N, 1] (and the other way round).
 */
export function alignRanks(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  if (yTrue.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) return [expandDims(yTrue, -1), yPred];
  if (yPred.rank === yTrue.rank - 1 && yTrue.shape[yTrue.rank - 1] === 1) return [yTrue, expandDims(yPred, -1)];
  return [yTrue, yPred];
}

/**
 * Fits sample weights to per-sample values: trailing size-1 axes are dropped when the
 * weights have more axes, and axes are appended when they have fewer ([N] against [N, T]
 * becomes [N, 1]); the result must broadcast against the values.
 */
export function alignWeights(sampleWeight: Tensor, values: Tensor, who: string): Tensor {
  let w = checkTensorArg(sampleWeight, who, 'sampleWeight');
  if (w.dtype !== 'float32') w = cast(w, 'float32');
  while (w.rank > values.rank && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
  while (w.rank > 0 && w.rank < values.rank) w = expandDims(w, -1);
  const n = Math.min(w.rank, values.rank);
  for (let i = 1; i <= n; i++) {
    const a = w.shape[w.rank - i];
    const b = values.shape[values.rank - i];
    if (a !== b && a !== 1 && b !== 1) {
      throw new RangeError(`${who}: sample_weight of shape ${formatShape(sampleWeight.shape)} does not fit the per-sample values of shape ${formatShape(values.shape)}`);
    }
  }
  return w;
}

function checkName(name: unknown, fallback: string, className: string): string {
  if (name === undefined || name === null) return fallback;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${className}: name must be a non-empty string; got ${describe(name)}`);
  return name;
}

/**
 * Base class of losses. Subclasses implement `call` (per-sample losses, the last axis
 * reduced); `compute` applies sample weights and the reduction:
 *  - 'sum_over_batch_size': Σ(loss·w) divided by the number of per-sample losses
 *    (tf.keras 2; with ignored entries, by the number of valid ones);
 *  - 'sum': Σ(loss·w);
 *  - 'none': loss·w, unreduced.
 */
export abstract class Loss implements Serializable {
  readonly name: string;
  readonly reduction: Reduction;

  constructor(args: LossArgs = {}, defaultName = 'loss') {
    if (typeof args !== 'object' || args === null) throw new TypeError(`${this.getClassName()}: options must be an object; got ${describe(args)}`);
    this.name = checkName(args.name, defaultName, this.getClassName());
    const r = choiceArg<Reduction | 'auto'>(args.reduction, 'sum_over_batch_size', [...REDUCTIONS, 'auto'], 'reduction', this.getClassName());
    this.reduction = r === 'auto' ? 'sum_over_batch_size' : r;
  }

  /** Per-sample losses (shape [batch] for [batch, features] inputs). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The Keras class name. */
  abstract getClassName(): string;

  /** Per-sample losses with the mask of valid entries, where the loss ignores some. */
  callMasked(yTrue: Tensor, yPred: Tensor): MaskedLosses {
    return { losses: this.call(yTrue, yPred) };
  }

  /** The weighted, reduced loss (a scalar, or per-sample values for reduction 'none'). */
  compute(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): Tensor {
    checkTensorArg(yTrue, this.name, 'yTrue');
    checkTensorArg(yPred, this.name, 'yPred');
    const { losses, mask } = this.callMasked(yTrue, yPred);
    let weighted = losses.dtype === 'float32' ? losses : cast(losses, 'float32');
    if (sampleWeight !== undefined && sampleWeight !== null) weighted = mul(weighted, alignWeights(sampleWeight, weighted, this.name));
    if (mask !== undefined) weighted = mul(weighted, mask);
    if (this.reduction === 'none') return weighted;
    const total = sum(weighted);
    if (this.reduction === 'sum') return total;
    if (mask !== undefined && mask.size > 0) {
      // The number of entries that count, as a tensor (no value is read: steps run from plans).
      const count = mul(sum(mask), weighted.size / mask.size);
      return where(greater(count, 0), div(total, maximum(count, 1e-30)), mul(total, 0));
    }
    const count = weighted.size;
    return count > 0 ? div(total, count) : mul(total, 0);
  }

  getConfig(): ConfigDict {
    return { name: this.name, reduction: this.reduction };
  }
}

/**
 * A Loss from a plain function of (yTrue, yPred) returning per-sample losses (Keras'
 * LossFunctionWrapper). yTrue and yPred are first brought to the same rank (`alignRanks`).
 */
export class LossFunctionWrapper extends Loss {
  readonly fn: LossFn;

  constructor(fn: LossFn, args: LossArgs = {}, defaultName?: string) {
    if (typeof fn !== 'function') throw new TypeError(`LossFunctionWrapper: fn must be a function of (yTrue, yPred); got ${describe(fn)}`);
    super(args, defaultName ?? (fn.name || 'loss'));
    this.fn = fn;
  }

  call(yTrue: Tensor, yPred: Tensor): Tensor {
    checkTensorArg(yTrue, this.name, 'yTrue');
    checkTensorArg(yPred, this.name, 'yPred');
    const [t, p] = alignRanks(yTrue, yPred);
    const out = this.fn(t, p);
    if (!(out instanceof Tensor)) throw new TypeError(`${this.name}: the loss function must return a Tensor; got ${describe(out)}`);
    return out;
  }

  getClassName(): string {
    return 'LossFunctionWrapper';
  }
}
