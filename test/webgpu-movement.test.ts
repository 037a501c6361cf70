/**
 * The WebGPU data movement, pooling, resize and dropout kernels against the js reference
 * backend on seeded random data: every option of each kernel, odd sizes (not multiples
 * of the workgroup size), float32 and int32 where the reference allows both.
 *
 * Data movement, max pooling, scatterAdd (same summation order) and dropout masks must be
 * identical to the reference; sums that the reference does in float64 or in another
 * order are compared with |gpu − js| ≤ rtol·(|js| + mean|js|).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../src/backends/js/index.js';
import type { PadMode, Pool2DInfo, ResizeInfo, Shape } from '../src/backends/interface.js';
import { movementKernels } from '../src/backends/webgpu/movement.js';
import { poolKernels } from '../src/backends/webgpu/pool.js';
import { randomKernels } from '../src/backends/webgpu/random.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import { sizeOf } from '../src/tensor/shape.js';
import { testGpu, gpuFailure } from './helpers/webgpu.js';
import { data } from './helpers/backend-cases.js';
import { assertClose, assertSame, download, hostArray, ints, junk, rng, upload, type DType } from './helpers/gpu-compare.js';
import { unavailable } from './helpers/oracle.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);

/** Seeded test data: floats uniform in [-1, 1), integers in [-1000, 1000]. */
function randomData(n: number, dtype: DType, seed: number): TypedArray {
  return dtype === 'int32' ? ints(n, seed, -1000, 1000) : data(n, seed, -1, 1);
}

function gpu() {
  return testGpu as NonNullable<typeof testGpu>;
}

function shuffle<T>(xs: T[], r: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

const DTYPES: readonly DType[] = ['float32', 'int32'];

test('transpose: ranks 1-6, several permutations, float32 and int32', { skip }, async () => {
  const k = movementKernels(gpu());
  const shapes: Shape[] = [[300], [7, 45], [5, 3, 17], [2, 7, 1, 13], [3, 1, 4, 2, 5], [2, 3, 2, 1, 5, 3]];
  const r = rng(11);
  for (const dtype of DTYPES) {
    for (const shape of shapes) {
      const rank = shape.length;
      const identity = shape.map((_, i) => i);
      const perms = [identity, [...identity].reverse(), shuffle([...identity], r), shuffle([...identity], r)];
      const x = randomData(sizeOf(shape), dtype, 3 + rank);
      for (const perm of perms) {
        const want = hostArray(x.length, dtype);
        jsBackend.transpose(x, shape, perm, want);
        const out = junk(x.length, dtype);
        k.transpose(upload(x), shape, perm, out);
        assertSame(await download(out), want, `transpose ${dtype} [${shape}] perm [${perm}]`);
      }
    }
  }
});

test('transpose keeps NaN and -0 as they are', { skip }, async () => {
  const k = movementKernels(gpu());
  const x = Float32Array.from([NaN, -0, 1, -Infinity, 2, 3]);
  const want = new Float32Array(6);
  jsBackend.transpose(x, [2, 3], [1, 0], want);
  const out = junk(6, 'float32');
  k.transpose(upload(x), [2, 3], [1, 0], out);
  assertSame(await download(out), want, 'transpose NaN/-0');
});

test('slice', { skip }, async () => {
  const k = movementKernels(gpu());
  const cases: [Shape, number[], number[]][] = [
    [[300], [17], [201]],
    [[9, 31], [2, 5], [6, 19]],
    [[9, 31], [0, 0], [9, 31]],
    [[4, 6, 23], [1, 0, 3], [2, 6, 17]],
    [[3, 5, 4, 7], [1, 2, 0, 6], [2, 2, 4, 1]],
    [[3, 5, 4, 7, 3], [0, 1, 1, 2, 0], [3, 3, 2, 5, 3]],
    [[6, 5], [2, 1], [0, 3]],
    [[], [], []],
  ];
  for (const dtype of DTYPES) {
    for (const [shape, begin, sz] of cases) {
      const x = randomData(sizeOf(shape), dtype, 21);
      const want = hostArray(sizeOf(sz), dtype);
      jsBackend.slice(x, shape, begin, sz, want);
      const out = junk(sizeOf(sz), dtype);
      k.slice(upload(x), shape, begin, sz, out);
      assertSame(await download(out), want, `slice ${dtype} [${shape}] begin [${begin}] size [${sz}]`);
    }
  }
});

test('concat of 1-4 inputs', { skip }, async () => {
  const k = movementKernels(gpu());
  const cases: [number, number[]][] = [
    [37, [13]],
    [1, [300]],
    [19, [5, 11]],
    [23, [3, 0, 17]],
    [7, [1, 29, 4, 63]],
    [0, [3, 4]],
  ];
  for (const dtype of DTYPES) {
    for (const [outer, widths] of cases) {
      const xs = widths.map((w, i) => randomData(outer * w, dtype, 31 + i));
      const total = outer * widths.reduce((a, b) => a + b, 0);
      const want = hostArray(total, dtype);
      jsBackend.concat(xs, outer, widths, want);
      const out = junk(total, dtype);
      k.concat(xs.map(upload), outer, widths, out);
      assertSame(await download(out), want, `concat ${dtype} outer ${outer} widths [${widths}]`);
    }
  }
});

const PAD_CASES: [Shape, [number, number][]][] = [
  [[29], [[3, 5]]],
  [[29], [[0, 0]]],
  [[7, 11], [[2, 1], [0, 4]]],
  [[7, 11], [[0, 0], [6, 10]]],
  [[3, 5, 9], [[1, 2], [4, 0], [3, 3]]],
  [[2, 3, 4, 5], [[1, 1], [0, 0], [2, 3], [4, 1]]],
  [[1, 6, 5, 3], [[0, 0], [5, 5], [1, 4], [0, 0]]],
];

test('pad: constant, reflect and edge, float32 and int32, zero pads', { skip }, async () => {
  const k = movementKernels(gpu());
  for (const dtype of DTYPES) {
    for (const mode of ['constant', 'reflect', 'edge'] as PadMode[]) {
      for (const [shape, pads] of PAD_CASES) {
        for (const value of [0, 2.5, -7]) {
          if (mode !== 'constant' && value !== 0) continue;
          const x = randomData(sizeOf(shape), dtype, 41);
          const outShape = shape.map((n, i) => n + (pads[i] as [number, number])[0] + (pads[i] as [number, number])[1]);
          const want = hostArray(sizeOf(outShape), dtype);
          jsBackend.pad(x, shape, pads, mode, value, want);
          const out = junk(sizeOf(outShape), dtype);
          k.pad(upload(x), shape, pads, mode, value, out);
          assertSame(await download(out), want, `pad ${dtype} ${mode} [${shape}] pads ${JSON.stringify(pads)} value ${value}`);
        }
      }
    }
  }
  // A NaN constant and constant padding of an empty axis.
  const x = randomData(12, 'float32', 5);
  const want = new Float32Array(5 * 6);
  jsBackend.pad(x, [3, 4], [[1, 1], [1, 1]], 'constant', NaN, want);
  const out = junk(30, 'float32');
  k.pad(upload(x), [3, 4], [[1, 1], [1, 1]], 'constant', NaN, out);
  assertSame(await download(out), want, 'pad NaN constant');
  const want2 = new Int32Array(3 * 5);
  jsBackend.pad(new Int32Array(0), [3, 0], [[0, 0], [2, 3]], 'constant', 9, want2);
  const out2 = junk(15, 'int32');
  k.pad(upload(new Int32Array(0)), [3, 0], [[0, 0], [2, 3]], 'constant', 9, out2);
  assertSame(await download(out2), want2, 'pad of an empty axis');
});

test('padGrad: constant, reflect and edge, zero pads', { skip }, async () => {
  const k = movementKernels(gpu());
  for (const dtype of DTYPES) {
    for (const mode of ['constant', 'reflect', 'edge'] as PadMode[]) {
      for (const [shape, pads] of PAD_CASES) {
        const outShape = shape.map((n, i) => n + (pads[i] as [number, number])[0] + (pads[i] as [number, number])[1]);
        const dy = randomData(sizeOf(outShape), dtype, 51);
        const want = hostArray(sizeOf(shape), dtype);
        if (dtype === 'float32') jsBackend.padGrad(dy, shape, pads, mode, want);
        else jsBackend.padGrad(dy as unknown as Float32Array, shape, pads, mode, want as unknown as Float32Array);
        const out = junk(sizeOf(shape), dtype);
        k.padGrad(upload(dy), shape, pads, mode, out);
        const what = `padGrad ${dtype} ${mode} [${shape}] pads ${JSON.stringify(pads)}`;
        // One axis at a time: with several padded axes the float32 sums are grouped differently.
        if (dtype === 'float32') assertClose(await download(out), want, 1e-5, what);
        else assertSame(await download(out), want, what);
      }
    }
  }
});

test('gather: repeated and negative indices, float32 and int32', { skip }, async () => {
  const k = movementKernels(gpu());
  const cases: [number, number, number, number[]][] = [
    [1, 10, 7, [0, 9, -1, -10, 3, 3, 3, 5]],
    [3, 5, 1, [4, -5, 2, 2, -3, 0, 1, 4, -1, 2, 0, 3, 3]],
    [5, 17, 13, [16, -17, 8, 8]],
    [2, 4, 9, []],
  ];
  for (const dtype of DTYPES) {
    for (const [outer, n, inner, idx] of cases) {
      const x = randomData(outer * n * inner, dtype, 61);
      const indices = Int32Array.from(idx);
      const total = outer * idx.length * inner;
      const want = hostArray(total, dtype);
      jsBackend.gather(x, outer, n, inner, indices, want);
      const out = junk(total, dtype);
      k.gather(upload(x), outer, n, inner, upload(indices), out);
      assertSame(await download(out), want, `gather ${dtype} ${outer}x${n}x${inner} [${idx}]`);
    }
  }
  // Out-of-range indices (a RangeError in the reference) give rows of zeros.
  const x = randomData(2 * 3 * 4, 'float32', 62);
  const out = junk(2 * 3 * 4, 'float32');
  k.gather(upload(x), 2, 3, 4, upload(Int32Array.of(3, -4, 1)), out);
  const got = await download(out);
  for (let o = 0; o < 2; o++) {
    for (let j = 0; j < 3; j++) {
      for (let q = 0; q < 4; q++) {
        const v = got[(o * 3 + j) * 4 + q];
        assert.equal(v, j === 2 ? x[(o * 3 + 1) * 4 + q] : 0, `gather out of range [${o}, ${j}, ${q}]`);
      }
    }
  }
});

test('scatterAdd: repeated and negative indices add up (same order as the reference)', { skip }, async () => {
  const k = movementKernels(gpu());
  const r = rng(71);
  const cases: [number, number, number, number[]][] = [
    [1, 10, 7, [0, 9, -1, -10, 3, 3, 3, 5]],
    [3, 5, 1, [4, -5, 2, 2, -3, 0, 1, 4, -1, 2, 0, 3, 3]],
    [4, 300, 3, Array.from({ length: 500 }, () => Math.floor(r() * 600) - 300)],
    [2, 4, 9, []],
    [1, 3, 300, [1, 1, 1, 1, -2, -2, 0]],
  ];
  for (const dtype of DTYPES) {
    for (const [outer, n, inner, idx] of cases) {
      const dy = randomData(outer * idx.length * inner, dtype, 72);
      const indices = Int32Array.from(idx);
      const want = hostArray(outer * n * inner, dtype);
      jsBackend.scatterAdd(dy as Float32Array, outer, n, inner, indices, want as Float32Array);
      const out = junk(outer * n * inner, dtype);
      k.scatterAdd(upload(dy), outer, n, inner, upload(indices), out);
      assertSame(await download(out), want, `scatterAdd ${dtype} ${outer}x${n}x${inner} (${idx.length} indices)`);
    }
  }
  // Out-of-range indices (a RangeError in the reference) contribute nothing.
  const dy = Float32Array.from({ length: 4 }, (_, i) => i + 1);
  const out = junk(3, 'float32');
  k.scatterAdd(upload(dy), 1, 3, 1, upload(Int32Array.of(5, 2, -4, -1)), out);
  assertSame(await download(out), Float32Array.of(0, 0, 6), 'scatterAdd out of range');
});

test('tile', { skip }, async () => {
  const k = movementKernels(gpu());
  const cases: [Shape, number[]][] = [
    [[13], [5]],
    [[3, 7], [4, 1]],
    [[3, 7], [1, 9]],
    [[2, 3, 5], [2, 3, 2]],
    [[2, 1, 3, 2], [1, 5, 2, 3]],
    [[4, 5], [0, 2]],
    [[], []],
  ];
  for (const dtype of DTYPES) {
    for (const [shape, reps] of cases) {
      const x = randomData(sizeOf(shape), dtype, 81);
      const n = sizeOf(shape) * sizeOf(reps);
      const want = hostArray(n, dtype);
      jsBackend.tile(x, shape, reps, want);
      const out = junk(n, dtype);
      k.tile(upload(x), shape, reps, out);
      assertSame(await download(out), want, `tile ${dtype} [${shape}] reps [${reps}]`);
    }
  }
});

test('oneHot: out-of-range indices give all-off rows', { skip }, async () => {
  const k = movementKernels(gpu());
  const r = rng(91);
  const cases: [number[], number, number, number][] = [
    [[0, 3, 6, 7, -1, 2, 2], 7, 1, 0],
    [Array.from({ length: 301 }, () => Math.floor(r() * 14) - 2), 11, 0.9, -0.25],
    [[0, 1, 0], 1, 5, 2],
    [[4, 2], 0, 1, 0],
  ];
  for (const [idx, depth, on, off] of cases) {
    const indices = Int32Array.from(idx);
    const want = new Float32Array(idx.length * depth);
    jsBackend.oneHot(indices, depth, on, off, want);
    const out = junk(want.length, 'float32');
    k.oneHot(upload(indices), depth, on, off, out);
    assertSame(await download(out), want, `oneHot depth ${depth} on ${on} off ${off}`);
  }
});

function poolInfo(mode: 'max' | 'avg', batch: number, inH: number, inW: number, channels: number, k: [number, number], s: [number, number], d: [number, number], pad: [number, number, number, number], countIncludePad: boolean): Pool2DInfo {
  const [padTop, padLeft, padBottom, padRight] = pad;
  const outH = Math.floor((inH + padTop + padBottom - d[0] * (k[0] - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((inW + padLeft + padRight - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
  return { mode, batch, inH, inW, channels, outH, outW, kH: k[0], kW: k[1], strideH: s[0], strideW: s[1], dilationH: d[0], dilationW: d[1], padTop, padLeft, padBottom, padRight, countIncludePad };
}

type Geometry = [number, number, number, number, [number, number], [number, number], [number, number], [number, number, number, number]];
const POOL_GEOMETRIES: Geometry[] = [
  [2, 9, 11, 3, [2, 2], [2, 2], [1, 1], [0, 0, 0, 0]],
  [1, 10, 7, 5, [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]],
  [2, 8, 9, 2, [3, 2], [2, 3], [1, 1], [1, 0, 2, 2]],
  [1, 11, 12, 3, [3, 3], [2, 1], [2, 3], [2, 1, 0, 3]],
  [3, 5, 6, 1, [2, 3], [1, 2], [2, 1], [0, 2, 1, 0]],
  // Windows entirely in the padding.
  [1, 3, 3, 2, [2, 2], [3, 3], [1, 1], [3, 3, 3, 3]],
];

test('pool2d and pool2dGrad: max (ties, NaN) and avg with padding, strides, dilation, countIncludePad', { skip }, async () => {
  const kern = poolKernels(gpu());
  for (const mode of ['max', 'avg'] as const) {
    for (const countIncludePad of [false, true]) {
      if (mode === 'max' && countIncludePad) continue;
      for (const [gi, g] of POOL_GEOMETRIES.entries()) {
        const info = poolInfo(mode, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], countIncludePad);
        const nIn = info.batch * info.inH * info.inW * info.channels;
        const nOut = info.batch * info.outH * info.outW * info.channels;
        for (const variant of ['random', 'ties', 'nan']) {
          if (mode === 'avg' && variant === 'nan') continue;
          const r = rng(100 + gi);
          const x = Float32Array.from({ length: nIn }, () => (variant === 'random' ? r() * 2 - 1 : Math.floor(r() * 3)));
          if (variant === 'nan') for (let i = 0; i < nIn; i += 7) x[i] = NaN;
          const dy = randomData(nOut, 'float32', 200 + gi) as Float32Array;
          const what = `pool ${mode} ${variant} cip ${countIncludePad} geometry ${gi}`;
          const want = new Float32Array(nOut);
          jsBackend.pool2d(x, want, info);
          const out = junk(nOut, 'float32');
          kern.pool2d(upload(x), out, info);
          if (mode === 'max') assertSame(await download(out), want, what);
          else assertClose(await download(out), want, 1e-5, what); // the reference sums in float64
          const wantDx = new Float32Array(nIn);
          jsBackend.pool2dGrad(x, dy, wantDx, info);
          const dx = junk(nIn, 'float32');
          kern.pool2dGrad(upload(x), upload(dy), dx, info);
          if (mode === 'max') assertSame(await download(dx), wantDx, `${what} grad`);
          else assertClose(await download(dx), wantDx, 1e-5, `${what} grad`); // the reference divides in float64
        }
      }
    }
  }
});

test('resize2d and resize2dGrad: nearest and bilinear with each flag', { skip }, async () => {
  const kern = poolKernels(gpu());
  const sizes: [number, number, number, number, number, number][] = [
    [2, 5, 7, 3, 11, 13],
    [1, 9, 8, 2, 4, 3],
    [1, 4, 6, 5, 1, 9],
    [2, 1, 3, 1, 6, 1],
    [1, 6, 6, 3, 12, 12],
  ];
  for (const method of ['nearest', 'bilinear'] as const) {
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const [si, [batch, inH, inW, channels, outH, outW]] of sizes.entries()) {
        const info: ResizeInfo = { method, batch, inH, inW, channels, outH, outW, alignCorners, halfPixelCenters };
        const nIn = batch * inH * inW * channels;
        const nOut = batch * outH * outW * channels;
        const x = randomData(nIn, 'float32', 300 + si) as Float32Array;
        const dy = randomData(nOut, 'float32', 400 + si) as Float32Array;
        const what = `resize ${method} align ${alignCorners} half ${halfPixelCenters} size ${si}`;
        const want = new Float32Array(nOut);
        jsBackend.resize2d(x, want, info);
        const out = junk(nOut, 'float32');
        kern.resize2d(upload(x), out, info);
        const got = await download(out);
        // The reference forms the weights and products in float64.
        if (method === 'nearest') assertSame(got, want, what);
        else assertClose(got, want, 1e-5, what);
        const wantDx = new Float32Array(nIn);
        jsBackend.resize2dGrad(dy, wantDx, info);
        const dx = junk(nIn, 'float32');
        kern.resize2dGrad(upload(dy), dx, info);
        // Gathered per input pixel: the sums are grouped by row then column, not in output order.
        assertClose(await download(dx), wantDx, 1e-5, `${what} grad`);
      }
    }
  }
});

test('dropout masks are bit-identical to the reference', { skip }, async () => {
  const kern = randomKernels(gpu());
  for (const n of [10007, 70000, 65536 * 2 + 3]) {
    for (const rate of [0.1, 0.5, 0.9]) {
      for (const seed of [1, 2 ** 31 + 12345, 7.5e12]) {
        const want = new Float32Array(n);
        jsBackend.dropoutMask(want, rate, seed);
        const out = junk(n, 'float32');
        kern.dropoutMask(out, rate, seed);
        const got = await download(out);
        assert.deepEqual(got, want, `mask size ${n} rate ${rate} seed ${seed}`);
        const dropped = got.filter((v) => v === 0).length / n;
        assert.ok(Math.abs(dropped - rate) < 0.03, `dropped fraction ${dropped} for rate ${rate}`);
      }
    }
  }
  // Edge rates: 0 keeps everything (as 1), 1 drops everything.
  for (const rate of [0, 1, 1 / 3]) {
    const want = new Float32Array(777);
    jsBackend.dropoutMask(want, rate, 99);
    const out = junk(777, 'float32');
    kern.dropoutMask(out, rate, 99);
    assert.deepEqual(await download(out), want, `mask rate ${rate}`);
  }
});
