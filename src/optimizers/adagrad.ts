import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface AdagradOptions extends OptimizerOptions {
  /** Starting value of the accumulators, ≥ 0. Default 0.1. */
  readonly initialAccumulatorValue?: number;
  /** Default 1e-7. */
  readonly epsilon?: number;
}

/**
 * Adagrad (tf.keras 2 `Adagrad`; learning rate 0.001 by default):
 *
 *     a ← a + g²;  w ← w − lr·g / (√a + epsilon)
 *
 * (Keras 3 puts epsilon inside the root: √(a + epsilon).) Slot: 'accumulator', starting
 * at initialAccumulatorValue.
 */
export class Adagrad extends Optimizer {
  protected readonly rule = 'adagrad' as const;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super(options, { className: 'Adagrad', learningRate: 0.001, ownKeys: ['initialAccumulatorValue', 'epsilon'] });
    this.initialAccumulatorValue = numberArg(options.initialAccumulatorValue, 0.1, 'initialAccumulatorValue', 'Adagrad', { min: 0 });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', 'Adagrad', { min: 0 });
  }

  static fromConfig(config: ConfigDict): Adagrad {
    return new Adagrad(optionsFromConfig(config, 'Adagrad') as AdagradOptions);
  }

  getClassName(): string {
    return 'Adagrad';
  }

  protected slotKinds(): readonly string[] {
    return ['accumulator'];
  }

  protected override slotInitialValue(): number {
    return this.initialAccumulatorValue;
  }

  protected prepareStep(lr: number): UpdateHyper<'adagrad'> {
    return { lr, epsilon: this.epsilon };
  }

  protected ownConfig(): ConfigDict {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
