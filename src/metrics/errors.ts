/**
 * Metrics computed from the loss functions (Keras' regression and probabilistic metrics):
 * the weighted mean, over every sample seen, of the per-sample loss. CosineSimilarity is
 * the similarity itself (+cos, the opposite sign of the loss); RootMeanSquaredError is
 * √(mean of squared errors) over all values.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ConfigDict } from '../utils/serialization.js';
import { neg, squaredDifference } from '../ops/index.js';
import { noGrad } from '../autograd/tape.js';
import { alignRanks, checkTensorArg } from '../losses/loss.js';
import {
  binaryCrossentropy, categoricalCrossentropy, categoricalHinge, cosineSimilarity, floatPair, hinge, klDivergence, logCosh, meanAbsoluteError, meanAbsolutePercentageError,
  meanSquaredError, meanSquaredLogarithmicError, poisson, sparseCategoricalCrossentropy, squaredHinge,
} from '../losses/functions.js';
import { boolArg, intArg, optionalIntArg, rangeArg } from '../losses/args.js';
import type { MetricArgs } from './metric.js';
import { MeanMetricWrapper, Reduce } from './reduce.js';

/** Declares a metric class computing the weighted mean of a loss function. */
function lossMetric(className: string, defaultName: string, fn: (yTrue: Tensor, yPred: Tensor) => Tensor): new (args?: MetricArgs) => MeanMetricWrapper {
  return class extends MeanMetricWrapper {
    constructor(args: MetricArgs = {}) {
      super(fn, args, defaultName);
    }

    override getClassName(): string {
      return className;
    }
  };
}

export const MeanSquaredError = lossMetric('MeanSquaredError', 'mean_squared_error', meanSquaredError);
export const MeanAbsoluteError = lossMetric('MeanAbsoluteError', 'mean_absolute_error', meanAbsoluteError);
export const MeanAbsolutePercentageError = lossMetric('MeanAbsolutePercentageError', 'mean_absolute_percentage_error', meanAbsolutePercentageError);
export const MeanSquaredLogarithmicError = lossMetric('MeanSquaredLogarithmicError', 'mean_squared_logarithmic_error', meanSquaredLogarithmicError);
export const Hinge = lossMetric('Hinge', 'hinge', hinge);
export const SquaredHinge = lossMetric('SquaredHinge', 'squared_hinge', squaredHinge);
export const CategoricalHinge = lossMetric('CategoricalHinge', 'categorical_hinge', categoricalHinge);
export const LogCoshError = lossMetric('LogCoshError', 'logcosh', logCosh);
export const KLDivergence = lossMetric('KLDivergence', 'kullback_leibler_divergence', klDivergence);
export const Poisson = lossMetric('Poisson', 'poisson', poisson);
export type MeanSquaredError = MeanMetricWrapper;
export type MeanAbsoluteError = MeanMetricWrapper;
export type MeanAbsolutePercentageError = MeanMetricWrapper;
export type MeanSquaredLogarithmicError = MeanMetricWrapper;
export type Hinge = MeanMetricWrapper;
export type SquaredHinge = MeanMetricWrapper;
export type CategoricalHinge = MeanMetricWrapper;
export type LogCoshError = MeanMetricWrapper;
export type KLDivergence = MeanMetricWrapper;
export type Poisson = MeanMetricWrapper;

export interface CrossentropyMetricArgs extends MetricArgs {
  readonly fromLogits?: boolean;
  readonly labelSmoothing?: number;
  readonly axis?: number;
}

function xentOptions(args: CrossentropyMetricArgs, className: string): { fromLogits: boolean; labelSmoothing: number; axis: number } {
  return {
    fromLogits: boolArg(args?.fromLogits, false, 'fromLogits', className),
    labelSmoothing: rangeArg(args?.labelSmoothing, 0, 0, 1, 'labelSmoothing', className),
    axis: intArg(args?.axis, -1, 'axis', className),
  };
}

/** The mean binary crossentropy (the loss's formula) over every sample seen. */
export class BinaryCrossentropy extends MeanMetricWrapper {
  readonly options: { fromLogits: boolean; labelSmoothing: number; axis: number };

  constructor(args: CrossentropyMetricArgs = {}) {
    const o = xentOptions(args, 'BinaryCrossentropy');
    super((t, p) => binaryCrossentropy(t, p, o), args, 'binary_crossentropy');
    this.options = o;
  }

  override getClassName(): string {
    return 'BinaryCrossentropy';
  }

  override getConfig(): ConfigDict {
    const o = this.options;
    return { ...super.getConfig(), from_logits: o.fromLogits, label_smoothing: o.labelSmoothing, axis: o.axis };
  }
}

/** The mean categorical crossentropy over every sample seen. */
export class CategoricalCrossentropy extends MeanMetricWrapper {
  readonly options: { fromLogits: boolean; labelSmoothing: number; axis: number };

  constructor(args: CrossentropyMetricArgs = {}) {
    const o = xentOptions(args, 'CategoricalCrossentropy');
    super((t, p) => categoricalCrossentropy(t, p, o), args, 'categorical_crossentropy');
    this.options = o;
  }

  override getClassName(): string {
    return 'CategoricalCrossentropy';
  }

  override getConfig(): ConfigDict {
    const o = this.options;
    return { ...super.getConfig(), from_logits: o.fromLogits, label_smoothing: o.labelSmoothing, axis: o.axis };
  }
}

export interface SparseCrossentropyMetricArgs extends MetricArgs {
  readonly fromLogits?: boolean;
  readonly ignoreClass?: number | null;
}

/** The mean sparse categorical crossentropy over every (non-ignored) entry seen. */
export class SparseCategoricalCrossentropy extends MeanMetricWrapper {
  readonly fromLogits: boolean;
  readonly ignoreClass: number | undefined;

  constructor(args: SparseCrossentropyMetricArgs = {}) {
    const fromLogits = boolArg(args?.fromLogits, false, 'fromLogits', 'SparseCategoricalCrossentropy');
    const ignoreClass = optionalIntArg(args?.ignoreClass, 'ignoreClass', 'SparseCategoricalCrossentropy');
    super((t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits, ignoreClass }), args, 'sparse_categorical_crossentropy');
    this.fromLogits = fromLogits;
    this.ignoreClass = ignoreClass;
  }

  protected override values(yTrue: Tensor, yPred: Tensor): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, { fromLogits: this.fromLogits, ignoreClass: this.ignoreClass });
  }

  override getClassName(): string {
    return 'SparseCategoricalCrossentropy';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), from_logits: this.fromLogits, ignore_class: this.ignoreClass ?? null };
  }
}

export interface CosineSimilarityMetricArgs extends MetricArgs {
  readonly axis?: number;
}

/** The mean cosine similarity (+cos: 1 for identical directions). */
export class CosineSimilarity extends MeanMetricWrapper {
  readonly axis: number;

  constructor(args: CosineSimilarityMetricArgs = {}) {
    const axis = intArg(args?.axis, -1, 'axis', 'CosineSimilarity');
    super((t, p) => neg(cosineSimilarity(t, p, axis)), args, 'cosine_similarity');
    this.axis = axis;
  }

  override getClassName(): string {
    return 'CosineSimilarity';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** √(Σ w·(yPred − yTrue)² / Σ w) over every value seen. */
export class RootMeanSquaredError extends Reduce {
  constructor(args: MetricArgs = {}) {
    super(args, 'root_mean_squared_error');
  }

  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkTensorArg(yTrue, this.name, 'yTrue');
    checkTensorArg(yPred, this.name, 'yPred');
    const sq = noGrad(() => {
      const [t, p] = floatPair(this.name, ...alignRanks(yTrue, yPred));
      return squaredDifference(p, t);
    });
    this.addValues(sq, sampleWeight);
  }

  override result(): number {
    const c = this.scalar(this.count);
    return c === 0 ? 0 : Math.sqrt(this.scalar(this.total) / c);
  }

  override getClassName(): string {
    return 'RootMeanSquaredError';
  }
}
