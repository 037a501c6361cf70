import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { conv2d, conv2dTranspose, pad, reshape, type Padding } from '../../ops/index.js';
import type { LayerArgs } from '../layer.js';
import { type ArgsIn, declareArgs } from '../args.js';
import { type ConvArgs, ConvND, ConvTransposeND, convArgs, convTransposeArgs, forwardLength } from './conv-nd.js';
import { registerLayer } from '../registry.js';

const CONV1D_ARGS = declareArgs('Conv1D', convArgs(1, ['valid', 'same', 'causal'] as const));
const CONV2D_ARGS = declareArgs('Conv2D', convArgs(2, ['valid', 'same'] as const));
const CONV2D_TRANSPOSE_ARGS = declareArgs('Conv2DTranspose', {
  ...convArgs(2, ['valid', 'same'] as const),
  /** Extra rows/columns at the bottom/right of the output (Keras output_padding): null (default) or one per axis, each < its stride. */
  outputPadding: convTransposeArgs(2).outputPadding,
});

/** Conv2DTranspose's arguments (Keras 2's: `groups` accepted, and must be 1). */
export type Conv2DTransposeArgs = LayerArgs & ArgsIn<typeof CONV2D_TRANSPOSE_ARGS>;

/**
 * 2-D convolution layer (Keras Conv2D): kernel [kH, kW, inC / groups, filters]. A linear
 * or ReLU activation is fused into the convolution with the bias.
 */
export class Conv2D extends ConvND {
  static override readonly className = 'Conv2D';
  static override readonly args = CONV2D_ARGS;

  constructor(args: ConvArgs) {
    super(2, args, CONV2D_ARGS);
  }

  protected kernelShape(channels: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], channels / this.groups, this.filters];
  }

  protected convolve(x: Tensor, bias: Tensor | null, relu: boolean): { y: Tensor; fused: boolean } {
    const y = conv2d(x, this.kernel as Variable, {
      strides: [this.strides[0], this.strides[1]], padding: this.padding as Padding, dilations: [this.dilationRate[0], this.dilationRate[1]], groups: this.groups,
      bias, activation: relu ? 'relu' : 'linear',
    });
    return { y, fused: true };
  }

  protected outputLength(len: number | null, i: number): number | null {
    return forwardLength(this, len, i);
  }
}
registerLayer(Conv2D, ['Convolution2D']);

/**
 * 1-D convolution over [batch, steps, channels] (Keras Conv1D, kernel [k, inC / groups, filters]);
 * 'causal' padding pads (k − 1)·dilation steps on the left.
 */
export class Conv1D extends ConvND {
  static override readonly className = 'Conv1D';
  static override readonly args = CONV1D_ARGS;

  constructor(args: ConvArgs) {
    super(1, args, CONV1D_ARGS);
  }

  protected kernelShape(channels: number): number[] {
    return [this.kernelSize[0], channels / this.groups, this.filters];
  }

  /** Runs as a 2-D convolution of height 1; bias and activation are added by the caller. */
  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    let input = x;
    const padding: Padding = this.padding === 'causal' ? 'valid' : this.padding;
    if (this.padding === 'causal') input = pad(x, [[0, 0], [(this.kernelSize[0] - 1) * this.dilationRate[0], 0], [0, 0]]);
    const [b, steps, ch] = input.shape;
    const k = this.kernel as Variable;
    const y = conv2d(reshape(input, [b, 1, steps, ch]), reshape(k, [1, ...k.shape]), { strides: [1, this.strides[0]], padding, dilations: [1, this.dilationRate[0]], groups: this.groups });
    return { y: reshape(y, [y.shape[0], y.shape[2], y.shape[3]]), fused: false };
  }

  protected outputLength(steps: number | null): number | null {
    if (this.padding !== 'causal') return forwardLength(this, steps, 0);
    return steps === null ? null : Math.ceil(steps / this.strides[0]);
  }
}
registerLayer(Conv1D, ['Convolution1D']);

/** Transposed convolution (Keras Conv2DTranspose): kernel [kH, kW, filters, inC]. */
export class Conv2DTranspose extends ConvTransposeND {
  static override readonly className = 'Conv2DTranspose';
  static override readonly args = CONV2D_TRANSPOSE_ARGS;

  constructor(args: Conv2DTransposeArgs) {
    super(2, args, CONV2D_TRANSPOSE_ARGS);
  }

  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    const y = conv2dTranspose(x, this.kernel as Variable, {
      strides: [this.strides[0], this.strides[1]],
      padding: this.padding as Padding,
      dilations: [this.dilationRate[0], this.dilationRate[1]],
      outputPadding: this.outputPadding ? [this.outputPadding[0], this.outputPadding[1]] : undefined,
    });
    return { y, fused: false };
  }
}
registerLayer(Conv2DTranspose, ['Convolution2DTranspose', 'Deconvolution2D']);
