/**
 * Confusion-matrix metrics: the shared accumulation of true/false positives/negatives per
 * threshold (tf.keras 2's update_confusion_matrix_variables), and Precision and Recall.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import type { Variable } from '../tensor/variable.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import { broadcastTo, cast, expandDims, gather, greater, less, mul, notEqual, reshape, sub, sum, where, equal, add } from '../ops/index.js';
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import { alignRanks, alignWeights, checkTensorArg } from '../losses/loss.js';
import { describe, optionalIntArg } from '../losses/args.js';
import { type MetricArgs, Metric, MultiResultMetric } from './metric.js';

/** Keras' NEG_INF: the value given to predictions outside the top k. */
export const NEG_INF = -1e10;

export interface ConfusionCounts {
  /** Weighted counts per threshold, each of shape [T]. */
  readonly tp: Tensor;
  readonly fp: Tensor;
  readonly tn: Tensor;
  readonly fn: Tensor;
}

export interface ConfusionOptions {
  readonly thresholds: readonly number[];
  readonly topK?: number;
  readonly classId?: number;
}

/** Keeps the k largest values of the last axis (ties: lower index first) and sets the rest to NEG_INF. */
export function filterTopK(x: Tensor, k: number): Tensor {
  const c = x.shape[x.rank - 1];
  const lower = new Float32Array(c * c);
  for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) lower[i * c + j] = 1;
  const xi = expandDims(x, -1); // [.., C, 1]: the element ranked
  const xj = expandDims(x, -2); // [.., 1, C]: the others
  const ahead = add(greater(xj, xi), mul(equal(xj, xi), tensor(lower, [c, c])));
  const rank = sum(ahead, -1);
  return where(less(rank, k), x, NEG_INF);
}

function takeClass(x: Tensor, classId: number): Tensor {
  return reshape(gather(x, [classId], x.rank - 1), x.shape.slice(0, -1));
}

/**
 * Weighted confusion counts of predictions against labels for each threshold: a
 * prediction is positive where it is > the threshold, a label where it is non-zero.
 * Sample weights broadcast to yPred ([N] weights apply to every value of a sample).
 */
export function confusionCounts(who: string, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined, options: ConfusionOptions): ConfusionCounts {
  checkTensorArg(yTrue, who, 'yTrue');
  checkTensorArg(yPred, who, 'yPred');
  return noGrad(() => {
    let [t, p] = alignRanks(cast(yTrue, 'float32'), cast(yPred, 'float32'));
    if (t.rank !== p.rank || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new RangeError(`${who}: y_true and y_pred must have the same shape; got y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)}`);
    }
    let w = sampleWeight === undefined || sampleWeight === null ? null : broadcastTo(alignWeights(sampleWeight, p, who), p.shape);
    if (options.topK !== undefined) p = filterTopK(p, options.topK);
    if (options.classId !== undefined) {
      const c = p.shape[p.rank - 1];
      if (p.rank === 0 || options.classId >= c) throw new RangeError(`${who}: classId ${options.classId} is out of range for predictions of shape ${formatShape(p.shape)}`);
      t = takeClass(t, options.classId);
      p = takeClass(p, options.classId);
      w = w && takeClass(w, options.classId);
    }
    const thr = tensor(Float32Array.from(options.thresholds), [1, options.thresholds.length]);
    const predPos = greater(reshape(p, [-1, 1]), thr); // [M, T]
    const predNeg = sub(1, predPos);
    let labelPos = reshape(notEqual(t, 0), [-1, 1]);
    let labelNeg = sub(1, labelPos);
    if (w !== null) {
      const wf = reshape(w, [-1, 1]);
      labelPos = mul(labelPos, wf);
      labelNeg = mul(labelNeg, wf);
    }
    return {
      tp: sum(mul(predPos, labelPos), 0),
      fp: sum(mul(predPos, labelNeg), 0),
      tn: sum(mul(predNeg, labelNeg), 0),
      fn: sum(mul(predNeg, labelPos), 0),
    };
  });
}

/** Thresholds given as a number or a list, each in [0, 1]. */
export function parseThresholds(value: unknown, fallback: number, className: string): number[] {
  if (value === undefined || value === null) return [fallback];
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new RangeError(`${className}: thresholds must be a number or a non-empty list of numbers in [0, 1]; got ${describe(value)}`);
  }
  return [...(list as number[])];
}

export interface PrecisionRecallArgs extends MetricArgs {
  /** One threshold or a list (one result each). Default 0.5 (or −1e10 with topK). */
  readonly thresholds?: number | readonly number[] | null;
  /** Only the k largest predictions of each sample count as positive. */
  readonly topK?: number | null;
  /** Only this class (last-axis index) is evaluated. */
  readonly classId?: number | null;
}

/** The error of result() on a metric with several thresholds. */
const thresholdsMessage = (name: string, count: number): string => `${name}: this metric has ${count} thresholds; read them with results()`;

/** Shared state of Precision and Recall: two counters per threshold. */
abstract class ThresholdRatio extends MultiResultMetric {
  readonly thresholds: readonly number[];
  readonly topK: number | undefined;
  readonly classId: number | undefined;
  private readonly initThresholds: ConfigValue;
  protected readonly truePositives: Variable;
  protected readonly other: Variable;

  constructor(args: PrecisionRecallArgs, defaultName: string, otherName: string) {
    super(args, defaultName);
    const className = this.getClassName();
    this.topK = optionalIntArg(args.topK, 'topK', className, 1);
    this.classId = optionalIntArg(args.classId, 'classId', className, 0);
    this.thresholds = parseThresholds(args.thresholds, this.topK === undefined ? 0.5 : NEG_INF, className);
    this.initThresholds = args.thresholds === undefined || args.thresholds === null ? null : (Array.isArray(args.thresholds) ? [...args.thresholds] : (args.thresholds as number));
    this.truePositives = this.addWeight('true_positives', [this.thresholds.length]);
    this.other = this.addWeight(otherName, [this.thresholds.length]);
  }

  /** The counter other than the true positives (false positives or false negatives). */
  protected abstract pick(c: ConfusionCounts): Tensor;

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const c = confusionCounts(this.name, yTrue, yPred, sampleWeight, { thresholds: this.thresholds, topK: this.topK, classId: this.classId });
    Metric.accumulate(this.truePositives, c.tp);
    Metric.accumulate(this.other, this.pick(c));
  }

  /** tp / (tp + other) per threshold (0 where nothing was counted); `result()` is the single threshold's. */
  results(): number[] {
    const tp = this.read(this.truePositives);
    const o = this.read(this.other);
    return this.thresholds.map((_, i) => (tp[i] + o[i] === 0 ? 0 : tp[i] / (tp[i] + o[i])));
  }

  protected override manyResultsMessage(count: number): string {
    return thresholdsMessage(this.name, count);
  }

  protected override resultCount(): number {
    return this.thresholds.length;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), thresholds: this.initThresholds, top_k: this.topK ?? null, class_id: this.classId ?? null };
  }
}

/** tp / (tp + fp): the fraction of predicted positives that are positive. */
export class Precision extends ThresholdRatio {
  constructor(args: PrecisionRecallArgs = {}) {
    super(args ?? {}, 'precision', 'false_positives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.fp;
  }

  override getClassName(): string {
    return 'Precision';
  }
}

/** tp / (tp + fn): the fraction of positives predicted positive. */
export class Recall extends ThresholdRatio {
  constructor(args: PrecisionRecallArgs = {}) {
    super(args ?? {}, 'recall', 'false_negatives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.fn;
  }

  override getClassName(): string {
    return 'Recall';
  }
}

export interface ConfusionCountArgs extends MetricArgs {
  /** One threshold or a list (one count each). Default 0.5. */
  readonly thresholds?: number | readonly number[] | null;
}

/** One weighted confusion count per threshold (Keras' TruePositives, FalsePositives, TrueNegatives, FalseNegatives). */
abstract class ConfusionCount extends MultiResultMetric {
  readonly thresholds: readonly number[];
  private readonly initThresholds: ConfigValue;
  private readonly accumulator: Variable;

  constructor(args: ConfusionCountArgs, defaultName: string) {
    super(args, defaultName);
    this.thresholds = parseThresholds(args.thresholds, 0.5, this.getClassName());
    this.initThresholds = args.thresholds === undefined || args.thresholds === null ? null : (Array.isArray(args.thresholds) ? [...args.thresholds] : (args.thresholds as number));
    this.accumulator = this.addWeight('accumulator', [this.thresholds.length]);
  }

  protected abstract pick(c: ConfusionCounts): Tensor;

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    Metric.accumulate(this.accumulator, this.pick(confusionCounts(this.name, yTrue, yPred, sampleWeight, { thresholds: this.thresholds })));
  }

  /** The count per threshold; `result()` is the single threshold's. */
  results(): number[] {
    return Array.from(this.read(this.accumulator));
  }

  protected override manyResultsMessage(count: number): string {
    return thresholdsMessage(this.name, count);
  }

  protected override resultCount(): number {
    return this.thresholds.length;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), thresholds: this.initThresholds };
  }
}

/** Predictions above the threshold whose label is positive (weighted count). */
export class TruePositives extends ConfusionCount {
  constructor(args: ConfusionCountArgs = {}) {
    super(args ?? {}, 'true_positives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.tp;
  }

  override getClassName(): string {
    return 'TruePositives';
  }
}

/** Predictions above the threshold whose label is negative. */
export class FalsePositives extends ConfusionCount {
  constructor(args: ConfusionCountArgs = {}) {
    super(args ?? {}, 'false_positives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.fp;
  }

  override getClassName(): string {
    return 'FalsePositives';
  }
}

/** Predictions at or below the threshold whose label is negative. */
export class TrueNegatives extends ConfusionCount {
  constructor(args: ConfusionCountArgs = {}) {
    super(args ?? {}, 'true_negatives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.tn;
  }

  override getClassName(): string {
    return 'TrueNegatives';
  }
}

/** Predictions at or below the threshold whose label is positive. */
export class FalseNegatives extends ConfusionCount {
  constructor(args: ConfusionCountArgs = {}) {
    super(args ?? {}, 'false_negatives');
  }

  protected pick(c: ConfusionCounts): Tensor {
    return c.fn;
  }

  override getClassName(): string {
    return 'FalseNegatives';
  }
}
