import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, transpose } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type WeightSpec, kernelBiasArgs, kernelBiasConfig, weightSpec } from '../weight-spec.js';
import type { ConvArgs } from './conv.js';
import { type DataFormat, checkDataFormat, convLength, deconvLength, fromChannelsFirst, tuple } from './utils.js';

/** Arguments of the transposed convolutions (Keras Conv1DTranspose, Conv3DTranspose). */
export interface ConvTransposeArgs extends Omit<ConvArgs, 'groups' | 'padding'> {
  readonly padding?: 'valid' | 'same';
  /** Extra cells at the end of each spatial axis (Keras output_padding); each must be < its stride. Default: none. */
  readonly outputPadding?: number | readonly number[] | null;
}

/**
 * Shared machinery of the convolutions of any rank written here (Conv3D, Conv3DTranspose,
 * Conv1DTranspose): Keras' argument checks, the `kernel` and `bias` weights, channels_first
 * handled at the boundary (the input moved to channels_last and the output back), the
 * activation and the activity regularizer. Subclasses give the kernel shape, the
 * convolution on channels_last data and the output length of one axis.
 */
export abstract class ConvND extends Layer {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
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

  constructor(readonly rank: 1 | 2 | 3, args: ConvArgs) {
    super(args);
    const cls = this.getClassName();
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`${cls}: filters must be a positive integer; got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = tuple(args.kernelSize, rank, 'kernelSize', cls);
    this.strides = tuple(args.strides ?? 1, rank, 'strides', cls);
    this.dilationRate = tuple(args.dilationRate ?? 1, rank, 'dilationRate', cls);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${cls}: padding must be 'valid' or 'same'; got '${String(args.padding)}'`);
    this.padding = padding;
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

  private channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : this.rank + 1;
  }

  /** The kernel's shape for `channels` input channels (Keras' layout). */
  protected abstract kernelShape(channels: number): number[];

  /** The convolution proper on channels_last data, with `bias` (possibly null) and ReLU folded in when it can; returns whether it did. */
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
    if (!fused) {
      if (this.bias) y = add(y, this.bias);
      y = this.activation.fn(y);
    }
    if (cf) y = transpose(y, fromChannelsFirst(y.rank).map((_, i, p) => p.indexOf(i)));
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((len, i) => this.outputLength(len, i));
    return cf ? [inputShape[0], this.filters, ...out] : [inputShape[0], ...out, this.filters];
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

/** Keras' output length of a (forward) convolution along axis i of a ConvND. */
export function forwardLength(layer: ConvND, len: number | null, i: number): number | null {
  return convLength(len, layer.kernelSize[i], layer.padding, layer.strides[i], layer.dilationRate[i]);
}

/**
 * Transposed convolutions: kernel `[spatial…, filters, inC]` (Keras BaseConvTranspose),
 * `output_padding` in the config and no `groups` (Keras has none for them).
 */
export abstract class ConvTransposeND extends ConvND {
  readonly outputPadding: number[] | null;

  constructor(rank: 1 | 2 | 3, args: ConvTransposeArgs) {
    super(rank, args);
    const cls = this.getClassName();
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : tuple(args.outputPadding, rank, 'outputPadding', cls, 0);
    if (this.outputPadding && this.outputPadding.some((p, i) => p >= this.strides[i])) {
      throw new RangeError(`${cls}: outputPadding [${this.outputPadding.join(', ')}] must be smaller than strides [${this.strides.join(', ')}]`);
    }
  }

  protected kernelShape(channels: number): number[] {
    return [...this.kernelSize, this.filters, channels];
  }

  protected outputLength(len: number | null, i: number): number | null {
    return deconvLength(len, this.kernelSize[i], this.padding, this.strides[i], this.dilationRate[i], this.outputPadding?.[i]);
  }

  protected override layerConfig(): ConfigDict {
    const { groups: _groups, ...rest } = super.layerConfig();
    return { ...rest, output_padding: this.outputPadding ? ([...this.outputPadding] as ConfigValue[]) : null };
  }
}

/** Reads ConvTransposeArgs from a camelCased Keras config. */
export function convTransposeArgsFromConfig(c: ConfigDict): ConvTransposeArgs {
  return {
    ...baseArgs(c),
    filters: c.filters as number,
    kernelSize: c.kernelSize as number | number[],
    strides: (c.strides ?? undefined) as number | number[] | undefined,
    padding: (c.padding ?? undefined) as 'valid' | 'same' | undefined,
    outputPadding: (c.outputPadding ?? undefined) as number | number[] | undefined,
    dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined,
    dilationRate: (c.dilationRate ?? undefined) as number | number[] | undefined,
    activation: (c.activation as string | null) ?? undefined,
    useBias: (c.useBias ?? undefined) as boolean | undefined,
    ...kernelBiasArgs(c),
  };
}
