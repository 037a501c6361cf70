import type { ConfigDict } from '../utils/serialization.js';
import { booleanArg, numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Discounting factor of the squared-gradient average, in [0, 1). Default 0.9. */
  readonly rho?: number;
  /** Momentum in [0, 1]. Default 0. */
  readonly momentum?: number;
  /** Default 1e-7. */
  readonly epsilon?: number;
  /** Normalize by the estimated variance instead of the second moment. Default false. */
  readonly centered?: boolean;
}

/**
 * RMSprop (tf.keras 2 `RMSprop`; learning rate 0.001 by default):
 *
 *     ms ← rho·ms + (1 − rho)·g²;  centered: mg ← rho·mg + (1 − rho)·g, d = ms − mg², else d = ms
 *     momentum = 0:  w ← w − lr·g / (√d + epsilon)
 *     momentum > 0:  mom ← momentum·mom + lr·g / √(d + epsilon);  w ← w − mom
 *
 * tf.keras 2 puts epsilon outside the root without momentum and inside with it (the
 * momentum case runs TensorFlow's ApplyRMSProp kernels); Keras 3 always puts it inside.
 * Slots: 'rms', then 'momentum' (momentum > 0), then 'mg' (centered).
 */
export class RMSprop extends Optimizer {
  protected readonly rule = 'rmsprop' as const;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super(options, { className: 'RMSprop', learningRate: 0.001, ownKeys: ['rho', 'momentum', 'epsilon', 'centered'] });
    this.rho = numberArg(options.rho, 0.9, 'rho', 'RMSprop', { min: 0, max: 1, maxOpen: true });
    this.momentum = numberArg(options.momentum, 0, 'momentum', 'RMSprop', { min: 0, max: 1 });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', 'RMSprop', { min: 0 });
    this.centered = booleanArg(options.centered, false, 'centered', 'RMSprop');
  }

  static fromConfig(config: ConfigDict): RMSprop {
    return new RMSprop(optionsFromConfig(config, 'RMSprop') as RMSpropOptions);
  }

  getClassName(): string {
    return 'RMSprop';
  }

  protected slotKinds(): readonly string[] {
    return ['rms', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  protected prepareStep(lr: number): UpdateHyper<'rmsprop'> {
    return { lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered ? 1 : 0 };
  }

  protected ownConfig(): ConfigDict {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
