/**
 * The loss functions (Keras' `keras.losses.mean_squared_error` and friends): each maps
 * (yTrue, yPred) of one shape to per-sample losses, reducing the last axis (the class or
 * feature axis) with a mean for the regression losses and a sum for the crossentropies,
 * exactly as tf.keras 2 computes them (K.epsilon() = 1e-7 clipping included). They are
 * written with ops only, so every one is differentiable with respect to yPred.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import {
  abs, add, cast, checkValues, clip, div, equal, lessEqual, log, log1p, logSoftmax, max, maximum, mean, mul, neg, notEqual, oneHot, pow, rsqrt, sigmoid, softmax, softplus, square, squaredDifference, sub, sum, where,
} from '../ops/index.js';
import { tensor } from '../tensor/create.js';
import { EPSILON, checkTensorArg } from './loss.js';

/** yTrue and yPred as float32 tensors of one shape, or an error naming the loss and both shapes. */
export function floatPair(who: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  checkTensorArg(yTrue, who, 'yTrue');
  checkTensorArg(yPred, who, 'yPred');
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new RangeError(`${who}: y_true and y_pred must have the same shape; got y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)}`);
  }
  return [cast(yTrue, 'float32'), cast(yPred, 'float32')];
}

/** mean((yPred − yTrue)², axis=−1). */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('mean_squared_error', yTrue, yPred);
  return mean(squaredDifference(p, t), -1);
}

/** mean(|yPred − yTrue|, axis=−1). */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('mean_absolute_error', yTrue, yPred);
  return mean(abs(sub(p, t)), -1);
}

/** 100 · mean(|yTrue − yPred| / max(|yTrue|, ε), axis=−1). */
export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('mean_absolute_percentage_error', yTrue, yPred);
  return mul(mean(abs(div(sub(t, p), maximum(abs(t), EPSILON))), -1), 100);
}

/** mean((log(max(yPred, ε) + 1) − log(max(yTrue, ε) + 1))², axis=−1). */
export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('mean_squared_logarithmic_error', yTrue, yPred);
  return mean(squaredDifference(log1p(maximum(p, EPSILON)), log1p(maximum(t, EPSILON))), -1);
}

/** Keras' `_maybe_convert_labels`: labels that are all 0 or 1 become −1 or 1 (decided on the tensors, as Keras' tf.cond). */
function maybeConvertLabels(t: Tensor): Tensor {
  const binary = noGrad(() => equal(sum(add(equal(t, 0), equal(t, 1))), t.size));
  return where(binary, sub(mul(t, 2), 1), t);
}

/** mean(max(1 − yTrue·yPred, 0), axis=−1), 0/1 labels converted to −1/1. */
export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('hinge', yTrue, yPred);
  return mean(maximum(sub(1, mul(maybeConvertLabels(t), p)), 0), -1);
}

/** mean(max(1 − yTrue·yPred, 0)², axis=−1), 0/1 labels converted to −1/1. */
export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('squared_hinge', yTrue, yPred);
  return mean(square(maximum(sub(1, mul(maybeConvertLabels(t), p)), 0)), -1);
}

/** max(neg − pos + 1, 0) with pos = Σ yTrue·yPred and neg = max((1 − yTrue)·yPred) over the last axis. */
export function categoricalHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('categorical_hinge', yTrue, yPred);
  const pos = sum(mul(t, p), -1);
  const negative = max(mul(sub(1, t), p), -1);
  return maximum(add(sub(negative, pos), 1), 0);
}

/** mean(log(cosh(x)), axis=−1), x = yPred − yTrue, computed as x + softplus(−2x) − log 2. */
export function logCosh(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('log_cosh', yTrue, yPred);
  const x = sub(p, t);
  return mean(sub(add(x, softplus(mul(x, -2))), Math.LN2), -1);
}

/** mean(½e² where |e| ≤ δ, else δ|e| − ½δ²), e = yPred − yTrue. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const [t, p] = floatPair('huber_loss', yTrue, yPred);
  const e = sub(p, t);
  const a = abs(e);
  return mean(where(lessEqual(a, delta), mul(square(e), 0.5), sub(mul(a, delta), 0.5 * delta * delta)), -1);
}

export interface CrossentropyOptions {
  /** Whether yPred holds logits rather than probabilities. Default false. */
  readonly fromLogits?: boolean;
  /** In [0, 1]: the targets are mixed with a uniform distribution. Default 0. */
  readonly labelSmoothing?: number;
  /** The class axis. Default −1. */
  readonly axis?: number;
}

/**
 * −Σ yTrue·log(yPred) over the class axis. Probabilities are first scaled to sum to 1 and
 * clipped to [ε, 1 − ε]; logits go through logSoftmax. Label smoothing s replaces yTrue by
 * yTrue·(1 − s) + s/C, C the number of classes.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  const [t0, p] = floatPair('categorical_crossentropy', yTrue, yPred);
  const ax = normalizeAxis(options.axis ?? -1, p.rank, 'categorical_crossentropy');
  const s = options.labelSmoothing ?? 0;
  const t = s > 0 ? add(mul(t0, 1 - s), s / p.shape[ax]) : t0;
  if (options.fromLogits) return neg(sum(mul(t, logSoftmax(p, ax)), ax));
  const q = clip(div(p, sum(p, ax, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(t, log(q)), ax));
}

export interface SparseCrossentropyOptions {
  readonly fromLogits?: boolean;
  /** A label value whose entries get loss 0 and are left out of the mean. */
  readonly ignoreClass?: number;
}

/** Integer labels from yTrue: [..] or [.., 1] against predictions [.., C]. */
function sparseLabels(who: string, yTrue: Tensor, yPred: Tensor): Tensor {
  checkTensorArg(yTrue, who, 'yTrue');
  checkTensorArg(yPred, who, 'yPred');
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.rank > 0 && labels.shape[labels.rank - 1] === 1) labels = labels.reshape(labels.shape.slice(0, -1));
  if (yPred.rank === 0 || !shapesEqual(labels.shape, yPred.shape.slice(0, -1))) {
    throw new RangeError(`${who}: y_true must hold one integer label per row of y_pred (shape ${formatShape(yPred.shape.slice(0, -1))} or ${formatShape([...yPred.shape.slice(0, -1), 1])}); got y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)}`);
  }
  return cast(labels, 'int32');
}

/** Checks 0 ≤ label < C for the labels that count (a check kernel: it runs in plans too). */
function checkLabelRange(who: string, labels: Tensor, valid: Tensor | null, classes: number): void {
  if (labels.size === 0) return;
  checkValues(valid === null ? [labels] : [labels, valid], ([l, v]) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < l.length; i++) {
      if (v !== undefined && v[i] === 0) continue;
      if (l[i] < lo) lo = l[i];
      if (l[i] > hi) hi = l[i];
    }
    if (lo === Infinity) lo = hi = 0;
    return lo < 0 || hi >= classes ? `${who}: labels must be integers in [0, ${classes}) for ${classes} classes; got values from ${lo} to ${hi}` : null;
  });
}

/**
 * −log p[label] per entry, with the mask of entries that count when `ignoreClass` is set
 * (ignored entries have loss 0). Probabilities are clipped to [ε, 1 − ε] and renormalised
 * (tf.keras 2: logSoftmax of their log); logits go through logSoftmax.
 */
export function sparseCategoricalCrossentropyMasked(yTrue: Tensor, yPred: Tensor, options: SparseCrossentropyOptions = {}): { losses: Tensor; mask?: Tensor } {
  const who = 'sparse_categorical_crossentropy';
  const labels = sparseLabels(who, yTrue, yPred);
  const p = cast(yPred, 'float32');
  const classes = p.shape[p.rank - 1];
  const ignore = options.ignoreClass;
  const valid = ignore === undefined || ignore === null ? null : cast(notEqual(labels, ignore), 'float32');
  checkLabelRange(who, labels, valid, classes);
  const onehot = oneHot(valid === null ? labels : where(valid, labels, 0), classes);
  const logp = options.fromLogits ? logSoftmax(p, -1) : logSoftmax(log(clip(p, EPSILON, 1 - EPSILON)), -1);
  const losses = neg(sum(mul(onehot, logp), -1));
  if (valid === null) return { losses };
  return { losses: where(valid, losses, 0), mask: valid };
}

/** The per-entry losses of `sparseCategoricalCrossentropyMasked` (ignored entries 0). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: SparseCrossentropyOptions = {}): Tensor {
  return sparseCategoricalCrossentropyMasked(yTrue, yPred, options).losses;
}

export interface BinaryCrossentropyOptions extends CrossentropyOptions {}

/**
 * mean over `axis` of −(y·log(p + ε) + (1 − y)·log(1 − p + ε)) with p clipped to
 * [ε, 1 − ε] (tf.keras 2's backend formula); from logits x the exact
 * (1 − y)·softplus(x) + y·softplus(−x). Label smoothing s: y·(1 − s) + s/2.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options: BinaryCrossentropyOptions = {}): Tensor {
  const [t0, p] = floatPair('binary_crossentropy', yTrue, yPred);
  const s = options.labelSmoothing ?? 0;
  const t = s > 0 ? add(mul(t0, 1 - s), 0.5 * s) : t0;
  let e: Tensor;
  if (options.fromLogits) {
    e = add(mul(sub(1, t), softplus(p)), mul(t, softplus(neg(p))));
  } else {
    const q = clip(p, EPSILON, 1 - EPSILON);
    e = neg(add(mul(t, log(add(q, EPSILON))), mul(sub(1, t), log(add(sub(1, q), EPSILON)))));
  }
  return mean(e, options.axis ?? -1);
}

/** Σ yTrue·log(yTrue / yPred) over the last axis, both clipped to [ε, 1]. */
export function klDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t0, p0] = floatPair('kl_divergence', yTrue, yPred);
  const t = clip(t0, EPSILON, 1);
  const p = clip(p0, EPSILON, 1);
  return sum(mul(t, log(div(t, p))), -1);
}

/** mean(yPred − yTrue·log(yPred + ε), axis=−1). */
export function poisson(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = floatPair('poisson', yTrue, yPred);
  return mean(sub(p, mul(t, log(add(p, EPSILON)))), -1);
}

/** x / sqrt(max(Σx², 1e-12)) along `axis` (Keras' l2_normalize). */
export function l2Normalize(x: Tensor, axis = -1): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), axis, true), 1e-12)));
}

/**
 * −Σ l2Normalize(yTrue)·l2Normalize(yPred) along `axis`: minus the cosine similarity, so
 * that minimizing the loss maximizes the similarity (Keras' sign convention).
 */
export function cosineSimilarity(yTrue: Tensor, yPred: Tensor, axis = -1): Tensor {
  const [t, p] = floatPair('cosine_similarity', yTrue, yPred);
  return neg(sum(mul(l2Normalize(t, axis), l2Normalize(p, axis)), axis));
}

/** −(y·log(q + ε) + (1 − y)·log(1 − q + ε)), q = p clipped to [ε, 1 − ε], elementwise. */
function binaryCrossentropyElements(t: Tensor, p: Tensor): Tensor {
  const q = clip(p, EPSILON, 1 - EPSILON);
  return neg(add(mul(t, log(add(q, EPSILON))), mul(sub(1, t), log(add(sub(1, q), EPSILON)))));
}

export interface FocalOptions {
  /** Class-1 weight (binary, with applyClassBalancing) or the weight of every class (categorical: a number or one per class). Default 0.25. */
  readonly alpha?: number | readonly number[];
  /** The focusing exponent. Default 2. */
  readonly gamma?: number;
  readonly fromLogits?: boolean;
  readonly labelSmoothing?: number;
  readonly axis?: number;
}

/**
 * Keras' binary_focal_crossentropy (Lin et al. 2018): mean over `axis` of (1 − p_t)^γ·bce,
 * p_t = y·p + (1 − y)·(1 − p); with applyClassBalancing also times α for class 1 and
 * 1 − α for class 0. Logits go through a sigmoid first; labels smoothed towards 0.5.
 */
export function binaryFocalCrossentropy(yTrue: Tensor, yPred: Tensor, options: FocalOptions & { readonly applyClassBalancing?: boolean } = {}): Tensor {
  const [t0, p0] = floatPair('binary_focal_crossentropy', yTrue, yPred);
  const s = options.labelSmoothing ?? 0;
  const t = s > 0 ? add(mul(t0, 1 - s), 0.5 * s) : t0;
  const p = options.fromLogits ? sigmoid(p0) : p0;
  const pt = add(mul(t, p), mul(sub(1, t), sub(1, p)));
  let focal = mul(pow(sub(1, pt), options.gamma ?? 2), binaryCrossentropyElements(t, p));
  if (options.applyClassBalancing) {
    const alpha = options.alpha ?? 0.25;
    if (typeof alpha !== 'number') throw new TypeError('binary_focal_crossentropy: alpha must be a number');
    focal = mul(add(mul(t, alpha), mul(sub(1, t), 1 - alpha)), focal);
  }
  return mean(focal, options.axis ?? -1);
}

/**
 * Keras' categorical_focal_crossentropy: Σ over the class axis of α·(1 − q)^γ·(−y·log q),
 * q = yPred scaled to sum to 1 and clipped to [ε, 1 − ε] (softmax first for logits);
 * labels smoothed towards 1/C.
 */
export function categoricalFocalCrossentropy(yTrue: Tensor, yPred: Tensor, options: FocalOptions = {}): Tensor {
  const [t0, p0] = floatPair('categorical_focal_crossentropy', yTrue, yPred);
  const ax = normalizeAxis(options.axis ?? -1, p0.rank, 'categorical_focal_crossentropy');
  const s = options.labelSmoothing ?? 0;
  const t = s > 0 ? add(mul(t0, 1 - s), s / p0.shape[ax]) : t0;
  const p = options.fromLogits ? softmax(p0, ax) : p0;
  const q = clip(div(p, sum(p, ax, true)), EPSILON, 1 - EPSILON);
  const cce = neg(mul(t, log(q)));
  const alpha = options.alpha ?? 0.25;
  if (typeof alpha !== 'number' && alpha.length !== p0.shape[ax]) throw new RangeError(`categorical_focal_crossentropy: alpha has ${alpha.length} values for ${p0.shape[ax]} classes`);
  const a = typeof alpha === 'number' ? alpha : tensor(Float32Array.from(alpha), p0.shape.map((d, i) => (i === ax ? d : 1)));
  return sum(mul(mul(pow(sub(1, q), options.gamma ?? 2), a), cce), ax);
}

/** The axes of a Dice/Tversky reduction: all (null) or the given ones. */
const overlapAxes = (rank: number, axis: number | readonly number[] | null | undefined, who: string): number[] =>
  axis === null || axis === undefined ? [...Array(rank).keys()] : (typeof axis === 'number' ? [axis] : [...axis]).map((a) => normalizeAxis(a, rank, who));

/** Keras' dice: 1 − 2·Σ y·p / (Σ y + Σ p + ε) over `axis` (default: every axis, one value for the batch). */
export function dice(yTrue: Tensor, yPred: Tensor, axis: number | readonly number[] | null = null): Tensor {
  const [t, p] = floatPair('dice', yTrue, yPred);
  const axes = overlapAxes(p.rank, axis, 'dice');
  const intersection = sum(mul(t, p), axes);
  return sub(1, div(mul(intersection, 2), add(add(sum(t, axes), sum(p, axes)), EPSILON)));
}

/** Keras' tversky: 1 − TP / (TP + α·FP + β·FN + ε) over `axis` (soft counts: TP = Σ y·p, FP = Σ (1 − y)·p, FN = Σ y·(1 − p)). */
export function tversky(yTrue: Tensor, yPred: Tensor, alpha = 0.5, beta = 0.5, axis: number | readonly number[] | null = null): Tensor {
  const [t, p] = floatPair('tversky', yTrue, yPred);
  const axes = overlapAxes(p.rank, axis, 'tversky');
  const tp = sum(mul(t, p), axes);
  const fp = sum(mul(sub(1, t), p), axes);
  const fn = sum(mul(t, sub(1, p)), axes);
  return sub(1, div(tp, add(add(add(tp, mul(fp, alpha)), mul(fn, beta)), EPSILON)));
}
