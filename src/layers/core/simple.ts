import { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { dropout, expandDims, reshape, tile, transpose } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer, L1L2 } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';

const IDENTITY_ARGS = declareArgs('Identity', {});
const ACTIVATION_ARGS = declareArgs('Activation', { activation: arg.activation() });
const DROPOUT_ARGS = declareArgs('Dropout', {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: arg.number({ min: 0, below: 1 }),
  /** Shape of the mask (null entries: the input's size), e.g. [batch, 1, features] to drop whole features. */
  noiseShape: arg.intList({ default: null, nullable: true, min: 1 }),
  seed: arg.seed(),
});
const FLATTEN_ARGS = declareArgs('Flatten', { dataFormat: arg.oneOf(['channels_last', 'channels_first'] as const, { default: 'channels_last' }) });
const RESHAPE_ARGS = declareArgs('Reshape', {
  /** The shape of each sample; one entry may be -1 (inferred). */
  targetShape: arg.json((v, where) => {
    if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && (d >= 0 || d === -1))) throw new RangeError(`${where} must be a list of sizes (one may be -1); got ${JSON.stringify(v)}`);
    if (v.filter((d) => d === -1).length > 1) throw new RangeError(`Reshape: at most one -1 in targetShape; got [${v.join(', ')}]`);
    return [...(v as number[])];
  }),
});
const PERMUTE_ARGS = declareArgs('Permute', {
  /** A permutation of 1..rank-1 (1-based, as Keras). */
  dims: arg.json((v) => {
    const dims = Array.isArray(v) ? (v as number[]) : [];
    const sorted = [...dims].sort((a, b) => a - b);
    if (!Array.isArray(v) || !sorted.every((d, i) => d === i + 1)) throw new RangeError(`Permute: dims must be a permutation of 1..${dims.length}; got ${JSON.stringify(v)}`);
    return [...dims];
  }),
});
const REPEAT_ARGS = declareArgs('RepeatVector', { n: arg.int({ min: 1 }) });
const ACTIVITY_ARGS = declareArgs('ActivityRegularization', { l1: arg.number({ default: 0, min: 0 }), l2: arg.number({ default: 0, min: 0 }) });

/** Keras Identity: returns its input (a placeholder in a model; masks pass through). */
export class Identity extends Layer {
  static override readonly className = 'Identity';
  static override readonly args = IDENTITY_ARGS;
  override supportsMasking = true;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.declared(IDENTITY_ARGS, args);
  }

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    return Array.isArray(inputShape[0]) ? (inputShape as LayerShape[]).map((s) => [...s]) : [...(inputShape as LayerShape)];
  }
}
registerLayer(Identity);

/** Applies an activation function (Keras Activation). */
export class Activation extends Layer {
  static override readonly className = 'Activation';
  static override readonly args = ACTIVATION_ARGS;
  override supportsMasking = true;
  private readonly activation: ResolvedActivation;

  constructor(args: LayerArgs & ArgsIn<typeof ACTIVATION_ARGS>) {
    super(args);
    this.activation = this.declared(ACTIVATION_ARGS, args).activation;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return this.activation.fn(inputs as Tensor);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(Activation);

/**
 * Randomly zeroes a fraction `rate` of the inputs during training (scaling the rest by
 * 1/(1 − rate)); the identity at inference.
 */
export class Dropout extends Layer {
  static override readonly className = 'Dropout';
  static override readonly args = DROPOUT_ARGS;
  override supportsMasking = true;
  readonly rate: number;
  readonly noiseShape: LayerShape | null;
  readonly seed: number | null;
  private readonly rng: Rng | null;

  constructor(args: LayerArgs & ArgsIn<typeof DROPOUT_ARGS>) {
    super(args);
    const a = this.declared(DROPOUT_ARGS, args);
    this.rate = a.rate;
    this.noiseShape = a.noiseShape;
    this.seed = a.seed;
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }
}
registerLayer(Dropout);

/** Flattens all axes but the batch axis (Keras Flatten; channels_first moves channels last first, as Keras does). */
export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  static override readonly args = FLATTEN_ARGS;
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(args: LayerArgs & ArgsIn<typeof FLATTEN_ARGS> = {}) {
    super(args);
    this.dataFormat = this.declared(FLATTEN_ARGS, args).dataFormat;
    this.inputSpec = { minNdim: 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    if (this.dataFormat === 'channels_first' && x.rank > 2) x = transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]);
    return reshape(x, [x.shape[0], x.size / Math.max(x.shape[0], 1)]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const rest = inputShape.slice(1);
    return [inputShape[0], rest.some((d) => d === null) ? null : rest.reduce((a: number, b) => a * (b as number), 1)];
  }
}
registerLayer(Flatten);

/** Reshapes each sample to `targetShape` (one entry may be -1). */
export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  static override readonly args = RESHAPE_ARGS;
  readonly targetShape: number[];

  constructor(args: LayerArgs & { readonly targetShape: readonly number[] }) {
    super(args);
    this.targetShape = this.declared(RESHAPE_ARGS, args).targetShape;
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.resolve(inputShape.slice(1))];
  }
}
registerLayer(Reshape);

/** Permutes the non-batch axes; `dims` is 1-based as in Keras (`[2, 1]` swaps the two). */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  static override readonly args = PERMUTE_ARGS;
  readonly dims: number[];

  constructor(args: LayerArgs & { readonly dims: readonly number[] }) {
    super(args);
    this.dims = this.declared(PERMUTE_ARGS, args).dims;
    this.inputSpec = { ndim: this.dims.length + 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(inputs as Tensor, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.dims.map((d) => inputShape[d])];
  }
}
registerLayer(Permute);

/** Repeats a [batch, features] input n times: [batch, n, features]. */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  static override readonly args = REPEAT_ARGS;
  readonly n: number;

  constructor(args: LayerArgs & ArgsIn<typeof REPEAT_ARGS>) {
    super(args);
    this.n = this.declared(REPEAT_ARGS, args).n;
    this.inputSpec = { ndim: 2 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tile(expandDims(inputs as Tensor, 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], this.n, inputShape[1]];
  }
}
registerLayer(RepeatVector);

/** Identity that adds an L1/L2 penalty on its input to the model's loss. */
export class ActivityRegularization extends Layer {
  static override readonly className = 'ActivityRegularization';
  static override readonly args = ACTIVITY_ARGS;
  override supportsMasking = true;
  readonly l1: number;
  readonly l2: number;
  private readonly regularizer: Regularizer;

  constructor(args: LayerArgs & ArgsIn<typeof ACTIVITY_ARGS> = {}) {
    super(args);
    ({ l1: this.l1, l2: this.l2 } = this.declared(ACTIVITY_ARGS, args));
    this.regularizer = getRegularizer(new L1L2({ l1: this.l1, l2: this.l2 }));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.addActivityLoss(this.regularizer, x);
    return x;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(ActivityRegularization);
