import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface AdadeltaOptions extends OptimizerOptions {
  /** Decay rate of the running averages, in [0, 1). Default 0.95. */
  readonly rho?: number;
  /** Default 1e-7. */
  readonly epsilon?: number;
}

/**
 * Adadelta (tf.keras 2 `Adadelta`; learning rate 0.001 by default — use 1.0 for the
 * paper's form):
 *
 *     ag ← rho·ag + (1 − rho)·g²;  Δ = √(av + epsilon) / √(ag + epsilon) · g
 *     av ← rho·av + (1 − rho)·Δ²;  w ← w − lr·Δ
 *
 * Slots: 'accum_grad', 'accum_var'.
 */
export class Adadelta extends Optimizer {
  protected readonly rule = 'adadelta' as const;
  readonly rho: number;
  readonly epsilon: number;

  constructor(options: AdadeltaOptions = {}) {
    super(options, { className: 'Adadelta', learningRate: 0.001, ownKeys: ['rho', 'epsilon'] });
    this.rho = numberArg(options.rho, 0.95, 'rho', 'Adadelta', { min: 0, max: 1, maxOpen: true });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', 'Adadelta', { min: 0 });
  }

  static fromConfig(config: ConfigDict): Adadelta {
    return new Adadelta(optionsFromConfig(config, 'Adadelta') as AdadeltaOptions);
  }

  getClassName(): string {
    return 'Adadelta';
  }

  protected slotKinds(): readonly string[] {
    return ['accum_grad', 'accum_var'];
  }

  protected prepareStep(lr: number): UpdateHyper<'adadelta'> {
    return { lr, rho: this.rho, epsilon: this.epsilon };
  }

  protected ownConfig(): ConfigDict {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
