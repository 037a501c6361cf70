/**
 * Reducing metrics: Mean (the running weighted mean, used for the loss in logs), Sum, and
 * MeanMetricWrapper, the weighted mean of a per-sample function of (yTrue, yPred) that
 * the accuracy and error metrics are built on.
 */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape } from '../tensor/shape.js';
import { scalar } from '../tensor/create.js';
import { noGrad } from '../autograd/tape.js';
import { broadcastTo, cast, mul, sum } from '../ops/index.js';
import { alignRanks, alignWeights, checkTensorArg } from '../losses/loss.js';
import { describe } from '../losses/args.js';
import { type MetricArgs, Metric } from './metric.js';

/** A function from (yTrue, yPred) to per-sample values. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function asTensor(v: Tensor | number, who: string, arg: string): Tensor {
  if (typeof v === 'number') return scalar(v);
  return checkTensorArg(v, who, arg);
}

/**
 * Holds `total` and `count`. A batch of values v with weights w (broadcast to v, with
 * Keras' squeeze/expand of trailing axes) adds Σ v·w to total and Σ w to count; without
 * weights, Σ v and the number of values.
 */
export abstract class Reduce extends Metric {
  protected readonly total = this.addWeight('total');
  protected readonly count = this.addWeight('count');

  /** Adds a batch of values (optionally weighted) to total and count. */
  protected addValues(values: Tensor, sampleWeight?: Tensor | null): void {
    noGrad(() => {
      const v = cast(values, 'float32');
      if (sampleWeight === undefined || sampleWeight === null) {
        Metric.accumulate(this.total, sum(v));
        Metric.accumulate(this.count, v.size);
        return;
      }
      const w = alignWeights(sampleWeight, v, this.name);
      const shape = broadcastShapes(v.shape, w.shape, this.name);
      Metric.accumulate(this.total, sum(mul(v, w)));
      Metric.accumulate(this.count, sum(broadcastTo(w, shape)));
    });
  }
}

/** The running weighted mean of values: Σ v·w / Σ w (0 before any update). */
export class Mean extends Reduce {
  constructor(args: MetricArgs = {}) {
    super(args, 'mean');
  }

  /** Adds values (a tensor or a number) with optional weights (e.g. the batch size). */
  override updateState(values: Tensor | number, sampleWeight?: Tensor | number): void {
    const v = asTensor(values, this.name, 'values');
    this.addValues(v, sampleWeight === undefined ? undefined : asTensor(sampleWeight, this.name, 'sampleWeight'));
  }

  override result(): number {
    const c = this.scalar(this.count);
    return c === 0 ? 0 : this.scalar(this.total) / c;
  }

  override getClassName(): string {
    return 'Mean';
  }
}

/** The running weighted sum of values. */
export class Sum extends Reduce {
  constructor(args: MetricArgs = {}) {
    super(args, 'sum');
  }

  override updateState(values: Tensor | number, sampleWeight?: Tensor | number): void {
    const v = asTensor(values, this.name, 'values');
    this.addValues(v, sampleWeight === undefined ? undefined : asTensor(sampleWeight, this.name, 'sampleWeight'));
  }

  override result(): number {
    return this.scalar(this.total);
  }

  override getClassName(): string {
    return 'Sum';
  }
}

/**
 * The weighted mean of fn(yTrue, yPred) over every sample seen (Keras' MeanMetricWrapper).
 * yTrue and yPred are first brought to the same rank ([N] against [N, 1]).
 */
export class MeanMetricWrapper extends Reduce {
  readonly fn: MetricFn;

  constructor(fn: MetricFn, args: MetricArgs = {}, defaultName?: string) {
    if (typeof fn !== 'function') throw new TypeError(`MeanMetricWrapper: fn must be a function of (yTrue, yPred); got ${describe(fn)}`);
    super(args, defaultName ?? (fn.name || 'metric'));
    this.fn = fn;
  }

  /** Per-sample values before weighting (override to change rank handling). */
  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = alignRanks(yTrue, yPred);
    const out = this.fn(t, p);
    if (!(out instanceof Tensor)) throw new TypeError(`${this.name}: the metric function must return a Tensor; got ${describe(out)}`);
    return out;
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkTensorArg(yTrue, this.name, 'yTrue');
    checkTensorArg(yPred, this.name, 'yPred');
    const v = noGrad(() => this.values(yTrue, yPred));
    this.addValues(v, sampleWeight);
  }

  override result(): number {
    const c = this.scalar(this.count);
    return c === 0 ? 0 : this.scalar(this.total) / c;
  }

  override getClassName(): string {
    return 'MeanMetricWrapper';
  }
}

/** Checks that two shapes are equal, naming the metric. */
export function requireSameShape(who: string, yTrue: Tensor, yPred: Tensor): void {
  const a = yTrue.shape;
  const b = yPred.shape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new RangeError(`${who}: y_true and y_pred must have the same shape; got y_true ${formatShape(a)} and y_pred ${formatShape(b)}`);
  }
}
