import type { Backend } from '../interface.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { hostMemory } from '../../tensor/host-memory.js';
import { mutableStorageOf } from '../../tensor/storage.js';
import { planBroadcast } from '../broadcast.js';
import { createAcceleratedBackend } from '../accelerated.js';
import { BINARY_CODES, FILL_MODE_CODES, REDUCE_CODES, UNARY_CODES, UPDATE_CODES, chainFields, convInfoFields, packHyper, poolInfoFields, rnnInfoFields } from '../codes.js';
import type { NativeAddon } from './addon.js';

type F32 = Float32Array;

/**
 * The native backend: the heavy float32 kernels in C++ (OpenBLAS/oneDNN GEMM and
 * convolutions, pooling, elementwise ops, reductions, softmax, batch norm, optimizer
 * updates, fused recurrent cells) over host memory, which it shares with the js backend:
 * the addon reads and writes the tensors' own typed arrays. Everything else (int32 data,
 * small tensors, data movement) is the reference kernels', through the accelerated wrapper.
 */
export function createNativeBackend(addon: NativeAddon): Backend<TypedArray> {
  const conv = (info: Parameters<typeof convInfoFields>[0]): Int32Array => Int32Array.from(convInfoFields(info));
  const pool = (info: Parameters<typeof poolInfoFields>[0]): Int32Array => Int32Array.from(poolInfoFields(info));
  return createAcceleratedBackend<TypedArray>({
    name: 'native',
    memory: hostMemory,
    dtype: (h) => (h instanceof Int32Array ? 'int32' : 'float32'),
    size: (h) => h.length,
    // The N-API call and its argument checks cost more than the arithmetic below this.
    small: 2048,
    smallMatmul: 0,
    kernels: {
      unary: (op, x, y, p) => addon.unary(UNARY_CODES[op], x as F32, y as F32, x.length, p.alpha, p.beta),
      unaryGrad: (op, x, y, dy, dx, p) => addon.unaryGrad(UNARY_CODES[op], x as F32, y as F32, dy as F32, dx as F32, x.length, p.alpha, p.beta),
      elementwiseChain(steps, x, y) {
        const { codes, params } = chainFields(steps);
        return addon.elementwiseChain(codes, params, x as F32, y as F32, x.length);
      },
      binary(op, a, aShape, b, bShape, out, outShape) {
        const plan = planBroadcast(outShape, [aShape, bShape]);
        return addon.binary(BINARY_CODES[op], a as F32, b as F32, out as F32, plan.dims.length, Int32Array.from(plan.dims), Int32Array.from(plan.strides[0]), Int32Array.from(plan.strides[1]));
      },
      reduce: (op, x, out, outer, n, inner) => addon.reduce(REDUCE_CODES[op], x as F32, out as F32, outer, n, inner),
      softmax: (x, y, outer, n, inner, log) => addon.softmax(x as F32, y as F32, outer, n, inner, log),
      softmaxGrad: (y, dy, dx, outer, n, inner, log) => addon.softmaxGrad(y as F32, dy as F32, dx as F32, outer, n, inner, log),
      matmul: (a, b, c, s, epilogue) =>
        addon.matmul(a as F32, b as F32, c as F32, s.batchA, s.batchB, s.m, s.k, s.n, s.transA, s.transB, (epilogue?.bias as F32 | null | undefined) ?? null, epilogue?.activation === 'relu'),
      transpose: (x, shape, perm, out) => addon.transpose(x as F32, out as F32, shape.length, Int32Array.from(shape), Int32Array.from(perm)),
      conv2d(x, filter, y, info, epilogue) {
        const w = mutableStorageOf(filter);
        return addon.conv2d(x as F32, filter as F32, y as F32, conv(info), (epilogue?.bias as F32 | null) ?? null, epilogue?.activation === 'relu', w?.id ?? 0, w?.version ?? 0);
      },
      conv2dBackpropInput(dy, filter, dx, info) {
        const w = mutableStorageOf(filter);
        return addon.conv2dBackpropInput(dy as F32, filter as F32, dx as F32, conv(info), w?.id ?? 0, w?.version ?? 0);
      },
      conv2dBackpropFilter: (x, dy, dw, info) => addon.conv2dBackpropFilter(x as F32, dy as F32, dw as F32, conv(info)),
      biasActivationGrad: (y, dy, dpre, dbias, channels, activation) => addon.biasActivationGrad(y as F32, dy as F32, dpre as F32, dbias as F32, y.length / channels, channels, activation === 'relu'),
      pool2d: (x, y, info) => addon.pool2d(x as F32, y as F32, pool(info)),
      sampleImage: (x, sx, sy, y, info) =>
        addon.sampleImage(x as F32, sx as F32, sy as F32, y as F32, info.batch, info.height, info.width, info.channels, info.interpolation === 'nearest' ? 1 : 0, FILL_MODE_CODES[info.fillMode], info.fillValue),
      pool2dGrad: (x, dy, dx, info) => addon.pool2dGrad(x as F32, dy as F32, dx as F32, pool(info)),
      pool2dGradBiasRelu: (x, dy, dx, dbias, info) => addon.pool2dGradBiasRelu(x as F32, dy as F32, dx as F32, dbias as F32, pool(info)),
      dropoutMask: (mask, rate, seed) => addon.dropoutMask(mask as F32, mask.length, rate, seed),
      dropout: (x, y, mask, rate, seed) => addon.dropout(x as F32, y as F32, mask as F32, mask.length, rate, seed),
      applyUpdate: (rule, param, grad, slots, hyper) => addon.applyUpdate(UPDATE_CODES[rule], param as F32, grad as F32, slots as F32[], packHyper(rule, hyper)),
      batchNorm: (x, mean, variance, offset, scale, y, eps, outer, c, inner) =>
        addon.batchNorm(x as F32, mean as F32, variance as F32, offset as F32 | null, scale as F32 | null, y as F32, eps, outer, c, inner),
      batchNormGrad: (x, mean, variance, scale, dy, g, eps, outer, c, inner) =>
        addon.batchNormGrad(x as F32, mean as F32, variance as F32, scale as F32 | null, dy as F32, g.dx as F32, g.dMean as F32, g.dVariance as F32, g.dScale as F32, g.dOffset as F32, eps, outer, c, inner),
      layerNorm: (x, gamma, beta, y, mean, rstd, eps, rows, c) => addon.layerNorm(x as F32, gamma as F32 | null, beta as F32 | null, y as F32, mean as F32, rstd as F32, eps, rows, c),
      layerNormGrad: (x, gamma, mean, rstd, dy, g, rows, c) =>
        addon.layerNormGrad(x as F32, gamma as F32 | null, mean as F32, rstd as F32, dy as F32, g.dx as F32, g.dGamma as F32 | null, g.dBeta as F32 | null, rows, c),
      rnnForward: (info, xw, kernel, bias, h0, c0, mask, y, reserve) =>
        addon.rnnForward(Int32Array.from(rnnInfoFields(info)), xw as F32, kernel as F32, bias as F32 | null, h0 as F32, c0 as F32 | null, mask as F32 | null, y as F32, reserve as F32 | null),
      rnnBackward: (info, dy, kernel, mask, reserve, g) =>
        addon.rnnBackward(Int32Array.from(rnnInfoFields(info)), dy as F32, kernel as F32, mask as F32 | null, reserve as F32, g.dxw as F32, g.dKernel as F32, g.dBias as F32 | null, g.dh0 as F32, g.dc0 as F32 | null),
    },
  });
}
