import type { DataType, TypedArray } from '../tensor/dtype.js';
import type { Backend, BackendName, Memory } from './interface.js';
import { jsBackend } from './js/index.js';
import { checkUpdate } from './js/optimizers.js';

/** The kernels of the Backend interface, by name. */
type KernelName = Exclude<keyof Backend, 'name' | 'memory'>;

/**
 * What an accelerated backend supplies: any subset of the kernels, over its own handles.
 * A kernel may return false to decline a call it does not handle (an op it lacks, a
 * geometry it does not cover); the reference kernel then runs instead.
 */
export type KernelSet<H> = {
  [K in KernelName]?: Backend<H>[K] extends (...args: infer A) => void ? (...args: A) => boolean | void : never;
};

export interface AcceleratedSpec<H> {
  readonly name: BackendName;
  readonly memory: Memory<H>;
  readonly kernels: KernelSet<H>;
  /** The dtype and element count of a handle. */
  readonly dtype: (h: H) => DataType;
  readonly size: (h: H) => number;
  /**
   * Below this many elements an elementwise op, reduction, normalization or data movement
   * runs the reference kernel (where the memory has host views): the call overhead of the
   * accelerated kernel costs more than the arithmetic saves.
   */
  readonly small: number;
  /** Products with fewer multiply-adds than this run the reference kernel. */
  readonly smallMatmul: number;
}

/**
 * Builds a complete backend from an accelerated kernel set (native, wasm, and the coming
 * webgpu supply kernels only). This one wrapper owns what every accelerated backend needs:
 *  - size cut-over to the reference kernels for small tensors,
 *  - dtype checks (the accelerated kernels are float32; int32 data uses the reference),
 *  - fallback to the js reference for kernels a backend lacks or declines, through host
 *    views of its memory (no copies: the reference kernel reads and writes the backend's
 *    buffers in place),
 *  - argument validation the kernels rely on (optimizer calls).
 * A memory without host views (GPU) must supply every kernel it is asked for.
 */
export function createAcceleratedBackend<H>(spec: AcceleratedSpec<H>): Backend<H> {
  const { kernels: k, memory, small, smallMatmul } = spec;
  const js = jsBackend;
  const f32 = (h: H): boolean => spec.dtype(h) === 'float32';
  const big = (h: H): boolean => spec.size(h) >= small;
  const view = (h: H, kernel: string): TypedArray => {
    const v = memory.view(h);
    if (v === null) throw new Error(`${spec.name} backend: no kernel for ${kernel} and no host view of its memory to run the reference kernel on`);
    return v;
  };
  const views = (hs: readonly H[], kernel: string): TypedArray[] => hs.map((h) => view(h, kernel));
  const opt = (h: H | null, kernel: string): TypedArray | null => (h === null ? null : view(h, kernel));
  const f = (h: H, kernel: string): Float32Array => view(h, kernel) as Float32Array;

  const backend: Backend<H> = {
    name: spec.name,
    memory,
    unary(op, x, y, p) {
      if (k.unary && f32(x) && big(x) && k.unary(op, x, y, p) !== false) return;
      js.unary(op, view(x, 'unary'), view(y, 'unary'), p);
    },
    unaryGrad(op, x, y, dy, dx, p) {
      if (k.unaryGrad && big(x) && k.unaryGrad(op, x, y, dy, dx, p) !== false) return;
      const [vx, vy, vdy, vdx] = views([x, y, dy, dx], 'unaryGrad');
      js.unaryGrad(op, vx, vy, vdy, vdx, p);
    },
    elementwiseChain(steps, x, y) {
      if (k.elementwiseChain && big(x) && k.elementwiseChain(steps, x, y) !== false) return;
      js.elementwiseChain(steps, view(x, 'elementwiseChain'), view(y, 'elementwiseChain'));
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      if (k.binary && f32(a) && f32(b) && big(out) && k.binary(op, a, aShape, b, bShape, out, outShape) !== false) return;
      js.binary(op, view(a, 'binary'), aShape, view(b, 'binary'), bShape, view(out, 'binary'), outShape);
    },
    where(cond, condShape, a, aShape, b, bShape, out, outShape) {
      if (k.where && f32(cond) && f32(a) && big(out) && k.where(cond, condShape, a, aShape, b, bShape, out, outShape) !== false) return;
      js.where(view(cond, 'where'), condShape, view(a, 'where'), aShape, view(b, 'where'), bShape, view(out, 'where'), outShape);
    },
    broadcastTo(x, xShape, out, outShape) {
      if (k.broadcastTo && f32(x) && big(out) && k.broadcastTo(x, xShape, out, outShape) !== false) return;
      js.broadcastTo(view(x, 'broadcastTo'), xShape, view(out, 'broadcastTo'), outShape);
    },
    cast(x, out) {
      if (k.cast && big(x) && k.cast(x, out) !== false) return;
      js.cast(view(x, 'cast'), view(out, 'cast'));
    },
    copy(x, out) {
      if (k.copy && big(x) && k.copy(x, out) !== false) return;
      js.copy(view(x, 'copy'), view(out, 'copy'));
    },
    reduce(op, x, out, outer, n, inner) {
      if (k.reduce && f32(x) && big(x) && k.reduce(op, x, out, outer, n, inner) !== false) return;
      js.reduce(op, view(x, 'reduce'), view(out, 'reduce'), outer, n, inner);
    },
    argReduce(op, x, out, outer, n, inner) {
      if (k.argReduce && f32(x) && big(x) && k.argReduce(op, x, out, outer, n, inner) !== false) return;
      js.argReduce(op, view(x, 'argReduce'), view(out, 'argReduce'), outer, n, inner);
    },
    cumulative(op, x, out, outer, n, inner, exclusive, reverse) {
      if (k.cumulative && f32(x) && big(x) && k.cumulative(op, x, out, outer, n, inner, exclusive, reverse) !== false) return;
      js.cumulative(op, view(x, 'cumulative'), view(out, 'cumulative'), outer, n, inner, exclusive, reverse);
    },
    softmax(x, y, outer, n, inner, log) {
      if (k.softmax && big(x) && k.softmax(x, y, outer, n, inner, log) !== false) return;
      js.softmax(view(x, 'softmax'), view(y, 'softmax'), outer, n, inner, log);
    },
    softmaxGrad(y, dy, dx, outer, n, inner, log) {
      if (k.softmaxGrad && big(y) && k.softmaxGrad(y, dy, dx, outer, n, inner, log) !== false) return;
      const [vy, vdy, vdx] = views([y, dy, dx], 'softmaxGrad');
      js.softmaxGrad(vy, vdy, vdx, outer, n, inner, log);
    },
    matmul(a, b, c, s, epilogue) {
      if (k.matmul && s.m * s.k * s.n >= smallMatmul && s.k > 0 && k.matmul(a, b, c, s, epilogue) !== false) return;
      const ep = epilogue && { bias: opt(epilogue.bias, 'matmul'), activation: epilogue.activation };
      js.matmul(view(a, 'matmul'), view(b, 'matmul'), view(c, 'matmul'), s, ep);
    },
    transpose(x, shape, perm, out) {
      if (k.transpose && f32(x) && big(x) && k.transpose(x, shape, perm, out) !== false) return;
      js.transpose(view(x, 'transpose'), shape, perm, view(out, 'transpose'));
    },
    slice(x, shape, begin, size, out) {
      if (k.slice && f32(x) && big(out) && k.slice(x, shape, begin, size, out) !== false) return;
      js.slice(view(x, 'slice'), shape, begin, size, view(out, 'slice'));
    },
    concat(xs, outer, widths, out) {
      if (k.concat && f32(out) && big(out) && k.concat(xs, outer, widths, out) !== false) return;
      js.concat(views(xs, 'concat'), outer, widths, view(out, 'concat'));
    },
    pad(x, shape, pads, mode, value, out) {
      if (k.pad && f32(x) && big(out) && k.pad(x, shape, pads, mode, value, out) !== false) return;
      js.pad(view(x, 'pad'), shape, pads, mode, value, view(out, 'pad'));
    },
    padGrad(dy, xShape, pads, mode, dx) {
      if (k.padGrad && big(dy) && k.padGrad(dy, xShape, pads, mode, dx) !== false) return;
      js.padGrad(view(dy, 'padGrad'), xShape, pads, mode, view(dx, 'padGrad'));
    },
    gather(x, outer, n, inner, indices, out) {
      if (k.gather && f32(x) && big(out) && k.gather(x, outer, n, inner, indices, out) !== false) return;
      js.gather(view(x, 'gather'), outer, n, inner, view(indices, 'gather'), view(out, 'gather'));
    },
    scatterAdd(dy, outer, n, inner, indices, out) {
      if (k.scatterAdd && big(out) && k.scatterAdd(dy, outer, n, inner, indices, out) !== false) return;
      js.scatterAdd(view(dy, 'scatterAdd'), outer, n, inner, view(indices, 'scatterAdd'), view(out, 'scatterAdd'));
    },
    tile(x, shape, reps, out) {
      if (k.tile && f32(x) && big(out) && k.tile(x, shape, reps, out) !== false) return;
      js.tile(view(x, 'tile'), shape, reps, view(out, 'tile'));
    },
    oneHot(indices, depth, onValue, offValue, out) {
      if (k.oneHot && big(out) && k.oneHot(indices, depth, onValue, offValue, out) !== false) return;
      js.oneHot(view(indices, 'oneHot'), depth, onValue, offValue, view(out, 'oneHot'));
    },
    conv2d(x, filter, y, info, epilogue) {
      if (k.conv2d && k.conv2d(x, filter, y, info, epilogue) !== false) return;
      const ep = epilogue && { bias: opt(epilogue.bias, 'conv2d'), activation: epilogue.activation };
      js.conv2d(f(x, 'conv2d'), f(filter, 'conv2d'), f(y, 'conv2d'), info, ep);
    },
    conv2dBackpropInput(dy, filter, dx, info) {
      if (k.conv2dBackpropInput && k.conv2dBackpropInput(dy, filter, dx, info) !== false) return;
      js.conv2dBackpropInput(f(dy, 'conv2dBackpropInput'), f(filter, 'conv2dBackpropInput'), f(dx, 'conv2dBackpropInput'), info);
    },
    conv2dBackpropFilter(x, dy, dw, info) {
      if (k.conv2dBackpropFilter && k.conv2dBackpropFilter(x, dy, dw, info) !== false) return;
      js.conv2dBackpropFilter(f(x, 'conv2dBackpropFilter'), f(dy, 'conv2dBackpropFilter'), f(dw, 'conv2dBackpropFilter'), info);
    },
    biasActivationGrad(y, dy, dpre, dbias, channels, activation) {
      if (k.biasActivationGrad && big(y) && k.biasActivationGrad(y, dy, dpre, dbias, channels, activation) !== false) return;
      const [vy, vdy, vp, vb] = views([y, dy, dpre, dbias], 'biasActivationGrad');
      js.biasActivationGrad(vy, vdy, vp, vb, channels, activation);
    },
    pool2d(x, y, info) {
      if (k.pool2d && k.pool2d(x, y, info) !== false) return;
      js.pool2d(view(x, 'pool2d'), view(y, 'pool2d'), info);
    },
    pool2dGrad(x, dy, dx, info) {
      if (k.pool2dGrad && k.pool2dGrad(x, dy, dx, info) !== false) return;
      const [vx, vdy, vdx] = views([x, dy, dx], 'pool2dGrad');
      js.pool2dGrad(vx, vdy, vdx, info);
    },
    pool2dGradBiasRelu(x, dy, dx, dbias, info) {
      if (k.pool2dGradBiasRelu && big(x) && k.pool2dGradBiasRelu(x, dy, dx, dbias, info) !== false) return;
      // Without the fused kernel: the backend's pooling gradient and epilogue gradient, through a temporary.
      const t = memory.alloc('float32', spec.size(x));
      backend.pool2dGrad(x, dy, t, info);
      backend.biasActivationGrad(x, t, dx, dbias, info.channels, 'relu');
      memory.free(t);
    },
    resize2d(x, y, info) {
      if (k.resize2d && k.resize2d(x, y, info) !== false) return;
      js.resize2d(view(x, 'resize2d'), view(y, 'resize2d'), info);
    },
    sampleImage(x, sx, sy, out, info) {
      if (k.sampleImage && k.sampleImage(x, sx, sy, out, info) !== false) return;
      const w = 'sampleImage';
      js.sampleImage(view(x, w), view(sx, w), view(sy, w), view(out, w), info);
    },
    resize2dGrad(dy, dx, info) {
      if (k.resize2dGrad && k.resize2dGrad(dy, dx, info) !== false) return;
      js.resize2dGrad(view(dy, 'resize2dGrad'), view(dx, 'resize2dGrad'), info);
    },
    dropoutMask(mask, rate, seed) {
      if (k.dropoutMask && big(mask) && k.dropoutMask(mask, rate, seed) !== false) return;
      js.dropoutMask(view(mask, 'dropoutMask'), rate, seed);
    },
    dropout(x, y, mask, rate, seed) {
      if (k.dropout && big(x) && k.dropout(x, y, mask, rate, seed) !== false) return;
      // Without a fused kernel: the mask, then the multiply (each the backend's own kernel).
      backend.dropoutMask(mask, rate, seed);
      const shape = [spec.size(x)];
      backend.binary('mul', x, shape, mask, shape, y, shape);
    },
    applyUpdate(rule, param, grad, slots, hyper) {
      // A malformed call fails here with the reference's message, whichever kernel runs it
      // (checked on sizes: no host views unless the reference kernel runs).
      const sized = (h: H): { length: number } => ({ length: spec.size(h) });
      checkUpdate(rule, sized(param), sized(grad), slots.map(sized), hyper);
      if (k.applyUpdate && big(param) && k.applyUpdate(rule, param, grad, slots, hyper) !== false) return;
      js.applyUpdate(rule, view(param, 'applyUpdate'), view(grad, 'applyUpdate'), views(slots, 'applyUpdate'), hyper);
    },
    batchNorm(x, mean, variance, offset, scale, y, eps, outer, c, inner) {
      if (k.batchNorm && big(x) && k.batchNorm(x, mean, variance, offset, scale, y, eps, outer, c, inner) !== false) return;
      const w = 'batchNorm';
      js.batchNorm(view(x, w), view(mean, w), view(variance, w), opt(offset, w), opt(scale, w), view(y, w), eps, outer, c, inner);
    },
    batchNormGrad(x, mean, variance, scale, dy, g, eps, outer, c, inner) {
      if (k.batchNormGrad && big(x) && k.batchNormGrad(x, mean, variance, scale, dy, g, eps, outer, c, inner) !== false) return;
      const w = 'batchNormGrad';
      const vg = { dx: view(g.dx, w), dMean: view(g.dMean, w), dVariance: view(g.dVariance, w), dScale: view(g.dScale, w), dOffset: view(g.dOffset, w) };
      js.batchNormGrad(view(x, w), view(mean, w), view(variance, w), opt(scale, w), view(dy, w), vg, eps, outer, c, inner);
    },
    layerNorm(x, gamma, beta, y, mean, rstd, eps, rows, c) {
      if (k.layerNorm && big(x) && k.layerNorm(x, gamma, beta, y, mean, rstd, eps, rows, c) !== false) return;
      const w = 'layerNorm';
      js.layerNorm(view(x, w), opt(gamma, w), opt(beta, w), view(y, w), view(mean, w), view(rstd, w), eps, rows, c);
    },
    layerNormGrad(x, gamma, mean, rstd, dy, g, rows, c) {
      if (k.layerNormGrad && big(x) && k.layerNormGrad(x, gamma, mean, rstd, dy, g, rows, c) !== false) return;
      const w = 'layerNormGrad';
      js.layerNormGrad(view(x, w), opt(gamma, w), view(mean, w), view(rstd, w), view(dy, w), { dx: view(g.dx, w), dGamma: opt(g.dGamma, w), dBeta: opt(g.dBeta, w) }, rows, c);
    },
    rnnForward(info, xw, kernel, bias, h0, c0, mask, y, reserve) {
      if (k.rnnForward && k.rnnForward(info, xw, kernel, bias, h0, c0, mask, y, reserve) !== false) return;
      const w = 'rnnForward';
      js.rnnForward(info, view(xw, w), view(kernel, w), opt(bias, w), view(h0, w), opt(c0, w), opt(mask, w), view(y, w), opt(reserve, w));
    },
    rnnBackward(info, dy, kernel, mask, reserve, g) {
      if (k.rnnBackward && k.rnnBackward(info, dy, kernel, mask, reserve, g) !== false) return;
      const w = 'rnnBackward';
      const vg = { dxw: view(g.dxw, w), dKernel: view(g.dKernel, w), dBias: opt(g.dBias, w), dh0: view(g.dh0, w), dc0: opt(g.dc0, w) };
      js.rnnBackward(info, view(dy, w), view(kernel, w), opt(mask, w), view(reserve, w), vg);
    },
  };
  return backend;
}
