/**
 * AUC (Keras `keras.metrics.AUC`): the area under the ROC or precision–recall curve,
 * approximated from confusion counts accumulated at fixed thresholds.
 *
 * Thresholds (Keras' placement): i/(n−1) for i = 1 … n−2, plus −ε and 1 + ε (ε = 1e-7) at
 * the ends so that predictions of exactly 0 and 1 are counted. A prediction is positive at
 * a threshold when it is greater than it.
 *
 * Summation: 'interpolation' (default) uses trapezoids for ROC and, for PR, Davis &
 * Goadrich's interpolation of true and false positives between thresholds; 'minoring' and
 * 'majoring' take the lower or upper of the two heights of each interval.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { sigmoid } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { EPSILON } from '../losses/loss.js';
import { boolArg, intArg } from '../losses/args.js';
import { choiceArg } from '../initializers/config.js';
import { type MetricArgs, Metric } from './metric.js';
import { confusionCounts, parseThresholds } from './confusion.js';

export type AucCurve = 'ROC' | 'PR';
export type AucSummation = 'interpolation' | 'minoring' | 'majoring';

export interface AucArgs extends MetricArgs {
  /** Number of thresholds (> 1). Default 200. Ignored when `thresholds` is given. */
  readonly numThresholds?: number;
  /** 'ROC' (default) or 'PR'. */
  readonly curve?: AucCurve;
  /** Default 'interpolation'. */
  readonly summationMethod?: AucSummation;
  /** Explicit thresholds in [0, 1] (−ε and 1 + ε are added). */
  readonly thresholds?: readonly number[] | null;
  /** Apply a sigmoid to the predictions first. Default false. */
  readonly fromLogits?: boolean;
  /** Only false is supported (labels are flattened into one binary problem). */
  readonly multiLabel?: boolean;
  /** Only for multiLabel (unsupported): must be absent or null. */
  readonly numLabels?: number | null;
  /** Unsupported: must be absent or null. */
  readonly labelWeights?: readonly number[] | null;
}

/** The thresholds Keras uses for `numThresholds` evenly spaced ones, end points included. */
export function aucThresholds(numThresholds: number): number[] {
  const inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
  return [0 - EPSILON, ...inner, 1 + EPSILON];
}

/** Σ over intervals of Δx · height (x decreasing along the thresholds). */
function riemann(x: readonly number[], y: readonly number[], summation: AucSummation): number {
  let area = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const h = summation === 'interpolation' ? (y[i] + y[i + 1]) / 2 : summation === 'minoring' ? Math.min(y[i], y[i + 1]) : Math.max(y[i], y[i + 1]);
    area += (x[i] - x[i + 1]) * h;
  }
  return area;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Davis & Goadrich's interpolated area under the PR curve, as tf.keras 2 computes it. */
export function interpolatePrAuc(tp: ArrayLike<number>, fp: ArrayLike<number>, fn: ArrayLike<number>): number {
  let area = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const dtp = tp[i] - tp[i + 1];
    const pA = tp[i] + fp[i];
    const pB = tp[i + 1] + fp[i + 1];
    const slope = ratio(dtp, Math.max(pA - pB, 0));
    const intercept = tp[i + 1] - slope * pB;
    const pRatio = pA > 0 && pB > 0 ? ratio(pA, Math.max(pB, 0)) : 1;
    area += ratio(slope * (dtp + intercept * Math.log(pRatio)), Math.max(tp[i + 1] + fn[i + 1], 0));
  }
  return area;
}

export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: AucCurve;
  readonly summationMethod: AucSummation;
  readonly fromLogits: boolean;
  /** All thresholds, end points included. */
  readonly thresholds: readonly number[];
  private readonly userThresholds: number[] | null;
  private readonly tp: Variable;
  private readonly fp: Variable;
  private readonly tn: Variable;
  private readonly fn: Variable;

  constructor(args: AucArgs = {}) {
    super(args ?? {}, 'auc');
    const a = args ?? {};
    this.curve = choiceArg<AucCurve>(typeof a.curve === 'string' ? a.curve.toUpperCase() : a.curve, 'ROC', ['ROC', 'PR'], 'curve', 'AUC');
    this.summationMethod = choiceArg<AucSummation>(typeof a.summationMethod === 'string' ? a.summationMethod.toLowerCase() : a.summationMethod, 'interpolation', ['interpolation', 'minoring', 'majoring'], 'summationMethod', 'AUC');
    this.fromLogits = boolArg(a.fromLogits, false, 'fromLogits', 'AUC');
    if (boolArg(a.multiLabel, false, 'multiLabel', 'AUC')) throw new RangeError('AUC: multiLabel=true is not supported; labels are flattened into one binary problem');
    if (a.numLabels !== undefined && a.numLabels !== null) throw new RangeError('AUC: numLabels is only meaningful with multiLabel=true, which is not supported');
    if (a.labelWeights !== undefined && a.labelWeights !== null) throw new RangeError('AUC: labelWeights is not supported');
    if (a.thresholds !== undefined && a.thresholds !== null) {
      this.userThresholds = parseThresholds(a.thresholds, 0.5, 'AUC').sort((x, y) => x - y);
      this.thresholds = [0 - EPSILON, ...this.userThresholds, 1 + EPSILON];
      this.numThresholds = this.thresholds.length;
    } else {
      this.userThresholds = null;
      this.numThresholds = intArg(a.numThresholds, 200, 'numThresholds', 'AUC', 2);
      this.thresholds = aucThresholds(this.numThresholds);
    }
    const n = this.thresholds.length;
    this.tp = this.addWeight('true_positives', [n]);
    this.tn = this.addWeight('true_negatives', [n]);
    this.fp = this.addWeight('false_positives', [n]);
    this.fn = this.addWeight('false_negatives', [n]);
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const p = this.fromLogits ? sigmoid(yPred) : yPred;
    const c = confusionCounts(this.name, yTrue, p, sampleWeight, { thresholds: this.thresholds });
    Metric.accumulate(this.tp, c.tp);
    Metric.accumulate(this.fp, c.fp);
    Metric.accumulate(this.tn, c.tn);
    Metric.accumulate(this.fn, c.fn);
  }

  /** The accumulated counts per threshold (true/false positives/negatives). */
  counts(): { tp: number[]; fp: number[]; tn: number[]; fn: number[] } {
    return { tp: [...this.read(this.tp)], fp: [...this.read(this.fp)], tn: [...this.read(this.tn)], fn: [...this.read(this.fn)] };
  }

  override result(): number {
    const { tp, fp, tn, fn } = this.counts();
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') return interpolatePrAuc(tp, fp, fn);
    const recall = tp.map((v, i) => ratio(v, v + fn[i]));
    if (this.curve === 'ROC') {
      const fpRate = fp.map((v, i) => ratio(v, v + tn[i]));
      return riemann(fpRate, recall, this.summationMethod);
    }
    const precision = tp.map((v, i) => ratio(v, v + fp[i]));
    return riemann(recall, precision, this.summationMethod);
  }

  override getClassName(): string {
    return 'AUC';
  }

  override getConfig(): ConfigDict {
    const config: ConfigDict = {
      ...super.getConfig(),
      num_thresholds: this.numThresholds,
      curve: this.curve,
      summation_method: this.summationMethod,
      multi_label: false,
      num_labels: null,
      label_weights: null,
      from_logits: this.fromLogits,
    };
    if (this.userThresholds !== null) config.thresholds = [...this.userThresholds];
    return config;
  }
}
