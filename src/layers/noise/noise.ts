import { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { add, dropout, greater, mul, randomNormal, sub } from '../../ops/index.js';
import { ones } from '../../tensor/create.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { DataFormat } from '../conv/utils.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';

/** The dropout rate: a fraction in [0, 1). */
const rate = (): ReturnType<typeof arg.number<{ min: number; below: number }>> => arg.number({ min: 0, below: 1 });
const dataFormat = (): ReturnType<typeof arg.oneOf<'channels_last' | 'channels_first', { default: 'channels_last' }>> => arg.oneOf(['channels_last', 'channels_first'] as const, { default: 'channels_last' });
const SPATIAL_ARGS = declareArgs('SpatialDropout', { rate: rate(), dataFormat: dataFormat(), seed: arg.seed() });
const SPATIAL_1D_ARGS = declareArgs('SpatialDropout1D', { rate: rate(), seed: arg.seed() });
const ALPHA_DROPOUT_ARGS = declareArgs('AlphaDropout', { rate: rate(), noiseShape: arg.intList({ default: null, nullable: true, min: 1 }), seed: arg.seed() });
const GAUSSIAN_NOISE_ARGS = declareArgs('GaussianNoise', { stddev: arg.number({ min: 0 }), seed: arg.seed() });
const GAUSSIAN_DROPOUT_ARGS = declareArgs('GaussianDropout', { rate: rate(), seed: arg.seed() });

/** Layers active only in training; a seed makes their sequence of draws reproducible. */
abstract class TrainingNoise extends Layer {
  override supportsMasking = true;
  readonly seed: number | null;
  private readonly rng: Rng | null;

  constructor(args: LayerArgs & { seed?: number | null }) {
    super(args);
    this.seed = args.seed ?? null;
    this.rng = this.seed === null ? null : new Rng(this.seed);
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }

  /** The seed option of the layer's draws: its own generator's next number, drawn when the kernel runs (every step of a plan too). */
  protected seedSource(): (() => number) | undefined {
    const rng = this.rng;
    return rng ? () => rng.nextUint32() : undefined;
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }

  protected abstract noisy(x: Tensor): Tensor;

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = inputs as Tensor;
    return options.training ? this.noisy(x) : x;
  }
}

/** Dropout of whole feature maps (Keras SpatialDropout2D): the mask is [N, 1, 1, C]. */
export class SpatialDropout2D extends TrainingNoise {
  static override readonly className: string = 'SpatialDropout2D';
  static override readonly args = SPATIAL_ARGS;
  readonly rate: number;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof SPATIAL_ARGS>) {
    super(args);
    ({ rate: this.rate, dataFormat: this.dataFormat } = this.declared(SPATIAL_ARGS, args));
    this.inputSpec = { ndim: 4 };
  }

  protected noisy(x: Tensor): Tensor {
    const noiseShape = x.shape.map((d, i) => (i === 0 || i === (this.dataFormat === 'channels_first' ? 1 : x.rank - 1) ? d : 1));
    return dropout(x, this.rate, { noiseShape, seed: this.seedSource() });
  }
}
registerLayer(SpatialDropout2D);

/** Dropout of whole feature volumes of [N, D, H, W, C] (or channels first) (Keras SpatialDropout3D): the mask is [N, 1, 1, 1, C]. */
export class SpatialDropout3D extends SpatialDropout2D {
  static override readonly className: string = 'SpatialDropout3D';

  constructor(args: LayerArgs & ArgsIn<typeof SPATIAL_ARGS>) {
    super(args);
    this.inputSpec = { ndim: 5 };
  }
}
registerLayer(SpatialDropout3D);

/** SELU's α and λ (Klambauer et al. 2017). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Keras AlphaDropout (for SELU networks): dropped values are set to SELU's negative
 * saturation −λα instead of 0, then an affine a·x + b restores the mean and variance:
 * a = ((1 − rate)(1 + rate·(λα)²))^−½, b = a·λα·rate.
 */
export class AlphaDropout extends TrainingNoise {
  static override readonly className = 'AlphaDropout';
  static override readonly args = ALPHA_DROPOUT_ARGS;
  readonly rate: number;
  readonly noiseShape: LayerShape | null;

  constructor(args: LayerArgs & ArgsIn<typeof ALPHA_DROPOUT_ARGS>) {
    super(args);
    ({ rate: this.rate, noiseShape: this.noiseShape } = this.declared(ALPHA_DROPOUT_ARGS, args));
  }

  protected noisy(x: Tensor): Tensor {
    if (this.rate === 0) return x;
    const alphaP = -SELU_ALPHA * SELU_SCALE;
    const noiseShape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]) : x.shape;
    // The kept positions: the dropout mask (0 or 1/(1 − rate)) of a tensor of ones, as 0/1.
    const kept = greater(dropout(ones(noiseShape), this.rate, { seed: this.seedSource() }), 0);
    const a = ((1 - this.rate) * (1 + this.rate * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * this.rate;
    return add(mul(add(mul(x, kept), mul(sub(1, kept), alphaP)), a), b);
  }
}
registerLayer(AlphaDropout);

/** Dropout of whole channels of [batch, steps, channels] (Keras SpatialDropout1D). */
export class SpatialDropout1D extends TrainingNoise {
  static override readonly className = 'SpatialDropout1D';
  static override readonly args = SPATIAL_1D_ARGS;
  readonly rate: number;

  constructor(args: LayerArgs & ArgsIn<typeof SPATIAL_1D_ARGS>) {
    super(args);
    this.rate = this.declared(SPATIAL_1D_ARGS, args).rate;
    this.inputSpec = { ndim: 3 };
  }

  protected noisy(x: Tensor): Tensor {
    return dropout(x, this.rate, { noiseShape: [x.shape[0], 1, x.shape[2]], seed: this.seedSource() });
  }
}
registerLayer(SpatialDropout1D);

/** Adds N(0, stddev²) noise during training. */
export class GaussianNoise extends TrainingNoise {
  static override readonly className = 'GaussianNoise';
  static override readonly args = GAUSSIAN_NOISE_ARGS;
  readonly stddev: number;

  constructor(args: LayerArgs & ArgsIn<typeof GAUSSIAN_NOISE_ARGS>) {
    super(args);
    this.stddev = this.declared(GAUSSIAN_NOISE_ARGS, args).stddev;
  }

  protected noisy(x: Tensor): Tensor {
    return add(x, randomNormal(x.shape, { stddev: this.stddev, seed: this.seedSource() }));
  }
}
registerLayer(GaussianNoise);

/** Multiplies by N(1, rate / (1 − rate)) noise during training. */
export class GaussianDropout extends TrainingNoise {
  static override readonly className = 'GaussianDropout';
  static override readonly args = GAUSSIAN_DROPOUT_ARGS;
  readonly rate: number;

  constructor(args: LayerArgs & ArgsIn<typeof GAUSSIAN_DROPOUT_ARGS>) {
    super(args);
    this.rate = this.declared(GAUSSIAN_DROPOUT_ARGS, args).rate;
  }

  protected noisy(x: Tensor): Tensor {
    if (this.rate === 0) return x;
    return mul(x, randomNormal(x.shape, { mean: 1, stddev: Math.sqrt(this.rate / (1 - this.rate)), seed: this.seedSource() }));
  }
}
registerLayer(GaussianDropout);
