import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, conv2d, depthwiseConv2d, transpose, type Padding } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type DeclaredArgs, arg, declareArgs, specOf } from '../args.js';
import { type DataFormat, convLength, dataFormatArg, fromChannelsFirst } from './utils.js';
import { registerLayer } from '../registry.js';

/** The arguments of the depthwise convolutions of `rank` spatial axes (Keras' BaseDepthwiseConv names, defaults and config keys). */
export function depthwiseArgs(rank: 1 | 2) {
  return {
    /** Window size: an integer (the same along every spatial axis) or one per axis. */
    kernelSize: arg.intTuple(rank),
    /** Step of the window along each spatial axis (default 1). */
    strides: arg.intTuple(rank, { default: 1 }),
    /** 'valid' (no padding) or 'same' (the output has ceil(size / stride) cells). */
    padding: arg.oneOf(['valid', 'same'] as const, { default: 'valid' }),
    /** Output channels per input channel. */
    depthMultiplier: arg.int({ default: 1, min: 1 }),
    /** 'channels_last' (default) or 'channels_first' (transposed at the boundary). */
    dataFormat: dataFormatArg(),
    /** Spacing between the window's taps (default 1). */
    dilationRate: arg.intTuple(rank, { default: 1 }),
    /** Applied to the convolution plus bias (default linear). */
    activation: arg.activation(),
    /** Add a learned bias per output channel. */
    useBias: arg.bool(true),
    ...arg.weights('depthwise', 'glorot_uniform'),
    ...arg.weights('bias', 'zeros'),
    /** A penalty on the layer's output added to the loss. */
    activityRegularizer: arg.regularizer(),
  };
}

/** The arguments of the separable convolutions: the depthwise ones, `filters` and the pointwise kernel's. */
export function separableArgs(rank: 1 | 2) {
  return {
    /** Output channels of the pointwise (1×1) convolution. */
    filters: arg.int({ min: 1 }),
    ...depthwiseArgs(rank),
    ...arg.weights('pointwise', 'glorot_uniform'),
  };
}

/** The declaration every depthwise layer reads (its subclasses add arguments). */
export type DepthwiseDecl = ReturnType<typeof depthwiseArgs>;

const DEPTHWISE_2D_ARGS = declareArgs('DepthwiseConv2D', depthwiseArgs(2));
const SEPARABLE_2D_ARGS = declareArgs('SeparableConv2D', separableArgs(2));

/** DepthwiseConv2D's arguments. */
export type DepthwiseArgs = LayerArgs & ArgsIn<typeof DEPTHWISE_2D_ARGS>;
/** SeparableConv2D's arguments. */
export type SeparableArgs = LayerArgs & ArgsIn<typeof SEPARABLE_2D_ARGS>;

/**
 * Depthwise convolution (Keras DepthwiseConv2D): each input channel convolved with its own
 * depthMultiplier filters, kernel 'depthwise_kernel' [kH, kW, inC, depthMultiplier].
 * SeparableConv2D (below) adds a 1×1 pointwise convolution to `filters` channels.
 */
export class DepthwiseConv2D extends Layer {
  static override readonly className: string = 'DepthwiseConv2D';
  static override readonly args: DeclaredArgs<DepthwiseDecl> = DEPTHWISE_2D_ARGS;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly useBias: boolean;
  protected readonly activation: ResolvedActivation;
  protected readonly depthwiseSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activityRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  /** `decl`: the class's declaration (a subclass passes its own). */
  constructor(args: DepthwiseArgs, decl: DeclaredArgs<DepthwiseDecl> = DEPTHWISE_2D_ARGS) {
    super(args);
    const a = this.declared(decl, args);
    this.kernelSize = a.kernelSize;
    this.strides = a.strides;
    this.dilationRate = a.dilationRate;
    this.padding = a.padding;
    this.depthMultiplier = a.depthMultiplier;
    this.dataFormat = a.dataFormat;
    this.useBias = a.useBias;
    this.activation = a.activation;
    this.depthwiseSpec = specOf(a, 'depthwise');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
    this.inputSpec = { ndim: 4 };
  }

  protected inputChannels(inputShape: LayerShape): number {
    const c = inputShape[this.dataFormat === 'channels_first' ? 1 : 3];
    if (c === null) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the channel dimension of the input must be known`);
    return c;
  }

  protected outChannels(inC: number): number {
    return inC * this.depthMultiplier;
  }

  override build(inputShape: LayerShape): void {
    const c = this.inputChannels(inputShape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize[0], this.kernelSize[1], c, this.depthMultiplier], this.depthwiseSpec);
    this.buildMore(c);
    if (this.useBias) this.bias = this.addWeight('bias', [this.outChannels(c)], this.biasSpec);
    this.inputSpec = { ndim: 4, axes: { [this.dataFormat === 'channels_first' ? 1 : 3]: c } };
  }

  protected buildMore(_inC: number): void {}

  protected convolve(x: Tensor): Tensor {
    return depthwiseConv2d(x, this.depthwiseKernel as Variable, { strides: [this.strides[0], this.strides[1]], padding: this.padding as Padding, dilations: [this.dilationRate[0], this.dilationRate[1]] });
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, fromChannelsFirst(4));
    let y = this.convolve(x);
    if (this.bias) y = add(y, this.bias);
    y = this.activation.fn(y);
    if (cf) y = transpose(y, [0, 3, 1, 2]);
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const [h, w] = cf ? [inputShape[2], inputShape[3]] : [inputShape[1], inputShape[2]];
    const c = inputShape[cf ? 1 : 3];
    const oh = convLength(h, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]);
    const ow = convLength(w, this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1]);
    const oc = c === null ? null : this.outChannels(c);
    return cf ? [inputShape[0], oc, oh, ow] : [inputShape[0], oh, ow, oc];
  }
}
registerLayer(DepthwiseConv2D);

/** Depthwise then pointwise (1×1) convolution (Keras SeparableConv2D). */
export class SeparableConv2D extends DepthwiseConv2D {
  static override readonly className: string = 'SeparableConv2D';
  static override readonly args = SEPARABLE_2D_ARGS;
  readonly filters: number;
  private readonly pointwiseSpec: WeightSpec;
  pointwiseKernel: Variable | null = null;

  constructor(args: SeparableArgs) {
    super(args, SEPARABLE_2D_ARGS);
    const a = this.declared(SEPARABLE_2D_ARGS, args);
    this.filters = a.filters;
    this.pointwiseSpec = specOf(a, 'pointwise');
  }

  protected override outChannels(): number {
    return this.filters;
  }

  protected override buildMore(inC: number): void {
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inC * this.depthMultiplier, this.filters], this.pointwiseSpec);
  }

  protected override convolve(x: Tensor): Tensor {
    return conv2d(super.convolve(x), this.pointwiseKernel as Variable);
  }
}
registerLayer(SeparableConv2D, ['SeparableConvolution2D']);
