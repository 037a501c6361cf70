import type { ConfigDict } from '../utils/serialization.js';
import { booleanArg, numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface AdamOptions extends OptimizerOptions {
  /** Decay rate of the first-moment average, in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** Decay rate of the second-moment average, in [0, 1). Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-7 ("epsilon hat" of the paper: added to √v). */
  readonly epsilon?: number;
  /** AMSGrad: divide by the running maximum of v. Default false. */
  readonly amsgrad?: boolean;
  /**
   * Decoupled weight decay: each step first does w ← w − lr·weightDecay·w (Keras 3's
   * `weight_decay`; tf.keras 2's Adam has none). Default: none for Adam, 0.004 for AdamW.
   */
  readonly weightDecay?: number | null;
}

/** Names and defaults that distinguish AdamW from Adam. @internal */
export interface AdamVariant {
  readonly className: string;
  readonly weightDecay: number | null;
}

const ADAM: AdamVariant = { className: 'Adam', weightDecay: null };

/**
 * Adam (tf.keras 2 `Adam`; learning rate 0.001 by default). With t = iterations + 1:
 *
 *     α = lr·√(1 − beta2^t) / (1 − beta1^t)
 *     m ← beta1·m + (1 − beta1)·g;  v ← beta2·v + (1 − beta2)·g²
 *     amsgrad: vhat ← max(vhat, v) and vhat replaces v below
 *     w ← w − α·m / (√v + epsilon)
 *
 * Slots: 'm', 'v', then 'vhat' (amsgrad).
 */
export class Adam extends Optimizer {
  protected readonly rule = 'adam' as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  /** Decoupled weight decay (null: none). */
  readonly weightDecay: number | null;

  constructor(options: AdamOptions = {}, variant: AdamVariant = ADAM) {
    const cls = variant.className;
    super(options, { className: cls, learningRate: 0.001, ownKeys: ['beta1', 'beta2', 'epsilon', 'amsgrad', 'weightDecay'] });
    this.beta1 = numberArg(options.beta1, 0.9, 'beta1', cls, { min: 0, max: 1, maxOpen: true });
    this.beta2 = numberArg(options.beta2, 0.999, 'beta2', cls, { min: 0, max: 1, maxOpen: true });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', cls, { min: 0 });
    this.amsgrad = booleanArg(options.amsgrad, false, 'amsgrad', cls);
    const wd = options.weightDecay === null ? null : options.weightDecay ?? variant.weightDecay;
    this.weightDecay = wd === null ? null : numberArg(wd, 0, 'weightDecay', cls, { min: 0 });
  }

  static fromConfig(config: ConfigDict): Adam {
    return new Adam(optionsFromConfig(config, 'Adam') as AdamOptions);
  }

  getClassName(): string {
    return this.className;
  }

  protected slotKinds(): readonly string[] {
    return this.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
  }

  protected prepareStep(lr: number, t: number): UpdateHyper<'adam'> {
    const beta1Power = Math.pow(this.beta1, t);
    const beta2Power = Math.pow(this.beta2, t);
    return { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, beta1Power, beta2Power, decay: lr * (this.weightDecay ?? 0) };
  }

  protected ownConfig(): ConfigDict {
    const c: ConfigDict = {};
    if (this.weightDecay !== null) c.weight_decay = this.weightDecay;
    return { ...c, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
