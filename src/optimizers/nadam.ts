import { Tensor } from '../tensor/tensor.js';
import { scalar } from '../tensor/create.js';
import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';
import type { UpdateHyper } from '../backends/op-table.js';

export interface NadamOptions extends OptimizerOptions {
  /** Decay rate of the first-moment average, in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** Decay rate of the second-moment average, in [0, 1). Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-7. */
  readonly epsilon?: number;
  /** Legacy Keras name of `decay` (the momentum schedule decay, default 0.004). */
  readonly scheduleDecay?: number;
}

/**
 * Nadam, Adam with Nesterov momentum (tf.keras 2 `Nadam`; learning rate 0.001 by
 * default). Its `decay` is NOT a learning-rate decay: as in tf.keras 2 (which maps Keras
 * 1's `schedule_decay` onto it) it is the momentum schedule's decay, default 0.004:
 *
 *     μ_t = beta1·(1 − ½·0.96^(decay·t)),  Π_t = μ_1·…·μ_t (the momentum cache)
 *     g' = g / (1 − Π_t);  m ← beta1·m + (1 − beta1)·g;  m' = m / (1 − Π_t·μ_{t+1})
 *     v ← beta2·v + (1 − beta2)·g²;  v' = v / (1 − beta2^t)
 *     w ← w − lr·((1 − μ_t)·g' + μ_{t+1}·m') / (√v' + epsilon)
 *
 * Keras 3 uses 0.96^t (no decay factor). tf.keras 2 refuses learning-rate schedules for
 * Nadam; here they work as for the other optimizers. Weights: [iterations,
 * momentum_cache, m…, v…] as tf.keras 2.
 */
export class Nadam extends Optimizer {
  protected readonly rule = 'nadam' as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Π_t, kept in float32 as tf.keras 2's `momentum_cache` variable. */
  private momentumCache = 1;

  constructor(options: NadamOptions = {}) {
    const { scheduleDecay, ...rest } = options ?? ({} as NadamOptions);
    if (scheduleDecay !== undefined && rest.decay !== undefined && scheduleDecay !== rest.decay) {
      throw new TypeError(`Nadam: give decay or its legacy name scheduleDecay, not both; got decay=${rest.decay}, scheduleDecay=${scheduleDecay}`);
    }
    const merged: NadamOptions = scheduleDecay === undefined ? rest : { ...rest, decay: scheduleDecay };
    super(merged, { className: 'Nadam', learningRate: 0.001, decay: 0.004, ownKeys: ['beta1', 'beta2', 'epsilon'] });
    this.beta1 = numberArg(merged.beta1, 0.9, 'beta1', 'Nadam', { min: 0, max: 1, maxOpen: true });
    this.beta2 = numberArg(merged.beta2, 0.999, 'beta2', 'Nadam', { min: 0, max: 1, maxOpen: true });
    this.epsilon = numberArg(merged.epsilon, 1e-7, 'epsilon', 'Nadam', { min: 0 });
  }

  static fromConfig(config: ConfigDict): Nadam {
    return new Nadam(optionsFromConfig(config, 'Nadam') as NadamOptions);
  }

  getClassName(): string {
    return 'Nadam';
  }

  protected override legacyDecay(): boolean {
    return false;
  }

  protected slotKinds(): readonly string[] {
    return ['m', 'v'];
  }

  private mu(t: number): number {
    return this.beta1 * (1 - 0.5 * Math.pow(0.96, this.decay * t));
  }

  protected prepareStep(lr: number, t: number): UpdateHyper<'nadam'> {
    const mu = this.mu(t);
    const muNext = this.mu(t + 1);
    this.momentumCache = Math.fround(this.momentumCache * mu);
    const muProduct = this.momentumCache;
    return { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, mu, muNext, muProduct, muProductNext: muProduct * muNext, beta2Power: Math.pow(this.beta2, t) };
  }

  protected override extraWeights(): Tensor[] {
    return [scalar(this.momentumCache)];
  }

  protected override setExtraWeights(ws: readonly Tensor[]): void {
    const w = ws[0];
    if (w.size !== 1 || !Number.isFinite(w.dataSync()[0])) throw new RangeError('Nadam.setWeights: weight 1 (momentum_cache) must be one finite number');
    this.momentumCache = w.dataSync()[0];
  }

  protected ownConfig(): ConfigDict {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
