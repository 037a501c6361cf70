import { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { dropout, expandDims, reshape, tile, transpose } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer, L1L2 } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { ActivationLike } from './dense.js';

/** Keras Identity: returns its input (a placeholder in a model; masks pass through). */
export class Identity extends Layer {
  static override readonly className = 'Identity';
  override supportsMasking = true;

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    return Array.isArray(inputShape[0]) ? (inputShape as LayerShape[]).map((s) => [...s]) : [...(inputShape as LayerShape)];
  }

  static fromConfig(config: ConfigDict): Identity {
    return new Identity(baseArgs(config));
  }
}

/** Applies an activation function (Keras Activation). */
export class Activation extends Layer {
  static override readonly className = 'Activation';
  override supportsMasking = true;
  private readonly activation: ReturnType<typeof getActivation>;

  constructor(args: LayerArgs & { activation: ActivationLike }) {
    super(args);
    this.activation = getActivation(args.activation);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return this.activation.fn(inputs as Tensor);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return { activation: this.activation.name };
  }

  static fromConfig(config: ConfigDict): Activation {
    return new Activation({ ...baseArgs(config), activation: config.activation as string });
  }
}

/**
 * Randomly zeroes a fraction `rate` of the inputs during training (scaling the rest by
 * 1/(1 − rate)); the identity at inference.
 */
export class Dropout extends Layer {
  static override readonly className = 'Dropout';
  override supportsMasking = true;
  readonly rate: number;
  readonly noiseShape: LayerShape | null;
  readonly seed: number | null;
  private readonly rng: Rng | null;

  constructor(args: LayerArgs & { rate: number; noiseShape?: LayerShape | null; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`Dropout: rate must be in [0, 1); got ${args.rate}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
    this.rng = this.seed === null ? null : new Rng(this.seed);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = inputs as Tensor;
    if (!options.training || this.rate === 0) return x;
    const noiseShape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]) : undefined;
    // A seeded layer gives a reproducible sequence of different masks, one per call (its
    // generator is drawn from when the mask kernel runs, so every step of a plan too).
    const rng = this.rng;
    return dropout(x, this.rate, { noiseShape, seed: rng ? () => rng.nextUint32() : undefined });
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }

  protected override layerConfig(): ConfigDict {
    return { rate: this.rate, noise_shape: this.noiseShape ? ([...this.noiseShape] as ConfigValue[]) : null, seed: this.seed };
  }

  static fromConfig(config: ConfigDict): Dropout {
    return new Dropout({ ...baseArgs(config), rate: config.rate as number, noiseShape: config.noiseShape as LayerShape | null, seed: config.seed as number | null });
  }
}

/** Flattens all axes but the batch axis (Keras Flatten; channels_first moves channels last first, as Keras does). */
export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(args: LayerArgs & { dataFormat?: 'channels_last' | 'channels_first' } = {}) {
    super(args);
    this.dataFormat = args.dataFormat ?? 'channels_last';
    this.inputSpec = { minNdim: 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    if (this.dataFormat === 'channels_first' && x.rank > 2) x = transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]);
    return reshape(x, [x.shape[0], x.size / Math.max(x.shape[0], 1)]);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const rest = inputShape.slice(1);
    return [inputShape[0], rest.some((d) => d === null) ? null : rest.reduce((a: number, b) => a * (b as number), 1)];
  }

  protected override layerConfig(): ConfigDict {
    return { data_format: this.dataFormat };
  }

  static fromConfig(config: ConfigDict): Flatten {
    return new Flatten({ ...baseArgs(config), dataFormat: config.dataFormat as 'channels_last' | 'channels_first' | undefined });
  }
}

/** Reshapes each sample to `targetShape` (one entry may be -1). */
export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  readonly targetShape: number[];

  constructor(args: LayerArgs & { targetShape: readonly number[] }) {
    super(args);
    this.targetShape = [...args.targetShape];
    if (this.targetShape.filter((d) => d === -1).length > 1) throw new RangeError(`Reshape: at most one -1 in targetShape; got [${this.targetShape.join(', ')}]`);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return reshape(x, [x.shape[0], ...(this.resolve(x.shape.slice(1)) as number[])]);
  }

  private resolve(sample: readonly (number | null)[]): (number | null)[] {
    if (!this.targetShape.includes(-1)) {
      const known = sample.every((d) => d !== null) ? sample.reduce((a: number, b) => a * (b as number), 1) : null;
      const want = this.targetShape.reduce((a, b) => a * b, 1);
      if (known !== null && known !== want) throw new RangeError(`Layer ${this.name} (Reshape): cannot reshape a sample of shape [${sample.join(', ')}] (${known} values) into [${this.targetShape.join(', ')}] (${want})`);
      return [...this.targetShape];
    }
    if (sample.some((d) => d === null)) return this.targetShape.map((d) => (d === -1 ? null : d));
    const total = sample.reduce((a: number, b) => a * (b as number), 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || total % known !== 0) throw new RangeError(`Layer ${this.name} (Reshape): cannot reshape a sample of shape [${sample.join(', ')}] into [${this.targetShape.join(', ')}]`);
    return this.targetShape.map((d) => (d === -1 ? total / known : d));
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.resolve(inputShape.slice(1))];
  }

  protected override layerConfig(): ConfigDict {
    return { target_shape: [...this.targetShape] };
  }

  static fromConfig(config: ConfigDict): Reshape {
    return new Reshape({ ...baseArgs(config), targetShape: config.targetShape as number[] });
  }
}

/** Permutes the non-batch axes; `dims` is 1-based as in Keras (`[2, 1]` swaps the two). */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  readonly dims: number[];

  constructor(args: LayerArgs & { dims: readonly number[] }) {
    super(args);
    this.dims = [...args.dims];
    const sorted = [...this.dims].sort((a, b) => a - b);
    if (!sorted.every((d, i) => d === i + 1)) throw new RangeError(`Permute: dims must be a permutation of 1..${this.dims.length}; got [${this.dims.join(', ')}]`);
    this.inputSpec = { ndim: this.dims.length + 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(inputs as Tensor, [0, ...this.dims]);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.dims.map((d) => inputShape[d])];
  }

  protected override layerConfig(): ConfigDict {
    return { dims: [...this.dims] };
  }

  static fromConfig(config: ConfigDict): Permute {
    return new Permute({ ...baseArgs(config), dims: config.dims as number[] });
  }
}

/** Repeats a [batch, features] input n times: [batch, n, features]. */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  readonly n: number;

  constructor(args: LayerArgs & { n: number }) {
    super(args);
    if (!Number.isInteger(args.n) || args.n < 1) throw new RangeError(`RepeatVector: n must be a positive integer; got ${args.n}`);
    this.n = args.n;
    this.inputSpec = { ndim: 2 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tile(expandDims(inputs as Tensor, 1), [1, this.n, 1]);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], this.n, inputShape[1]];
  }

  protected override layerConfig(): ConfigDict {
    return { n: this.n };
  }

  static fromConfig(config: ConfigDict): RepeatVector {
    return new RepeatVector({ ...baseArgs(config), n: config.n as number });
  }
}

/** Identity that adds an L1/L2 penalty on its input to the model's loss. */
export class ActivityRegularization extends Layer {
  static override readonly className = 'ActivityRegularization';
  override supportsMasking = true;
  readonly l1: number;
  readonly l2: number;
  private readonly regularizer: Regularizer;

  constructor(args: LayerArgs & { l1?: number; l2?: number } = {}) {
    super(args);
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
    this.regularizer = getRegularizer(new L1L2({ l1: this.l1, l2: this.l2 }));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.addActivityLoss(this.regularizer, x);
    return x;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return { l1: this.l1, l2: this.l2 };
  }

  static fromConfig(config: ConfigDict): ActivityRegularization {
    return new ActivityRegularization({ ...baseArgs(config), l1: config.l1 as number, l2: config.l2 as number });
  }
}
