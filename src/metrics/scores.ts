/**
 * FBetaScore, F1Score and R2Score (Keras 3's), whose state has one entry per class or
 * output and is made on the first batch (the number of classes comes from the data).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { formatShape } from '../tensor/shape.js';
import { ones } from '../tensor/create.js';
import { noGrad } from '../autograd/tape.js';
import { abs, broadcastTo, cast, expandDims, greater, greaterEqual, max, mul, notEqual, sub, sum, squaredDifference } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { alignRanks, checkTensorArg } from '../losses/loss.js';
import { describe } from '../losses/args.js';
import { type MetricArgs, Metric, MultiResultMetric } from './metric.js';

const EPS = 1e-7;

/** y_true, y_pred as [N, C] float32 tensors, the sample weight broadcast to [N, C] (or null). */
function rows(who: string, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined): { t: Tensor; p: Tensor; w: Tensor | null } {
  checkTensorArg(yTrue, who, 'yTrue');
  checkTensorArg(yPred, who, 'yPred');
  const [t, p] = alignRanks(cast(yTrue, 'float32'), cast(yPred, 'float32'));
  if (p.rank !== 2 || t.rank !== 2 || t.shape[1] !== p.shape[1] || t.shape[0] !== p.shape[0]) {
    throw new RangeError(`${who}: expects 2-D inputs (batch, outputs) of one shape; got y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)}`);
  }
  if (sampleWeight === undefined || sampleWeight === null) return { t, p, w: null };
  let w = cast(sampleWeight, 'float32');
  while (w.rank < 2) w = expandDims(w, -1);
  return { t, p, w: broadcastTo(w, p.shape) };
}

export type FBetaAverage = 'micro' | 'macro' | 'weighted' | null;

export interface FBetaScoreArgs extends MetricArgs {
  /** null: one score per class (read them with results()); 'micro': from the summed counts; 'macro': the mean; 'weighted': weighted by each class's true count. */
  readonly average?: FBetaAverage;
  readonly beta?: number;
  /** A prediction counts as positive above it; null: the largest of each row (if not ~0). */
  readonly threshold?: number | null;
}

/** (1 + β²)·P·R / (β²·P + R) per class, over everything seen, as Keras' FBetaScore. */
export class FBetaScore extends MultiResultMetric {
  readonly average: FBetaAverage;
  readonly beta: number;
  readonly threshold: number | null;
  private counts: { tp: Variable; fp: Variable; fn: Variable; weights: Variable } | null = null;

  constructor(args: FBetaScoreArgs = {}, defaultName = 'fbeta_score') {
    super(args, defaultName);
    const c = this.getClassName();
    const average = args.average ?? null;
    if (![null, 'micro', 'macro', 'weighted'].includes(average)) throw new RangeError(`${c}: average must be null, 'micro', 'macro' or 'weighted'; got ${describe(average)}`);
    const beta = args.beta ?? 1;
    if (typeof beta !== 'number' || !(beta > 0)) throw new RangeError(`${c}: beta must be a number > 0; got ${describe(beta)}`);
    const threshold = args.threshold ?? null;
    if (threshold !== null && (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))) throw new RangeError(`${c}: threshold must be in (0, 1] or null; got ${describe(threshold)}`);
    this.average = average;
    this.beta = beta;
    this.threshold = threshold;
  }

  override getClassName(): string {
    return 'FBetaScore';
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const { t, p, w } = rows(this.name, yTrue, yPred, sampleWeight);
    if (this.counts === null) {
      const shape = this.average === 'micro' ? [] : [p.shape[1]];
      this.counts = { tp: this.addWeight('true_positives', shape), fp: this.addWeight('false_positives', shape), fn: this.addWeight('false_negatives', shape), weights: this.addWeight('intermediate_weights', shape) };
    }
    const c = this.counts;
    const deltas = noGrad(() => {
      const pred = this.threshold === null ? mul(greaterEqual(p, max(p, -1, true)), greater(abs(p), 1e-9)) : greater(p, this.threshold);
      const axes = this.average === 'micro' ? [0, 1] : [0];
      const wsum = (v: Tensor): Tensor => sum(w === null ? v : mul(v, w), axes);
      return { tp: wsum(mul(pred, t)), fp: wsum(mul(pred, sub(1, t))), fn: wsum(mul(sub(1, pred), t)), weights: wsum(t) };
    });
    Metric.accumulate(c.tp, deltas.tp);
    Metric.accumulate(c.fp, deltas.fp);
    Metric.accumulate(c.fn, deltas.fn);
    Metric.accumulate(c.weights, deltas.weights);
  }

  /** The per-class scores (average null), or the one averaged score in a list. */
  results(): number[] {
    if (this.counts === null) return [0];
    const tp = this.read(this.counts.tp);
    const fp = this.read(this.counts.fp);
    const fn = this.read(this.counts.fn);
    const b2 = this.beta * this.beta;
    const f = Array.from(tp, (x, i) => {
      const precision = x / (x + fp[i] + EPS);
      const recall = x / (x + fn[i] + EPS);
      return ((precision * recall) / (b2 * precision + recall + EPS)) * (1 + b2);
    });
    if (this.average === 'weighted') {
      const wv = this.read(this.counts.weights);
      const total = Array.from(wv).reduce((a, b) => a + b, 0) + EPS;
      return [f.reduce((s, x, i) => s + (x * wv[i]) / total, 0)];
    }
    if (this.average !== null) return [f.reduce((a, b) => a + b, 0) / f.length];
    return f;
  }

  /** result() is the score, averaged or the only class's; with average null and several classes it throws this. */
  protected override manyResultsMessage(count: number): string {
    return `${this.name}: average null gives one score per class (${count}); read them with results(), or set average to 'micro', 'macro' or 'weighted'`;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), average: this.average, beta: this.beta, threshold: this.threshold };
  }
}

/** FBetaScore with β = 1. */
export class F1Score extends FBetaScore {
  constructor(args: Omit<FBetaScoreArgs, 'beta'> = {}) {
    super({ ...args, beta: 1 }, 'f1_score');
  }

  override getClassName(): string {
    return 'F1Score';
  }

  override getConfig(): ConfigDict {
    const { beta: _beta, ...rest } = super.getConfig();
    void _beta;
    return rest;
  }
}

export interface R2ScoreArgs extends MetricArgs {
  /** 'uniform_average' (default), 'variance_weighted_average', or null (one score per output: results()). */
  readonly classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  /** Independent variables of the regression, for the adjusted R² (0: plain R²). */
  readonly numRegressors?: number;
}

/** The coefficient of determination 1 − SS_res/SS_tot per output, aggregated as Keras' R2Score. */
export class R2Score extends MultiResultMetric {
  readonly classAggregation: 'uniform_average' | 'variance_weighted_average' | null;
  readonly numRegressors: number;
  private readonly numSamples: Variable;
  private stats: { sum: Variable; squaredSum: Variable; residual: Variable; count: Variable } | null = null;

  constructor(args: R2ScoreArgs = {}) {
    super(args, 'r2_score');
    const agg = args.classAggregation === undefined ? 'uniform_average' : args.classAggregation;
    if (![null, 'uniform_average', 'variance_weighted_average'].includes(agg)) throw new RangeError(`R2Score: classAggregation must be 'uniform_average', 'variance_weighted_average' or null; got ${describe(agg)}`);
    const n = args.numRegressors ?? 0;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`R2Score: numRegressors must be an integer ≥ 0; got ${describe(n)}`);
    this.classAggregation = agg;
    this.numRegressors = n;
    this.numSamples = this.addWeight('num_samples', []);
  }

  override getClassName(): string {
    return 'R2Score';
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const { t, p, w } = rows(this.name, yTrue, yPred, sampleWeight);
    if (this.stats === null) {
      const c = [p.shape[1]];
      this.stats = { squaredSum: this.addWeight('squared_sum', c), sum: this.addWeight('sum', c), residual: this.addWeight('residual', c), count: this.addWeight('count', c) };
    }
    const s = this.stats;
    const d = noGrad(() => {
      const weight = w ?? ones(t.shape);
      const wt = mul(t, weight);
      return {
        sum: sum(wt, 0),
        squaredSum: sum(mul(t, wt), 0),
        residual: sum(mul(squaredDifference(t, p), weight), 0),
        count: sum(weight, 0),
        samples: sum(max(notEqual(weight, 0), -1)),
      };
    });
    Metric.accumulate(s.sum, d.sum);
    Metric.accumulate(s.squaredSum, d.squaredSum);
    Metric.accumulate(s.residual, d.residual);
    Metric.accumulate(s.count, d.count);
    Metric.accumulate(this.numSamples, d.samples);
  }

  /** Per-output scores (aggregation null) or the aggregated score in a list. */
  results(): number[] {
    if (this.stats === null) return [0];
    const sums = this.read(this.stats.sum);
    const sq = this.read(this.stats.squaredSum);
    const res = this.read(this.stats.residual);
    const count = this.read(this.stats.count);
    const total = Array.from(sums, (s, i) => sq[i] - s * (s / count[i]));
    const raw = total.map((tot, i) => {
      const r = 1 - res[i] / tot;
      return Number.isFinite(r) || Number.isNaN(r) ? r : 0; // Keras: ±inf → 0
    });
    let scores: number[];
    if (this.classAggregation === 'uniform_average') scores = [raw.reduce((a, b) => a + b, 0) / raw.length];
    else if (this.classAggregation === 'variance_weighted_average') scores = [raw.reduce((a, r, i) => a + total[i] * r, 0) / total.reduce((a, b) => a + b, 0)];
    else scores = raw;
    const n = this.scalar(this.numSamples);
    const k = this.numRegressors;
    if (k !== 0 && k < n - 1) scores = scores.map((r) => 1 - ((1 - r) * (n - 1)) / (n - k - 1));
    return scores;
  }

  /** result() with classAggregation null and several outputs throws this. */
  protected override manyResultsMessage(count: number): string {
    return `${this.name}: classAggregation null gives one score per output (${count}); read them with results()`;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), class_aggregation: this.classAggregation, num_regressors: this.numRegressors };
  }
}
