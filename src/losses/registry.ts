/**
 * The loss registry: Keras class names ('CategoricalCrossentropy'), function identifiers
 * ('categorical_crossentropy'), their camelCase forms and Keras' short aliases ('mse')
 * resolve to Loss classes; `{ class_name, config }` objects are rebuilt from their config.
 */
import type { Tensor } from '../tensor/tensor.js';
import { type ConfigDict, ClassRegistry, type Serialized, isSerialized } from '../utils/serialization.js';
import { optionsFromConfig } from '../initializers/config.js';
import { type LossFn, Loss, LossFunctionWrapper } from './loss.js';
import { CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError } from './regression.js';
import { CategoricalHinge, Hinge, SquaredHinge } from './hinge.js';
import { BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, Poisson, SparseCategoricalCrossentropy } from './probabilistic.js';
import { BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky } from './focal.js';
import { CTC } from './ctc.js';
import { describe } from './args.js';

/** Registered losses; `lossRegistry.register(...)` adds custom ones. */
export const lossRegistry = new ClassRegistry<Loss>('loss');

const BASE = ['reduction', 'name'];

function add<A>(className: string, keys: readonly string[], Ctor: new (args: A) => Loss, aliases: readonly string[]): void {
  const allowed = [...BASE, ...keys];
  lossRegistry.register(className, (config: ConfigDict) => new Ctor(optionsFromConfig(config, allowed, className) as A), aliases);
}

const XENT = ['fromLogits', 'labelSmoothing', 'axis'];
add('MeanSquaredError', [], MeanSquaredError, ['mean_squared_error', 'meanSquaredError', 'mse']);
add('MeanAbsoluteError', [], MeanAbsoluteError, ['mean_absolute_error', 'meanAbsoluteError', 'mae']);
add('MeanAbsolutePercentageError', [], MeanAbsolutePercentageError, ['mean_absolute_percentage_error', 'meanAbsolutePercentageError', 'mape']);
add('MeanSquaredLogarithmicError', [], MeanSquaredLogarithmicError, ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError', 'msle']);
add('SquaredHinge', [], SquaredHinge, ['squared_hinge', 'squaredHinge']);
add('Hinge', [], Hinge, ['hinge']);
add('CategoricalHinge', [], CategoricalHinge, ['categorical_hinge', 'categoricalHinge']);
add('LogCosh', [], LogCosh, ['log_cosh', 'logCosh', 'logcosh']);
add('Huber', ['delta'], Huber, ['huber', 'huber_loss', 'huberLoss']);
add('CategoricalCrossentropy', XENT, CategoricalCrossentropy, ['categorical_crossentropy', 'categoricalCrossentropy']);
add('SparseCategoricalCrossentropy', ['fromLogits', 'ignoreClass'], SparseCategoricalCrossentropy, ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy']);
add('BinaryCrossentropy', XENT, BinaryCrossentropy, ['binary_crossentropy', 'binaryCrossentropy']);
add('KLDivergence', [], KLDivergence, ['kl_divergence', 'klDivergence', 'kld', 'kullback_leibler_divergence', 'kullbackLeiblerDivergence']);
add('Poisson', [], Poisson, ['poisson']);
add('CosineSimilarity', ['axis'], CosineSimilarity, ['cosine_similarity', 'cosineSimilarity', 'cosine_proximity', 'cosineProximity']);
add('BinaryFocalCrossentropy', ['applyClassBalancing', 'alpha', 'gamma', ...XENT], BinaryFocalCrossentropy, ['binary_focal_crossentropy', 'binaryFocalCrossentropy']);
add('CategoricalFocalCrossentropy', ['alpha', 'gamma', ...XENT], CategoricalFocalCrossentropy, ['categorical_focal_crossentropy', 'categoricalFocalCrossentropy']);
add('Dice', ['axis'], Dice, ['dice']);
add('Tversky', ['alpha', 'beta', 'axis'], Tversky, ['tversky']);
add('CTC', [], CTC, ['ctc']);

/** What `getLoss` accepts. */
export type LossIdentifier = string | Loss | LossFn | Serialized;

/**
 * A Loss from a string identifier ('categorical_crossentropy', 'categoricalCrossentropy',
 * 'CategoricalCrossentropy', 'mse'), a Keras `{ class_name, config }` object, a Loss (returned
 * as is) or a function of (yTrue, yPred) returning per-sample losses (wrapped, named after
 * the function). Unknown names throw an error listing the known ones.
 */
export function getLoss(identifier: LossIdentifier): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'function') return new LossFunctionWrapper(identifier as (yTrue: Tensor, yPred: Tensor) => Tensor);
  if (typeof identifier === 'string' || isSerialized(identifier)) return lossRegistry.create(identifier);
  throw new TypeError(`getLoss: expected a loss name, a Loss, a function of (yTrue, yPred) or a { class_name, config } object; got ${describe(identifier)}`);
}
