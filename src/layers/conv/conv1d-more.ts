/**
 * The 1-D members of the convolution families: Conv1DTranspose, DepthwiseConv1D and
 * SeparableConv1D. Each runs the 2-D op on the input seen as an image of height 1
 * ([batch, 1, steps, channels], kernels with a unit height), as Keras' TensorFlow backend does.
 */
import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, conv2d, conv2dTranspose, depthwiseConv2d, reshape, transpose } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type DeclaredArgs, declareArgs, specOf } from '../args.js';
import { type DepthwiseDecl, depthwiseArgs, separableArgs } from './depthwise.js';
import { ConvTransposeND, type ConvTransposeArgs, convTransposeArgs } from './conv-nd.js';
import { type DataFormat, convLength } from './utils.js';
import { registerLayer } from '../registry.js';

const CONV1D_TRANSPOSE_ARGS = declareArgs('Conv1DTranspose', convTransposeArgs(1));
const DEPTHWISE_1D_ARGS = declareArgs('DepthwiseConv1D', depthwiseArgs(1));
const SEPARABLE_1D_ARGS = declareArgs('SeparableConv1D', separableArgs(1));

/** [batch, steps, channels] seen as [batch, 1, steps, channels]. */
const asImage = (x: Tensor): Tensor => reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
/** Back from [batch, 1, steps, channels]. */
const fromImage = (y: Tensor): Tensor => reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);

/**
 * Transposed 1-D convolution (Keras Conv1DTranspose, alias Convolution1DTranspose) over
 * `[batch, steps, channels]`: kernel `[k, filters, inC]`; with stride s and 'same' padding
 * the output has steps·s steps.
 */
export class Conv1DTranspose extends ConvTransposeND {
  static override readonly className = 'Conv1DTranspose';
  static override readonly args = CONV1D_TRANSPOSE_ARGS;

  constructor(args: ConvTransposeArgs) {
    super(1, args, CONV1D_TRANSPOSE_ARGS);
  }

  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    const k = this.kernel as Variable;
    const y = conv2dTranspose(asImage(x), reshape(k, [1, ...k.shape]), {
      strides: [1, this.strides[0]], padding: this.padding as 'valid' | 'same', dilations: [1, this.dilationRate[0]],
      outputPadding: this.outputPadding ? [0, this.outputPadding[0]] : undefined,
    });
    return { y: fromImage(y), fused: false };
  }
}
registerLayer(Conv1DTranspose, ['Convolution1DTranspose']);

/** DepthwiseConv1D's arguments: DepthwiseConv2D's, with 1-D sizes. */
export type Depthwise1DArgs = LayerArgs & ArgsIn<typeof DEPTHWISE_1D_ARGS>;

/** SeparableConv1D's arguments: SeparableConv2D's, with 1-D sizes. */
export type Separable1DArgs = LayerArgs & ArgsIn<typeof SEPARABLE_1D_ARGS>;

/**
 * Depthwise 1-D convolution (Keras DepthwiseConv1D): each input channel convolved with its
 * own depthMultiplier filters, kernel 'depthwise_kernel' `[k, inC, depthMultiplier]`, output
 * channel c·depthMultiplier + m. SeparableConv1D adds a pointwise convolution to `filters`.
 */
export class DepthwiseConv1D extends Layer {
  static override readonly className: string = 'DepthwiseConv1D';
  static override readonly args: DeclaredArgs<DepthwiseDecl> = DEPTHWISE_1D_ARGS;
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
  constructor(args: Depthwise1DArgs, decl: DeclaredArgs<DepthwiseDecl> = DEPTHWISE_1D_ARGS) {
    super(args);
    const a = this.declared(decl, args);
    const cls = this.getClassName();
    this.kernelSize = a.kernelSize;
    this.strides = a.strides;
    this.dilationRate = a.dilationRate;
    this.padding = a.padding;
    if (this.strides[0] > 1 && this.dilationRate[0] > 1) throw new RangeError(`${cls}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    this.depthMultiplier = a.depthMultiplier;
    this.dataFormat = a.dataFormat;
    this.useBias = a.useBias;
    this.activation = a.activation;
    this.depthwiseSpec = specOf(a, 'depthwise');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
    this.inputSpec = { ndim: 3 };
  }

  private channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : 2;
  }

  protected outChannels(inC: number): number {
    return inC * this.depthMultiplier;
  }

  override build(inputShape: LayerShape): void {
    const c = inputShape[this.channelAxis()];
    if (c === null || c === undefined) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the channel dimension of the input must be known; got ${JSON.stringify(inputShape)}`);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize[0], c, this.depthMultiplier], this.depthwiseSpec);
    this.buildMore(c);
    if (this.useBias) this.bias = this.addWeight('bias', [this.outChannels(c)], this.biasSpec);
    this.inputSpec = { ndim: 3, axes: { [this.channelAxis()]: c } };
  }

  protected buildMore(_inC: number): void {}

  /** The depthwise step on [batch, 1, steps, channels]. */
  protected convolve(x: Tensor): Tensor {
    const k = this.depthwiseKernel as Variable;
    return depthwiseConv2d(x, reshape(k, [1, ...k.shape]), { strides: [1, this.strides[0]], padding: this.padding, dilations: [1, this.dilationRate[0]] });
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, [0, 2, 1]);
    let y = fromImage(this.convolve(asImage(x)));
    if (this.bias) y = add(y, this.bias);
    y = this.activation.fn(y);
    if (cf) y = transpose(y, [0, 2, 1]);
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const steps = inputShape[cf ? 2 : 1];
    const c = inputShape[this.channelAxis()];
    const len = convLength(steps, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]);
    const oc = c === null ? null : this.outChannels(c);
    return cf ? [inputShape[0], oc, len] : [inputShape[0], len, oc];
  }
}
registerLayer(DepthwiseConv1D);

/**
 * Depthwise then pointwise 1-D convolution (Keras SeparableConv1D, alias
 * SeparableConvolution1D): 'depthwise_kernel' `[k, inC, depthMultiplier]`, then
 * 'pointwise_kernel' `[1, inC·depthMultiplier, filters]`, then the bias `[filters]`.
 */
export class SeparableConv1D extends DepthwiseConv1D {
  static override readonly className: string = 'SeparableConv1D';
  static override readonly args = SEPARABLE_1D_ARGS;
  readonly filters: number;
  private readonly pointwiseSpec: WeightSpec;
  pointwiseKernel: Variable | null = null;

  constructor(args: Separable1DArgs) {
    super(args, SEPARABLE_1D_ARGS);
    const a = this.declared(SEPARABLE_1D_ARGS, args);
    this.filters = a.filters;
    this.pointwiseSpec = specOf(a, 'pointwise');
  }

  protected override outChannels(): number {
    return this.filters;
  }

  protected override buildMore(inC: number): void {
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, inC * this.depthMultiplier, this.filters], this.pointwiseSpec);
  }

  protected override convolve(x: Tensor): Tensor {
    const p = this.pointwiseKernel as Variable;
    return conv2d(super.convolve(x), reshape(p, [1, ...p.shape]));
  }
}
registerLayer(SeparableConv1D, ['SeparableConvolution1D']);
