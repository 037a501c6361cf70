/**
 * Intersection-over-union metrics (Keras' keras/src/metrics/iou_metrics.py): IoU, MeanIoU,
 * BinaryIoU, OneHotIoU and OneHotMeanIoU. Each accumulates a weighted confusion matrix
 * `total_confusion_matrix` [numClasses, numClasses] (rows: true class, columns: predicted
 * class) over every batch since the last reset; the value is, over the target classes c
 * whose denominator is > 1e-9,
 *
 *     mean of  tp_c / (predicted_c + true_c − tp_c + ε),   ε = 1e-7,
 *
 * Keras' exact formula: Σ iou_c / (number of valid classes + ε).
 *
 * Labels and predictions are class ids (or one-hot / scores, reduced by argmax along
 * `axis` when `sparseYTrue` / `sparseYPred` is false), cast to int32 (truncation) and
 * flattened; entries with a label or prediction outside [0, numClasses), or a label equal
 * to `ignoreClass`, are left out. Sample weights are accumulated as floats (tf.keras 2;
 * Keras 3's default integer dtype would truncate fractional weights).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import { argmax, broadcastTo, cast, expandDims, greaterEqual, less, matmul, mul, notEqual, oneHot, reshape, where } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { checkTensorArg } from '../losses/loss.js';
import { boolArg, describe, intArg, rangeArg } from '../losses/args.js';
import { type MetricArgs, Metric, MultiResultMetric } from './metric.js';

/** Keras' backend.epsilon(). */
const EPSILON = 1e-7;

export interface IoUBaseArgs extends MetricArgs {
  /** The number of classes (the confusion matrix is numClasses × numClasses). */
  readonly numClasses: number;
  /** Entries whose label is this class are left out. Default none. */
  readonly ignoreClass?: number | null;
  /** Labels are class ids (true, default) or one-hot / scores reduced by argmax along `axis`. */
  readonly sparseYTrue?: boolean;
  /** Predictions are class ids (true, default) or scores reduced by argmax along `axis`. */
  readonly sparseYPred?: boolean;
  /** The class axis for the argmax of non-sparse inputs. Default −1. */
  readonly axis?: number;
}

export interface IoUArgs extends IoUBaseArgs {
  /** The classes whose IoU is averaged (each in [0, numClasses)). */
  readonly targetClassIds: readonly number[];
}

function classIds(value: unknown, numClasses: number, className: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new TypeError(`${className}: targetClassIds must be a non-empty list of class ids (integers ≥ 0); got ${describe(value)}`);
  }
  const top = Math.max(...(value as number[]));
  if (top >= numClasses) throw new RangeError(`${className}: target class id ${top} is out of range, which is [0, ${numClasses})`);
  return [...(value as number[])];
}

/** IoU of the target classes, averaged over those that occur (Keras' `keras.metrics.IoU`). */
export class IoU extends MultiResultMetric {
  readonly numClasses: number;
  readonly targetClassIds: readonly number[];
  readonly ignoreClass: number | null;
  readonly sparseYTrue: boolean;
  readonly sparseYPred: boolean;
  readonly axis: number;
  /** The accumulated confusion matrix [numClasses, numClasses]: rows true class, columns predicted. */
  protected readonly totalCm: Variable;

  constructor(args: IoUArgs, defaultName = 'io_u') {
    super(args ?? ({} as IoUArgs), defaultName);
    const c = this.getClassName();
    if (args === undefined || args === null || args.numClasses === undefined || args.numClasses === null) throw new TypeError(`${c}: numClasses is required`);
    this.numClasses = intArg(args.numClasses, 0, 'numClasses', c, 1);
    this.targetClassIds = classIds(args.targetClassIds, this.numClasses, c);
    this.ignoreClass = args.ignoreClass === undefined || args.ignoreClass === null ? null : intArg(args.ignoreClass, 0, 'ignoreClass', c);
    this.sparseYTrue = boolArg(args.sparseYTrue, true, 'sparseYTrue', c);
    this.sparseYPred = boolArg(args.sparseYPred, true, 'sparseYPred', c);
    this.axis = intArg(args.axis, -1, 'axis', c);
    this.totalCm = this.addWeight('total_confusion_matrix', [this.numClasses, this.numClasses]);
  }

  override getClassName(): string {
    return 'IoU';
  }

  /** Adds the batch's weighted confusion matrix to the total. */
  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkTensorArg(yTrue, this.name, 'yTrue');
    checkTensorArg(yPred, this.name, 'yPred');
    const cm = noGrad(() => confusionMatrix(this, yTrue, yPred, sampleWeight));
    Metric.accumulate(this.totalCm, cm);
  }

  /** The IoU (one value: `result()`). */
  override results(): number[] {
    const n = this.numClasses;
    const cm = this.read(this.totalCm);
    let sum = 0;
    let valid = 0;
    for (const c of this.targetClassIds) {
      let predicted = 0;
      let actual = 0;
      for (let i = 0; i < n; i++) {
        predicted += cm[i * n + c];
        actual += cm[c * n + i];
      }
      const tp = cm[c * n + c];
      const denominator = predicted + actual - tp;
      if (denominator > 1e-9) {
        valid += 1;
        sum += tp / (denominator + EPSILON);
      }
    }
    return [sum / (valid + EPSILON)];
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      num_classes: this.numClasses,
      target_class_ids: [...this.targetClassIds],
      ignore_class: this.ignoreClass,
      sparse_y_true: this.sparseYTrue,
      sparse_y_pred: this.sparseYPred,
      axis: this.axis,
    };
  }
}

/** Class ids from labels or predictions: argmax along the axis unless sparse, truncated to integers (Keras' int cast), flattened, as float32. */
function ids(x: Tensor, sparse: boolean, axis: number): Tensor {
  const t = sparse ? x : argmax(x, axis);
  return reshape(cast(cast(t, 'int32'), 'float32'), [-1]);
}

/** The batch's weighted confusion matrix (Keras' _IoUBase.update_state). */
function confusionMatrix(m: IoU, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined): Tensor {
  const t = ids(yTrue, m.sparseYTrue, m.axis);
  const p = ids(yPred, m.sparseYPred, m.axis);
  if (t.size !== p.size) {
    throw new RangeError(`${m.name}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} give ${t.size} labels and ${p.size} predictions`);
  }
  const n = m.numClasses;
  const inRange = (v: Tensor): Tensor => mul(greaterEqual(v, 0), less(v, n));
  let valid = mul(inRange(t), inRange(p));
  if (m.ignoreClass !== null) valid = mul(valid, notEqual(t, m.ignoreClass));
  let w = valid;
  if (sampleWeight !== undefined && sampleWeight !== null) {
    const sw = cast(checkTensorArg(sampleWeight, m.name, 'sampleWeight'), 'float32');
    if (sw.size !== 1 && sw.size !== t.size) {
      throw new RangeError(`${m.name}: sample_weight of shape ${formatShape(sampleWeight.shape)} does not fit the ${t.size} entries of y_true ${formatShape(yTrue.shape)}`);
    }
    w = mul(valid, broadcastTo(reshape(sw, [-1]), [t.size]));
  }
  // Left-out entries count for class 0 with weight 0, as in Keras.
  const safe = (v: Tensor): Tensor => cast(where(greaterEqual(valid, 0.5), v, 0), 'int32');
  return matmul(mul(oneHot(safe(t), n), expandDims(w, -1)), oneHot(safe(p), n), { transposeA: true });
}

export type MeanIoUArgs = IoUBaseArgs;

/** IoU averaged over every class (Keras' `keras.metrics.MeanIoU`). */
export class MeanIoU extends IoU {
  constructor(args: MeanIoUArgs, defaultName = 'mean_io_u') {
    const n = args?.numClasses;
    super({ ...args, targetClassIds: Number.isInteger(n) && (n as number) > 0 ? Array.from({ length: n as number }, (_, i) => i) : [0] }, defaultName);
  }

  override getClassName(): string {
    return 'MeanIoU';
  }

  override getConfig(): ConfigDict {
    const { target_class_ids: _ids, ...rest } = super.getConfig();
    void _ids;
    return rest;
  }
}

export interface BinaryIoUArgs extends MetricArgs {
  /** Default [0, 1] (the mean of both classes' IoU); [1] alone is the IoU of the positive class. */
  readonly targetClassIds?: readonly number[];
  /** A prediction ≥ threshold is class 1. Default 0.5. */
  readonly threshold?: number;
}

/** IoU of binary labels against predictions thresholded at `threshold` (Keras' `keras.metrics.BinaryIoU`). */
export class BinaryIoU extends IoU {
  readonly threshold: number;

  constructor(args: BinaryIoUArgs = {}) {
    super({ name: args?.name, dtype: args?.dtype, numClasses: 2, targetClassIds: args?.targetClassIds ?? [0, 1] }, 'binary_io_u');
    this.threshold = rangeArg(args?.threshold, 0.5, -Infinity, Infinity, 'threshold', 'BinaryIoU');
  }

  override getClassName(): string {
    return 'BinaryIoU';
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkTensorArg(yPred, this.name, 'yPred');
    super.updateState(yTrue, noGrad(() => greaterEqual(cast(yPred, 'float32'), this.threshold)), sampleWeight);
  }

  override getConfig(): ConfigDict {
    return { target_class_ids: [...this.targetClassIds], threshold: this.threshold, name: this.name, dtype: this.dtype };
  }
}

export type OneHotIoUArgs = Omit<IoUArgs, 'sparseYTrue'>;

/** IoU with one-hot labels (argmax along `axis`); predictions are scores unless `sparseYPred` (Keras' `keras.metrics.OneHotIoU`). */
export class OneHotIoU extends IoU {
  constructor(args: OneHotIoUArgs) {
    super({ ...args, sparseYTrue: false, sparseYPred: args?.sparseYPred ?? false }, 'one_hot_io_u');
  }

  override getClassName(): string {
    return 'OneHotIoU';
  }

  override getConfig(): ConfigDict {
    const { sparse_y_true: _s, ...rest } = super.getConfig();
    void _s;
    return rest;
  }
}

export type OneHotMeanIoUArgs = Omit<IoUBaseArgs, 'sparseYTrue'>;

/** MeanIoU with one-hot labels; predictions are scores unless `sparseYPred` (Keras' `keras.metrics.OneHotMeanIoU`). */
export class OneHotMeanIoU extends MeanIoU {
  constructor(args: OneHotMeanIoUArgs) {
    super({ ...args, sparseYTrue: false, sparseYPred: args?.sparseYPred ?? false }, 'one_hot_mean_io_u');
  }

  override getClassName(): string {
    return 'OneHotMeanIoU';
  }

  override getConfig(): ConfigDict {
    const { sparse_y_true: _s, ...rest } = super.getConfig();
    void _s;
    return rest;
  }
}
