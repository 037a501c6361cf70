/**
 * Volumetric (3-D) convolution, transposed convolution and pooling over NDHWC data, written
 * as compositions of the 2-D ops (conv2d, conv2dTranspose, pool2d) and data movement
 * (gather, pad, slice, reshape, transpose). There is no 3-D kernel: autograd differentiates
 * the composition, and every backend runs it unchanged.
 *
 * - conv3d: the kernel's depth taps are gathered next to the channels — input
 *   [N, D, H, W, C] becomes [N·outD, H, W, kD·C] (the padded depth slices od·sD + i·dD,
 *   i < kD) — and one grouped conv2d with the kernel [kH, kW, kD·C/groups, outC] does the rest.
 * - conv3dTranspose: one conv2dTranspose over height and width produces all kD depth taps
 *   as channels; each tap is spread along depth (zeros between, stride sD), shifted by
 *   i·dD and summed.
 * - maxPool3d / avgPool3d: a box window is separable: pool height and width first, then
 *   depth. Max of maxima is the max; the average with Keras' divisor (real cells only) is
 *   the average over depth of the averages over height·width, since the height·width count
 *   is the same for every depth of one window.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { EpilogueActivation } from '../backends/interface.js';
import { checkTensor, requireFloat } from './util.js';
import { gather, pad, reshape, slice, transpose } from './shape.js';
import { add } from './elementwise.js';
import { conv2d, conv2dTranspose } from './conv.js';
import { avgPool2d, maxPool2d } from './pool.js';
import { type Window, requireRank, transposeAxis, windowGeometry } from './conv-util.js';

/** An int or a (depth, height, width) triple. */
export type Triple = number | readonly [number, number, number];

/** Keras padding names, or explicit [[front, back], [top, bottom], [left, right]] amounts. */
export type Padding3D = 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number], readonly [number, number]];

export interface Conv3DOptions {
  /** Default 1. */
  readonly strides?: Triple;
  /** 'valid' (default), 'same' (Keras' rule, the odd cell at the end) or explicit amounts. */
  readonly padding?: Padding3D;
  /** Default 1. */
  readonly dilations?: Triple;
  /** Channel groups: inC and outC must be divisible by it. Default 1. */
  readonly groups?: number;
  /** A per-filter bias added to the output (fused into the convolution's output pass). */
  readonly bias?: Tensor | null;
  /** An activation fused after the bias: 'linear' (default) or 'relu'. */
  readonly activation?: EpilogueActivation;
}

export interface Conv3DTransposeOptions {
  readonly strides?: Triple;
  /** 'valid' (default), 'same', or explicit amounts cropped from the full output. */
  readonly padding?: Padding3D;
  readonly dilations?: Triple;
  /** Extra cells at the back/bottom/right (Keras output_padding); each must be < its stride. */
  readonly outputPadding?: Triple;
  /** The output [depth, height, width], instead of deriving it. */
  readonly outputShape?: readonly [number, number, number];
}

export interface Pool3DOptions {
  /** Window size; Keras' default (2, 2, 2). */
  readonly poolSize?: Triple;
  /** Default: the pool size (as in Keras). */
  readonly strides?: Triple;
  /** 'valid' (default), 'same' or explicit amounts. Padding never wins a max nor counts in an average. */
  readonly padding?: Padding3D;
}

function triple(v: Triple | undefined, fallback: number, name: string, op: string, min = 1): [number, number, number] {
  const t = v === undefined ? [fallback, fallback, fallback] : typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || t.some((d) => !Number.isInteger(d) || d < min)) {
    throw new RangeError(`${op}: ${name} must be an integer ≥ ${min} or a list of 3 of them; got ${JSON.stringify(v)}`);
  }
  return [t[0], t[1], t[2]];
}

function checkPadding3d(padding: Padding3D | undefined, op: string): Padding3D {
  const p = padding ?? 'valid';
  if (p === 'valid' || p === 'same') return p;
  const ok = Array.isArray(p) && p.length === 3 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every((d) => Number.isInteger(d) && d >= 0));
  if (!ok) throw new RangeError(`${op}: padding must be 'valid', 'same' or [[front, back], [top, bottom], [left, right]] with non-negative integers; got ${JSON.stringify(padding)}`);
  return p;
}

/** The padding of spatial axis i (0 depth, 1 height, 2 width). */
function axisPadding(p: Padding3D, i: number): 'valid' | 'same' | readonly [number, number] {
  return p === 'valid' || p === 'same' ? p : p[i];
}

/** The padding of height and width, in conv2d's form. */
function planePadding(p: Padding3D): 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]] {
  return p === 'valid' || p === 'same' ? p : [p[1], p[2]];
}

const AXIS_NAMES = ['depth', 'height', 'width'];

/** Window geometry of the three spatial axes of NDHWC `x`, with a clear error when a window does not fit. */
function volumeGeometry(op: string, x: Tensor, k: readonly number[], s: readonly number[], d: readonly number[], padding: Padding3D): Window[] {
  return [0, 1, 2].map((i) => {
    const p = axisPadding(padding, i);
    const w = windowGeometry(x.shape[1 + i], k[i], s[i], d[i], p);
    if (w.out <= 0) {
      throw new RangeError(`${op}: a window of ${(k[i] - 1) * d[i] + 1} (kernel ${k[i]}, dilation ${d[i]}) does not fit the input ${AXIS_NAMES[i]} ${x.shape[1 + i]} with padding ${JSON.stringify(p)} (input shape ${formatShape(x.shape)})`);
    }
    return w;
  });
}

/** The depth slices each output depth reads: [N, D, H, W, C] → [N, outD, kD, H, W, C] (zero padding included). */
function gatherDepthTaps(x: Tensor, g: Window, kd: number, sd: number, dd: number): Tensor {
  const [n, , h, w, c] = x.shape;
  const padded = g.before + g.after > 0 ? pad(x, [[0, 0], [g.before, g.after], [0, 0], [0, 0], [0, 0]]) : x;
  if (kd === 1 && sd === 1 && padded.shape[1] === g.out) return reshape(padded, [n, g.out, 1, h, w, c]);
  const indices: number[] = [];
  for (let o = 0; o < g.out; o++) for (let i = 0; i < kd; i++) indices.push(o * sd + i * dd);
  return reshape(gather(padded, indices, 1), [n, g.out, kd, h, w, c]);
}

/**
 * 3-D convolution (cross-correlation, as in Keras) of NDHWC input `[N, D, H, W, C]` with a
 * Keras Conv3D kernel `[kD, kH, kW, C / groups, outC]`; output `[N, outD, outH, outW, outC]`.
 */
export function conv3d(x: Tensor, filter: Tensor, options: Conv3DOptions = {}): Tensor {
  const op = 'conv3d';
  checkTensor(x, op);
  checkTensor(filter, op, 'filter');
  requireFloat(x, op);
  requireFloat(filter, op, 'filter');
  requireRank(x, 5, op, 'x', '[batch, depth, height, width, channels]');
  requireRank(filter, 5, op, 'filter', '[kernelD, kernelH, kernelW, inChannels / groups, outChannels]');
  const groups = options.groups ?? 1;
  const [n, , , , inC] = x.shape;
  const [kd, kh, kw, fC, outC] = filter.shape;
  if (!Number.isInteger(groups) || groups < 1 || inC % groups !== 0 || outC % groups !== 0) {
    throw new RangeError(`${op}: groups (${groups}) must be a positive integer dividing the input channels (${inC}) and the filters (${outC})`);
  }
  if (fC !== inC / groups) {
    throw new RangeError(`${op}: the filter ${formatShape(filter.shape)} expects ${fC * groups} input channels (with groups ${groups}); the input ${formatShape(x.shape)} has ${inC}`);
  }
  const strides = triple(options.strides, 1, 'strides', op);
  const dilations = triple(options.dilations, 1, 'dilations', op);
  const padding = checkPadding3d(options.padding, op);
  const [gd, gh, gw] = volumeGeometry(op, x, [kd, kh, kw], strides, dilations, padding);
  // [N, outD, kD, H, W, groups, C/groups] → [N·outD, H, W, groups·kD·C/groups]: each group's channels stay together.
  const taps = reshape(gatherDepthTaps(x, gd, kd, strides[0], dilations[0]), [n, gd.out, kd, x.shape[2], x.shape[3], groups, fC]);
  const planes = reshape(transpose(taps, [0, 1, 3, 4, 5, 2, 6]), [n * gd.out, x.shape[2], x.shape[3], groups * kd * fC]);
  const kernel = reshape(transpose(filter, [1, 2, 0, 3, 4]), [kh, kw, kd * fC, outC]);
  const y = conv2d(planes, kernel, {
    strides: [strides[1], strides[2]], dilations: [dilations[1], dilations[2]], padding: planePadding(padding), groups,
    bias: options.bias ?? null, activation: options.activation ?? 'linear',
  });
  return reshape(y, [n, gd.out, gh.out, gw.out, outC]);
}

/**
 * Spreads the depth taps of y [N, D, R, kD, O] into the output depth: tap i of input depth d
 * lands at d·sD + i·dD − before; the result is [N, outD, R·O].
 */
function scatterDepthTaps(y: Tensor, outD: number, before: number, sd: number, dd: number): Tensor {
  const [n, d, r, kd, o] = y.shape;
  let total: Tensor | null = null;
  for (let i = 0; i < kd; i++) {
    let t = reshape(slice(y, [0, 0, 0, i, 0], [n, d, r, 1, o]), [n, d, 1, r * o]);
    if (sd > 1) t = pad(t, [[0, 0], [0, 0], [0, sd - 1], [0, 0]]);
    t = reshape(t, [n, d * sd, r * o]);
    // Position q = d·sD in t is output position q + shift.
    const shift = i * dd - before;
    const start = Math.max(-shift, 0);
    const from = Math.max(shift, 0);
    const len = Math.max(Math.min(d * sd - start, outD - from), 0);
    if (len === 0) continue;
    if (start > 0 || len < d * sd - start) t = slice(t, [0, start, 0], [n, len, r * o]);
    if (from > 0 || outD - from - len > 0) t = pad(t, [[0, 0], [from, outD - from - len], [0, 0]]);
    total = total === null ? t : add(total, t);
  }
  // No tap reaches the output (explicit padding that crops everything): zeros.
  return total ?? reshape(pad(slice(y, [0, 0, 0, 0, 0], [n, 0, r, 1, o]), [[0, 0], [0, outD], [0, 0], [0, 0], [0, 0]]), [n, outD, r * o]);
}

/**
 * Transposed 3-D convolution (the gradient of conv3d with respect to its input), with a
 * Keras Conv3DTranspose kernel `[kD, kH, kW, outC, inC]`.
 */
export function conv3dTranspose(x: Tensor, filter: Tensor, options: Conv3DTransposeOptions = {}): Tensor {
  const op = 'conv3dTranspose';
  checkTensor(x, op);
  checkTensor(filter, op, 'filter');
  requireFloat(x, op);
  requireFloat(filter, op, 'filter');
  requireRank(x, 5, op, 'x', '[batch, depth, height, width, channels]');
  requireRank(filter, 5, op, 'filter', '[kernelD, kernelH, kernelW, outChannels, inChannels]');
  const [n, d, h, w, inC] = x.shape;
  const [kd, kh, kw, outC, fIn] = filter.shape;
  if (fIn !== inC) throw new RangeError(`${op}: the filter ${formatShape(filter.shape)} expects ${fIn} input channels; the input ${formatShape(x.shape)} has ${inC}`);
  const strides = triple(options.strides, 1, 'strides', op);
  const dilations = triple(options.dilations, 1, 'dilations', op);
  const padding = checkPadding3d(options.padding, op);
  const outPad = options.outputPadding === undefined ? undefined : triple(options.outputPadding, 0, 'outputPadding', op, 0);
  if (outPad && outPad.some((p, i) => p >= strides[i])) throw new RangeError(`${op}: outputPadding [${outPad.join(', ')}] must be smaller than the strides [${strides.join(', ')}]`);
  const axes = [0, 1, 2].map((i) => transposeAxis([d, h, w][i], [kd, kh, kw][i], strides[i], dilations[i], axisPadding(padding, i), outPad?.[i], options.outputShape?.[i]));
  if (axes.some((a) => a.out <= 0)) throw new RangeError(`${op}: the output would be empty for input ${formatShape(x.shape)} and filter ${formatShape(filter.shape)}`);
  const [ad, ah, aw] = axes;
  // Height and width for all depth taps at once: the taps become kD·outC output channels.
  const kernel = reshape(transpose(filter, [1, 2, 0, 3, 4]), [kh, kw, kd * outC, inC]);
  const planes = conv2dTranspose(reshape(x, [n * d, h, w, inC]), kernel, {
    strides: [strides[1], strides[2]], dilations: [dilations[1], dilations[2]],
    padding: [[ah.before, 0], [aw.before, 0]], outputShape: [ah.out, aw.out],
  });
  const y = scatterDepthTaps(reshape(planes, [n, d, ah.out * aw.out, kd, outC]), ad.out, ad.before, strides[0], dilations[0]);
  return reshape(y, [n, ad.out, ah.out, aw.out, outC]);
}

function pool3d(mode: 'max' | 'avg', x: Tensor, options: Pool3DOptions): Tensor {
  const op = mode === 'max' ? 'maxPool3d' : 'avgPool3d';
  checkTensor(x, op);
  requireFloat(x, op);
  requireRank(x, 5, op, 'x', '[batch, depth, height, width, channels]');
  const k = triple(options.poolSize, 2, 'poolSize', op);
  const s = options.strides === undefined ? k : triple(options.strides, 1, 'strides', op);
  const padding = checkPadding3d(options.padding, op);
  const [gd, gh, gw] = volumeGeometry(op, x, k, s, [1, 1, 1], padding);
  const [n, d, h, w, c] = x.shape;
  const pool = mode === 'max' ? maxPool2d : avgPool2d;
  const planes = pool(reshape(x, [n * d, h, w, c]), { poolSize: [k[1], k[2]], strides: [s[1], s[2]], padding: planePadding(padding) });
  const pd = axisPadding(padding, 0);
  const depth = pool(reshape(planes, [n, d, gh.out * gw.out, c]), {
    poolSize: [k[0], 1], strides: [s[0], 1], padding: pd === 'valid' || pd === 'same' ? pd : [pd, [0, 0]],
  });
  return reshape(depth, [n, gd.out, gh.out, gw.out, c]);
}

/** Max pooling over NDHWC windows (Keras MaxPooling3D); the gradient goes to a maximum of each window. */
export const maxPool3d = (x: Tensor, options: Pool3DOptions = {}): Tensor => pool3d('max', x, options);
/** Average pooling over NDHWC windows (Keras AveragePooling3D): padded cells are not counted. */
export const avgPool3d = (x: Tensor, options: Pool3DOptions = {}): Tensor => pool3d('avg', x, options);
