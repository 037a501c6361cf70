import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { add, div, greater, mul, sqrt, square, sub, sum, where } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';

export interface LambOptions extends OptimizerOptions {
  /** Decay rate of the first-moment average, in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** Decay rate of the second-moment average, in [0, 1). Default 0.999. */
  readonly beta2?: number;
  /** Added to √v̂. Default 1e-7. */
  readonly epsilon?: number;
  /** Decoupled weight decay applied before each update: w ← w − lr·weightDecay·w (Keras 3's `weight_decay`). Default none. */
  readonly weightDecay?: number | null;
}

/**
 * Lamb (You et al. 2019, "Large Batch Optimization for Deep Learning"; Keras 3's `Lamb`,
 * learning rate 0.001 by default): Adam's direction, rescaled per weight tensor by the
 * trust ratio ‖w‖ / ‖update‖. With t = iterations + 1:
 *
 *     m ← m + (g − m)·(1 − beta1);   v ← v + (g² − v)·(1 − beta2)
 *     u = (m / (1 − beta1^t)) / (√(v / (1 − beta2^t)) + epsilon)
 *     r = ‖w‖ / ‖u‖ when both norms are > 0, else 1
 *     w ← w − r·lr·u
 *
 * Slots: 'momentum', 'velocity' (Keras 3's names). It has no fused kernel: the update is
 * composed of ops and runs on every backend.
 */
export class Lamb extends Optimizer {
  protected readonly rule = null;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled weight decay (null: none). */
  readonly weightDecay: number | null;

  constructor(options: LambOptions = {}) {
    super(options, { className: 'Lamb', learningRate: 0.001, ownKeys: ['beta1', 'beta2', 'epsilon', 'weightDecay'] });
    this.beta1 = numberArg(options.beta1, 0.9, 'beta1', 'Lamb', { min: 0, max: 1, maxOpen: true });
    this.beta2 = numberArg(options.beta2, 0.999, 'beta2', 'Lamb', { min: 0, max: 1, maxOpen: true });
    this.epsilon = numberArg(options.epsilon, 1e-7, 'epsilon', 'Lamb', { min: 0 });
    this.weightDecay = weightDecayArg(options.weightDecay, 'Lamb');
  }

  static fromConfig(config: ConfigDict): Lamb {
    return new Lamb(optionsFromConfig(config, 'Lamb') as LambOptions);
  }

  getClassName(): string {
    return 'Lamb';
  }

  protected slotKinds(): readonly string[] {
    return ['momentum', 'velocity'];
  }

  protected prepareStep(): null {
    return null;
  }

  protected override updateStep(g: Tensor, w: Variable, [m, v]: readonly Variable[], lr: number, t: number): void {
    decayWeights(w, lr, this.weightDecay);
    m.assign(add(m, mul(sub(g, m), 1 - this.beta1)));
    v.assign(add(v, mul(sub(square(g), v), 1 - this.beta2)));
    const mHat = div(m, 1 - Math.pow(this.beta1, t));
    const vSqrt = add(sqrt(div(v, 1 - Math.pow(this.beta2, t))), this.epsilon);
    const update = div(mHat, vSqrt);
    const wNorm = sqrt(sum(square(w)));
    const uNorm = sqrt(sum(square(update)));
    const ratio = where(greater(wNorm, 0), where(greater(uNorm, 0), div(wNorm, uNorm), 1), 1);
    w.assign(sub(w, mul(mul(ratio, lr), update)));
  }

  /** Keras 3 configs carry no legacy `decay` unless it is used. */
  protected override decayInConfig(): boolean {
    return this.decay > 0;
  }

  protected ownConfig(): ConfigDict {
    const c: ConfigDict = {};
    if (this.weightDecay !== null) c.weight_decay = this.weightDecay;
    return { ...c, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

/** A `weightDecay` argument: null/undefined (none) or a number ≥ 0. @internal */
export function weightDecayArg(value: number | null | undefined, cls: string): number | null {
  return value === undefined || value === null ? null : numberArg(value, 0, 'weightDecay', cls, { min: 0 });
}

/**
 * Keras 3's decoupled weight decay, applied before an update: w ← w − w·weightDecay·lr
 * (nothing when weightDecay is null). @internal
 */
export function decayWeights(w: Variable, lr: number, weightDecay: number | null): void {
  if (weightDecay === null || weightDecay === 0) return;
  w.assign(sub(w, mul(w, weightDecay * lr)));
}
