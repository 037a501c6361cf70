import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, batchNorm, moments, mul, reshape, rsqrt, sub } from '../../ops/index.js';
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
    const axes = this.axisArg.map((a) => (a < 0 ? a + rank : a));
    for (const a of axes) if (a < 1 || a >= rank) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): axis ${a} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be normalized)`);
    return [...new Set(axes)].sort((x, y) => x - y);
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
