import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D, Conv2DTranspose } from '../layers/conv/conv.js';
import { MaxPooling2D } from '../layers/pooling/pooling.js';
import { Cropping2D } from '../layers/reshaping/reshaping.js';
import { Concatenate } from '../layers/merge/merge.js';
import { type ApplicationArgs, finish, resolveArgs } from './common.js';

export interface UNetArgs extends ApplicationArgs {
  /** Filters of the first level, doubled at each of the four levels below. Default 64. */
  readonly filters?: number;
  /** 'valid' (the paper: 572×572 in, 388×388 out) or 'same' (output as large as the input). */
  readonly padding?: 'valid' | 'same';
}

function doubleConv(x: SymbolicTensor, filters: number, padding: 'valid' | 'same', name: string): SymbolicTensor {
  const y = new Conv2D({ filters, kernelSize: 3, padding, activation: 'relu', name: `${name}_conv1` }).apply(x);
  return new Conv2D({ filters, kernelSize: 3, padding, activation: 'relu', name: `${name}_conv2` }).apply(y);
}

/** The paper's "copy and crop": the encoder map cropped to the decoder map's size. */
function cropTo(skip: SymbolicTensor, target: SymbolicTensor, name: string): SymbolicTensor {
  const [, sh, sw] = skip.shape;
  const [, th, tw] = target.shape;
  if (sh === null || sw === null || th === null || tw === null) throw new RangeError(`UNet: padding 'valid' needs a known input height and width`);
  if (sh === th && sw === tw) return skip;
  const dh = sh - th;
  const dw = sw - tw;
  return new Cropping2D({ cropping: [[Math.floor(dh / 2), Math.ceil(dh / 2)], [Math.floor(dw / 2), Math.ceil(dw / 2)]], name }).apply(skip);
}

/**
 * U-Net (Ronneberger, Fischer & Brox 2015, Fig. 1): four levels of two 3×3 convolutions and a
 * 2×2 max pooling, a 1024-filter bottom, four levels of 2×2 up-convolution (Conv2DTranspose,
 * stride 2, half the filters), copy-and-crop concatenation and two 3×3 convolutions, and a
 * 1×1 convolution to `classes` maps (the top, softmax over classes per pixel).
 * 572×572×1, 2 classes: 31,030,658 parameters. With padding 'valid' the smallest input is
 * 188×188 (output 4×4); with 'same' the size must be a multiple of 16.
 */
export async function UNet(args: UNetArgs = {}): Promise<Model> {
  const padding = args.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`UNet: padding must be 'valid' or 'same'; got ${String(padding)}`);
  const filters = args.filters ?? 64;
  if (!Number.isInteger(filters) || filters < 1) throw new RangeError(`UNet: filters must be a positive integer; got ${filters}`);
  const r = resolveArgs('UNet', { classes: 2, ...args }, [572, 572, 1], padding === 'valid' ? 188 : 16);
  if (padding === 'same' && r.shape.slice(0, 2).some((d) => d !== -1 && d % 16 !== 0)) throw new RangeError(`UNet: with padding 'same' height and width must be multiples of 16; got [${r.shape.join(', ')}]`);
  const skips: SymbolicTensor[] = [];
  let x = r.input;
  for (let level = 1; level <= 4; level++) {
    x = doubleConv(x, filters * 2 ** (level - 1), padding, `down${level}`);
    skips.push(x);
    x = new MaxPooling2D({ poolSize: 2, name: `down${level}_pool` }).apply(x);
  }
  x = doubleConv(x, filters * 16, padding, 'bottom');
  for (let level = 4; level >= 1; level--) {
    const f = filters * 2 ** (level - 1);
    x = new Conv2DTranspose({ filters: f, kernelSize: 2, strides: 2, name: `up${level}_upconv` }).apply(x);
    const skip = cropTo(skips[level - 1], x, `up${level}_crop`);
    x = new Concatenate({ axis: -1, name: `up${level}_concat` }).apply([skip, x]) as SymbolicTensor;
    x = doubleConv(x, f, padding, `up${level}`);
  }
  if (r.includeTop) x = new Conv2D({ filters: r.classes, kernelSize: 1, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  return finish(r, x, args.name ?? 'unet');
}
