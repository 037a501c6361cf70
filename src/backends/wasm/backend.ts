import type { Backend } from '../interface.js';
import { planBroadcast } from '../broadcast.js';
import { createAcceleratedBackend } from '../accelerated.js';
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES, UPDATE_CODES, chainFields, convInfoFields, packHyper, poolInfoFields } from '../codes.js';
import type { KernelModule } from './module.js';
import { WasmBlock, WasmMemory } from './memory.js';

const ptr = (h: WasmBlock | null): number => (h === null ? 0 : h.ptr);

/**
 * The WebAssembly backend. Tensors live in the module's linear memory (WasmMemory: a
 * pool of buffers that GC'd tensors return to), so kernels run on them in place, with no
 * copies in or out. GEMM (packed, register-blocked SIMD micro-kernel, threaded),
 * convolutions (Winograd, direct, im2col + GEMM) and their gradients, pooling,
 * elementwise ops and their derivatives, reductions, softmax, batch norm, dropout masks
 * and optimizer updates run in the SIMD module compiled from wasm/src/. int32 data, tiny
 * tensors, data movement (slice, concat, pad, gather, transpose …) and the fused recurrent
 * kernels run the reference kernels directly on views of the same memory (see accelerated.ts).
 */
export function createWasmBackend(mod: KernelModule, memory: WasmMemory = new WasmMemory(mod)): Backend<WasmBlock> {
  const e = mod.exports;
  return createAcceleratedBackend<WasmBlock>({
    name: 'wasm',
    memory,
    dtype: (h) => h.dtype,
    size: (h) => h.size,
    // Calling into the module costs little now that nothing is copied, but below these
    // sizes the reference loops on views are as fast.
    small: 1024,
    smallMatmul: 4096,
    kernels: {
      unary: (op, x, y, p) => mod.call('unary', () => e.nt_unary(UNARY_CODES[op], x.ptr, y.ptr, x.size, p.alpha, p.beta) !== 0),
      unaryGrad: (op, x, y, dy, dx, p) => mod.call('unaryGrad', () => e.nt_unary_grad(UNARY_CODES[op], x.ptr, y.ptr, dy.ptr, dx.ptr, x.size, p.alpha, p.beta) !== 0),
      elementwiseChain(steps, x, y) {
        const { codes, params } = chainFields(steps);
        return mod.call('elementwiseChain', (args) => e.nt_elementwise_chain(steps.length, args.i32(codes), args.f32(params), x.ptr, y.ptr, x.size) !== 0);
      },
      binary(op, a, aShape, b, bShape, out, outShape) {
        const plan = planBroadcast(outShape, [aShape, bShape]);
        return mod.call('binary', (args) => e.nt_binary(BINARY_CODES[op], a.ptr, b.ptr, out.ptr, plan.dims.length, args.i32(plan.dims), args.i32(plan.strides[0]), args.i32(plan.strides[1])) !== 0);
      },
      reduce: (op, x, out, outer, n, inner) => op !== 'prod' && mod.call('reduce', () => e.nt_reduce(REDUCE_CODES[op], x.ptr, out.ptr, outer, n, inner) !== 0),
      softmax: (x, y, outer, n, inner, log) => mod.call('softmax', () => e.nt_softmax(x.ptr, y.ptr, outer, n, inner, log ? 1 : 0)),
      softmaxGrad: (y, dy, dx, outer, n, inner, log) => mod.call('softmaxGrad', () => e.nt_softmax_grad(y.ptr, dy.ptr, dx.ptr, outer, n, inner, log ? 1 : 0)),
      matmul: (a, b, c, s, epilogue) =>
        mod.call('matmul', () => e.nt_matmul(a.ptr, b.ptr, c.ptr, s.batchA, s.batchB, s.m, s.k, s.n, s.transA ? 1 : 0, s.transB ? 1 : 0, ptr(epilogue?.bias ?? null), epilogue?.activation === 'relu' ? 1 : 0)),
      conv2d: (x, filter, y, info, epilogue) =>
        mod.call('conv2d', (args) => e.nt_conv2d(x.ptr, filter.ptr, y.ptr, args.i32(convInfoFields(info)), ptr(epilogue?.bias ?? null), epilogue?.activation === 'relu' ? 1 : 0)),
      conv2dBackpropInput: (dy, filter, dx, info) => mod.call('conv2dBackpropInput', (args) => e.nt_conv2d_backprop_input(dy.ptr, filter.ptr, dx.ptr, args.i32(convInfoFields(info)))),
      conv2dBackpropFilter: (x, dy, dw, info) => mod.call('conv2dBackpropFilter', (args) => e.nt_conv2d_backprop_filter(x.ptr, dy.ptr, dw.ptr, args.i32(convInfoFields(info)))),
      biasActivationGrad: (y, dy, dpre, dbias, channels, activation) =>
        mod.call('biasActivationGrad', () => e.nt_bias_activation_grad(y.ptr, dy.ptr, dpre.ptr, dbias.ptr, y.size / channels, channels, activation === 'relu' ? 1 : 0)),
      pool2d: (x, y, info) => mod.call('pool2d', (args) => e.nt_pool2d(x.ptr, y.ptr, args.i32(poolInfoFields(info)))),
      pool2dGrad: (x, dy, dx, info) => mod.call('pool2dGrad', (args) => e.nt_pool2d_grad(x.ptr, dy.ptr, dx.ptr, args.i32(poolInfoFields(info)))),
      applyUpdate: (rule, param, grad, slots, hyper) =>
        mod.call('applyUpdate', (args) => e.nt_apply_update(UPDATE_CODES[rule], param.ptr, grad.ptr, args.i32(slots.map((s) => s.ptr)), slots.length, args.f64(packHyper(rule, hyper)), param.size) !== 0),
      dropoutMask(mask, rate, seed) {
        // The low and high 32-bit words of the integer seed, as the reference splits them.
        const s = Math.floor(seed);
        mod.call('dropoutMask', () => e.nt_dropout_mask(mask.ptr, mask.size, rate, (s % 4294967296) >>> 0, Math.floor(s / 4294967296) >>> 0));
      },
      batchNorm: (x, mean, variance, offset, scale, y, eps, outer, c, inner) =>
        mod.call('batchNorm', () => e.nt_batch_norm(x.ptr, mean.ptr, variance.ptr, ptr(offset), ptr(scale), y.ptr, eps, outer, c, inner)),
      batchNormGrad: (x, mean, variance, scale, dy, g, eps, outer, c, inner) =>
        mod.call('batchNormGrad', () => e.nt_batch_norm_grad(x.ptr, mean.ptr, variance.ptr, ptr(scale), dy.ptr, g.dx.ptr, g.dMean.ptr, g.dVariance.ptr, g.dScale.ptr, g.dOffset.ptr, eps, outer, c, inner)),
    },
  });
}
