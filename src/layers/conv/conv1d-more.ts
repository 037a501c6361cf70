/**
 * The 1-D members of the convolution families: Conv1DTranspose, DepthwiseConv1D and
 * SeparableConv1D. Each runs the 2-D op on the input seen as an image of height 1
 * ([batch, 1, steps, channels], kernels with a unit height), as Keras' TensorFlow backend does.
 */
import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, conv2d, conv2dTranspose, depthwiseConv2d, reshape, transpose } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions, type RegularizerLike } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type WeightSpec, serializeOptional, weightSpec, weightSpecArgs, weightSpecConfig } from '../weight-spec.js';
import type { DepthwiseArgs, SeparableArgs } from './depthwise.js';
import { ConvTransposeND, type ConvTransposeArgs, convTransposeArgsFromConfig } from './conv-nd.js';
import { type DataFormat, checkDataFormat, convLength, tuple } from './utils.js';

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

  constructor(args: ConvTransposeArgs) {
    super(1, args);
  }

  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    const k = this.kernel as Variable;
    const y = conv2dTranspose(asImage(x), reshape(k, [1, ...k.shape]), {
      strides: [1, this.strides[0]], padding: this.padding, dilations: [1, this.dilationRate[0]],
      outputPadding: this.outputPadding ? [0, this.outputPadding[0]] : undefined,
    });
    return { y: fromImage(y), fused: false };
  }

  static fromConfig(c: ConfigDict): Conv1DTranspose {
    return new Conv1DTranspose(convTransposeArgsFromConfig(c));
  }
}

/** DepthwiseConv1D's arguments: DepthwiseConv2D's, with 1-D sizes. */
export type Depthwise1DArgs = Omit<DepthwiseArgs, 'kernelSize' | 'strides' | 'dilationRate'> & {
  readonly kernelSize: number | readonly [number];
  readonly strides?: number | readonly [number];
  readonly dilationRate?: number | readonly [number];
};

/** SeparableConv1D's arguments: SeparableConv2D's, with 1-D sizes. */
export type Separable1DArgs = Depthwise1DArgs & Pick<SeparableArgs, 'filters' | 'pointwiseInitializer' | 'pointwiseRegularizer' | 'pointwiseConstraint'>;

/**
 * Depthwise 1-D convolution (Keras DepthwiseConv1D): each input channel convolved with its
 * own depthMultiplier filters, kernel 'depthwise_kernel' `[k, inC, depthMultiplier]`, output
 * channel c·depthMultiplier + m. SeparableConv1D adds a pointwise convolution to `filters`.
 */
export class DepthwiseConv1D extends Layer {
  static override readonly className: string = 'DepthwiseConv1D';
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly useBias: boolean;
  protected readonly activation: ReturnType<typeof getActivation>;
  protected readonly depthwiseSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activityRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Depthwise1DArgs) {
    super(args);
    const cls = this.getClassName();
    this.kernelSize = tuple(args.kernelSize, 1, 'kernelSize', cls);
    this.strides = tuple(args.strides ?? 1, 1, 'strides', cls);
    this.dilationRate = tuple(args.dilationRate ?? 1, 1, 'dilationRate', cls);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new RangeError(`${cls}: padding must be 'valid' or 'same'; got '${String(args.padding)}'`);
    if (this.strides[0] > 1 && this.dilationRate[0] > 1) throw new RangeError(`${cls}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new RangeError(`${cls}: depthMultiplier must be a positive integer; got ${args.depthMultiplier}`);
    this.dataFormat = checkDataFormat(args.dataFormat, cls);
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation);
    this.depthwiseSpec = weightSpec(args, 'depthwise', 'glorot_uniform');
    this.biasSpec = weightSpec(args, 'bias', 'zeros');
    this.activityRegularizer = args.activityRegularizer ? getRegularizer(args.activityRegularizer) : null;
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

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const steps = inputShape[cf ? 2 : 1];
    const c = inputShape[this.channelAxis()];
    const len = convLength(steps, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]);
    const oc = c === null ? null : this.outChannels(c);
    return cf ? [inputShape[0], oc, len] : [inputShape[0], len, oc];
  }

  protected override layerConfig(): ConfigDict {
    return {
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      depth_multiplier: this.depthMultiplier,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      activation: this.activation.name,
      use_bias: this.useBias,
      ...weightSpecConfig('depthwise', this.depthwiseSpec),
      ...weightSpecConfig('bias', this.biasSpec),
      activity_regularizer: serializeOptional(this.activityRegularizer),
    };
  }

  static fromConfig(c: ConfigDict): DepthwiseConv1D {
    return new DepthwiseConv1D(depthwise1dArgs(c));
  }
}

function depthwise1dArgs(c: ConfigDict): Depthwise1DArgs {
  return {
    ...baseArgs(c),
    kernelSize: c.kernelSize as number | [number],
    strides: (c.strides ?? undefined) as number | [number] | undefined,
    padding: (c.padding ?? undefined) as 'valid' | 'same' | undefined,
    depthMultiplier: (c.depthMultiplier ?? undefined) as number | undefined,
    dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined,
    dilationRate: (c.dilationRate ?? undefined) as number | [number] | undefined,
    activation: (c.activation as string | null) ?? undefined,
    useBias: (c.useBias ?? undefined) as boolean | undefined,
    ...weightSpecArgs(c, 'depthwise'),
    ...weightSpecArgs(c, 'bias'),
    activityRegularizer: (c.activityRegularizer ?? undefined) as RegularizerLike,
  };
}

/**
 * Depthwise then pointwise 1-D convolution (Keras SeparableConv1D, alias
 * SeparableConvolution1D): 'depthwise_kernel' `[k, inC, depthMultiplier]`, then
 * 'pointwise_kernel' `[1, inC·depthMultiplier, filters]`, then the bias `[filters]`.
 */
export class SeparableConv1D extends DepthwiseConv1D {
  static override readonly className: string = 'SeparableConv1D';
  readonly filters: number;
  private readonly pointwiseSpec: WeightSpec;
  pointwiseKernel: Variable | null = null;

  constructor(args: Separable1DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`SeparableConv1D: filters must be a positive integer; got ${args.filters}`);
    this.filters = args.filters;
    this.pointwiseSpec = weightSpec(args, 'pointwise', 'glorot_uniform');
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

  protected override layerConfig(): ConfigDict {
    return { filters: this.filters, ...super.layerConfig(), ...weightSpecConfig('pointwise', this.pointwiseSpec) };
  }

  static override fromConfig(c: ConfigDict): SeparableConv1D {
    return new SeparableConv1D({ ...depthwise1dArgs(c), filters: c.filters as number, ...weightSpecArgs(c, 'pointwise') });
  }
}
