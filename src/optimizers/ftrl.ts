import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { add, clip, div, mul, pow, square, sub } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { numberArg } from './args.js';
import { decayWeights, weightDecayArg } from './lamb.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';

export interface FtrlOptions extends OptimizerOptions {
  /** How the per-weight rate falls as squared gradients accumulate: ≤ 0 (0: a fixed rate). Default −0.5. */
  readonly learningRatePower?: number;
  /** Starting value of the accumulators, ≥ 0. Default 0.1. */
  readonly initialAccumulatorValue?: number;
  /** L1 regularization strength (λ1), ≥ 0: weights whose |linear| ≤ λ1 become exactly 0. Default 0. */
  readonly l1RegularizationStrength?: number;
  /** L2 (stabilization) regularization strength (λ2), ≥ 0. Default 0. */
  readonly l2RegularizationStrength?: number;
  /** L2 shrinkage strength, ≥ 0: adds 2·strength·w to the gradient (a magnitude penalty). Default 0. */
  readonly l2ShrinkageRegularizationStrength?: number;
  /** The paper's beta: adds beta / (2·lr) to λ2. Default 0. */
  readonly beta?: number;
  /** Decoupled weight decay applied before each update: w ← w − lr·weightDecay·w (Keras 3's `weight_decay`). Default none. */
  readonly weightDecay?: number | null;
}

/**
 * FTRL-Proximal, "Follow The Regularized Leader" (McMahan et al. 2013; Keras' `Ftrl`,
 * learning rate 0.001 by default), for shallow models over wide sparse features. With
 * p = −learningRatePower and λ2' = λ2 + beta / (2·lr):
 *
 *     g' = g + 2·l2Shrinkage·w
 *     n' = n + g²
 *     z ← z + g' − (n'^p − n^p) / lr · w
 *     w ← (clip(z, −λ1, λ1) − z) / (n'^p / lr + 2·λ2');   n ← n'
 *
 * Slots: 'accumulator' (n, starting at initialAccumulatorValue) and 'linear' (z), as
 * Keras. It has no fused kernel: the update is composed of ops and runs on every backend.
 */
export class Ftrl extends Optimizer {
  protected readonly rule = null;
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1RegularizationStrength: number;
  readonly l2RegularizationStrength: number;
  readonly l2ShrinkageRegularizationStrength: number;
  readonly beta: number;
  /** Decoupled weight decay (null: none). */
  readonly weightDecay: number | null;

  constructor(options: FtrlOptions = {}) {
    const cls = 'Ftrl';
    super(options, {
      className: cls, learningRate: 0.001,
      ownKeys: [
        'learningRatePower', 'initialAccumulatorValue', 'l1RegularizationStrength', 'l2RegularizationStrength',
        'l2ShrinkageRegularizationStrength', 'beta', 'weightDecay',
      ],
    });
    const nonNegative = { min: 0 };
    this.learningRatePower = numberArg(options.learningRatePower, -0.5, 'learningRatePower', cls, { max: 0 });
    this.initialAccumulatorValue = numberArg(options.initialAccumulatorValue, 0.1, 'initialAccumulatorValue', cls, nonNegative);
    this.l1RegularizationStrength = numberArg(options.l1RegularizationStrength, 0, 'l1RegularizationStrength', cls, nonNegative);
    this.l2RegularizationStrength = numberArg(options.l2RegularizationStrength, 0, 'l2RegularizationStrength', cls, nonNegative);
    this.l2ShrinkageRegularizationStrength = numberArg(options.l2ShrinkageRegularizationStrength, 0, 'l2ShrinkageRegularizationStrength', cls, nonNegative);
    this.beta = numberArg(options.beta, 0, 'beta', cls);
    this.weightDecay = weightDecayArg(options.weightDecay, cls);
  }

  static fromConfig(config: ConfigDict): Ftrl {
    return new Ftrl(optionsFromConfig(config, 'Ftrl') as FtrlOptions);
  }

  getClassName(): string {
    return 'Ftrl';
  }

  protected slotKinds(): readonly string[] {
    return ['accumulator', 'linear'];
  }

  protected override slotInitialValue(kind: string): number {
    return kind === 'accumulator' ? this.initialAccumulatorValue : 0;
  }

  protected prepareStep(): null {
    return null;
  }

  protected override updateStep(g: Tensor, w: Variable, [n, z]: readonly Variable[], lr: number): void {
    decayWeights(w, lr, this.weightDecay);
    const p = -this.learningRatePower;
    const l1 = this.l1RegularizationStrength;
    const l2 = this.l2RegularizationStrength + this.beta / (2 * lr);
    const shrinkage = this.l2ShrinkageRegularizationStrength;
    const gShrunk = shrinkage === 0 ? g : add(g, mul(w, 2 * shrinkage));
    const nNew = add(n, square(g));
    const nNewP = pow(nNew, p);
    z.assign(add(z, sub(gShrunk, mul(div(sub(nNewP, pow(n, p)), lr), w))));
    const quadratic = add(div(nNewP, lr), 2 * l2);
    w.assign(div(sub(clip(z, -l1, l1), z), quadratic));
    n.assign(nNew);
  }

  /** Keras 3 configs carry no legacy `decay` unless it is used. */
  protected override decayInConfig(): boolean {
    return this.decay > 0;
  }

  protected ownConfig(): ConfigDict {
    const c: ConfigDict = {};
    if (this.weightDecay !== null) c.weight_decay = this.weightDecay;
    return {
      ...c,
      learning_rate_power: this.learningRatePower,
      initial_accumulator_value: this.initialAccumulatorValue,
      l1_regularization_strength: this.l1RegularizationStrength,
      l2_regularization_strength: this.l2RegularizationStrength,
      l2_shrinkage_regularization_strength: this.l2ShrinkageRegularizationStrength,
      beta: this.beta,
    };
  }
}
