export { Optimizer, type OptimizerOptions, type GradAndVar } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { Nadam, type NadamOptions } from './nadam.js';
export { Lion, type LionOptions } from './lion.js';
export { Lamb, type LambOptions } from './lamb.js';
export { Adafactor, type AdafactorOptions } from './adafactor.js';
export { Ftrl, type FtrlOptions } from './ftrl.js';
export {
  LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay, PolynomialDecay, CosineDecayRestarts,
  type ExponentialDecayOptions, type PiecewiseConstantDecayOptions, type CosineDecayOptions, type InverseTimeDecayOptions,
  type PolynomialDecayOptions, type CosineDecayRestartsOptions,
  scheduleRegistry, getSchedule, serializeSchedule,
} from './schedules.js';
export { optimizerRegistry, getOptimizer, serializeOptimizer } from './registry.js';
