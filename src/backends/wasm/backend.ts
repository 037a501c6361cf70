import type { Backend } from '../interface.js';
import { planBroadcast } from '../broadcast.js';
import { createAcceleratedBackend } from '../accelerated.js';
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES, UPDATE_CODES, chainFields, convInfoFields, packHyper, poolInfoFields } from '../codes.js';
import type { KernelModule } from './module.js';
import { WasmBlock, WasmMemory } from './memory.js';

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
      unary: (op, x, y, p) => mod.call('unary', (a) => e.nt_unary(UNARY_CODES[op], a.in(x), a.out(y), x.size, p.alpha, p.beta) !== 0),
      unaryGrad: (op, x, y, dy, dx, p) =>
        mod.call('unaryGrad', (a) => e.nt_unary_grad(UNARY_CODES[op], a.in(x), a.in(y), a.in(dy), a.out(dx), x.size, p.alpha, p.beta) !== 0),
      elementwiseChain(steps, x, y) {
        const { codes, params } = chainFields(steps);
        return mod.call('elementwiseChain', (a) => e.nt_elementwise_chain(steps.length, a.i32(codes), a.f32(params), a.in(x), a.out(y), x.size) !== 0);
      },
      binary(op, x, xShape, y, yShape, out, outShape) {
        const plan = planBroadcast(outShape, [xShape, yShape]);
        return mod.call('binary', (a) => e.nt_binary(BINARY_CODES[op], a.in(x), a.in(y), a.out(out), plan.dims.length, a.i32(plan.dims), a.i32(plan.strides[0]), a.i32(plan.strides[1])) !== 0);
      },
      reduce: (op, x, out, outer, n, inner) => op !== 'prod' && mod.call('reduce', (a) => e.nt_reduce(REDUCE_CODES[op], a.in(x), a.out(out), outer, n, inner) !== 0),
      softmax: (x, y, outer, n, inner, log) => mod.call('softmax', (a) => e.nt_softmax(a.in(x), a.out(y), outer, n, inner, log ? 1 : 0)),
      softmaxGrad: (y, dy, dx, outer, n, inner, log) => mod.call('softmaxGrad', (a) => e.nt_softmax_grad(a.in(y), a.in(dy), a.out(dx), outer, n, inner, log ? 1 : 0)),
      matmul: (x, w, y, s, epilogue) =>
        mod.call('matmul', (a) =>
          e.nt_matmul(a.in(x), a.in(w), a.out(y), s.batchA, s.batchB, s.m, s.k, s.n, s.transA ? 1 : 0, s.transB ? 1 : 0, a.opt(epilogue?.bias ?? null), epilogue?.activation === 'relu' ? 1 : 0),
        ),
      conv2d: (x, filter, y, info, epilogue) =>
        mod.call('conv2d', (a) => e.nt_conv2d(a.in(x), a.in(filter), a.out(y), a.i32(convInfoFields(info)), a.opt(epilogue?.bias ?? null), epilogue?.activation === 'relu' ? 1 : 0)),
      conv2dBackpropInput: (dy, filter, dx, info) => mod.call('conv2dBackpropInput', (a) => e.nt_conv2d_backprop_input(a.in(dy), a.in(filter), a.out(dx), a.i32(convInfoFields(info)))),
      conv2dBackpropFilter: (x, dy, dw, info) => mod.call('conv2dBackpropFilter', (a) => e.nt_conv2d_backprop_filter(a.in(x), a.in(dy), a.out(dw), a.i32(convInfoFields(info)))),
      biasActivationGrad: (y, dy, dpre, dbias, channels, activation) =>
        mod.call('biasActivationGrad', (a) => e.nt_bias_activation_grad(a.in(y), a.in(dy), a.out(dpre), a.out(dbias), y.size / channels, channels, activation === 'relu' ? 1 : 0)),
      pool2d: (x, y, info) => mod.call('pool2d', (a) => e.nt_pool2d(a.in(x), a.out(y), a.i32(poolInfoFields(info)))),
      pool2dGrad: (x, dy, dx, info) => mod.call('pool2dGrad', (a) => e.nt_pool2d_grad(a.in(x), a.in(dy), a.out(dx), a.i32(poolInfoFields(info)))),
      applyUpdate: (rule, param, grad, slots, hyper) =>
        mod.call('applyUpdate', (a) => {
          const slotPtrs = slots.map((s) => a.inout(s));
          return e.nt_apply_update(UPDATE_CODES[rule], a.inout(param), a.in(grad), a.i32(slotPtrs), slots.length, a.f64(packHyper(rule, hyper)), param.size) !== 0;
        }),
      dropoutMask(mask, rate, seed) {
        // The low and high 32-bit words of the integer seed, as the reference splits them.
        const s = Math.floor(seed);
        mod.call('dropoutMask', (a) => e.nt_dropout_mask(a.out(mask), mask.size, rate, (s % 4294967296) >>> 0, Math.floor(s / 4294967296) >>> 0));
      },
      batchNorm: (x, mean, variance, offset, scale, y, eps, outer, c, inner) =>
        mod.call('batchNorm', (a) => e.nt_batch_norm(a.in(x), a.in(mean), a.in(variance), a.opt(offset), a.opt(scale), a.out(y), eps, outer, c, inner)),
      batchNormGrad: (x, mean, variance, scale, dy, g, eps, outer, c, inner) =>
        mod.call('batchNormGrad', (a) =>
          e.nt_batch_norm_grad(a.in(x), a.in(mean), a.in(variance), a.opt(scale), a.in(dy), a.out(g.dx), a.out(g.dMean), a.out(g.dVariance), a.out(g.dScale), a.out(g.dOffset), eps, outer, c, inner),
        ),
      layerNorm: (x, gamma, beta, y, mean, rstd, eps, rows, c) =>
        mod.call('layerNorm', (a) => e.nt_layer_norm(a.in(x), a.opt(gamma), a.opt(beta), a.out(y), a.out(mean), a.out(rstd), eps, rows, c)),
      layerNormGrad: (x, gamma, mean, rstd, dy, g, rows, c) =>
        mod.call('layerNormGrad', (a) =>
          e.nt_layer_norm_grad(a.in(x), a.opt(gamma), a.in(mean), a.in(rstd), a.in(dy), a.out(g.dx), g.dGamma === null ? 0 : a.out(g.dGamma), g.dBeta === null ? 0 : a.out(g.dBeta), rows, c),
        ),
    },
  });
}
