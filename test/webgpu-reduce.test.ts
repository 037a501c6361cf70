/**
 * The webgpu reduction and normalization kernels (src/backends/webgpu/reduce.ts, norm.ts)
 * against the js reference on seeded random data: every op, option and dtype the reference
 * accepts, over shapes with many short rows, few long rows (one workgroup per output and
 * the split over several workgroups), odd sizes, empty axes, NaNs and ties.
 */
import { test } from 'node:test';
import { gpuFailure, testGpu } from './helpers/webgpu.js';
import { unavailable } from './helpers/oracle.js';
import { jsBackend } from '../src/backends/js/index.js';
import { reduceKernels } from '../src/backends/webgpu/reduce.js';
import { normKernels } from '../src/backends/webgpu/norm.js';
import type { Gpu, GpuBuffer } from '../src/backends/webgpu/runtime.js';
import type { EpilogueActivation, ReduceOp } from '../src/backends/interface.js';
import { assertClose, floatsOf, intsOf, upload } from './helpers/gpu-compare.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);

/** [outer, n, inner] views: single element, odd sizes, few long rows, many short rows, n = 1, empty axis. */
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [3, 7, 5],
  [2, 5000, 1],
  [1, 100000, 1],
  [1000, 3, 17],
  [4, 1, 9],
  [1, 20000, 6],
  [3, 300, 70],
];

/**
 * Tolerances: |gpu − js| ≤ rtol·(|js| + mean|js|).
 * ARITH: elementwise arithmetic and sums (f32 lanes + tree vs the reference's float64).
 * PROD: a product's rounding errors add up over every factor whatever the order (f32 vs
 * float64 over up to 10^5 factors).
 * TRANSCENDENTAL: GPU exp/log are a few ulp off, then summed over the row.
 */
const ARITH = 1e-4;
const PROD = 1e-3;
const TRANSCENDENTAL = 1e-3;

function out(gpu: Gpu, dtype: 'float32' | 'int32', n: number): GpuBuffer {
  return gpu.memory.alloc(dtype, n);
}

const label = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Float data for an op: centred-but-biased values; near 1 for products; NaNs sprinkled in for max/min. */
function floatData(size: number, seed: number, kind: 'plain' | 'prod' | 'nan' | 'ties'): Float32Array {
  switch (kind) {
    case 'plain':
      return floatsOf(size, seed, (u) => 2 * u - 0.75);
    case 'prod':
      return floatsOf(size, seed, (u) => 1 + 0.02 * (u - 0.5));
    case 'nan':
      return floatsOf(size, seed, (u, i) => (i % 997 === 13 ? NaN : 2 * u - 1));
    case 'ties':
      // Few distinct values (many ties), signed zeros, a NaN now and then.
      return floatsOf(size, seed, (u, i) => (i % 1499 === 777 ? NaN : u < 0.05 ? -0 : Math.floor(u * 5) - 2));
  }
}

/** Int data: full-range values for sums (wrapping like the reference), ±1 for products. */
function intData(size: number, seed: number, op: string, n: number): Int32Array {
  if (op === 'prod') return intsOf(size, seed, (u) => (n <= 12 ? Math.floor(u * 7) - 3 : u < 0.5 ? -1 : 1));
  if (op === 'sum') return intsOf(size, seed, (u) => Math.floor(u * 4294967296) - 2147483648);
  return intsOf(size, seed, (u) => Math.floor(u * 2001) - 1000);
}

test('reduce: sum, mean, prod, max, min on float32 and int32', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = reduceKernels(gpu);
  const shapes = [...SHAPES, [2, 0, 3] as const];
  let seed = 1;
  for (const [outer, n, inner] of shapes) {
    for (const op of ['sum', 'mean', 'prod', 'max', 'min'] as ReduceOp[]) {
      for (const dtype of ['float32', 'int32'] as const) {
        // The ops layer rejects mean on int32 (and the reference's 1/n product differs from
        // an integer quotient by an ulp now and then).
        if (dtype === 'int32' && op === 'mean') continue;
        const kinds = dtype === 'int32' ? ['int'] : op === 'prod' ? ['prod'] : op === 'max' || op === 'min' ? ['plain', 'nan'] : ['plain'];
        for (const kind of kinds) {
          const size = outer * n * inner;
          const x = dtype === 'int32' ? intData(size, seed++, op, n) : floatData(size, seed++, kind as 'plain');
          const want = dtype === 'int32' ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
          jsBackend.reduce(op, x, want, outer, n, inner);
          const o = out(gpu, dtype, outer * inner);
          k.reduce(op, upload(x), o, outer, n, inner);
          assertClose(await gpu.memory.read(o), want, op === 'prod' ? PROD : ARITH, `reduce ${op} ${dtype} ${kind} ${label([outer, n, inner])}`);
        }
      }
    }
  }
});

test('argReduce: first extreme, NaN wins, ties, float32 and int32', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = reduceKernels(gpu);
  let seed = 100;
  for (const [outer, n, inner] of SHAPES) {
    for (const op of ['argmax', 'argmin'] as const) {
      for (const kind of ['plain', 'ties', 'int'] as const) {
        const size = outer * n * inner;
        const x = kind === 'int' ? intsOf(size, seed++, (u) => Math.floor(u * 9) - 4) : floatData(size, seed++, kind);
        const want = new Int32Array(outer * inner);
        jsBackend.argReduce(op, x, want, outer, n, inner);
        const o = out(gpu, 'int32', outer * inner);
        k.argReduce(op, upload(x), o, outer, n, inner);
        assertClose(await gpu.memory.read(o), want, 0, `${op} ${kind} ${label([outer, n, inner])}`);
      }
    }
  }
});

test('cumulative: sum and prod, exclusive and reverse, float32 and int32', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = reduceKernels(gpu);
  let seed = 200;
  for (const [outer, n, inner] of SHAPES) {
    for (const op of ['sum', 'prod'] as const) {
      for (const dtype of ['float32', 'int32'] as const) {
        const size = outer * n * inner;
        const x = dtype === 'int32' ? intData(size, seed++, op, n) : floatData(size, seed++, op === 'prod' ? 'prod' : 'plain');
        const xh = upload(x);
        for (const exclusive of [false, true]) {
          for (const reverse of [false, true]) {
            const want = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
            jsBackend.cumulative(op, x, want, outer, n, inner, exclusive, reverse);
            const o = out(gpu, dtype, size);
            k.cumulative(op, xh, o, outer, n, inner, exclusive, reverse);
            assertClose(await gpu.memory.read(o), want, op === 'prod' ? PROD : ARITH, `cum${op} ${dtype} excl=${exclusive} rev=${reverse} ${label([outer, n, inner])}`);
          }
        }
      }
    }
  }
});

test('softmax and logSoftmax, and their gradients', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = reduceKernels(gpu);
  let seed = 300;
  for (const [outer, n, inner] of SHAPES) {
    const size = outer * n * inner;
    const x = floatsOf(size, seed++, (u) => 6 * u - 3);
    const dy = floatsOf(size, seed++, (u) => 2 * u - 1);
    for (const log of [false, true]) {
      const what = `${log ? 'logSoftmax' : 'softmax'} ${label([outer, n, inner])}`;
      const y = new Float32Array(size);
      jsBackend.softmax(x, y, outer, n, inner, log);
      const yh = out(gpu, 'float32', size);
      k.softmax(upload(x), yh, outer, n, inner, log);
      assertClose(await gpu.memory.read(yh), y, TRANSCENDENTAL, what);
      const dx = new Float32Array(size);
      jsBackend.softmaxGrad(y, dy, dx, outer, n, inner, log);
      const dxh = out(gpu, 'float32', size);
      k.softmaxGrad(upload(y), upload(dy), dxh, outer, n, inner, log);
      assertClose(await gpu.memory.read(dxh), dx, log ? TRANSCENDENTAL : ARITH, `${what} grad`);
    }
  }
});

/** [outer, c, inner] for batch norm: NHWC-like (inner 1, many rows), NCHW-like (long inner), tiny, odd. */
const BN_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [3, 7, 5],
  [2, 5000, 1],
  [1000, 3, 17],
  [4, 1, 9],
  [20000, 16, 1],
  [2, 4, 3000],
  [50000, 2, 1],
];

test('batchNorm with and without offset and scale', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = normKernels(gpu);
  let seed = 400;
  for (const [outer, c, inner] of BN_SHAPES) {
    const size = outer * c * inner;
    const x = floatsOf(size, seed++, (u) => 4 * u - 1);
    const mean = floatsOf(c, seed++, (u) => 2 * u - 0.5);
    const variance = floatsOf(c, seed++, (u) => 2 * u + 0.05);
    const offset = floatsOf(c, seed++, (u) => u - 0.5);
    const scale = floatsOf(c, seed++, (u) => 2 * u - 1);
    const xh = upload(x);
    const [mh, vh, oh, sh] = [mean, variance, offset, scale].map(upload) as [GpuBuffer, GpuBuffer, GpuBuffer, GpuBuffer];
    for (const [useOffset, useScale] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const want = new Float32Array(size);
      jsBackend.batchNorm(x, mean, variance, useOffset ? offset : null, useScale ? scale : null, want, 1e-3, outer, c, inner);
      const yh = out(gpu, 'float32', size);
      k.batchNorm(xh, mh, vh, useOffset ? oh : null, useScale ? sh : null, yh, 1e-3, outer, c, inner);
      assertClose(await gpu.memory.read(yh), want, ARITH, `batchNorm offset=${useOffset} scale=${useScale} ${label([outer, c, inner])}`);
    }
  }
});

test('batchNormGrad with and without scale', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = normKernels(gpu);
  let seed = 500;
  for (const [outer, c, inner] of [...BN_SHAPES, [0, 3, 4] as const]) {
    const size = outer * c * inner;
    const x = floatsOf(size, seed++, (u) => 4 * u - 1);
    const dy = floatsOf(size, seed++, (u) => 2 * u - 0.7);
    const mean = floatsOf(c, seed++, (u) => 2 * u - 0.5);
    const variance = floatsOf(c, seed++, (u) => 2 * u + 0.05);
    const scale = floatsOf(c, seed++, (u) => 2 * u - 1);
    const [xh, dyh, mh, vh, sh] = [x, dy, mean, variance, scale].map(upload) as [GpuBuffer, GpuBuffer, GpuBuffer, GpuBuffer, GpuBuffer];
    for (const useScale of [false, true]) {
      const want = { dx: new Float32Array(size), dMean: new Float32Array(c), dVariance: new Float32Array(c), dScale: new Float32Array(c), dOffset: new Float32Array(c) };
      jsBackend.batchNormGrad(x, mean, variance, useScale ? scale : null, dy, want, 1e-3, outer, c, inner);
      const got = { dx: out(gpu, 'float32', size), dMean: out(gpu, 'float32', c), dVariance: out(gpu, 'float32', c), dScale: out(gpu, 'float32', c), dOffset: out(gpu, 'float32', c) };
      k.batchNormGrad(xh, mh, vh, useScale ? sh : null, dyh, got, 1e-3, outer, c, inner);
      for (const name of ['dx', 'dMean', 'dVariance', 'dScale', 'dOffset'] as const) {
        assertClose(await gpu.memory.read(got[name]), want[name], ARITH, `batchNormGrad ${name} scale=${useScale} ${label([outer, c, inner])}`);
      }
    }
  }
});

test('biasActivationGrad linear and relu', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const k = normKernels(gpu);
  let seed = 600;
  const shapes: readonly (readonly [number, number])[] = [[1, 1], [7, 5], [5000, 2], [100000, 1], [1000, 51], [4, 9], [3000, 64], [0, 3]];
  for (const [rows, channels] of shapes) {
    const size = rows * channels;
    // y ≤ 0 (where relu blocks the gradient) a third of the time, exact zeros and a NaN included.
    const y = floatsOf(size, seed++, (u, i) => (i % 1009 === 5 ? NaN : u < 0.1 ? 0 : 3 * u - 1));
    const dy = floatsOf(size, seed++, (u) => 2 * u - 0.6);
    const [yh, dyh] = [upload(y), upload(dy)];
    for (const activation of ['linear', 'relu'] as EpilogueActivation[]) {
      const dpre = new Float32Array(size);
      const dbias = new Float32Array(channels);
      jsBackend.biasActivationGrad(y, dy, dpre, dbias, channels, activation);
      const [dph, dbh] = [out(gpu, 'float32', size), out(gpu, 'float32', channels)];
      k.biasActivationGrad(yh, dyh, dph, dbh, channels, activation);
      const what = `biasActivationGrad ${activation} ${label([rows, channels])}`;
      assertClose(await gpu.memory.read(dph), dpre, 0, `${what} dpre`);
      assertClose(await gpu.memory.read(dbh), dbias, ARITH, `${what} dbias`);
    }
  }
});
