import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, transpose } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type ArgsOut, type DeclaredArgs, arg, specOf } from '../args.js';
import { type DataFormat, convLength, dataFormatArg, deconvLength, fromChannelsFirst } from './utils.js';

/**
 * The arguments every convolution shares (Keras' BaseConv names, defaults and config keys),
 * for `rank` spatial axes; `paddings` are the accepted paddings ('causal' is Conv1D's only).
 * Keras' transposed convolutions of rank 1 and 3 have no `groups` (see convTransposeArgs).
 */
export function convArgs<const P extends string>(rank: 1 | 2 | 3, paddings: readonly P[]) {
  return {
    /** Output channels: the number of filters. */
    filters: arg.int({ min: 1 }),
    /** Window size: an integer (the same along every spatial axis) or one per axis. */
    kernelSize: arg.intTuple(rank),
    /** Step of the window along each spatial axis (default 1). */
    strides: arg.intTuple(rank, { default: 1 }),
    /** 'valid' (no padding) or 'same' (Keras' rule: the output has ceil(size / stride) cells); Conv1D also 'causal'. */
    padding: arg.oneOf(paddings, { default: 'valid' as P }),
    /** 'channels_last' (NHWC, default) or 'channels_first' (NCHW, transposed at the boundary). */
    dataFormat: dataFormatArg(),
    /** Spacing between the window's taps (default 1); > 1 cannot be combined with strides > 1, as in Keras. */
    dilationRate: arg.intTuple(rank, { default: 1 }),
    /** Channel groups: input and output channels split into this many independent convolutions (must divide both). */
    groups: arg.int({ default: 1, min: 1 }),
    /** Applied to the convolution plus bias (default linear). */
    activation: arg.activation(),
    /** Add a learned bias per filter. */
    useBias: arg.bool(true),
    ...arg.weights('kernel', 'glorot_uniform'),
    ...arg.weights('bias', 'zeros'),
    /** A penalty on the layer's output added to the loss. */
    activityRegularizer: arg.regularizer(),
  };
}

/** Extra cells at the end of each spatial axis of a transposed convolution (Keras output_padding): null (default) or an integer ≥ 0 (or one per axis), each smaller than its stride. */
function outputPaddingArg(rank: 1 | 2 | 3) {
  const cells = arg.intTuple(rank, { default: 0, min: 0 });
  return arg.custom<number | readonly number[] | null, number[] | null>({
    resolve: (v, where) => (v === undefined || v === null ? null : cells.resolve(v, where)),
    toConfig: (v) => (v === null ? null : [...v]),
    fromConfig: (v) => (v === undefined ? undefined : (v as number | number[] | null)),
  });
}

/** The arguments of Keras' transposed convolutions of rank 1 and 3 (Conv2DTranspose keeps Keras 2's `groups`, which must be 1). */
export function convTransposeArgs(rank: 1 | 2 | 3) {
  const { groups: _groups, ...rest } = convArgs(rank, ['valid', 'same'] as const);
  return { ...rest, outputPadding: outputPaddingArg(rank) };
}

/** The declared arguments a ConvND reads (the shape of every convolution's declaration). */
type ConvCoreDecl = Omit<ReturnType<typeof convArgs<'valid' | 'same' | 'causal'>>, 'groups'>;

/** The declarations of the transposed convolutions (with or without `groups`). */
type ConvTransposeCoreDecl = ReturnType<typeof convTransposeArgs>;

/** Arguments of Conv1D, Conv2D and Conv3D ('causal' padding is Conv1D's only). */
export type ConvArgs = LayerArgs & ArgsIn<ReturnType<typeof convArgs<'valid' | 'same' | 'causal'>>>;

/** Arguments of the transposed convolutions Conv1DTranspose and Conv3DTranspose (Keras': no `groups`). */
export type ConvTransposeArgs = LayerArgs & ArgsIn<ConvTransposeCoreDecl>;

/**
 * The one base of the convolutions of every rank (Conv1D/2D/3D and the transposed ones):
 * Keras' argument checks (declared once, in convArgs), the `kernel` and `bias` weights,
 * channels_first handled at the boundary (the input moved to channels_last and the output
 * back), the activation and the activity regularizer. Subclasses give the kernel shape,
 * the convolution on channels_last data and the output length of one axis; a subclass
 * whose op can add the bias and apply ReLU itself (Conv2D, Conv3D) says so by returning
 * `fused: true` from `convolve`.
 */
export abstract class ConvND extends Layer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly groups: number;
  readonly useBias: boolean;
  protected readonly activation: ResolvedActivation;
  protected readonly kernelSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  /** `decl`: the subclass's declaration (convArgs or convTransposeArgs of its rank, plus its own arguments). */
  constructor(readonly rank: 1 | 2 | 3, args: LayerArgs, decl: DeclaredArgs<ConvCoreDecl>) {
    super(args);
    const a: ArgsOut<ConvCoreDecl> & { readonly groups?: number } = this.declared(decl, args);
    const cls = this.getClassName();
    this.filters = a.filters;
    this.kernelSize = a.kernelSize;
    this.strides = a.strides;
    this.padding = a.padding;
    this.dataFormat = a.dataFormat;
    this.dilationRate = a.dilationRate;
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) throw new RangeError(`${cls}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    this.groups = a.groups ?? 1;
    if (this.filters % this.groups !== 0) throw new RangeError(`${cls}: groups must be a positive integer dividing filters (${this.filters}); got ${this.groups}`);
    this.useBias = a.useBias;
    this.activation = a.activation;
    this.kernelSpec = specOf(a, 'kernel');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
    this.inputSpec = { ndim: rank + 2 };
  }

  private channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : this.rank + 1;
  }

  /** The kernel's shape for `channels` input channels (Keras' layout). */
  protected abstract kernelShape(channels: number): number[];

  /**
   * The convolution proper on channels_last data. `bias` (possibly null) and `relu` are
   * what the op may fold in (given only when the activation is linear or ReLU); it returns
   * whether it did (then call adds neither bias nor activation).
   */
  protected abstract convolve(x: Tensor, bias: Tensor | null, relu: boolean): { y: Tensor; fused: boolean };

  /** The output length of spatial axis `i` for an input length. */
  protected abstract outputLength(len: number | null, i: number): number | null;

  override build(inputShape: LayerShape): void {
    const axis = this.channelAxis();
    const c = inputShape[axis];
    if (c === null || c === undefined) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the channel dimension of the input must be known; got ${JSON.stringify(inputShape)}`);
    if (c % this.groups !== 0) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): input channels (${c}) must be divisible by groups (${this.groups})`);
    this.kernel = this.addWeight('kernel', this.kernelShape(c), this.kernelSpec);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasSpec);
    this.inputSpec = { ndim: this.rank + 2, axes: { [axis]: c } };
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, fromChannelsFirst(x.rank));
    const act = this.activation.name;
    const foldable = act === 'linear' || act === 'relu';
    const { y: conv, fused } = this.convolve(x, foldable ? this.bias : null, foldable && act === 'relu');
    let y = conv;
    if (!foldable || !fused) {
      if (this.bias) y = add(y, this.bias);
      y = this.activation.fn(y);
    }
    if (cf) y = transpose(y, fromChannelsFirst(y.rank).map((_, i, p) => p.indexOf(i)));
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((len, i) => this.outputLength(len, i));
    return cf ? [inputShape[0], this.filters, ...out] : [inputShape[0], ...out, this.filters];
  }
}

/** Keras' output length of a (forward) convolution along axis i of a ConvND. */
export function forwardLength(layer: ConvND, len: number | null, i: number): number | null {
  return convLength(len, layer.kernelSize[i], layer.padding, layer.strides[i], layer.dilationRate[i]);
}

/**
 * Transposed convolutions: kernel `[spatial…, filters, inC]` (Keras BaseConvTranspose),
 * `output_padding` in the config, and `groups` 1 (Keras has none for them; Keras 2's
 * Conv2DTranspose writes groups: 1).
 */
export abstract class ConvTransposeND extends ConvND {
  readonly outputPadding: number[] | null;

  constructor(rank: 1 | 2 | 3, args: LayerArgs, decl: DeclaredArgs<ConvTransposeCoreDecl>) {
    super(rank, args, decl);
    const cls = this.getClassName();
    if (this.groups !== 1) throw new RangeError(`${cls}: groups must be 1`);
    this.outputPadding = this.declared(decl, args).outputPadding;
    if (this.outputPadding && this.outputPadding.some((p, i) => p >= this.strides[i])) {
      throw new RangeError(`${cls}: outputPadding [${this.outputPadding.join(', ')}] must be smaller than strides [${this.strides.join(', ')}]`);
    }
  }

  protected kernelShape(channels: number): number[] {
    return [...this.kernelSize, this.filters, channels];
  }

  protected outputLength(len: number | null, i: number): number | null {
    return deconvLength(len, this.kernelSize[i], this.padding as 'valid' | 'same', this.strides[i], this.dilationRate[i], this.outputPadding?.[i]);
  }
}
