import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { conv3d, conv3dTranspose } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import type { ConvArgs } from './conv.js';
import { convArgsFromConfig } from './conv.js';
import { ConvND, ConvTransposeND, type ConvTransposeArgs, convTransposeArgsFromConfig, forwardLength } from './conv-nd.js';

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

  constructor(args: ConvArgs) {
    super(3, args);
  }

  protected kernelShape(channels: number): number[] {
    return [...this.kernelSize, channels / this.groups, this.filters];
  }

  protected convolve(x: Tensor, bias: Tensor | null, relu: boolean): { y: Tensor; fused: boolean } {
    const y = conv3d(x, this.kernel as Variable, {
      strides: three(this.strides), padding: this.padding, dilations: three(this.dilationRate), groups: this.groups, bias, activation: relu ? 'relu' : 'linear',
    });
    return { y, fused: true };
  }

  protected outputLength(len: number | null, i: number): number | null {
    return forwardLength(this, len, i);
  }

  static fromConfig(c: ConfigDict): Conv3D {
    return new Conv3D(convArgsFromConfig(c));
  }
}

/**
 * Transposed 3-D convolution (Keras Conv3DTranspose, alias Convolution3DTranspose): kernel
 * `[kD, kH, kW, filters, inC]`; with strides s and 'same' padding each spatial size is
 * multiplied by s. `outputPadding` adds cells at the end of each axis, as in Keras.
 */
export class Conv3DTranspose extends ConvTransposeND {
  static override readonly className = 'Conv3DTranspose';

  constructor(args: ConvTransposeArgs) {
    super(3, args);
  }

  protected convolve(x: Tensor): { y: Tensor; fused: boolean } {
    const y = conv3dTranspose(x, this.kernel as Variable, {
      strides: three(this.strides), padding: this.padding, dilations: three(this.dilationRate),
      outputPadding: this.outputPadding ? three(this.outputPadding) : undefined,
    });
    return { y, fused: false };
  }

  static fromConfig(c: ConfigDict): Conv3DTranspose {
    return new Conv3DTranspose(convTransposeArgsFromConfig(c));
  }
}
