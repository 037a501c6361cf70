/**
 * The metric registry: Keras class names ('CategoricalAccuracy', 'AUC'), function
 * identifiers ('categorical_accuracy', 'mse'), their camelCase forms and lowercase class
 * names ('precision', 'auc') resolve to Metric classes; `{ class_name, config }` objects
 * are rebuilt from their config.
 */
import type { Tensor } from '../tensor/tensor.js';
import { type ConfigDict, ClassRegistry, type Serialized, isSerialized } from '../utils/serialization.js';
import { optionsFromConfig } from '../initializers/config.js';
import { Loss } from '../losses/loss.js';
import { describe } from '../losses/args.js';
import { Metric, type MetricArgs } from './metric.js';
import { Mean, MeanMetricWrapper, type MetricFn, Sum } from './reduce.js';
import { Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy } from './accuracy.js';
import * as e from './errors.js';
import { FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives } from './confusion.js';
import { F1Score, FBetaScore, R2Score, type R2ScoreArgs } from './scores.js';
import { AUC } from './auc.js';
import { BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU } from './iou.js';
import { type AccuracyInfo, resolveAccuracy, resolveCrossentropy } from './resolve.js';

/** Registered metrics; `metricRegistry.register(...)` adds custom ones. */
export const metricRegistry = new ClassRegistry<Metric>('metric');

function add<A extends MetricArgs>(className: string, keys: readonly string[], Ctor: new (args: A) => Metric, aliases: readonly string[]): void {
  const allowed = ['name', ...keys];
  metricRegistry.register(className, (config: ConfigDict) => new Ctor(optionsFromConfig(config, allowed, className) as unknown as A), aliases);
}

const XENT = ['fromLogits', 'labelSmoothing', 'axis'];
add('Mean', [], Mean, ['mean']);
add('Sum', [], Sum, ['sum']);
add('Accuracy', [], Accuracy, []);
add('BinaryAccuracy', ['threshold'], BinaryAccuracy, ['binary_accuracy', 'binaryAccuracy']);
add('CategoricalAccuracy', [], CategoricalAccuracy, ['categorical_accuracy', 'categoricalAccuracy']);
add('SparseCategoricalAccuracy', [], SparseCategoricalAccuracy, ['sparse_categorical_accuracy', 'sparseCategoricalAccuracy']);
add('TopKCategoricalAccuracy', ['k'], TopKCategoricalAccuracy, ['top_k_categorical_accuracy', 'topKCategoricalAccuracy']);
add('SparseTopKCategoricalAccuracy', ['k'], SparseTopKCategoricalAccuracy, ['sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy']);
add('MeanSquaredError', [], e.MeanSquaredError, ['mean_squared_error', 'meanSquaredError', 'mse']);
add('MeanAbsoluteError', [], e.MeanAbsoluteError, ['mean_absolute_error', 'meanAbsoluteError', 'mae']);
add('MeanAbsolutePercentageError', [], e.MeanAbsolutePercentageError, ['mean_absolute_percentage_error', 'meanAbsolutePercentageError', 'mape']);
add('MeanSquaredLogarithmicError', [], e.MeanSquaredLogarithmicError, ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError', 'msle']);
add('RootMeanSquaredError', [], e.RootMeanSquaredError, ['root_mean_squared_error', 'rootMeanSquaredError', 'rmse']);
add('Hinge', [], e.Hinge, ['hinge']);
add('SquaredHinge', [], e.SquaredHinge, ['squared_hinge', 'squaredHinge']);
add('CategoricalHinge', [], e.CategoricalHinge, ['categorical_hinge', 'categoricalHinge']);
add('LogCoshError', [], e.LogCoshError, ['logcosh', 'log_cosh', 'logCosh', 'log_cosh_error', 'logCoshError']);
add('KLDivergence', [], e.KLDivergence, ['kl_divergence', 'klDivergence', 'kld', 'kullback_leibler_divergence', 'kullbackLeiblerDivergence']);
add('Poisson', [], e.Poisson, ['poisson']);
add('CosineSimilarity', ['axis'], e.CosineSimilarity, ['cosine_similarity', 'cosineSimilarity', 'cosine_proximity', 'cosineProximity']);
add('BinaryCrossentropy', XENT, e.BinaryCrossentropy, ['binary_crossentropy', 'binaryCrossentropy']);
add('CategoricalCrossentropy', XENT, e.CategoricalCrossentropy, ['categorical_crossentropy', 'categoricalCrossentropy']);
add('SparseCategoricalCrossentropy', ['fromLogits', 'ignoreClass'], e.SparseCategoricalCrossentropy, ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy']);
add('Precision', ['thresholds', 'topK', 'classId'], Precision, ['precision']);
add('Recall', ['thresholds', 'topK', 'classId'], Recall, ['recall']);
add('TruePositives', ['thresholds'], TruePositives, ['true_positives', 'truePositives']);
add('FalsePositives', ['thresholds'], FalsePositives, ['false_positives', 'falsePositives']);
add('TrueNegatives', ['thresholds'], TrueNegatives, ['true_negatives', 'trueNegatives']);
add('FalseNegatives', ['thresholds'], FalseNegatives, ['false_negatives', 'falseNegatives']);
add('FBetaScore', ['average', 'beta', 'threshold'], FBetaScore, ['fbeta_score', 'fbetaScore']);
add('F1Score', ['average', 'threshold'], F1Score, ['f1_score', 'f1Score']);
// class_aggregation null (one score per output) differs from a missing one (the default).
metricRegistry.register('R2Score', (config: ConfigDict) => {
  const options = optionsFromConfig(config, ['name', 'classAggregation', 'numRegressors'], 'R2Score') as unknown as R2ScoreArgs;
  const given = 'class_aggregation' in config ? config.class_aggregation : 'classAggregation' in config ? config.classAggregation : undefined;
  return new R2Score({ ...options, classAggregation: given === null ? null : options.classAggregation });
}, ['r2_score', 'r2Score']);
add('AUC', ['numThresholds', 'curve', 'summationMethod', 'thresholds', 'fromLogits', 'multiLabel', 'numLabels', 'labelWeights'], AUC, ['auc']);
const IOU = ['numClasses', 'ignoreClass', 'sparseYPred', 'axis'];
add('IoU', [...IOU, 'targetClassIds', 'sparseYTrue'], IoU, ['io_u', 'iou']);
add('MeanIoU', [...IOU, 'sparseYTrue'], MeanIoU, ['mean_io_u', 'mean_iou', 'meanIoU']);
add('BinaryIoU', ['targetClassIds', 'threshold'], BinaryIoU, ['binary_io_u', 'binary_iou', 'binaryIoU']);
add('OneHotIoU', [...IOU, 'targetClassIds'], OneHotIoU, ['one_hot_io_u', 'one_hot_iou', 'oneHotIoU']);
add('OneHotMeanIoU', IOU, OneHotMeanIoU, ['one_hot_mean_io_u', 'one_hot_mean_iou', 'oneHotMeanIoU']);

/** What `getMetric` accepts. */
export type MetricIdentifier = string | Metric | Loss | MetricFn | Serialized;

/**
 * A Metric from:
 *  - a string: 'accuracy'/'acc' and 'crossentropy'/'ce' are resolved from `info` (see
 *    resolveAccuracy); function identifiers ('mse', 'categorical_accuracy',
 *    'categoricalAccuracy') give a metric named as written; class names ('AUC',
 *    'Precision') give the class with its default name;
 *  - a Metric (returned as is);
 *  - a Loss or a function of (yTrue, yPred) returning per-sample values: their weighted
 *    mean over the epoch, named after the loss or function;
 *  - a Keras `{ class_name, config }` object.
 * Unknown names throw an error listing the known ones.
 */
export function getMetric(identifier: MetricIdentifier, info?: AccuracyInfo): Metric {
  if (identifier instanceof Metric) return identifier;
  if (identifier instanceof Loss) {
    const loss = identifier;
    return new MeanMetricWrapper((t: Tensor, p: Tensor) => loss.call(t, p), { name: loss.name });
  }
  if (typeof identifier === 'function') return new MeanMetricWrapper(identifier);
  if (typeof identifier === 'string') {
    if (identifier === 'accuracy' || identifier === 'acc' || identifier === 'crossentropy' || identifier === 'ce') {
      if (info === undefined) {
        throw new TypeError(`getMetric: '${identifier}' depends on the loss and the output shape; pass { lossName, yPredShape, yTrueShape } or name the metric (e.g. 'categorical_accuracy')`);
      }
      return identifier === 'accuracy' || identifier === 'acc' ? resolveAccuracy(identifier, info) : resolveCrossentropy(identifier, info);
    }
    const className = metricRegistry.resolve(identifier);
    return className === identifier ? metricRegistry.create(identifier) : metricRegistry.create(identifier, { name: identifier });
  }
  if (isSerialized(identifier)) return metricRegistry.create(identifier);
  throw new TypeError(`getMetric: expected a metric name, a Metric, a Loss, a function of (yTrue, yPred) or a { class_name, config } object; got ${describe(identifier)}`);
}
