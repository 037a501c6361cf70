/**
 * Launches of the backend kernels (see engine/launch.ts): each function captures a
 * kernel's parameters and returns the replayable call the ops run and plans record. The
 * `kernel` name and `attrs` are what plan passes read (engine/fuse.ts).
 */
import type { Launch } from '../engine/launch.js';
import type {
  BinaryOp, Conv2DInfo, EpilogueActivation, MatmulSpec, PadMode, Pool2DInfo, ReduceOp, ResizeInfo, RnnInfo, SampleImageInfo, Shape, UnaryOp, UnaryParams, UpdateHyper, UpdateRule,
} from '../backends/interface.js';

type Pads = readonly (readonly [number, number])[];

export const unaryK = (op: UnaryOp, p: UnaryParams): Launch => ({ kernel: 'unary', attrs: { op, p }, exec: (b, [x], [y]) => b.unary(op, x, y, p) });

export const unaryGradK = (op: UnaryOp, p: UnaryParams): Launch => ({
  kernel: 'unaryGrad',
  attrs: { op, p },
  exec: (b, [x, y, dy], [dx]) => b.unaryGrad(op, x, y, dy, dx, p),
});

export const binaryK = (op: BinaryOp, aShape: Shape, bShape: Shape, outShape: Shape): Launch => ({
  kernel: 'binary',
  attrs: { op, aShape, bShape, outShape },
  exec: (b, [x, y], [out]) => b.binary(op, x, aShape, y, bShape, out, outShape),
});

export const whereK = (condShape: Shape, aShape: Shape, bShape: Shape, outShape: Shape): Launch => ({
  kernel: 'where',
  exec: (b, [c, x, y], [out]) => b.where(c, condShape, x, aShape, y, bShape, out, outShape),
});

export const broadcastToK = (xShape: Shape, outShape: Shape): Launch => ({ kernel: 'broadcastTo', exec: (b, [x], [out]) => b.broadcastTo(x, xShape, out, outShape) });

export const castK: Launch = { kernel: 'cast', exec: (b, [x], [out]) => b.cast(x, out) };

export const copyK: Launch = { kernel: 'copy', exec: (b, [x], [out]) => b.copy(x, out) };

export const reduceK = (op: ReduceOp, outer: number, n: number, inner: number): Launch => ({
  kernel: 'reduce',
  attrs: { op, outer, n, inner },
  exec: (b, [x], [out]) => b.reduce(op, x, out, outer, n, inner),
});

export const argReduceK = (op: 'argmax' | 'argmin', outer: number, n: number, inner: number): Launch => ({
  kernel: 'argReduce',
  exec: (b, [x], [out]) => b.argReduce(op, x, out, outer, n, inner),
});

export const cumulativeK = (op: 'sum' | 'prod', outer: number, n: number, inner: number, exclusive: boolean, reverse: boolean): Launch => ({
  kernel: 'cumulative',
  exec: (b, [x], [out]) => b.cumulative(op, x, out, outer, n, inner, exclusive, reverse),
});

export const softmaxK = (outer: number, n: number, inner: number, log: boolean): Launch => ({
  kernel: 'softmax',
  attrs: { outer, n, inner, log },
  exec: (b, [x], [y]) => b.softmax(x, y, outer, n, inner, log),
});

export const softmaxGradK = (outer: number, n: number, inner: number, log: boolean): Launch => ({
  kernel: 'softmaxGrad',
  exec: (b, [y, dy], [dx]) => b.softmaxGrad(y, dy, dx, outer, n, inner, log),
});

type EpilogueFlags = { readonly bias: boolean; readonly activation: EpilogueActivation };

/** A matmul; with `bias` the launch's third input is the bias of the epilogue. */
export const matmulK = (spec: MatmulSpec, epilogue?: EpilogueFlags): Launch => ({
  kernel: 'matmul',
  attrs: { spec, epilogue },
  exec: epilogue
    ? (b, [x, w, bias], [y]) => b.matmul(x, w, y, spec, { bias: epilogue.bias ? bias : null, activation: epilogue.activation })
    : (b, [x, w], [y]) => b.matmul(x, w, y, spec),
  variant: (e) => matmulK(spec, e),
});

export const transposeK = (shape: Shape, perm: readonly number[]): Launch => ({ kernel: 'transpose', exec: (b, [x], [out]) => b.transpose(x, shape, perm, out) });

export const sliceK = (shape: Shape, begin: readonly number[], size: readonly number[]): Launch => ({ kernel: 'slice', exec: (b, [x], [out]) => b.slice(x, shape, begin, size, out) });

export const concatK = (outer: number, widths: readonly number[]): Launch => ({ kernel: 'concat', exec: (b, xs, [out]) => b.concat(xs, outer, widths, out) });

export const padK = (shape: Shape, pads: Pads, mode: PadMode, value: number): Launch => ({ kernel: 'pad', exec: (b, [x], [out]) => b.pad(x, shape, pads, mode, value, out) });

export const padGradK = (xShape: Shape, pads: Pads, mode: PadMode): Launch => ({ kernel: 'padGrad', exec: (b, [dy], [dx]) => b.padGrad(dy, xShape, pads, mode, dx) });

/** The kernels report an index out of range for "an axis"; the op knows which axis. */
function namingAxis(axis: number, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(e.message.replace('for an axis of length', `for axis ${axis} of length`), { cause: e });
    throw e;
  }
}

export const gatherK = (outer: number, n: number, inner: number, axis: number): Launch => ({
  kernel: 'gather',
  exec: (b, [x, idx], [out]) => namingAxis(axis, () => b.gather(x, outer, n, inner, idx, out)),
});

export const scatterAddK = (outer: number, n: number, inner: number, axis: number): Launch => ({
  kernel: 'scatterAdd',
  exec: (b, [dy, idx], [out]) => namingAxis(axis, () => b.scatterAdd(dy, outer, n, inner, idx, out)),
});

export const tileK = (shape: Shape, reps: readonly number[]): Launch => ({ kernel: 'tile', exec: (b, [x], [out]) => b.tile(x, shape, reps, out) });

export const oneHotK = (depth: number, onValue: number, offValue: number): Launch => ({ kernel: 'oneHot', exec: (b, [idx], [out]) => b.oneHot(idx, depth, onValue, offValue, out) });

/** A convolution; with `bias` the launch's third input is the bias of the epilogue. */
export const conv2dK = (info: Conv2DInfo, epilogue?: EpilogueFlags): Launch => ({
  kernel: 'conv2d',
  attrs: { info, epilogue },
  exec: epilogue
    ? (b, [x, w, bias], [y]) => b.conv2d(x, w, y, info, { bias: epilogue.bias ? bias : null, activation: epilogue.activation })
    : (b, [x, w], [y]) => b.conv2d(x, w, y, info),
  variant: (e) => conv2dK(info, e),
});

export const conv2dBackpropInputK = (info: Conv2DInfo): Launch => ({ kernel: 'conv2dBackpropInput', exec: (b, [dy, w], [dx]) => b.conv2dBackpropInput(dy, w, dx, info) });

export const conv2dBackpropFilterK = (info: Conv2DInfo): Launch => ({ kernel: 'conv2dBackpropFilter', exec: (b, [x, dy], [dw]) => b.conv2dBackpropFilter(x, dy, dw, info) });

export const biasActivationGradK = (channels: number, activation: EpilogueActivation): Launch => ({
  kernel: 'biasActivationGrad',
  attrs: { channels, activation },
  exec: (b, [y, dy], [dpre, dbias]) => b.biasActivationGrad(y, dy, dpre, dbias, channels, activation),
});

export const pool2dK = (info: Pool2DInfo): Launch => ({ kernel: 'pool2d', attrs: { info }, exec: (b, [x], [y]) => b.pool2d(x, y, info) });

export const pool2dGradK = (info: Pool2DInfo): Launch => ({ kernel: 'pool2dGrad', attrs: { info }, exec: (b, [x, dy], [dx]) => b.pool2dGrad(x, dy, dx, info) });

/** Max-pool gradient through the bias/ReLU epilogue of the layer before: inputs [x, dy], outputs [dx, dbias] (made by plans, engine/fuse.ts). */
export const pool2dGradBiasReluK = (info: Pool2DInfo): Launch => ({ kernel: 'pool2dGradBiasRelu', exec: (b, [x, dy], [dx, dbias]) => b.pool2dGradBiasRelu(x, dy, dx, dbias, info) });

export const resize2dK = (info: ResizeInfo): Launch => ({ kernel: 'resize2d', exec: (b, [x], [y]) => b.resize2d(x, y, info) });

export const sampleImageK = (info: SampleImageInfo): Launch => ({ kernel: 'sampleImage', exec: (b, [x, sx, sy], [y]) => b.sampleImage(x, sx, sy, y, info) });

export const resize2dGradK = (info: ResizeInfo): Launch => ({ kernel: 'resize2dGrad', exec: (b, [dy], [dx]) => b.resize2dGrad(dy, dx, info) });

/** A dropout mask; `seed` is called at every run, so a replayed plan draws a new mask each step. */
export const dropoutMaskK = (rate: number, seed: () => number): Launch => ({ kernel: 'dropoutMask', effect: true, exec: (b, _ins, [mask]) => b.dropoutMask(mask, rate, seed()) });

/** Dropout in one pass: outputs [y, mask] from input [x]; a new mask at every run, as dropoutMaskK. */
export const dropoutK = (rate: number, seed: () => number): Launch => ({ kernel: 'dropout', effect: true, exec: (b, [x], [y, mask]) => b.dropout(x, y, mask, rate, seed()) });

/** One optimizer step in place: inputs [grad], targets [param, ...slots]; `hyper` is read at every run. */
export const applyUpdateK = <R extends UpdateRule>(rule: R, hyper: () => UpdateHyper<R>): Launch => ({
  kernel: 'applyUpdate',
  exec: (b, [grad], [param, ...slots]) => b.applyUpdate(rule, param, grad, slots, hyper()),
});

/** Batch norm; inputs [x, mean, variance, offset?, scale?] as flagged. */
export const batchNormK = (eps: number, outer: number, c: number, inner: number, hasOffset: boolean, hasScale: boolean): Launch => ({
  kernel: 'batchNorm',
  attrs: { eps, outer, c, inner, hasOffset, hasScale },
  exec: (b, [x, mean, variance, ...rest], [y]) => b.batchNorm(x, mean, variance, hasOffset ? rest[0] : null, hasScale ? rest[hasOffset ? 1 : 0] : null, y, eps, outer, c, inner),
});

/** Batch-norm gradients; inputs [x, mean, variance, dy, scale?]; outputs dx, dMean, dVariance, dScale, dOffset. */
export const batchNormGradK = (eps: number, outer: number, c: number, inner: number, hasScale: boolean): Launch => ({
  kernel: 'batchNormGrad',
  exec: (b, [x, mean, variance, dy, scale], [dx, dMean, dVariance, dScale, dOffset]) =>
    b.batchNormGrad(x, mean, variance, hasScale ? scale : null, dy, { dx, dMean, dVariance, dScale, dOffset }, eps, outer, c, inner),
});

/** Layer norm over the last axis of `[rows, c]`; inputs [x, gamma?, beta?] as flagged; outputs [y, mean, rstd]. */
export const layerNormK = (eps: number, rows: number, c: number, hasGamma: boolean, hasBeta: boolean): Launch => ({
  kernel: 'layerNorm',
  attrs: { eps, rows, c, hasGamma, hasBeta },
  exec: (b, [x, ...rest], [y, mean, rstd]) => b.layerNorm(x, hasGamma ? rest[0] : null, hasBeta ? rest[hasGamma ? 1 : 0] : null, y, mean, rstd, eps, rows, c),
});

/** Layer-norm gradients; inputs [x, mean, rstd, dy, gamma?]; outputs [dx, dGamma?, dBeta?] as flagged. */
export const layerNormGradK = (rows: number, c: number, hasGamma: boolean, wantGamma: boolean, wantBeta: boolean): Launch => ({
  kernel: 'layerNormGrad',
  exec: (b, [x, mean, rstd, dy, gamma], [dx, ...rest]) =>
    b.layerNormGrad(x, hasGamma ? gamma : null, mean, rstd, dy, { dx, dGamma: wantGamma ? rest[0] : null, dBeta: wantBeta ? rest[wantGamma ? 1 : 0] : null }, rows, c),
});

/** Fused recurrent forward; inputs [xw, kernel, h0, bias?, c0?, mask?] as flagged; outputs [y, reserve?]. */
export const rnnForwardK = (info: RnnInfo, has: { readonly bias: boolean; readonly c0: boolean; readonly mask: boolean; readonly reserve: boolean }): Launch => ({
  kernel: 'rnnForward',
  exec: (b, ins, outs) => {
    let i = 3;
    const bias = has.bias ? ins[i++] : null;
    const c0 = has.c0 ? ins[i++] : null;
    const mask = has.mask ? ins[i++] : null;
    b.rnnForward(info, ins[0], ins[1], bias, ins[2], c0, mask, outs[0], has.reserve ? outs[1] : null);
  },
});

/** Fused recurrent backward; inputs [dy, kernel, reserve, mask?]; outputs [dxw, dKernel, dh0, dBias?, dc0?]. */
export const rnnBackwardK = (info: RnnInfo, has: { readonly mask: boolean; readonly bias: boolean; readonly c0: boolean }): Launch => ({
  kernel: 'rnnBackward',
  exec: (b, [dy, kernel, reserve, mask], outs) => {
    let i = 3;
    const dBias = has.bias ? outs[i++] : null;
    const dc0 = has.c0 ? outs[i++] : null;
    b.rnnBackward(info, dy, kernel, has.mask ? mask : null, reserve, { dxw: outs[0], dKernel: outs[1], dh0: outs[2], dBias, dc0 });
  },
});
