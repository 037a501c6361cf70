import { Tensor } from '../tensor/tensor.js';
import type { Pool2DInfo, ResizeInfo, SampleImageInfo } from '../backends/interface.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { run1 } from '../engine/launch.js';
import { pool2dGradK, pool2dK, resize2dGradK, resize2dK, sampleImageK } from './kernels.js';
import { checkTensor, requireFloat } from './util.js';
import { type Padding, type Pair, checkPadding, pair, requireRank, spatialGeometry } from './conv-util.js';
import { max, mean } from './reduce.js';

export interface Pool2DOptions {
  /** Window size; Keras' default (2, 2). */
  readonly poolSize?: Pair;
  /** Default: the pool size (as in Keras). */
  readonly strides?: Pair;
  /** 'valid' (default), 'same' or explicit [[top, bottom], [left, right]]. Padding never wins a max. */
  readonly padding?: Padding;
  readonly dilations?: Pair;
  /** Round the output size up instead of down (ONNX/PyTorch ceil_mode). */
  readonly ceilMode?: boolean;
  /** Average pooling only: count padded positions in the divisor (Keras does not). */
  readonly countIncludePad?: boolean;
}

function pool(mode: 'max' | 'avg', x: Tensor, options: Pool2DOptions): Tensor {
  const op = mode === 'max' ? 'maxPool2d' : 'avgPool2d';
  checkTensor(x, op);
  requireFloat(x, op);
  requireRank(x, 4, op, 'x', '[batch, height, width, channels]');
  const k = pair(options.poolSize, 2, 'poolSize', op);
  const strides = options.strides === undefined ? k : pair(options.strides, 1, 'strides', op);
  const dilations = pair(options.dilations, 1, 'dilations', op);
  const [gh, gw] = spatialGeometry(op, x, k, strides, dilations, checkPadding(options.padding, op), options.ceilMode ?? false);
  const info: Pool2DInfo = {
    mode, batch: x.shape[0], inH: x.shape[1], inW: x.shape[2], channels: x.shape[3], outH: gh.out, outW: gw.out,
    kH: k[0], kW: k[1], strideH: strides[0], strideW: strides[1], dilationH: dilations[0], dilationW: dilations[1],
    padTop: gh.before, padLeft: gw.before, padBottom: gh.after, padRight: gw.after, countIncludePad: options.countIncludePad ?? false,
  };
  const y = run1(pool2dK(info), [x], [info.batch, info.outH, info.outW, info.channels], 'float32');
  return record(op, [x], y, (dy) => [run1(pool2dGradK(info), [x, dy], x.shape, 'float32')]);
}

/** Max pooling over NHWC windows; the gradient goes to the first maximum of each window. */
export const maxPool2d = (x: Tensor, options: Pool2DOptions = {}): Tensor => pool('max', x, options);
/** Average pooling over NHWC windows. */
export const avgPool2d = (x: Tensor, options: Pool2DOptions = {}): Tensor => pool('avg', x, options);

/** Mean over height and width: [N, H, W, C] → [N, C] (or [N, 1, 1, C] with keepDims). */
export function globalAvgPool2d(x: Tensor, keepDims = false): Tensor {
  requireRank(checkTensor(x, 'globalAvgPool2d'), 4, 'globalAvgPool2d', 'x', '[batch, height, width, channels]');
  return mean(x, [1, 2], keepDims);
}

export function globalMaxPool2d(x: Tensor, keepDims = false): Tensor {
  requireRank(checkTensor(x, 'globalMaxPool2d'), 4, 'globalMaxPool2d', 'x', '[batch, height, width, channels]');
  return max(x, [1, 2], keepDims);
}

export interface ResizeOptions {
  readonly method?: 'nearest' | 'bilinear';
  readonly alignCorners?: boolean;
  /** Default true (TF2 / Keras behaviour); false gives TF1's legacy sampling. */
  readonly halfPixelCenters?: boolean;
}

/** Resizes NHWC images to [height, width]. */
export function resize2d(x: Tensor, size: readonly [number, number], options: ResizeOptions = {}): Tensor {
  const op = 'resize2d';
  checkTensor(x, op);
  requireFloat(x, op);
  requireRank(x, 4, op, 'x', '[batch, height, width, channels]');
  const [outH, outW] = pair(size, 1, 'size', op);
  const method = options.method ?? 'bilinear';
  if (method !== 'nearest' && method !== 'bilinear') throw new RangeError(`${op}: method must be 'nearest' or 'bilinear'; got '${String(method)}'`);
  const alignCorners = options.alignCorners ?? false;
  const info: ResizeInfo = {
    method, batch: x.shape[0], inH: x.shape[1], inW: x.shape[2], channels: x.shape[3], outH, outW, alignCorners,
    halfPixelCenters: !alignCorners && (options.halfPixelCenters ?? true),
  };
  const y = run1(resize2dK(info), [x], [info.batch, outH, outW, info.channels], 'float32');
  return record(op, [x], y, (dy) => [run1(resize2dGradK(info), [dy], x.shape, 'float32')]);
}

/** Keras UpSampling2D: scales height and width by integer factors (default 2, nearest). */
export function upsample2d(x: Tensor, size: Pair = 2, interpolation: 'nearest' | 'bilinear' = 'nearest'): Tensor {
  requireRank(checkTensor(x, 'upsample2d'), 4, 'upsample2d', 'x', '[batch, height, width, channels]');
  const [sh, sw] = pair(size, 2, 'size', 'upsample2d');
  return resize2d(x, [x.shape[1] * sh, x.shape[2] * sw], { method: interpolation });
}

/**
 * Keras' map_coordinates on NHWC images: output pixel (n, row, col) reads x at column
 * sx[n, row, col] and row sy[n, row, col] (both `[batch, height, width]`, float32) with
 * bilinear or nearest interpolation, neighbours outside the image mapped by `fillMode`
 * ('reflect' half-sample symmetric, 'wrap', 'nearest', or 'constant' reading `fillValue`).
 * One kernel pass, for augmentation: it has no gradient (a TypeError when one is wanted).
 */
export function sampleImage(x: Tensor, sx: Tensor, sy: Tensor, options: { interpolation?: 'bilinear' | 'nearest'; fillMode?: 'reflect' | 'wrap' | 'constant' | 'nearest'; fillValue?: number } = {}): Tensor {
  const op = 'sampleImage';
  checkTensor(x, op);
  checkTensor(sx, op, 'sx');
  checkTensor(sy, op, 'sy');
  requireFloat(x, op);
  requireFloat(sx, op, 'sx');
  requireFloat(sy, op, 'sy');
  requireRank(x, 4, op, 'x', 'NHWC images');
  const [batch, height, width, channels] = x.shape;
  for (const [name, t] of [['sx', sx], ['sy', sy]] as const) {
    if (t.rank !== 3 || t.shape[0] !== batch || t.shape[1] !== height || t.shape[2] !== width) throw new RangeError(`${op}: ${name} must have shape [${batch}, ${height}, ${width}] (x's batch, height and width); got [${t.shape.join(', ')}]`);
  }
  if (isGradEnabled() && (x.requiresGrad || sx.requiresGrad || sy.requiresGrad)) throw new TypeError(`${op}: has no gradient; compose gather and elementwise ops where one is needed`);
  const info: SampleImageInfo = { batch, height, width, channels, interpolation: options.interpolation ?? 'bilinear', fillMode: options.fillMode ?? 'reflect', fillValue: options.fillValue ?? 0 };
  return run1(sampleImageK(info), [x, sx, sy], x.shape, 'float32');
}
