import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { conv3d, conv3dTranspose } from '../../ops/index.js';
import { declareArgs } from '../args.js';
import { type ConvArgs, ConvND, ConvTransposeND, type ConvTransposeArgs, convArgs, convTransposeArgs, forwardLength } from './conv-nd.js';
import { registerLayer } from '../registry.js';

const CONV3D_ARGS = declareArgs('Conv3D', convArgs(3, ['valid', 'same'] as const));
const CONV3D_TRANSPOSE_ARGS = declareArgs('Conv3DTranspose', convTransposeArgs(3));

type Three = [number, number, number];
const three = (v: readonly number[]): Three => [v[0], v[1], v[2]];

/**
 * 3-D convolution over volumes `[batch, depth, height, width, channels]` (Keras Conv3D,
 * alias Convolution3D): kernel `[kD, kH, kW, inC / groups, filters]`, 'valid' or 'same'
 * padding, dilation, groups; channels_first inputs `[batch, channels, d, h, w]` too.
 *
 * ```ts
 * const conv = new Conv3D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' });
 * conv.apply(nt.zeros([2, 16, 16, 16, 1])); // [2, 16, 16, 16, 8]
 * ```
 */
export class Conv3D extends ConvND {
  static override readonly className = 'Conv3D';
  static override readonly args = CONV3D_ARGS;

  constructor(args: ConvArgs) {
    super(3, args, CONV3D_ARGS);
  }

  protected kernelShape(channels: number): number[] {
    return [...this.kernelSize, channels / this.groups, this.filters];
  }

  protected convolve(x: Tensor, bias: Tensor | null, relu: boolean): { y: Tensor; fused: boolean } {
    const y = conv3d(x, this.kernel as Variable, {
      strides: three(this.strides), padding: this.padding as 'valid' | 'same', dilations: three(this.dilationRate), groups: this.groups, bias, activation: relu ? 'relu' : 'linear',
    });
    return { y, fused: true };
  }

  protected outputLength(len: number | null, i: number): number | null {
    return forwardLength(this, len, i);
  }
}
registerLayer(Conv3D, ['Convolution3D']);

/**
 * Transposed 3-D convolution (Keras Conv3DTranspose, alias Convolution3DTranspose): kernel
 * `[kD, kH, kW, filters, inC]`; with strides s and 'same' padding each spatial size is
 * multiplied by s. `outputPadding` adds cells at the end of each axis, as in Keras.
 */
export class Conv3DTranspose extends ConvTransposeND {
  static override readonly className = 'Conv3DTranspose';
  static override readonly args = CONV3D_TRANSPOSE_ARGS;

  constructor(args: ConvTransposeArgs) {
    super(3, args, CONV3D_TRANSPOSE_ARGS);
  }

  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    const y = conv3dTranspose(x, this.kernel as Variable, {
      strides: three(this.strides), padding: this.padding as 'valid' | 'same', dilations: three(this.dilationRate),
      outputPadding: this.outputPadding ? three(this.outputPadding) : undefined,
    });
    return { y, fused: false };
  }
}
registerLayer(Conv3DTranspose, ['Convolution3DTranspose', 'Deconvolution3D']);
