import type { Backend } from '../interface.js';
import { jsBackend } from '../js/index.js';
import { checkUpdate } from '../js/optimizers.js';
import { planBroadcast } from '../broadcast.js';
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES, UPDATE_CODES, convInfoFields as convInfo, poolInfoFields as poolInfo, sizeOf } from '../native/codes.js';
import type { KernelModule } from './module.js';

/**
 * Below this many elements an elementwise op, reduction or normalization stays in
 * JavaScript: copying into the module and back costs more than the arithmetic saves.
 */
const SMALL = 1024;
/** Products with fewer multiply-adds than this stay in JavaScript. */
const SMALL_MATMUL = 4096;

const UNARY = UNARY_CODES;
const BINARY = BINARY_CODES;
const REDUCE = REDUCE_CODES;
const UPDATE = UPDATE_CODES;

/**
 * The WebAssembly backend: GEMM (packed, register-blocked SIMD micro-kernel, threaded),
 * convolutions (im2col + GEMM) and their gradients, pooling, elementwise ops, reductions,
 * softmax, batch norm and optimizer updates run in the SIMD module compiled from
 * wasm/src/; inputs are copied into its memory and outputs copied back. int32 data, tiny
 * tensors, ops the module does not implement (sin, cos, erf, gelu, pow) and pure data
 * movement (slice, concat, pad, gather, transpose …) use the reference kernels; the fused
 * recurrent kernels are the reference ones too.
 */
export function createWasmBackend(mod: KernelModule): Backend {
  const js = jsBackend;
  const e = mod.exports;
  return {
    ...js,
    name: 'wasm',
    unary(op, x, p) {
      if (!(x instanceof Float32Array) || x.length < SMALL) return js.unary(op, x, p);
      const r = mod.scope('unary', (s) => {
        const px = s.f32(x);
        const py = s.out(x.length);
        return e.nt_unary(UNARY[op], px, py, x.length, p.alpha, p.beta) ? s.read(py, x.length) : null;
      });
      return r ?? js.unary(op, x, p);
    },
    unaryGrad(op, x, y, dy, p) {
      if (x.length < SMALL) return js.unaryGrad(op, x, y, dy, p);
      const r = mod.scope('unaryGrad', (s) => {
        const px = s.f32(x);
        const py = s.f32(y);
        const pdy = s.f32(dy);
        const pdx = s.out(x.length);
        return e.nt_unary_grad(UNARY[op], px, py, pdy, pdx, x.length, p.alpha, p.beta) ? s.read(pdx, x.length) : null;
      });
      return r ?? js.unaryGrad(op, x, y, dy, p);
    },
    binary(op, a, aShape, b, bShape, outShape) {
      const size = sizeOf(outShape);
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || size < SMALL || op === 'pow') return js.binary(op, a, aShape, b, bShape, outShape);
      const plan = planBroadcast(outShape, [aShape, bShape]);
      return mod.scope('binary', (s) => {
        const pa = s.f32(a);
        const pb = s.f32(b);
        const po = s.out(size);
        e.nt_binary(BINARY[op], pa, pb, po, plan.dims.length, s.i32(plan.dims), s.i32(plan.strides[0]), s.i32(plan.strides[1]));
        return s.read(po, size);
      });
    },
    reduce(op, x, outer, n, inner) {
      if (!(x instanceof Float32Array) || x.length < SMALL || op === 'prod') return js.reduce(op, x, outer, n, inner);
      return mod.scope('reduce', (s) => {
        const px = s.f32(x);
        const py = s.out(outer * inner);
        e.nt_reduce(REDUCE[op], px, py, outer, n, inner);
        return s.read(py, outer * inner);
      });
    },
    softmax(x, outer, n, inner, log) {
      if (x.length < SMALL) return js.softmax(x, outer, n, inner, log);
      return mod.scope('softmax', (s) => {
        const px = s.f32(x);
        const py = s.out(x.length);
        e.nt_softmax(px, py, outer, n, inner, log ? 1 : 0);
        return s.read(py, x.length);
      });
    },
    softmaxGrad(y, dy, outer, n, inner, log) {
      if (y.length < SMALL) return js.softmaxGrad(y, dy, outer, n, inner, log);
      return mod.scope('softmaxGrad', (s) => {
        const py = s.f32(y);
        const pdy = s.f32(dy);
        const pdx = s.out(y.length);
        e.nt_softmax_grad(py, pdy, pdx, outer, n, inner, log ? 1 : 0);
        return s.read(pdx, y.length);
      });
    },
    matmul(a, b, spec, epilogue) {
      const { batchA, batchB, m, k, n, transA, transB } = spec;
      if (m * k * n < SMALL_MATMUL || k === 0) return js.matmul(a, b, spec, epilogue);
      const batch = Math.max(batchA, batchB);
      return mod.scope('matmul', (s) => {
        const pa = s.f32(a);
        const pb = s.f32(b);
        const pc = s.out(batch * m * n);
        const bias = s.f32(epilogue?.bias ?? null);
        e.nt_matmul(pa, pb, pc, batchA, batchB, m, k, n, transA ? 1 : 0, transB ? 1 : 0, bias, epilogue?.activation === 'relu' ? 1 : 0);
        return s.read(pc, batch * m * n);
      });
    },
    conv2d(x, filter, info, epilogue) {
      const size = info.batch * info.outH * info.outW * info.outC;
      return mod.scope('conv2d', (s) => {
        const px = s.f32(x);
        const pf = s.f32(filter);
        const py = s.out(size);
        const bias = s.f32(epilogue?.bias ?? null);
        e.nt_conv2d(px, pf, py, s.i32(convInfo(info)), bias, epilogue?.activation === 'relu' ? 1 : 0);
        return s.read(py, size);
      });
    },
    conv2dBackpropInput(dy, filter, info) {
      const size = info.batch * info.inH * info.inW * info.inC;
      return mod.scope('conv2dBackpropInput', (s) => {
        const pdy = s.f32(dy);
        const pf = s.f32(filter);
        const pdx = s.out(size);
        e.nt_conv2d_backprop_input(pdy, pf, pdx, s.i32(convInfo(info)));
        return s.read(pdx, size);
      });
    },
    conv2dBackpropFilter(x, dy, info) {
      const size = info.kH * info.kW * (info.inC / info.groups) * info.outC;
      return mod.scope('conv2dBackpropFilter', (s) => {
        const px = s.f32(x);
        const pdy = s.f32(dy);
        const pdw = s.out(size);
        e.nt_conv2d_backprop_filter(px, pdy, pdw, s.i32(convInfo(info)));
        return s.read(pdw, size);
      });
    },
    biasActivationGrad(y, dy, channels, activation) {
      if (y.length < SMALL) return js.biasActivationGrad(y, dy, channels, activation);
      return mod.scope('biasActivationGrad', (s) => {
        const py = s.f32(y);
        const pdy = s.f32(dy);
        const pdpre = s.out(y.length);
        const pdbias = s.out(channels);
        e.nt_bias_activation_grad(py, pdy, pdpre, pdbias, y.length / channels, channels, activation === 'relu' ? 1 : 0);
        return { dpre: s.read(pdpre, y.length), dbias: s.read(pdbias, channels) };
      });
    },
    pool2d(x, info) {
      const size = info.batch * info.outH * info.outW * info.channels;
      return mod.scope('pool2d', (s) => {
        const px = s.f32(x);
        const py = s.out(size);
        e.nt_pool2d(px, py, s.i32(poolInfo(info)));
        return s.read(py, size);
      });
    },
    pool2dGrad(x, dy, info) {
      return mod.scope('pool2dGrad', (s) => {
        const px = s.f32(x);
        const pdy = s.f32(dy);
        const pdx = s.out(x.length);
        e.nt_pool2d_grad(px, pdy, pdx, s.i32(poolInfo(info)));
        return s.read(pdx, x.length);
      });
    },
    applyUpdate(rule, param, grad, slots, hyper) {
      if (param.length < SMALL) {
        js.applyUpdate(rule, param, grad, slots, hyper);
        return;
      }
      checkUpdate(rule, param, grad, slots, hyper); // a malformed call fails as on js
      mod.scope('applyUpdate', (s) => {
        const pp = s.f32(param);
        const pg = s.f32(grad);
        const ps = slots.map((x) => s.f32(x));
        e.nt_apply_update(UPDATE[rule], pp, pg, s.i32(ps), ps.length, s.f64(hyper), param.length);
        s.read(pp, param.length, param);
        slots.forEach((x, i) => s.read(ps[i], x.length, x));
      });
    },
    dropoutMask(size, rate, seed) {
      if (size < SMALL) return js.dropoutMask(size, rate, seed);
      // The low and high 32-bit words of the integer seed, as the reference splits them.
      const s = Math.floor(seed);
      const lo = (s % 4294967296) >>> 0;
      const hi = Math.floor(s / 4294967296) >>> 0;
      return mod.scope('dropoutMask', (sc) => {
        const p = sc.out(size);
        e.nt_dropout_mask(p, size, rate, lo, hi);
        return sc.read(p, size);
      });
    },
    batchNorm(x, mean, variance, offset, scale, eps, outer, c, inner) {
      if (x.length < SMALL) return js.batchNorm(x, mean, variance, offset, scale, eps, outer, c, inner);
      return mod.scope('batchNorm', (s) => {
        const px = s.f32(x);
        const py = s.out(x.length);
        e.nt_batch_norm(px, s.f32(mean), s.f32(variance), s.f32(offset), s.f32(scale), py, eps, outer, c, inner);
        return s.read(py, x.length);
      });
    },
    batchNormGrad(x, mean, variance, scale, dy, eps, outer, c, inner) {
      if (x.length < SMALL) return js.batchNormGrad(x, mean, variance, scale, dy, eps, outer, c, inner);
      return mod.scope('batchNormGrad', (s) => {
        const pdx = s.out(x.length);
        const pm = s.out(c);
        const pv = s.out(c);
        const ps = s.out(c);
        const po = s.out(c);
        e.nt_batch_norm_grad(s.f32(x), s.f32(mean), s.f32(variance), s.f32(scale), s.f32(dy), pdx, pm, pv, ps, po, eps, outer, c, inner);
        return { dx: s.read(pdx, x.length), dMean: s.read(pm, c), dVariance: s.read(pv, c), dScale: s.read(ps, c), dOffset: s.read(po, c) };
      });
    },
  };
}
