import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, batchNorm, layerNorm, maximum, mean as reduceMean, moments, mul, reshape, rsqrt, square, sub, sum } from '../../ops/index.js';
import { noGrad } from '../../autograd/tape.js';
import type { Initializer } from '../../initializers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type DeclaredArgs, arg, declareArgs, specOf } from '../args.js';
import { registerLayer } from '../registry.js';

/** The arguments every normalization with gamma and beta shares (Keras' names and defaults). */
function normalizationArgs(epsilon: number) {
  return {
    /** The normalized axis (or axes); default the last. */
    axis: arg.axes(-1),
    /** Added to the variance; must be > 0. */
    epsilon: arg.number({ default: epsilon, above: 0 }),
    /** Learn beta (an offset). */
    center: arg.bool(true),
    /** Learn gamma (a scale). */
    scale: arg.bool(true),
    ...arg.weights('beta', 'zeros'),
    ...arg.weights('gamma', 'ones'),
  };
}

const BATCH_NORM_ARGS = declareArgs('BatchNormalization', {
  ...normalizationArgs(1e-3),
  /** Of the moving statistics: moving = moving·momentum + batch·(1 − momentum). */
  momentum: arg.number({ default: 0.99, min: 0, max: 1 }),
  movingMeanInitializer: arg.initializer('zeros'),
  movingVarianceInitializer: arg.initializer('ones'),
});
const LAYER_NORM_ARGS = declareArgs('LayerNormalization', normalizationArgs(1e-3));
const GROUP_NORM_ARGS = declareArgs('GroupNormalization', {
  /** Groups of channels (-1: one channel per group, instance normalization). */
  groups: arg.json<number, { default: number }>((v, where) => {
    if (!Number.isInteger(v) || ((v as number) <= 0 && v !== -1)) throw new RangeError(`${where} must be a positive integer or -1 (instance normalization); got ${JSON.stringify(v)}`);
    return v as number;
  }, { default: 32 }),
  ...normalizationArgs(1e-3),
});
const RMS_NORM_ARGS = declareArgs('RMSNormalization', { axis: arg.axes(-1), epsilon: arg.number({ default: 1e-6, above: 0 }) });
const UNIT_NORM_ARGS = declareArgs('UnitNormalization', { axis: arg.axes(-1) });

type NormalizationDecl = ReturnType<typeof normalizationArgs>;
export type NormalizationArgs = LayerArgs & ArgsIn<NormalizationDecl>;

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

  constructor(args: NormalizationArgs, decl: DeclaredArgs<NormalizationDecl>) {
    super(args);
    const a = this.declared(decl, args);
    this.axisArg = a.axis;
    this.epsilon = a.epsilon;
    this.center = a.center;
    this.scale = a.scale;
    this.betaSpec = specOf(a, 'beta');
    this.gammaSpec = specOf(a, 'gamma');
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
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
  static override readonly args = BATCH_NORM_ARGS;
  readonly momentum: number;
  private readonly movingMeanInitializer: Initializer;
  private readonly movingVarianceInitializer: Initializer;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: LayerArgs & ArgsIn<typeof BATCH_NORM_ARGS> = {}) {
    super(args, BATCH_NORM_ARGS);
    if (this.axisArg.length !== 1) throw new RangeError(`BatchNormalization: axis must be a single axis; got [${this.axisArg.join(', ')}]`);
    const a = this.declared(BATCH_NORM_ARGS, args);
    this.momentum = a.momentum;
    this.movingMeanInitializer = a.movingMeanInitializer;
    this.movingVarianceInitializer = a.movingVarianceInitializer;
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
}
registerLayer(BatchNormalization);

/**
 * Keras LayerNormalization: each sample normalized over `axis` (default the last) with its
 * own mean and variance, then scaled by gamma and shifted by beta (shaped like those axes).
 */
export class LayerNormalization extends Normalization {
  static override readonly className = 'LayerNormalization';
  static override readonly args = LAYER_NORM_ARGS;

  constructor(args: NormalizationArgs = {}) {
    super(args, LAYER_NORM_ARGS);
  }

  override build(inputShape: LayerShape): void {
    this.buildGammaBeta(this.paramShape(inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = this.axesFor(x.rank);
    // The usual case, trailing axes: one fused kernel each way.
    if (axes.every((a, i) => a === x.rank - axes.length + i)) return layerNorm(x, this.gamma, this.beta, this.epsilon, axes[0]);
    const { mean, variance } = moments(x, axes, true);
    let y = mul(sub(x, mean), rsqrt(add(variance, this.epsilon)));
    // gamma/beta have the normalized axes' shape; broadcast them with 1s elsewhere.
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    if (this.gamma) y = mul(y, reshape(this.gamma, bshape));
    if (this.beta) y = add(y, reshape(this.beta, bshape));
    return y;
  }
}
registerLayer(LayerNormalization);

/**
 * Keras GroupNormalization: the channels (`axis`, default the last) split into `groups`
 * groups; each sample's group normalized with its own mean and variance over the group's
 * channels and every other non-batch axis, then gamma and beta per channel. `groups: -1`
 * is instance normalization (one channel per group); `groups: 1` is LayerNormalization
 * over all non-batch axes.
 */
export class GroupNormalization extends Normalization {
  static override readonly className = 'GroupNormalization';
  static override readonly args = GROUP_NORM_ARGS;
  /** The number of groups (a -1 argument becomes the channel count when the layer is built). */
  groups: number;

  constructor(args: LayerArgs & ArgsIn<typeof GROUP_NORM_ARGS> = {}) {
    super(args, GROUP_NORM_ARGS);
    if (this.axisArg.length !== 1) throw new RangeError(`GroupNormalization: axis must be one axis; got ${JSON.stringify(args.axis)}`);
    this.groups = this.declared(GROUP_NORM_ARGS, args).groups;
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
}
registerLayer(GroupNormalization);

/** Axes of `axis` for an input of this rank, sorted, not the batch axis. */
function axesOf(layer: Layer, axis: readonly number[], rank: number): number[] {
  const axes = axis.map((a) => (a < 0 ? a + rank : a));
  for (const a of axes) if (a < 1 || a >= rank) throw new RangeError(`Layer ${layer.name} (${layer.getClassName()}): axis ${a} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be normalized)`);
  return [...new Set(axes)].sort((p, q) => p - q);
}

export type RMSNormalizationArgs = LayerArgs & ArgsIn<typeof RMS_NORM_ARGS>;

/** Keras RMSNormalization: x · rsqrt(mean(x², axis) + epsilon) · scale (a weight over `axis`, initially ones). */
export class RMSNormalization extends Layer {
  static override readonly className = 'RMSNormalization';
  static override readonly args = RMS_NORM_ARGS;
  override supportsMasking = true;
  readonly axis: readonly number[];
  readonly epsilon: number;
  scale: Variable | null = null;

  constructor(args: RMSNormalizationArgs = {}) {
    super(args);
    ({ axis: this.axis, epsilon: this.epsilon } = this.declared(RMS_NORM_ARGS, args));
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(RMSNormalization);

/** Keras UnitNormalization: x / ‖x‖₂ over `axis` (the squared norm clamped at 1e-24, as Keras' normalize). No weights. */
export class UnitNormalization extends Layer {
  static override readonly className = 'UnitNormalization';
  static override readonly args = UNIT_NORM_ARGS;
  override supportsMasking = true;
  readonly axis: readonly number[];

  constructor(args: LayerArgs & ArgsIn<typeof UNIT_NORM_ARGS> = {}) {
    super(args);
    this.axis = this.declared(UNIT_NORM_ARGS, args).axis;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = axesOf(this, this.axis, x.rank);
    return mul(x, rsqrt(maximum(sum(square(x), axes, true), 1e-24)));
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(UnitNormalization);
