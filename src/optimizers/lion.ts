import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface LionOptions extends OptimizerOptions {
  /** Weight of the momentum in the update's direction, in [0, 1]. Default 0.9. */
  readonly beta1?: number;
  /** Decay rate of the momentum, in [0, 1). Default 0.99. */
  readonly beta2?: number;
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; Keras 3's
 * `Lion`, learning rate 0.001 by default): the update is the sign of an interpolation of
 * momentum and gradient, so every weight moves by exactly lr.
 *
 *     w ← w − lr · sign(beta1·m + (1 − beta1)·g)
 *     m ← beta2·m + (1 − beta2)·g
 *
 * Slots: 'm'. Its steps are larger than Adam's for the same rate: Lion's authors use a
 * learning rate 3–10x smaller.
 */
export class Lion extends Optimizer {
  protected readonly rule = 'lion' as const;
  readonly beta1: number;
  readonly beta2: number;

  constructor(options: LionOptions = {}) {
    super(options, { className: 'Lion', learningRate: 0.001, ownKeys: ['beta1', 'beta2'] });
    this.beta1 = numberArg(options.beta1, 0.9, 'beta1', 'Lion', { min: 0, max: 1 });
    this.beta2 = numberArg(options.beta2, 0.99, 'beta2', 'Lion', { min: 0, max: 1, maxOpen: true });
  }

  static fromConfig(config: ConfigDict): Lion {
    return new Lion(optionsFromConfig(config, 'Lion') as LionOptions);
  }

  getClassName(): string {
    return 'Lion';
  }

  protected slotKinds(): readonly string[] {
    return ['m'];
  }

  protected prepareStep(lr: number): UpdateHyper<'lion'> {
    return { lr, beta1: this.beta1, beta2: this.beta2 };
  }

  protected ownConfig(): ConfigDict {
    return { beta_1: this.beta1, beta_2: this.beta2 };
  }
}
