import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, batchNorm, maximum, mean as reduceMean, moments, mul, reshape, rsqrt, square, sub, sum } from '../../ops/index.js';
import { noGrad } from '../../autograd/tape.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { type Initializer, getInitializer } from '../../initializers/index.js';
import { Layer, baseArgs, type CallOptions, type ConstraintLike, type InitializerLike, type LayerArgs, type RegularizerLike } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type WeightSpec, serializeOptional, weightSpec, weightSpecArgs, weightSpecConfig } from '../weight-spec.js';

export interface NormalizationArgs extends LayerArgs {
  readonly axis?: number | readonly number[];
  readonly epsilon?: number;
  readonly center?: boolean;
  readonly scale?: boolean;
  readonly betaInitializer?: InitializerLike;
  readonly gammaInitializer?: InitializerLike;
  readonly betaRegularizer?: RegularizerLike;
  readonly gammaRegularizer?: RegularizerLike;
  readonly betaConstraint?: ConstraintLike;
  readonly gammaConstraint?: ConstraintLike;
}

function normArgs(c: ConfigDict): NormalizationArgs {
  const opt = <T>(v: ConfigValue | undefined): T | undefined => (v === null || v === undefined ? undefined : (v as unknown as T));
  return {
    ...baseArgs(c),
    axis: opt<number | number[]>(c.axis),
    epsilon: opt<number>(c.epsilon),
    center: opt<boolean>(c.center),
    scale: opt<boolean>(c.scale),
    ...weightSpecArgs(c, 'beta'),
    ...weightSpecArgs(c, 'gamma'),
  };
}

/** gamma/beta handling shared by BatchNormalization and LayerNormalization. */
abstract class Normalization extends Layer {
  override supportsMasking = true;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  protected readonly axisArg: number[];
  protected readonly betaSpec: WeightSpec;
  protected readonly gammaSpec: WeightSpec;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: NormalizationArgs, defaultEpsilon: number) {
    super(args);
    const axis = args.axis ?? -1;
    this.axisArg = typeof axis === 'number' ? [axis] : [...axis];
    this.epsilon = args.epsilon ?? defaultEpsilon;
    if (!(this.epsilon > 0)) throw new RangeError(`${this.getClassName()}: epsilon must be > 0; got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaSpec = weightSpec(args, 'beta', 'zeros');
    this.gammaSpec = weightSpec(args, 'gamma', 'ones');
  }

  /** Normalized (non-negative, sorted) axes for an input of this rank, with a clear error. */
  protected axesFor(rank: number): number[] {
    return axesOf(this, this.axisArg, rank);
  }

  protected paramShape(inputShape: LayerShape): number[] {
    const axes = this.axesFor(inputShape.length);
    return axes.map((a) => {
      const d = inputShape[a];
      if (d === null) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): axis ${a} of the input must be known; got ${JSON.stringify(inputShape)}`);
      return d;
    });
  }

  protected buildGammaBeta(shape: number[]): void {
    if (this.scale) this.gamma = this.addWeight('gamma', shape, this.gammaSpec);
    if (this.center) this.beta = this.addWeight('beta', shape, this.betaSpec);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return {
      axis: this.axisArg.length === 1 ? this.axisArg[0] : [...this.axisArg],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...weightSpecConfig('beta', this.betaSpec),
      ...weightSpecConfig('gamma', this.gammaSpec),
    };
  }
}

/**
 * Keras BatchNormalization (one axis, default the last: channels). Training mode
 * normalizes with the batch's mean and (biased) variance and updates the moving
 * statistics: moving = moving·momentum + batch·(1 − momentum). As tf.keras 2 does in its
 * fused path (rank-4/5 inputs normalized along axis 1 or the last axis), the batch
 * variance used for that update carries Bessel's correction n/(n − 1); elsewhere it is the
 * biased variance. Inference mode (and a frozen layer, as in tf.keras 2) uses the moving
 * statistics. Weights: gamma, beta (trainable), moving_mean, moving_variance.
 */
export class BatchNormalization extends Normalization {
  static override readonly className = 'BatchNormalization';
  readonly momentum: number;
  private readonly movingMeanInitializer: Initializer;
  private readonly movingVarianceInitializer: Initializer;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: NormalizationArgs & { momentum?: number; movingMeanInitializer?: InitializerLike; movingVarianceInitializer?: InitializerLike } = {}) {
    super(args, 1e-3);
    if (this.axisArg.length !== 1) throw new RangeError(`BatchNormalization: axis must be a single axis; got [${this.axisArg.join(', ')}]`);
    this.momentum = args.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`BatchNormalization: momentum must be in [0, 1]; got ${args.momentum}`);
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones');
  }

  override build(inputShape: LayerShape): void {
    const shape = this.paramShape(inputShape);
    this.buildGammaBeta(shape);
    this.movingMean = this.addWeight('moving_mean', shape, { initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight('moving_variance', shape, { initializer: this.movingVarianceInitializer, trainable: false });
    const [axis] = this.axesFor(inputShape.length);
    this.inputSpec = { ndim: inputShape.length, axes: { [axis]: shape[0] } };
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const [axis] = this.axesFor(x.rank);
    const training = (options.training ?? false) && this.trainable;
    if (!training) return batchNorm(x, this.movingMean as Variable, this.movingVariance as Variable, this.beta, this.gamma, this.epsilon, axis);
    const reduce = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const { mean, variance } = moments(x, reduce);
    const y = batchNorm(x, mean, variance, this.beta, this.gamma, this.epsilon, axis);
    const n = x.size / x.shape[axis];
    const fused = (x.rank === 4 || x.rank === 5) && (axis === 1 || axis === x.rank - 1);
    const correction = fused && n > 1 ? n / (n - 1) : 1;
    noGrad(() => {
      const m = this.momentum;
      const mm = this.movingMean as Variable;
      const mv = this.movingVariance as Variable;
      mm.assign(add(mul(mm, m), mul(mean, 1 - m)));
      mv.assign(add(mul(mv, m), mul(variance, correction * (1 - m))));
    });
    return y;
  }

  protected override layerConfig(): ConfigDict {
    return {
      ...super.layerConfig(),
      momentum: this.momentum,
      moving_mean_initializer: serializeOptional(this.movingMeanInitializer),
      moving_variance_initializer: serializeOptional(this.movingVarianceInitializer),
    };
  }

  static fromConfig(c: ConfigDict): BatchNormalization {
    const axis = c.axis;
    return new BatchNormalization({
      ...normArgs({ ...c, axis: Array.isArray(axis) && axis.length === 1 ? axis[0] : (axis ?? null) }),
      momentum: (c.momentum ?? undefined) as number | undefined,
      movingMeanInitializer: (c.movingMeanInitializer ?? undefined) as InitializerLike,
      movingVarianceInitializer: (c.movingVarianceInitializer ?? undefined) as InitializerLike,
    });
  }
}

/**
 * Keras LayerNormalization: each sample normalized over `axis` (default the last) with its
 * own mean and variance, then scaled by gamma and shifted by beta (shaped like those axes).
 */
export class LayerNormalization extends Normalization {
  static override readonly className = 'LayerNormalization';

  constructor(args: NormalizationArgs = {}) {
    super(args, 1e-3);
  }

  override build(inputShape: LayerShape): void {
    this.buildGammaBeta(this.paramShape(inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = this.axesFor(x.rank);
    const { mean, variance } = moments(x, axes, true);
    let y = mul(sub(x, mean), rsqrt(add(variance, this.epsilon)));
    // gamma/beta have the normalized axes' shape; broadcast them with 1s elsewhere.
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    if (this.gamma) y = mul(y, reshape(this.gamma, bshape));
    if (this.beta) y = add(y, reshape(this.beta, bshape));
    return y;
  }

  static fromConfig(c: ConfigDict): LayerNormalization {
    return new LayerNormalization(normArgs(c));
  }
}

/**
 * Keras GroupNormalization: the channels (`axis`, default the last) split into `groups`
 * groups; each sample's group normalized with its own mean and variance over the group's
 * channels and every other non-batch axis, then gamma and beta per channel. `groups: -1`
 * is instance normalization (one channel per group); `groups: 1` is LayerNormalization
 * over all non-batch axes.
 */
export class GroupNormalization extends Normalization {
  static override readonly className = 'GroupNormalization';
  groups: number;

  constructor(args: NormalizationArgs & { readonly groups?: number } = {}) {
    super(args, 1e-3);
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || (groups <= 0 && groups !== -1)) throw new RangeError(`GroupNormalization: groups must be a positive integer or -1 (instance normalization); got ${groups}`);
    if (this.axisArg.length !== 1) throw new RangeError(`GroupNormalization: axis must be one axis; got ${JSON.stringify(args.axis)}`);
    this.groups = groups;
  }

  override build(inputShape: LayerShape): void {
    const [dim] = this.paramShape(inputShape);
    if (this.groups === -1) this.groups = dim;
    if (dim < this.groups) throw new RangeError(`Layer ${this.name} (GroupNormalization): ${this.groups} groups cannot be more than the ${dim} channels`);
    if (dim % this.groups !== 0) throw new RangeError(`Layer ${this.name} (GroupNormalization): the ${dim} channels do not split into ${this.groups} groups`);
    this.buildGammaBeta([dim]);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [axis] = this.axesFor(x.rank);
    const dim = x.shape[axis];
    // [B, ..., C, ...] → [B, ..., G, C/G, ...]: statistics over every axis but batch and group.
    const grouped = [...x.shape.slice(0, axis), this.groups, dim / this.groups, ...x.shape.slice(axis + 1)];
    const g = reshape(x, grouped);
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== axis);
    const { mean, variance } = moments(g, axes, true);
    let y = reshape(mul(sub(g, mean), rsqrt(add(variance, this.epsilon))), x.shape);
    const bshape = x.shape.map((d, i) => (i === axis ? d : 1));
    if (this.gamma) y = mul(y, reshape(this.gamma, bshape));
    if (this.beta) y = add(y, reshape(this.beta, bshape));
    return y;
  }

  protected override layerConfig(): ConfigDict {
    return { groups: this.groups, ...super.layerConfig() };
  }

  static fromConfig(c: ConfigDict): GroupNormalization {
    return new GroupNormalization({ ...normArgs(c), groups: (c.groups ?? undefined) as number | undefined });
  }
}

/** Axes of `axis` for an input of this rank, sorted, not the batch axis. */
function axesOf(layer: Layer, axis: readonly number[], rank: number): number[] {
  const axes = axis.map((a) => (a < 0 ? a + rank : a));
  for (const a of axes) if (a < 1 || a >= rank) throw new RangeError(`Layer ${layer.name} (${layer.getClassName()}): axis ${a} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be normalized)`);
  return [...new Set(axes)].sort((p, q) => p - q);
}

export interface RMSNormalizationArgs extends LayerArgs {
  readonly axis?: number | readonly number[];
  readonly epsilon?: number;
}

/** Keras RMSNormalization: x · rsqrt(mean(x², axis) + epsilon) · scale (a weight over `axis`, initially ones). */
export class RMSNormalization extends Layer {
  static override readonly className = 'RMSNormalization';
  override supportsMasking = true;
  readonly axis: readonly number[];
  readonly epsilon: number;
  scale: Variable | null = null;

  constructor(args: RMSNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    this.axis = typeof axis === 'number' ? [axis] : [...axis];
    this.epsilon = args.epsilon ?? 1e-6;
    if (!(this.epsilon > 0)) throw new RangeError(`RMSNormalization: epsilon must be > 0; got ${args.epsilon}`);
  }

  override build(inputShape: LayerShape): void {
    const shape = axesOf(this, this.axis, inputShape.length).map((a) => {
      const d = inputShape[a];
      if (d === null) throw new RangeError(`Layer ${this.name} (RMSNormalization): axis ${a} of the input must be known; got ${JSON.stringify(inputShape)}`);
      return d;
    });
    this.scale = this.addWeight('scale', shape, { initializer: 'ones' });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = axesOf(this, this.axis, x.rank);
    const y = mul(x, rsqrt(add(reduceMean(square(x), axes, true), this.epsilon)));
    return mul(y, reshape(this.scale as Variable, x.shape.map((d, i) => (axes.includes(i) ? d : 1))));
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return { axis: this.axis.length === 1 ? this.axis[0] : [...this.axis], epsilon: this.epsilon };
  }

  static fromConfig(c: ConfigDict): RMSNormalization {
    return new RMSNormalization({ ...baseArgs(c), axis: (c.axis ?? undefined) as number | number[] | undefined, epsilon: (c.epsilon ?? undefined) as number | undefined });
  }
}

/** Keras UnitNormalization: x / ‖x‖₂ over `axis` (the squared norm clamped at 1e-24, as Keras' normalize). No weights. */
export class UnitNormalization extends Layer {
  static override readonly className = 'UnitNormalization';
  override supportsMasking = true;
  readonly axis: readonly number[];

  constructor(args: LayerArgs & { readonly axis?: number | readonly number[] } = {}) {
    super(args);
    const axis = args.axis ?? -1;
    this.axis = typeof axis === 'number' ? [axis] : [...axis];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = axesOf(this, this.axis, x.rank);
    return mul(x, rsqrt(maximum(sum(square(x), axes, true), 1e-24)));
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return { axis: this.axis.length === 1 ? this.axis[0] : [...this.axis] };
  }

  static fromConfig(c: ConfigDict): UnitNormalization {
    return new UnitNormalization({ ...baseArgs(c), axis: (c.axis ?? undefined) as number | number[] | undefined });
  }
}
