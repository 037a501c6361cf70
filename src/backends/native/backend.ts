import type { Backend, Conv2DInfo, Pool2DInfo, RnnInfo } from '../interface.js';
import { jsBackend } from '../js/index.js';
import { rnnGates, rnnOutputSize, rnnReserveSize } from '../js/rnn.js';
import { planBroadcast } from '../broadcast.js';
import { allocFloat32Uninit as allocFloat32 } from '../../tensor/dtype.js';
import type { NativeAddon } from './addon.js';
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES, UPDATE_CODES, convInfoFields, poolInfoFields, sizeOf } from './codes.js';

/**
 * Below this many elements an elementwise op stays in JavaScript: the N-API call and its
 * argument checks cost more than the arithmetic.
 */
const SMALL = 2048;

const UNARY = UNARY_CODES;
const BINARY = BINARY_CODES;
const REDUCE = REDUCE_CODES;
const UPDATE = UPDATE_CODES;

function convInfo(c: Conv2DInfo): Int32Array {
  return Int32Array.from(convInfoFields(c));
}

function poolInfo(p: Pool2DInfo): Int32Array {
  return Int32Array.from(poolInfoFields(p));
}

const RNN_CELLS = { lstm: 0, gru: 1, gruResetBefore: 2 } as const;

function rnnInfo(r: RnnInfo): Int32Array {
  return Int32Array.of(RNN_CELLS[r.cell], r.batch, r.time, r.units, r.goBackwards ? 1 : 0, r.sequence ? 1 : 0, r.zeroOutputForMask ? 1 : 0);
}

/**
 * Every native kernel writes all of its output (those that accumulate clear it first), so
 * outputs are allocated uninitialized: zero-filling a large tensor would be a wasted pass.
 *
 * The native backend: the heavy float32 kernels run in C++ (OpenBLAS GEMM, conv, pooling,
 * elementwise, reductions, softmax, batch norm) with outputs allocated here and passed in;
 * int32 data, tiny tensors and pure data movement use the reference kernels.
 */
export function createNativeBackend(addon: NativeAddon): Backend {
  const js = jsBackend;
  return {
    ...js,
    name: 'native',
    unary(op, x, p) {
      if (!(x instanceof Float32Array) || x.length < SMALL) return js.unary(op, x, p);
      const y = allocFloat32(x.length);
      return addon.unary(UNARY[op], x, y, x.length, p.alpha, p.beta) ? y : js.unary(op, x, p);
    },
    unaryGrad(op, x, y, dy, p) {
      if (x.length < SMALL) return js.unaryGrad(op, x, y, dy, p);
      const dx = allocFloat32(x.length);
      return addon.unaryGrad(UNARY[op], x, y, dy, dx, x.length, p.alpha, p.beta) ? dx : js.unaryGrad(op, x, y, dy, p);
    },
    binary(op, a, aShape, b, bShape, outShape) {
      const size = sizeOf(outShape);
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || size < SMALL) return js.binary(op, a, aShape, b, bShape, outShape);
      const plan = planBroadcast(outShape, [aShape, bShape]);
      const out = allocFloat32(size);
      const ok = addon.binary(BINARY[op], a, b, out, plan.dims.length, Int32Array.from(plan.dims), Int32Array.from(plan.strides[0]), Int32Array.from(plan.strides[1]));
      return ok ? out : js.binary(op, a, aShape, b, bShape, outShape);
    },
    reduce(op, x, outer, n, inner) {
      if (!(x instanceof Float32Array) || x.length < SMALL) return js.reduce(op, x, outer, n, inner);
      const y = allocFloat32(outer * inner);
      return addon.reduce(REDUCE[op], x, y, outer, n, inner) ? y : js.reduce(op, x, outer, n, inner);
    },
    softmax(x, outer, n, inner, log) {
      if (x.length < SMALL) return js.softmax(x, outer, n, inner, log);
      const y = allocFloat32(x.length);
      addon.softmax(x, y, outer, n, inner, log);
      return y;
    },
    softmaxGrad(y, dy, outer, n, inner, log) {
      if (y.length < SMALL) return js.softmaxGrad(y, dy, outer, n, inner, log);
      const dx = allocFloat32(y.length);
      addon.softmaxGrad(y, dy, dx, outer, n, inner, log);
      return dx;
    },
    matmul(a, b, spec, epilogue) {
      const batch = Math.max(spec.batchA, spec.batchB);
      const out = allocFloat32(batch * spec.m * spec.n);
      addon.matmul(a, b, out, spec.batchA, spec.batchB, spec.m, spec.k, spec.n, spec.transA, spec.transB);
      if (epilogue && (epilogue.bias || epilogue.activation !== 'linear')) addon.biasActivation(out, epilogue.bias, out.length / spec.n, spec.n, epilogue.activation === 'relu');
      return out;
    },
    transpose(x, shape, perm) {
      if (!(x instanceof Float32Array) || x.length < SMALL) return js.transpose(x, shape, perm);
      const y = allocFloat32(x.length);
      addon.transpose(x, y, shape.length, Int32Array.from(shape), Int32Array.from(perm));
      return y;
    },
    conv2d(x, filter, info, epilogue) {
      const y = allocFloat32(info.batch * info.outH * info.outW * info.outC);
      addon.conv2d(x, filter, y, convInfo(info), epilogue?.bias ?? null, epilogue?.activation === 'relu');
      return y;
    },
    biasActivationGrad(y, dy, channels, activation) {
      if (y.length < SMALL) return js.biasActivationGrad(y, dy, channels, activation);
      const dpre = allocFloat32(y.length);
      const dbias = allocFloat32(channels);
      addon.biasActivationGrad(y, dy, dpre, dbias, y.length / channels, channels, activation === 'relu');
      return { dpre, dbias };
    },
    conv2dBackpropInput(dy, filter, info) {
      const dx = allocFloat32(info.batch * info.inH * info.inW * info.inC);
      addon.conv2dBackpropInput(dy, filter, dx, convInfo(info));
      return dx;
    },
    conv2dBackpropFilter(x, dy, info) {
      const dw = allocFloat32(info.kH * info.kW * (info.inC / info.groups) * info.outC);
      addon.conv2dBackpropFilter(x, dy, dw, convInfo(info));
      return dw;
    },
    pool2d(x, info) {
      const y = allocFloat32(info.batch * info.outH * info.outW * info.channels);
      addon.pool2d(x, y, poolInfo(info));
      return y;
    },
    pool2dGrad(x, dy, info) {
      const dx = allocFloat32(x.length);
      addon.pool2dGrad(x, dy, dx, poolInfo(info));
      return dx;
    },
    applyUpdate(rule, param, grad, slots, hyper) {
      if (param.length < SMALL || !addon.applyUpdate(UPDATE[rule], param, grad, [...slots], Float64Array.from(hyper))) {
        js.applyUpdate(rule, param, grad, slots, hyper);
      }
    },
    dropoutMask(size, rate, seed) {
      if (size < SMALL) return js.dropoutMask(size, rate, seed);
      const mask = allocFloat32(size);
      addon.dropoutMask(mask, size, rate, seed);
      return mask;
    },
    rnnForward(info, xw, kernel, bias, h0, c0, mask, train) {
      const y = allocFloat32(rnnOutputSize(info));
      const reserve = train ? allocFloat32(rnnReserveSize(info)) : null;
      addon.rnnForward(rnnInfo(info), xw, kernel, bias, h0, c0, mask, y, reserve);
      return { y, reserve };
    },
    rnnBackward(info, dy, kernel, mask, reserve) {
      const gu = rnnGates(info.cell) * info.units;
      const bu = info.batch * info.units;
      const lstm = info.cell === 'lstm';
      const g = {
        dxw: allocFloat32(info.batch * info.time * gu),
        dKernel: allocFloat32(info.units * gu),
        dBias: info.cell === 'gru' ? allocFloat32(gu) : null,
        dh0: allocFloat32(bu),
        dc0: lstm ? allocFloat32(bu) : null,
      };
      addon.rnnBackward(rnnInfo(info), dy, kernel, mask, reserve, g.dxw, g.dKernel, g.dBias, g.dh0, g.dc0);
      return g;
    },
    batchNorm(x, mean, variance, offset, scale, eps, outer, c, inner) {
      if (x.length < SMALL) return js.batchNorm(x, mean, variance, offset, scale, eps, outer, c, inner);
      const y = allocFloat32(x.length);
      addon.batchNorm(x, mean, variance, offset, scale, y, eps, outer, c, inner);
      return y;
    },
    batchNormGrad(x, mean, variance, scale, dy, eps, outer, c, inner) {
      if (x.length < SMALL) return js.batchNormGrad(x, mean, variance, scale, dy, eps, outer, c, inner);
      const g = { dx: allocFloat32(x.length), dMean: allocFloat32(c), dVariance: allocFloat32(c), dScale: allocFloat32(c), dOffset: allocFloat32(c) };
      addon.batchNormGrad(x, mean, variance, scale, dy, g.dx, g.dMean, g.dVariance, g.dScale, g.dOffset, eps, outer, c, inner);
      return g;
    },
  };
}
