import { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { add, dropout, greater, mul, randomNormal, sub } from '../../ops/index.js';
import { ones } from '../../tensor/create.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type DataFormat, checkDataFormat } from '../conv/utils.js';

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

  computeOutputShape(s: LayerShape): LayerShape {
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
  readonly rate: number;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { rate: number; dataFormat?: DataFormat; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`${this.getClassName()}: rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
    this.dataFormat = checkDataFormat(args.dataFormat, this.getClassName());
    this.inputSpec = { ndim: 4 };
  }

  protected noisy(x: Tensor): Tensor {
    const noiseShape = x.shape.map((d, i) => (i === 0 || i === (this.dataFormat === 'channels_first' ? 1 : x.rank - 1) ? d : 1));
    return dropout(x, this.rate, { noiseShape, seed: this.seedSource() });
  }

  protected override layerConfig(): ConfigDict {
    return { rate: this.rate, data_format: this.dataFormat, seed: this.seed };
  }

  static fromConfig(c: ConfigDict): SpatialDropout2D {
    return new SpatialDropout2D({ ...baseArgs(c), rate: c.rate as number, dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined, seed: (c.seed ?? null) as number | null });
  }
}

/** Dropout of whole feature volumes of [N, D, H, W, C] (or channels first) (Keras SpatialDropout3D): the mask is [N, 1, 1, 1, C]. */
export class SpatialDropout3D extends SpatialDropout2D {
  static override readonly className: string = 'SpatialDropout3D';

  constructor(args: LayerArgs & { rate: number; dataFormat?: DataFormat; seed?: number | null }) {
    super(args);
    this.inputSpec = { ndim: 5 };
  }

  static override fromConfig(c: ConfigDict): SpatialDropout3D {
    return new SpatialDropout3D({ ...baseArgs(c), rate: c.rate as number, dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined, seed: (c.seed ?? null) as number | null });
  }
}

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
  readonly rate: number;
  readonly noiseShape: LayerShape | null;

  constructor(args: LayerArgs & { rate: number; noiseShape?: LayerShape | null; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`AlphaDropout: rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
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

  protected override layerConfig(): ConfigDict {
    return { rate: this.rate, noise_shape: this.noiseShape ? [...this.noiseShape] : null, seed: this.seed };
  }

  static fromConfig(c: ConfigDict): AlphaDropout {
    return new AlphaDropout({ ...baseArgs(c), rate: c.rate as number, noiseShape: (c.noiseShape ?? null) as LayerShape | null, seed: (c.seed ?? null) as number | null });
  }
}

/** Dropout of whole channels of [batch, steps, channels] (Keras SpatialDropout1D). */
export class SpatialDropout1D extends TrainingNoise {
  static override readonly className = 'SpatialDropout1D';
  readonly rate: number;

  constructor(args: LayerArgs & { rate: number; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`SpatialDropout1D: rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
    this.inputSpec = { ndim: 3 };
  }

  protected noisy(x: Tensor): Tensor {
    return dropout(x, this.rate, { noiseShape: [x.shape[0], 1, x.shape[2]], seed: this.seedSource() });
  }

  protected override layerConfig(): ConfigDict {
    return { rate: this.rate, seed: this.seed };
  }

  static fromConfig(c: ConfigDict): SpatialDropout1D {
    return new SpatialDropout1D({ ...baseArgs(c), rate: c.rate as number, seed: (c.seed ?? null) as number | null });
  }
}

/** Adds N(0, stddev²) noise during training. */
export class GaussianNoise extends TrainingNoise {
  static override readonly className = 'GaussianNoise';
  readonly stddev: number;

  constructor(args: LayerArgs & { stddev: number; seed?: number | null }) {
    super(args);
    if (!(args.stddev >= 0)) throw new RangeError(`GaussianNoise: stddev must be ≥ 0; got ${args.stddev}`);
    this.stddev = args.stddev;
  }

  protected noisy(x: Tensor): Tensor {
    return add(x, randomNormal(x.shape, { stddev: this.stddev, seed: this.seedSource() }));
  }

  protected override layerConfig(): ConfigDict {
    return { stddev: this.stddev, seed: this.seed };
  }

  static fromConfig(c: ConfigDict): GaussianNoise {
    return new GaussianNoise({ ...baseArgs(c), stddev: c.stddev as number, seed: (c.seed ?? null) as number | null });
  }
}

/** Multiplies by N(1, rate / (1 − rate)) noise during training. */
export class GaussianDropout extends TrainingNoise {
  static override readonly className = 'GaussianDropout';
  readonly rate: number;

  constructor(args: LayerArgs & { rate: number; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`GaussianDropout: rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
  }

  protected noisy(x: Tensor): Tensor {
    if (this.rate === 0) return x;
    return mul(x, randomNormal(x.shape, { mean: 1, stddev: Math.sqrt(this.rate / (1 - this.rate)), seed: this.seedSource() }));
  }

  protected override layerConfig(): ConfigDict {
    return { rate: this.rate, seed: this.seed };
  }

  static fromConfig(c: ConfigDict): GaussianDropout {
    return new GaussianDropout({ ...baseArgs(c), rate: c.rate as number, seed: (c.seed ?? null) as number | null });
  }
}
