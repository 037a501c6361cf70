/**
 * Optimizers by name: Keras string identifiers ('adam', 'sgd', 'rmsprop', ... in any
 * case), Keras class names and `{ class_name, config }` objects (as in a saved model's
 * training config) all resolve here.
 */
import { ClassRegistry, type ConfigDict, type Serialized, isSerialized } from '../utils/serialization.js';
import { describe } from './args.js';
import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { RMSprop } from './rmsprop.js';
import { Adagrad } from './adagrad.js';
import { Adadelta } from './adadelta.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import { Adamax } from './adamax.js';
import { Nadam } from './nadam.js';
import { Lion } from './lion.js';
import { Lamb } from './lamb.js';
import { Adafactor } from './adafactor.js';
import { Ftrl } from './ftrl.js';

export const optimizerRegistry = new ClassRegistry<Optimizer>('optimizer');

optimizerRegistry.register('SGD', (c) => SGD.fromConfig(c), ['sgd']);
optimizerRegistry.register('RMSprop', (c) => RMSprop.fromConfig(c), ['rmsprop']);
optimizerRegistry.register('Adagrad', (c) => Adagrad.fromConfig(c), ['adagrad']);
optimizerRegistry.register('Adadelta', (c) => Adadelta.fromConfig(c), ['adadelta']);
optimizerRegistry.register('Adam', (c) => Adam.fromConfig(c), ['adam']);
optimizerRegistry.register('AdamW', (c) => AdamW.fromConfig(c), ['adamw']);
optimizerRegistry.register('Adamax', (c) => Adamax.fromConfig(c), ['adamax']);
optimizerRegistry.register('Nadam', (c) => Nadam.fromConfig(c), ['nadam']);
optimizerRegistry.register('Lion', (c) => Lion.fromConfig(c), ['lion']);
optimizerRegistry.register('Lamb', (c) => Lamb.fromConfig(c), ['lamb']);
optimizerRegistry.register('Adafactor', (c) => Adafactor.fromConfig(c), ['adafactor']);
optimizerRegistry.register('Ftrl', (c) => Ftrl.fromConfig(c), ['ftrl']);

/** tf.keras 2.11+ writes 'Custom>Adam'; Keras 3 may write a module path. */
function className(name: string): string {
  return name.replace(/^Custom>/, '').replace(/^.*\./, '');
}

/**
 * An optimizer from a Keras identifier ('adam', 'SGD', 'rmsprop', case-insensitive) with
 * default arguments, from `{ class_name, config }`, or an Optimizer instance (returned as
 * is). An unknown name throws, listing the known ones.
 */
export function getOptimizer(identifier: string | Optimizer | Serialized): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') return optimizerRegistry.create(className(identifier));
  if (isSerialized(identifier)) {
    const config: ConfigDict = identifier.config ?? {};
    return optimizerRegistry.create({ class_name: className(identifier.class_name), config });
  }
  throw new TypeError(`getOptimizer: expected an optimizer name, an Optimizer or { class_name, config }; got ${describe(identifier)}`);
}

/** The `{ class_name, config }` form of an optimizer (what `getOptimizer` reads back). */
export function serializeOptimizer(optimizer: Optimizer): { class_name: string; config: ConfigDict } {
  return { class_name: optimizer.getClassName(), config: optimizer.getConfig() };
}
