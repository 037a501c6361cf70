import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { add, div, expandDims, maximum, mean, mul, sqrt, square, sub } from '../ops/index.js';
import type { ConfigDict } from '../utils/serialization.js';
import { booleanArg, numberArg } from './args.js';
import { decayWeights, weightDecayArg } from './lamb.js';
import { Optimizer, type OptimizerOptions, optionsFromConfig } from './optimizer.js';

export interface AdafactorOptions extends OptimizerOptions {
  /** Exponent of the second-moment decay: beta2_t = 1 − t^beta2Decay. Default −0.8. */
  readonly beta2Decay?: number;
  /** Added to g² before averaging (keeps the denominator away from 0). Default 1e-30. */
  readonly epsilon1?: number;
  /** Lower bound of the weights' RMS in the step size (lets weights at 0 move). Default 1e-3. */
  readonly epsilon2?: number;
  /** The update's RMS is clipped to this (Adafactor's own clipping, besides clipnorm etc.). Default 1. */
  readonly clipThreshold?: number;
  /** Keras' `relative_step`: the step size uses min(lr, 1/√t). Default true. */
  readonly relativeStep?: boolean;
  /** Decoupled weight decay applied before each update: w ← w − lr·weightDecay·w (Keras 3's `weight_decay`). Default none. */
  readonly weightDecay?: number | null;
}

/**
 * Adafactor (Shazeer & Stern 2018; Keras 3's `Adafactor`, learning rate 0.001 by default):
 * a second-moment estimate stored factored, as a row and a column average, for weights of
 * rank ≥ 2 (over their last two axes). With t = iterations + 1:
 *
 *     rho = min(lr, 1/√t);   alpha = max(epsilon2, rms(w))·rho;   beta2_t = 1 − t^beta2Decay
 *     G = g² + epsilon1
 *     rank ≥ 2:  r ← beta2_t·r + (1 − beta2_t)·mean(G, last axis)
 *                c ← beta2_t·c + (1 − beta2_t)·mean(G, second-to-last axis)
 *                v = (r / mean(r, last axis))[…, None] · c[…, None, :]
 *     rank < 2:  v ← beta2_t·v + (1 − beta2_t)·G
 *     u = g / √v;   û = u / max(1, rms(u) / clipThreshold);   w ← w − alpha·û
 *
 * rms(x) = √mean(x²). Slots: 'r' (shape w.shape[:-1]), 'c' (w.shape[:-2] + [last]), and
 * 'velocity' (w.shape); for a weight of rank < 2, r and c are unused scalars, as in Keras.
 * As in Keras 3, rho is min(lr, 1/√t) whether `relativeStep` is true or not (the flag
 * only applies that same bound to lr once more). It has no fused kernel: the update is
 * composed of ops and runs on every backend.
 */
export class Adafactor extends Optimizer {
  protected readonly rule = null;
  readonly beta2Decay: number;
  readonly epsilon1: number;
  readonly epsilon2: number;
  readonly clipThreshold: number;
  readonly relativeStep: boolean;
  /** Decoupled weight decay (null: none). */
  readonly weightDecay: number | null;

  constructor(options: AdafactorOptions = {}) {
    const cls = 'Adafactor';
    super(options, {
      className: cls, learningRate: 0.001,
      ownKeys: ['beta2Decay', 'epsilon1', 'epsilon2', 'clipThreshold', 'relativeStep', 'weightDecay'],
    });
    this.beta2Decay = numberArg(options.beta2Decay, -0.8, 'beta2Decay', cls, { max: 0 });
    this.epsilon1 = numberArg(options.epsilon1, 1e-30, 'epsilon1', cls, { min: 0 });
    this.epsilon2 = numberArg(options.epsilon2, 1e-3, 'epsilon2', cls, { min: 0 });
    this.clipThreshold = numberArg(options.clipThreshold, 1, 'clipThreshold', cls, { min: 0, minOpen: true });
    this.relativeStep = booleanArg(options.relativeStep, true, 'relativeStep', cls);
    this.weightDecay = weightDecayArg(options.weightDecay, cls);
  }

  static fromConfig(config: ConfigDict): Adafactor {
    return new Adafactor(optionsFromConfig(config, 'Adafactor') as AdafactorOptions);
  }

  getClassName(): string {
    return 'Adafactor';
  }

  protected slotKinds(): readonly string[] {
    return ['r', 'c', 'velocity'];
  }

  protected override slotShape(kind: string, w: Variable): readonly number[] {
    const s = w.shape;
    if (kind === 'velocity') return s;
    if (s.length < 2) return [];
    return kind === 'r' ? s.slice(0, -1) : [...s.slice(0, -2), s[s.length - 1]];
  }

  protected prepareStep(): null {
    return null;
  }

  protected override updateStep(g: Tensor, w: Variable, [r, c, v]: readonly Variable[], lr: number, t: number): void {
    decayWeights(w, lr, this.weightDecay);
    // Keras 3 bounds lr by 1/√t once more with relativeStep: the same value either way.
    const rho = Math.min(lr, 1 / Math.sqrt(t));
    const alpha = mul(maximum(rms(w), this.epsilon2), rho);
    const g2 = add(square(g), this.epsilon1);
    const beta2t = 1 - Math.pow(t, this.beta2Decay);
    const ema = (old: Tensor, fresh: Tensor): Tensor => add(mul(old, beta2t), mul(fresh, 1 - beta2t));
    if (w.rank >= 2) {
      r.assign(ema(r, mean(g2, -1)));
      c.assign(ema(c, mean(g2, -2)));
      v.assign(mul(expandDims(div(r, mean(r, -1, true)), -1), expandDims(c, -2)));
    } else {
      v.assign(ema(v, g2));
    }
    const u = div(g, sqrt(v));
    const uHat = div(u, maximum(div(rms(u), this.clipThreshold), 1));
    w.assign(sub(w, mul(alpha, uHat)));
  }

  /** Keras 3 configs carry no legacy `decay` unless it is used. */
  protected override decayInConfig(): boolean {
    return this.decay > 0;
  }

  protected ownConfig(): ConfigDict {
    const c: ConfigDict = {};
    if (this.weightDecay !== null) c.weight_decay = this.weightDecay;
    return {
      ...c, beta_2_decay: this.beta2Decay, epsilon_1: this.epsilon1, epsilon_2: this.epsilon2,
      clip_threshold: this.clipThreshold, relative_step: this.relativeStep,
    };
  }
}

/** √mean(x²), a scalar tensor. */
function rms(x: Tensor): Tensor {
  return sqrt(mean(square(x)));
}
