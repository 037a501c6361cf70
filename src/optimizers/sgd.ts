import type { ConfigDict } from '../utils/serialization.js';
import { booleanArg, numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface SGDOptions extends OptimizerOptions {
  /** Momentum in [0, 1]; 0 (default) is plain gradient descent. */
  readonly momentum?: number;
  /** Nesterov momentum. Default false. */
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent (tf.keras 2 `SGD`; learning rate 0.01 by default):
 *
 *     momentum = 0:  w ← w − lr·g
 *     momentum > 0:  v ← momentum·v − lr·g;  w ← w + v  (nesterov: w ← w + momentum·v − lr·g)
 *
 * Slot: 'momentum' (only when momentum > 0).
 */
export class SGD extends Optimizer {
  protected readonly rule = 'sgd' as const;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super(options, { className: 'SGD', learningRate: 0.01, ownKeys: ['momentum', 'nesterov'] });
    this.momentum = numberArg(options.momentum, 0, 'momentum', 'SGD', { min: 0, max: 1 });
    this.nesterov = booleanArg(options.nesterov, false, 'nesterov', 'SGD');
  }

  static fromConfig(config: ConfigDict): SGD {
    return new SGD(optionsFromConfig(config, 'SGD') as SGDOptions);
  }

  getClassName(): string {
    return 'SGD';
  }

  protected slotKinds(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected prepareStep(lr: number): UpdateHyper<'sgd'> {
    return { lr, momentum: this.momentum, nesterov: this.nesterov ? 1 : 0 };
  }

  protected ownConfig(): ConfigDict {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
