import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, conv2d, conv2dTranspose, pad, reshape, transpose, type Padding } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { ActivationLike } from '../core/dense.js';
import { type KernelBiasArgs, type WeightSpec, kernelBiasArgs, kernelBiasConfig, weightSpec } from '../weight-spec.js';
import { type DataFormat, checkDataFormat, convLength, deconvLength, fromChannelsFirst, tuple } from './utils.js';

export interface ConvArgs extends LayerArgs, KernelBiasArgs {
  readonly filters: number;
  readonly kernelSize: number | readonly number[];
  readonly strides?: number | readonly number[];
  /** 'valid', 'same' (Keras' rule) or, for Conv1D, 'causal'. */
  readonly padding?: 'valid' | 'same' | 'causal';
  readonly dataFormat?: DataFormat;
  readonly dilationRate?: number | readonly number[];
  readonly groups?: number;
  readonly activation?: ActivationLike;
}

/**
 * Shared machinery of Conv1D/Conv2D/Conv2DTranspose: argument checking, the kernel and
 * bias weights, channels_first handling at the boundary (inputs transposed to NHWC and
 * back), activation and activity regularization.
 */
export abstract class BaseConv extends Layer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly groups: number;
  readonly useBias: boolean;
  protected readonly activation: ReturnType<typeof getActivation>;
  protected readonly kernelSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(readonly rank: 1 | 2, args: ConvArgs) {
    super(args);
    const cls = this.getClassName();
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`${cls}: filters must be a positive integer; got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = tuple(args.kernelSize, rank, 'kernelSize', cls);
    this.strides = tuple(args.strides ?? 1, rank, 'strides', cls);
    this.dilationRate = tuple(args.dilationRate ?? 1, rank, 'dilationRate', cls);
    this.padding = args.padding ?? 'valid';
    if (!['valid', 'same', 'causal'].includes(this.padding) || (this.padding === 'causal' && rank !== 1)) {
      throw new RangeError(`${cls}: padding must be 'valid' or 'same'${rank === 1 ? " or 'causal'" : ''}; got '${this.padding}'`);
    }
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) throw new RangeError(`${cls}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    this.dataFormat = checkDataFormat(args.dataFormat, cls);
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) throw new RangeError(`${cls}: groups must be a positive integer dividing filters (${this.filters}); got ${args.groups}`);
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation);
    this.kernelSpec = weightSpec(args, 'kernel', 'glorot_uniform');
    this.biasSpec = weightSpec(args, 'bias', 'zeros');
    this.activityRegularizer = args.activityRegularizer ? getRegularizer(args.activityRegularizer) : null;
    this.inputSpec = { ndim: rank + 2 };
  }

  protected channelAxis(rank: number): number {
    return this.dataFormat === 'channels_first' ? 1 : rank - 1;
  }

  /** Input channels from a (Keras-layout) input shape, with a clear error if unknown. */
  protected inputChannels(inputShape: LayerShape): number {
    const c = inputShape[this.channelAxis(inputShape.length)];
    if (c === null) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the channel dimension of the input must be known; got ${JSON.stringify(inputShape)}`);
    return c;
  }

  protected finishBuild(kernelShape: number[], inputShape: LayerShape, channels: number): void {
    this.kernel = this.addWeight('kernel', kernelShape, this.kernelSpec);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasSpec);
    this.inputSpec = { ndim: inputShape.length, axes: { [this.channelAxis(inputShape.length)]: channels } };
  }

  /** The convolution proper on NHWC (NWC for rank 1 is reshaped by the subclass). */
  protected abstract convolve(x: Tensor): Tensor;

  /** The convolution itself; `fused` asks to fold bias and ReLU in (subclasses that can't, ignore it). */
  protected abstract convolveFused(x: Tensor, fused: { bias: Tensor | null; relu: boolean }): { y: Tensor; fused: boolean };

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, fromChannelsFirst(x.rank));
    const act = this.activation.name;
    const foldable = act === 'linear' || act === 'relu';
    const { y: conv, fused } = foldable ? this.convolveFused(x, { bias: this.bias, relu: act === 'relu' }) : { y: this.convolve(x), fused: false };
    let y = conv;
    if (!fused) {
      if (this.bias) y = add(y, this.bias);
      y = this.activation.fn(y);
    }
    if (cf) y = transpose(y, fromChannelsFirst(y.rank).map((_, i, p) => p.indexOf(i)));
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  protected override layerConfig(): ConfigDict {
    return {
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      groups: this.groups,
      activation: this.activation.name,
      use_bias: this.useBias,
      ...kernelBiasConfig(this.kernelSpec, this.biasSpec, this.activityRegularizer),
    };
  }
}

/** Reads the arguments shared by the conv layers from a camelCased Keras config. */
export function convArgsFromConfig(c: ConfigDict): ConvArgs {
  return {
    ...baseArgs(c),
    filters: c.filters as number,
    kernelSize: c.kernelSize as number | number[],
    strides: (c.strides ?? undefined) as number | number[] | undefined,
    padding: (c.padding ?? undefined) as ConvArgs['padding'],
    dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined,
    dilationRate: (c.dilationRate ?? undefined) as number | number[] | undefined,
    groups: (c.groups ?? undefined) as number | undefined,
    activation: (c.activation as string | null) ?? undefined,
    useBias: (c.useBias ?? undefined) as boolean | undefined,
    ...kernelBiasArgs(c),
  };
}

/** 2-D convolution layer (Keras Conv2D): kernel [kH, kW, inC / groups, filters]. */
export class Conv2D extends BaseConv {
  static override readonly className = 'Conv2D';

  constructor(args: ConvArgs) {
    super(2, args);
  }

  override build(inputShape: LayerShape): void {
    const c = this.inputChannels(inputShape);
    if (c % this.groups !== 0) throw new RangeError(`Layer ${this.name} (Conv2D): input channels (${c}) must be divisible by groups (${this.groups})`);
    this.finishBuild([this.kernelSize[0], this.kernelSize[1], c / this.groups, this.filters], inputShape, c);
  }

  protected convolve(x: Tensor): Tensor {
    return this.convolveFused(x, { bias: null, relu: false }).y;
  }

  protected convolveFused(x: Tensor, fused: { bias: Tensor | null; relu: boolean }): { y: Tensor; fused: boolean } {
    const y = conv2d(x, this.kernel as Variable, {
      strides: [this.strides[0], this.strides[1]], padding: this.padding as Padding, dilations: [this.dilationRate[0], this.dilationRate[1]], groups: this.groups,
      bias: fused.bias, activation: fused.relu ? 'relu' : 'linear',
    });
    return { y, fused: true };
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const [h, w] = cf ? [inputShape[2], inputShape[3]] : [inputShape[1], inputShape[2]];
    const oh = convLength(h, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]);
    const ow = convLength(w, this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1]);
    return cf ? [inputShape[0], this.filters, oh, ow] : [inputShape[0], oh, ow, this.filters];
  }

  static fromConfig(c: ConfigDict): Conv2D {
    return new Conv2D(convArgsFromConfig(c));
  }
}

/**
 * 1-D convolution over [batch, steps, channels] (Keras Conv1D, kernel [k, inC, filters]);
 * 'causal' padding pads (k − 1)·dilation steps on the left.
 */
export class Conv1D extends BaseConv {
  static override readonly className = 'Conv1D';

  constructor(args: ConvArgs) {
    super(1, args);
  }

  override build(inputShape: LayerShape): void {
    const c = this.inputChannels(inputShape);
    this.finishBuild([this.kernelSize[0], c / this.groups, this.filters], inputShape, c);
  }

  protected convolve(x: Tensor): Tensor {
    let input = x;
    const padding: Padding = this.padding === 'causal' ? 'valid' : this.padding;
    if (this.padding === 'causal') input = pad(x, [[0, 0], [(this.kernelSize[0] - 1) * this.dilationRate[0], 0], [0, 0]]);
    const [b, steps, ch] = input.shape;
    const k = this.kernel as Variable;
    const y = conv2d(reshape(input, [b, 1, steps, ch]), reshape(k, [1, ...k.shape]), { strides: [1, this.strides[0]], padding, dilations: [1, this.dilationRate[0]], groups: this.groups });
    return reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
  }

  protected convolveFused(x: Tensor): { y: Tensor; fused: boolean } {
    return { y: this.convolve(x), fused: false };
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const steps = cf ? inputShape[2] : inputShape[1];
    const padding = this.padding === 'causal' ? 'same' : this.padding;
    const len = this.padding === 'causal' && steps !== null ? Math.ceil(steps / this.strides[0]) : convLength(steps, this.kernelSize[0], padding, this.strides[0], this.dilationRate[0]);
    return cf ? [inputShape[0], this.filters, len] : [inputShape[0], len, this.filters];
  }

  static fromConfig(c: ConfigDict): Conv1D {
    return new Conv1D(convArgsFromConfig(c));
  }
}

/** Transposed convolution (Keras Conv2DTranspose): kernel [kH, kW, filters, inC]. */
export class Conv2DTranspose extends BaseConv {
  static override readonly className = 'Conv2DTranspose';
  readonly outputPadding: number[] | null;

  constructor(args: ConvArgs & { outputPadding?: number | readonly number[] | null }) {
    super(2, args);
    if (this.groups !== 1) throw new RangeError('Conv2DTranspose: groups must be 1');
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : tuple(args.outputPadding, 2, 'outputPadding', 'Conv2DTranspose', 0);
    if (this.outputPadding && this.outputPadding.some((p, i) => p >= this.strides[i])) {
      throw new RangeError(`Conv2DTranspose: outputPadding [${this.outputPadding.join(', ')}] must be smaller than strides [${this.strides.join(', ')}]`);
    }
  }

  override build(inputShape: LayerShape): void {
    const c = this.inputChannels(inputShape);
    this.finishBuild([this.kernelSize[0], this.kernelSize[1], this.filters, c], inputShape, c);
  }

  protected convolve(x: Tensor): Tensor {
    return conv2dTranspose(x, this.kernel as Variable, {
      strides: [this.strides[0], this.strides[1]],
      padding: this.padding as Padding,
      dilations: [this.dilationRate[0], this.dilationRate[1]],
      outputPadding: this.outputPadding ? [this.outputPadding[0], this.outputPadding[1]] : undefined,
    });
  }

  protected convolveFused(x: Tensor): { y: Tensor; fused: boolean } {
    return { y: this.convolve(x), fused: false };
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const [h, w] = cf ? [inputShape[2], inputShape[3]] : [inputShape[1], inputShape[2]];
    const oh = deconvLength(h, this.kernelSize[0], this.padding as 'valid' | 'same', this.strides[0], this.dilationRate[0], this.outputPadding?.[0]);
    const ow = deconvLength(w, this.kernelSize[1], this.padding as 'valid' | 'same', this.strides[1], this.dilationRate[1], this.outputPadding?.[1]);
    return cf ? [inputShape[0], this.filters, oh, ow] : [inputShape[0], oh, ow, this.filters];
  }

  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), output_padding: this.outputPadding ? ([...this.outputPadding] as ConfigValue[]) : null };
  }

  static fromConfig(c: ConfigDict): Conv2DTranspose {
    return new Conv2DTranspose({ ...convArgsFromConfig(c), outputPadding: (c.outputPadding ?? undefined) as number[] | undefined });
  }
}

