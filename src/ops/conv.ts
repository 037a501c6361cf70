import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Conv2DInfo, EpilogueActivation } from '../backends/interface.js';
import { record } from '../autograd/tape.js';
import { run, run1 } from '../engine/launch.js';
import { biasActivationGradK, conv2dBackpropFilterK, conv2dBackpropInputK, conv2dK } from './kernels.js';
import { checkTensor, requireFloat } from './util.js';
import { reshape } from './shape.js';
import { type Padding, type Pair, checkPadding, pair, requireRank, spatialGeometry, transposeAxis } from './conv-util.js';

export interface Conv2DOptions {
  /** A per-filter bias added to the output (fused into the convolution's output pass). */
  readonly bias?: Tensor | null;
  /** An activation fused after the bias: 'linear' (default) or 'relu'. */
  readonly activation?: EpilogueActivation;
  /** Default 1. */
  readonly strides?: Pair;
  /** 'valid' (default), 'same' (Keras' rule) or explicit [[top, bottom], [left, right]]. */
  readonly padding?: Padding;
  /** Default 1. */
  readonly dilations?: Pair;
  /** Channel groups: inC and outC must be divisible by it; inC = groups is depthwise. Default 1. */
  readonly groups?: number;
}

function conv2dFromInfo(x: Tensor, filter: Tensor, bias: Tensor | null, activation: EpilogueActivation, info: Conv2DInfo): Tensor {
  const fused = bias !== null || activation !== 'linear';
  const outShape = [info.batch, info.outH, info.outW, info.outC];
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const y = run1(conv2dK(info, fused ? { bias: bias !== null, activation } : undefined), inputs, outShape, 'float32');
  return record('conv2d', inputs, y, (dy, needs) => {
    // Undo the epilogue first (one pass gives the pre-activation gradient and the bias gradient).
    let g = dy;
    let dbias: Tensor | null = null;
    if (fused) {
      [g, dbias] = run(biasActivationGradK(info.outC, activation), [y, dy], [{ shape: outShape, dtype: 'float32' }, { shape: [info.outC], dtype: 'float32' }]);
    }
    return [
      needs[0] ? run1(conv2dBackpropInputK(info), [g, filter], x.shape, 'float32') : null,
      needs[1] ? run1(conv2dBackpropFilterK(info), [x, g], filter.shape, 'float32') : null,
      ...(bias ? [needs[2] ? dbias : null] : []),
    ];
  });
}

/**
 * 2-D convolution (cross-correlation, as in Keras) of NHWC input with an HWIO filter
 * `[kH, kW, inC / groups, outC]`.
 */
export function conv2d(x: Tensor, filter: Tensor, options: Conv2DOptions = {}): Tensor {
  const op = 'conv2d';
  checkTensor(x, op);
  checkTensor(filter, op, 'filter');
  requireFloat(x, op);
  requireFloat(filter, op, 'filter');
  requireRank(x, 4, op, 'x', '[batch, height, width, channels]');
  requireRank(filter, 4, op, 'filter', '[kernelH, kernelW, inChannels / groups, outChannels]');
  const groups = options.groups ?? 1;
  const [, , , inC] = x.shape;
  const [kH, kW, fC, outC] = filter.shape;
  if (!Number.isInteger(groups) || groups < 1 || inC % groups !== 0 || outC % groups !== 0) {
    throw new RangeError(`${op}: groups (${groups}) must be a positive integer dividing the input channels (${inC}) and the filters (${outC})`);
  }
  if (fC !== inC / groups) {
    throw new RangeError(`${op}: the filter ${formatShape(filter.shape)} expects ${fC * groups} input channels (with groups ${groups}); the input ${formatShape(x.shape)} has ${inC}`);
  }
  const strides = pair(options.strides, 1, 'strides', op);
  const dilations = pair(options.dilations, 1, 'dilations', op);
  const [gh, gw] = spatialGeometry(op, x, [kH, kW], strides, dilations, checkPadding(options.padding, op));
  const bias = options.bias ?? null;
  if (bias) {
    checkTensor(bias, op, 'bias');
    requireFloat(bias, op, 'bias');
    if (bias.size !== outC || bias.rank !== 1) throw new RangeError(`${op}: bias must have shape [${outC}] (one per filter); got ${formatShape(bias.shape)}`);
  }
  const activation = options.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') throw new RangeError(`${op}: activation must be 'linear' or 'relu'; got '${String(activation)}'`);
  return conv2dFromInfo(x, filter, bias, activation, {
    batch: x.shape[0], inH: x.shape[1], inW: x.shape[2], inC, outH: gh.out, outW: gw.out, outC, kH, kW,
    strideH: strides[0], strideW: strides[1], dilationH: dilations[0], dilationW: dilations[1], padTop: gh.before, padLeft: gw.before, groups,
  });
}

/** Depthwise convolution with a Keras DepthwiseConv2D filter `[kH, kW, inC, depthMultiplier]`. */
export function depthwiseConv2d(x: Tensor, filter: Tensor, options: Omit<Conv2DOptions, 'groups'> = {}): Tensor {
  checkTensor(filter, 'depthwiseConv2d', 'filter');
  requireRank(filter, 4, 'depthwiseConv2d', 'filter', '[kernelH, kernelW, inChannels, depthMultiplier]');
  const [kH, kW, c, mult] = filter.shape;
  if (x.rank === 4 && x.shape[3] !== c) throw new RangeError(`depthwiseConv2d: the filter ${formatShape(filter.shape)} is for ${c} channels; the input ${formatShape(x.shape)} has ${x.shape[3]}`);
  // [kH, kW, C, M] and [kH, kW, 1, C·M] have the same memory layout (output channel c·M + m).
  return conv2d(x, reshape(filter, [kH, kW, 1, c * mult]), { ...options, groups: c });
}

export interface Conv2DTransposeOptions {
  readonly strides?: Pair;
  /** 'valid' (default), 'same', or explicit [[top, bottom], [left, right]] cropped from the full output. */
  readonly padding?: Padding;
  readonly dilations?: Pair;
  /** Extra rows/columns at the bottom/right (Keras output_padding); must be < stride. */
  readonly outputPadding?: Pair;
  /** The output [height, width], instead of deriving it (like tf.nn.conv2d_transpose). */
  readonly outputShape?: readonly [number, number];
}

/**
 * Transposed convolution (the gradient of conv2d with respect to its input), with a Keras
 * Conv2DTranspose filter `[kH, kW, outC, inC]`.
 */
export function conv2dTranspose(x: Tensor, filter: Tensor, options: Conv2DTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  checkTensor(x, op);
  checkTensor(filter, op, 'filter');
  requireFloat(x, op);
  requireFloat(filter, op, 'filter');
  requireRank(x, 4, op, 'x', '[batch, height, width, channels]');
  requireRank(filter, 4, op, 'filter', '[kernelH, kernelW, outChannels, inChannels]');
  const [batch, inH, inW, inC] = x.shape;
  const [kH, kW, outC, fIn] = filter.shape;
  if (fIn !== inC) throw new RangeError(`${op}: the filter ${formatShape(filter.shape)} expects ${fIn} input channels; the input ${formatShape(x.shape)} has ${inC}`);
  const strides = pair(options.strides, 1, 'strides', op);
  const dilations = pair(options.dilations, 1, 'dilations', op);
  const padding = checkPadding(options.padding, op);
  const outPad = options.outputPadding === undefined ? undefined : pair(options.outputPadding, 0, 'outputPadding', op, 0);
  if (outPad && outPad.some((p, i) => p >= strides[i])) throw new RangeError(`${op}: outputPadding [${outPad.join(', ')}] must be smaller than the strides [${strides.join(', ')}]`);
  const axes = [0, 1].map((i) =>
    transposeAxis([inH, inW][i], [kH, kW][i], strides[i], dilations[i], padding === 'valid' || padding === 'same' ? padding : padding[i], outPad?.[i], options.outputShape?.[i]),
  );
  if (axes.some((a) => a.out <= 0)) throw new RangeError(`${op}: the output would be empty for input ${formatShape(x.shape)} and filter ${formatShape(filter.shape)}`);
  const info: Conv2DInfo = {
    batch, inH: axes[0].out, inW: axes[1].out, inC: outC, outH: inH, outW: inW, outC: inC, kH, kW,
    strideH: strides[0], strideW: strides[1], dilationH: dilations[0], dilationW: dilations[1], padTop: axes[0].before, padLeft: axes[1].before, groups: 1,
  };
  const y = run1(conv2dBackpropInputK(info), [x, filter], [batch, info.inH, info.inW, outC], 'float32');
  return record(op, [x, filter], y, (dy, needs) => [
    needs[0] ? run1(conv2dK(info), [dy, filter], x.shape, 'float32') : null,
    needs[1] ? run1(conv2dBackpropFilterK(info), [dy, x], filter.shape, 'float32') : null,
  ]);
}
