import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface AdamaxOptions extends OptimizerOptions {
  /** Decay rate of the first-moment average, in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** Decay rate of the infinity norm, in [0, 1]. Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-7. */
  readonly epsilon?: number;
}

/**
 * Adamax, Adam with the infinity norm (tf.keras 2 `Adamax`; learning rate 0.001 by
 * default). With t = iterations + 1:
 *
 *     m ← beta1·m + (1 − beta1)·g;  u ← max(beta2·u, |g|)
 *     w ← w − lr / (1 − beta1^t) · m / (u + epsilon)
 *
 * Slots: 'm', 'v' (v holds u).
 */
export class Adamax extends Optimizer {
  protected readonly rule = 'adamax' as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(options: AdamaxOptions = {}) {
    super(options, { className: 'Adamax', learningRate: 0.001, ownKeys: ['beta1', 'beta2', 'epsilon'] });
    this.beta1 = numberArg(options.beta1, 0.9, 'beta1', 'Adamax', { min: 0, max: 1, maxOpen: true });
    this.beta2 = numberArg(options.beta2, 0.999, 'beta2', 'Adamax', { min: 0, max: 1 });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', 'Adamax', { min: 0 });
  }

  static fromConfig(config: ConfigDict): Adamax {
    return new Adamax(optionsFromConfig(config, 'Adamax') as AdamaxOptions);
  }

  getClassName(): string {
    return 'Adamax';
  }

  protected slotKinds(): readonly string[] {
    return ['m', 'v'];
  }

  protected prepareStep(lr: number, t: number): UpdateHyper<'adamax'> {
    return { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, beta1Power: Math.pow(this.beta1, t) };
  }

  protected ownConfig(): ConfigDict {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
