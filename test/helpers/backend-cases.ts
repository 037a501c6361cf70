/**
 * Every kernel of a backend against the js reference backend on seeded random shapes
 * (odd sizes, strides, padding, groups, broadcasting), at sizes above the small-tensor
 * cut-overs so the backend's own code runs. Environment-free: the wasm tests run it in
 * Node and in headless Chromium (loaded from build/test/helpers/ as a plain ES module).
 *
 * Tolerance: |got − js| ≤ rtol·(|js| + mean|js|) — backends sum in different orders
 * (GEMM blocking, threads, float vs double accumulators); such errors scale with the
 * magnitude of the summed terms, which mean|js| stands for.
 */
import type { Backend, Conv2DInfo, Pool2DInfo, RnnInfo, UpdateHyper, UpdateRule } from '../../src/backends/interface.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../../src/backends/codes.js';
import { UNARY } from '../../src/backends/op-table.js';
import { rnnOutputSize, rnnReserveSize } from '../../src/backends/js/rnn.js';
import type { TypedArray } from '../../src/tensor/dtype.js';

export interface CaseFailure {
  readonly what: string;
  readonly detail: string;
}

export interface CaseReport {
  readonly checked: number;
  readonly failures: CaseFailure[];
}

/** Every op comes from the op table: a new entry is compared without touching this file. */
export const UNARY_LIST = UNARY_OPS;

/**
 * Host values in and out of a backend's memory. Outputs are filled with NaN (or a junk
 * integer) first, so a kernel that leaves part of its output unwritten fails.
 */
export class BackendIO {
  constructor(readonly b: Backend) {}

  in(x: TypedArray): unknown {
    const h = this.b.memory.alloc(x instanceof Int32Array ? 'int32' : 'float32', x.length);
    this.b.memory.write(h, x);
    return h;
  }

  out(n: number, dtype: 'float32' | 'int32' = 'float32'): unknown {
    return this.in(dtype === 'int32' ? new Int32Array(n).fill(-123456789) : new Float32Array(n).fill(Number.NaN));
  }

  /** A copy of the values (through Memory.read: a GPU memory has no synchronous reads). */
  async get(h: unknown): Promise<TypedArray> {
    return (await this.b.memory.read(h)).slice();
  }

  /** Runs `body` with an output of n elements and returns what it wrote. */
  async run(n: number, body: (out: unknown) => void, dtype: 'float32' | 'int32' = 'float32'): Promise<TypedArray> {
    const o = this.out(n, dtype);
    body(o);
    return this.get(o);
  }
}

/** Seeded uniform data in [lo, hi) (xorshift; independent of any backend). */
export function data(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

function size(shape: readonly number[]): number {
  return shape.reduce((s, d) => s * d, 1);
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export function convInfo(batch: number, inH: number, inW: number, inC: number, outC: number, k: number, s: number, d: number, pad: number, groups: number): Conv2DInfo {
  const dk = (k - 1) * d + 1;
  return {
    batch, inH, inW, inC, outC, kH: k, kW: k, strideH: s, strideW: s, dilationH: d, dilationW: d, padTop: pad, padLeft: pad, groups,
    outH: Math.floor((inH + 2 * pad - dk) / s) + 1, outW: Math.floor((inW + 2 * pad - dk) / s) + 1,
  };
}

export const CONV_CASES: readonly Conv2DInfo[] = [
  convInfo(2, 11, 9, 3, 8, 3, 1, 1, 0, 1), convInfo(3, 12, 13, 5, 7, 3, 2, 1, 1, 1), convInfo(1, 15, 14, 4, 6, 3, 1, 2, 2, 1),
  convInfo(2, 10, 10, 8, 12, 5, 1, 1, 2, 1), convInfo(4, 9, 9, 6, 9, 2, 2, 1, 0, 3), convInfo(2, 8, 11, 7, 7, 3, 1, 1, 1, 7),
  convInfo(3, 9, 8, 5, 10, 3, 2, 1, 1, 5), convInfo(2, 7, 7, 16, 24, 1, 1, 1, 0, 1), convInfo(1, 13, 13, 3, 4, 4, 3, 1, 1, 1),
  convInfo(5, 6, 6, 4, 4, 3, 1, 1, 3, 1), convInfo(3, 7, 7, 12, 6, 1, 1, 1, 0, 3), convInfo(2, 28, 28, 1, 32, 3, 1, 1, 0, 1),
  // 3×3 stride-1 shapes the wasm backend runs by Winograd F(4×4) and F(2×2), with partial edge tiles
  convInfo(2, 13, 11, 8, 12, 3, 1, 1, 0, 1), convInfo(3, 10, 9, 16, 8, 3, 1, 1, 1, 1), convInfo(1, 12, 12, 8, 16, 3, 1, 1, 2, 1), convInfo(2, 7, 6, 8, 8, 3, 1, 1, 1, 1),
  // big enough for several row chunks per thread
  convInfo(4, 40, 40, 32, 8, 3, 1, 1, 1, 1), convInfo(4, 64, 64, 32, 8, 3, 2, 1, 1, 1), convInfo(1, 64, 64, 32, 8, 3, 2, 1, 1, 1),
  // filters in multiples of 16 (the native direct kernel's vectors): 1 to 5 vectors, padding, strides, 1×1, 5×5
  convInfo(2, 9, 11, 5, 48, 3, 1, 1, 1, 1), convInfo(1, 13, 10, 7, 80, 3, 2, 1, 1, 1), convInfo(3, 8, 8, 3, 64, 5, 1, 1, 2, 1),
  convInfo(1, 26, 26, 32, 64, 3, 1, 1, 0, 1), convInfo(2, 7, 9, 4, 16, 1, 1, 1, 0, 1), convInfo(1, 6, 20, 2, 32, 3, 3, 1, 2, 1),
];

export function poolInfo(mode: 'max' | 'avg', batch: number, inH: number, inW: number, channels: number, k: number, s: number, d: number, pt: number, pb: number, countIncludePad: boolean): Pool2DInfo {
  const dk = (k - 1) * d + 1;
  const out = (n: number): number => Math.floor((n + pt + pb - dk) / s) + 1;
  return { mode, batch, inH, inW, channels, outH: out(inH), outW: out(inW), kH: k, kW: k, strideH: s, strideW: s, dilationH: d, dilationW: d, padTop: pt, padLeft: pt, padBottom: pb, padRight: pb, countIncludePad };
}

export const POOL_CASES: readonly Pool2DInfo[] = [
  poolInfo('max', 3, 12, 11, 5, 2, 2, 1, 0, 0, false), poolInfo('max', 2, 9, 9, 8, 3, 2, 1, 1, 1, false), poolInfo('max', 2, 10, 10, 3, 2, 1, 2, 0, 1, false),
  poolInfo('avg', 3, 12, 11, 5, 2, 2, 1, 0, 0, false), poolInfo('avg', 2, 9, 9, 7, 3, 2, 1, 1, 1, false), poolInfo('avg', 2, 9, 9, 8, 3, 2, 1, 1, 1, true),
  poolInfo('avg', 4, 8, 8, 6, 3, 3, 1, 0, 1, true),
];

/** Runs every comparison; returns how many were checked and what failed. */
export interface CompareOptions {
  readonly rtol?: number;
  /** Case groups to run (unary, binary, reduce, matmul, conv, pool, norm, movement, random, optimizers, rnn). */
  readonly only?: readonly string[];
  /**
   * The target computes in float32 only and may flush subnormals to zero, as WGSL allows
   * (GPU backends): the reference sees the inputs with subnormals flushed, and optimizer
   * updates, which the reference computes in doubles, are held to rtol instead of rtol/100
   * (centered RMSprop's ms − mg² cancels).
   */
  readonly float32Arithmetic?: boolean;
}

/** Subnormal float32 values replaced by zero of the same sign. */
function flushSubnormals(x: TypedArray): TypedArray {
  if (!(x instanceof Float32Array)) return x;
  return x.map((v) => (v !== 0 && Math.abs(v) < 1.1754943508222875e-38 ? (v < 0 ? -0 : 0) : v));
}

export async function compareBackends(target: Backend, ref: Backend, options: CompareOptions = {}): Promise<CaseReport> {
  const rtol = options.rtol ?? 1e-4;
  const failures: CaseFailure[] = [];
  let checked = 0;
  const T = new BackendIO(target);
  const R = new BackendIO(ref);
  const want = (group: string): boolean => !options.only || options.only.includes(group);
  const close = (got: ArrayLike<number>, exp: ArrayLike<number>, what: string, tolScale = 1): void => {
    checked++;
    if (got.length !== exp.length) {
      failures.push({ what, detail: `length ${got.length} vs ${exp.length}` });
      return;
    }
    let mean = 0;
    for (let i = 0; i < exp.length; i++) if (Number.isFinite(exp[i])) mean += Math.abs(exp[i]);
    mean /= Math.max(1, exp.length);
    for (let i = 0; i < exp.length; i++) {
      if (Number.isNaN(exp[i]) && Number.isNaN(got[i])) continue;
      if (exp[i] === got[i]) continue;
      const tol = rtol * tolScale * (Math.abs(exp[i]) + mean);
      if (!(Math.abs(got[i] - exp[i]) <= tol)) {
        failures.push({ what, detail: `element ${i}: ${got[i]} vs js ${exp[i]} (tolerance ${tol.toExponential(2)})` });
        return;
      }
    }
  };
  const guard = async (what: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (e) {
      checked++;
      failures.push({ what, detail: `threw ${(e as Error).stack ?? String(e)}` });
    }
  };
  /** Runs the same kernel call on both backends (inputs given as host arrays) and compares the output. */
  const both = async (what: string, n: number, inputs: readonly TypedArray[], call: (b: Backend, ins: unknown[], out: unknown) => void, tolScale = 1, dtype: 'float32' | 'int32' = 'float32'): Promise<void> => {
    const ti = inputs.map((x) => T.in(x));
    const ri = inputs.map((x) => R.in(options.float32Arithmetic ? flushSubnormals(x) : x));
    const got = await T.run(n, (o) => call(target, ti, o), dtype);
    const exp = await R.run(n, (o) => call(ref, ri, o), dtype);
    close(got, exp, what, tolScale);
  };

  if (want('unary')) {
    const n = 5001;
    for (const op of UNARY_LIST) {
      await guard(`unary ${op}`, async () => {
        const positive = (UNARY[op] as { domain?: string }).domain === 'positive';
        const x = data(n, 1, positive ? 0.1 : -3, 3);
        // Special values every kernel must pass through like the reference.
        x.set([0, -0, 1e-6, -1e-6, 20, -20, 88, -88, Number.NaN, 1e-30], 0);
        if (positive) x.set([0.1, 1e-6, 50, 1e30, Number.NaN, 3e-39], 0);
        const p = { alpha: op === 'clip' ? -0.5 : 0.3, beta: op === 'clip' ? 1.5 : 0.5 };
        await both(`unary ${op}`, n, [x], (b, [hx], o) => b.unary(op, hx, o, p), 0.05);
        const y = await R.run(n, (o) => ref.unary(op, R.in(x), o, p));
        const dy = data(n, 2);
        await both(`unaryGrad ${op}`, n, [x, y, dy], (b, [hx, hy, hdy], o) => b.unaryGrad(op, hx, hy, hdy, o, p), 0.05);
      });
    }
  }
  if (want('binary')) {
    const pairs: [number[], number[]][] = [[[33, 65], [33, 65]], [[7, 33, 65], [65]], [[7, 33, 65], [33, 1]], [[7, 1, 65], [1, 33, 1]], [[3000], []], [[], [2, 2001]], [[5, 3, 7, 40], [5, 1, 7, 1]]];
    for (const [k, [sa, sb]] of pairs.entries()) {
      const out = broadcastShape(sa, sb);
      const a = data(size(sa), 10 + k, 0.5, 2);
      const b = data(size(sb), 20 + k, 0.5, 2);
      if (b.length > 3) b[3] = a[3]; // an equal pair for the comparisons
      for (const op of BINARY_OPS) {
        await guard(`binary ${op}`, async () => await both(`binary ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, size(out), [a, b], (bk, [ha, hb], o) => bk.binary(op, ha, sa, hb, sb, o, out), 0.05));
      }
    }
    // Special pairs every kernel must treat like the reference (Math.pow's NaN and infinity
    // cases among them), elementwise over 2048 values (above every cut-over).
    const sx = [1, -1, 1, -1, Number.NaN, 0, -0, 0, -Infinity, -Infinity, -Infinity, -Infinity, Infinity, -2, -2, 2, 0.5, 1e30, -1e-30, 3];
    const sy = [Number.NaN, Infinity, -Infinity, Number.NaN, 0, -1, -3, 2, 0.5, -0.5, 3, -3, -2, 0.5, 3, Number.NaN, Infinity, 2, -3, 0];
    const n = 2048;
    const a = new Float32Array(n).map((_, i) => sx[i % sx.length]);
    const b = new Float32Array(n).map((_, i) => sy[i % sy.length]);
    for (const op of BINARY_OPS) {
      await guard(`binary ${op} special values`, async () => await both(`binary ${op} special values`, n, [a, b], (bk, [ha, hb], o) => bk.binary(op, ha, [n], hb, [n], o, [n]), 0.05));
    }
  }
  if (want('reduce')) {
    const views = [[1, 100003, 1], [257, 31, 1], [3, 77, 29], [1, 4096, 5], [40, 3, 64], [2, 9000, 2], [128, 10, 1]];
    for (const [k, [outer, n, inner]] of views.entries()) {
      const x = data(outer * n * inner, 30 + k, 0.9, 1.1);
      for (const op of REDUCE_OPS) {
        if (op === 'prod' && n > 200) continue;
        await guard(`reduce ${op}`, async () => await both(`reduce ${op} [${outer}, ${n}, ${inner}]`, outer * inner, [x], (b, [hx], o) => b.reduce(op, hx, o, outer, n, inner)));
      }
      for (const log of [false, true]) {
        await guard(`softmax log=${log}`, async () => {
          await both(`softmax log=${log} [${outer}, ${n}, ${inner}]`, x.length, [x], (b, [hx], o) => b.softmax(hx, o, outer, n, inner, log));
          const y = await R.run(x.length, (o) => ref.softmax(R.in(x), o, outer, n, inner, log));
          const dy = data(x.length, 40 + k);
          await both(`softmaxGrad log=${log} [${outer}, ${n}, ${inner}]`, x.length, [y, dy], (b, [hy, hdy], o) => b.softmaxGrad(hy, hdy, o, outer, n, inner, log));
        });
      }
      await guard('argReduce', async () => {
        for (const op of ['argmax', 'argmin'] as const) await both(`${op} [${outer}, ${n}, ${inner}]`, outer * inner, [x], (b, [hx], o) => b.argReduce(op, hx, o, outer, n, inner), 1, 'int32');
      });
      await guard('cumulative', async () => {
        if (n * outer * inner > 20000) return;
        for (const exclusive of [false, true]) {
          for (const reverse of [false, true]) await both(`cumsum ex=${exclusive} rev=${reverse}`, x.length, [x], (b, [hx], o) => b.cumulative('sum', hx, o, outer, n, inner, exclusive, reverse));
        }
      });
    }
  }
  if (want('matmul')) {
    const cases = [[1, 1, 64, 33, 71], [3, 3, 17, 29, 13], [4, 1, 31, 7, 65], [1, 5, 9, 40, 11], [1, 1, 256, 256, 256], [1, 1, 128, 784, 512], [1, 1, 5, 700, 3], [2, 2, 130, 333, 67], [1, 1, 1, 784, 512], [1, 1, 3, 512, 256], [8, 8, 64, 32, 64], [3, 1, 7, 5, 40]];
    for (const [c, [batchA, batchB, m, k, n]] of cases.entries()) {
      const a = data(batchA * m * k, 60 + c);
      const b = data(batchB * k * n, 70 + c);
      const bias = data(n, 75 + c);
      const outN = Math.max(batchA, batchB) * m * n;
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const spec = { batchA, batchB, m, k, n, transA, transB };
          await guard(`matmul ${JSON.stringify(spec)}`, async () => {
            await both(`matmul ${JSON.stringify(spec)}`, outN, [a, b], (bk, [ha, hb], o) => bk.matmul(ha, hb, o, spec));
            await both(`matmul+bias+relu ${JSON.stringify(spec)}`, outN, [a, b, bias], (bk, [ha, hb, hbias], o) => bk.matmul(ha, hb, o, spec, { bias: hbias, activation: 'relu' }));
            await both(`matmul+relu ${JSON.stringify(spec)}`, outN, [a, b], (bk, [ha, hb], o) => bk.matmul(ha, hb, o, spec, { bias: null, activation: 'relu' }));
          });
        }
      }
    }
  }
  if (want('conv')) {
    for (const [c, info] of CONV_CASES.entries()) {
      const x = data(info.batch * info.inH * info.inW * info.inC, 80 + c);
      const w = data(info.kH * info.kW * (info.inC / info.groups) * info.outC, 90 + c);
      const dy = data(info.batch * info.outH * info.outW * info.outC, 100 + c);
      const bias = data(info.outC, 105 + c);
      const what = `conv ${JSON.stringify(info)}`;
      await guard(what, async () => {
        await both(`${what} forward`, dy.length, [x, w], (b, [hx, hw], o) => b.conv2d(hx, hw, o, info));
        await both(`${what} forward+bias+relu`, dy.length, [x, w, bias], (b, [hx, hw, hb], o) => b.conv2d(hx, hw, o, info, { bias: hb, activation: 'relu' }));
        await both(`${what} input gradient`, x.length, [dy, w], (b, [hdy, hw], o) => b.conv2dBackpropInput(hdy, hw, o, info));
        await both(`${what} filter gradient`, w.length, [x, dy], (b, [hx, hdy], o) => b.conv2dBackpropFilter(hx, hdy, o, info));
      });
    }
  }
  if (want('pool')) {
    for (const [c, info] of POOL_CASES.entries()) {
      const x = data(info.batch * info.inH * info.inW * info.channels, 110 + c);
      const dy = data(info.batch * info.outH * info.outW * info.channels, 120 + c);
      await guard(`pool ${JSON.stringify(info)}`, async () => {
        await both(`pool ${JSON.stringify(info)}`, dy.length, [x], (b, [hx], o) => b.pool2d(hx, o, info));
        await both(`poolGrad ${JSON.stringify(info)}`, x.length, [x, dy], (b, [hx, hdy], o) => b.pool2dGrad(hx, hdy, o, info));
        // NaNs at a window's first tap and at a later one: max pooling propagates both
        const withNaN = Float32Array.from(x);
        withNaN[1] = Number.NaN;
        withNaN[info.channels + 2] = Number.NaN;
        await both(`pool with NaN ${JSON.stringify(info)}`, dy.length, [withNaN], (b, [hx], o) => b.pool2d(hx, o, info));
      });
    }
    // Max-pool gradient through a bias/ReLU epilogue (plans fuse the two): x is a ReLU
    // output (zeros, so windows whose maximum is 0 pass nothing), with NaNs; the small
    // cases, and tiling windows above the accelerated backends' cut-over.
    const fusedCases = [...POOL_CASES.filter((info) => info.mode === 'max'), poolInfo('max', 2, 24, 24, 64, 2, 2, 1, 0, 0, false), poolInfo('max', 3, 17, 15, 40, 2, 2, 1, 0, 0, false)];
    for (const [c, info] of fusedCases.entries()) {
      const x = data(info.batch * info.inH * info.inW * info.channels, 130 + c).map((v) => Math.max(v, 0));
      x[info.channels + 3] = Number.NaN;
      const dy = data(info.batch * info.outH * info.outW * info.channels, 135 + c);
      await guard(`pool2dGradBiasRelu ${JSON.stringify(info)}`, async () => {
        for (const which of ['dx', 'dbias'] as const) {
          await both(`pool2dGradBiasRelu ${which} ${JSON.stringify(info)}`, which === 'dx' ? x.length : info.channels, [x, dy], (b, [hx, hdy], o) => {
            const io = b === target ? T : R;
            const other = io.out(which === 'dx' ? info.channels : x.length);
            if (which === 'dx') b.pool2dGradBiasRelu(hx, hdy, o, other, info);
            else b.pool2dGradBiasRelu(hx, hdy, other, o, info);
          });
        }
      });
    }
    for (const [method, alignCorners, half] of [['nearest', false, true], ['bilinear', false, true], ['bilinear', true, false]] as const) {
      const info = { method, batch: 2, inH: 7, inW: 9, channels: 80, outH: 15, outW: 11, alignCorners, halfPixelCenters: half };
      await guard(`resize ${method}`, async () => {
        const x = data(2 * 7 * 9 * 80, 125);
        const dy = data(2 * 15 * 11 * 80, 126);
        await both(`resize2d ${JSON.stringify(info)}`, dy.length, [x], (b, [hx], o) => b.resize2d(hx, o, info));
        await both(`resize2dGrad ${JSON.stringify(info)}`, x.length, [dy], (b, [hdy], o) => b.resize2dGrad(hdy, o, info));
      });
    }
    // sampleImage: source coordinates inside, on and beyond the border (every fill mode and both
    // interpolations); webgpu's WGSL against the js reference.
    for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const info = { batch: 2, height: 7, width: 9, channels: 3, interpolation, fillMode, fillValue: 0.75 };
        await guard(`sampleImage ${fillMode} ${interpolation}`, async () => {
          const x = data(2 * 7 * 9 * 3, 127);
          const sx = data(2 * 7 * 9, 128, -12, 20);
          const sy = data(2 * 7 * 9, 129, -10, 16);
          await both(`sampleImage ${JSON.stringify(info)}`, x.length, [x, sx, sy], (b, [hx, hsx, hsy], o) => b.sampleImage(hx, hsx, hsy, o, info));
        });
      }
    }
  }
  if (want('norm')) {
    for (const [outer, c, inner, withParams] of [[700, 7, 1, true], [5, 9, 80, false], [2, 33, 65, true]] as const) {
      await guard('batchNorm', async () => {
        const x = data(outer * c * inner, 130);
        const mean = data(c, 131);
        const variance = data(c, 132, 0.1, 2);
        const offset = withParams ? data(c, 133) : null;
        const scale = withParams ? data(c, 134) : null;
        const dy = data(x.length, 135);
        const params = withParams ? [offset as Float32Array, scale as Float32Array] : [];
        await both('batchNorm', x.length, [x, mean, variance, ...params], (b, [hx, hm, hv, ho, hs], o) => b.batchNorm(hx, hm, hv, ho ?? null, hs ?? null, o, 1e-3, outer, c, inner));
        for (const key of ['dx', 'dMean', 'dVariance', 'dScale', 'dOffset'] as const) {
          const n = key === 'dx' ? x.length : c;
          await both(`batchNormGrad ${key}`, n, [x, mean, variance, dy, ...(scale ? [scale] : [])], (b, [hx, hm, hv, hdy, hs], o) => {
            const io = b === target ? T : R;
            const g = { dx: io.out(x.length), dMean: io.out(c), dVariance: io.out(c), dScale: io.out(c), dOffset: io.out(c), [key]: o };
            b.batchNormGrad(hx, hm, hv, hs ?? null, hdy, g, 1e-3, outer, c, inner);
          });
        }
      });
    }
    for (const [rows, c, withGamma, withBeta] of [[300, 37, true, true], [64, 128, false, true], [9, 700, true, false], [100, 33, false, false]] as const) {
      await guard('layerNorm', async () => {
        // Off-centre rows (values in [4, 6)), where a one-pass variance would cancel.
        const x = data(rows * c, 150, 4, 6);
        const gamma = withGamma ? data(c, 151) : null;
        const beta = withBeta ? data(c, 152) : null;
        const dy = data(x.length, 153);
        const params = [...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
        const pick = <H>(hs: readonly H[]): { g: H | null; b: H | null } => ({ g: withGamma ? hs[0] : null, b: withBeta ? hs[withGamma ? 1 : 0] : null });
        for (const key of ['y', 'mean', 'rstd'] as const) {
          await both(`layerNorm [${rows}, ${c}] ${key}`, key === 'y' ? x.length : rows, [x, ...params], (b, [hx, ...hp], o) => {
            const io = b === target ? T : R;
            const out = { y: io.out(x.length), mean: io.out(rows), rstd: io.out(rows), [key]: o };
            const { g, b: beta } = pick(hp);
            b.layerNorm(hx, g, beta, out.y, out.mean, out.rstd, 1e-3, rows, c);
          });
        }
        // The statistics, computed here, so every backend differentiates at the same point.
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(r * c, (r + 1) * c);
          const m = row.reduce((s, v) => s + v, 0) / c;
          mean[r] = m;
          rstd[r] = 1 / Math.sqrt(row.reduce((s, v) => s + (v - m) ** 2, 0) / c + 1e-3);
        }
        for (const key of ['dx', 'dGamma', 'dBeta'] as const) {
          if ((key === 'dGamma' && !withGamma) || (key === 'dBeta' && !withBeta)) continue;
          await both(`layerNormGrad [${rows}, ${c}] ${key}`, key === 'dx' ? x.length : c, [x, mean, rstd, dy, ...(gamma ? [gamma] : [])], (b, [hx, hm, hr, hdy, hg], o) => {
            const io = b === target ? T : R;
            const g = { dx: io.out(x.length), dGamma: withGamma ? io.out(c) : null, dBeta: withBeta ? io.out(c) : null, [key]: o };
            b.layerNormGrad(hx, hg ?? null, hm, hr, hdy, g, rows, c);
          });
        }
      });
    }
    await guard('biasActivationGrad', async () => {
      for (const activation of ['linear', 'relu'] as const) {
        const y = data(300 * 37, 140, -1, 1);
        const dy = data(300 * 37, 141);
        for (const which of ['dpre', 'dbias'] as const) {
          await both(`biasActivationGrad ${activation} ${which}`, which === 'dpre' ? y.length : 37, [y, dy], (b, [hy, hdy], o) => {
            const io = b === target ? T : R;
            const other = io.out(which === 'dpre' ? 37 : y.length);
            if (which === 'dpre') b.biasActivationGrad(hy, hdy, o, other, 37, activation);
            else b.biasActivationGrad(hy, hdy, other, o, 37, activation);
          });
        }
      }
    });
  }
  if (want('movement')) {
    const shape = [7, 13, 33];
    const x = data(size(shape), 190);
    const xi = Int32Array.from(data(size(shape), 191, -50, 50), Math.trunc);
    await guard('cast/copy', async () => {
      await both('cast f32→i32', x.length, [x], (b, [hx], o) => b.cast(hx, o), 1, 'int32');
      await both('cast i32→f32', xi.length, [xi], (b, [hx], o) => b.cast(hx, o));
      await both('copy', x.length, [x], (b, [hx], o) => b.copy(hx, o));
    });
    await guard('transpose', async () => {
      for (const perm of [[2, 0, 1], [1, 0, 2], [0, 2, 1]]) await both(`transpose ${perm}`, x.length, [x], (b, [hx], o) => b.transpose(hx, shape, perm, o));
    });
    await guard('slice/concat/pad/tile', async () => {
      await both('slice', 5 * 6 * 20, [x], (b, [hx], o) => b.slice(hx, shape, [1, 3, 7], [5, 6, 20], o));
      const y = data(7 * 5, 192);
      await both('concat', 7 * (13 * 33 + 5), [x, y], (b, [hx, hy], o) => b.concat([hx, hy], 7, [13 * 33, 5], o));
      const pads = [[1, 2], [0, 3], [2, 2]] as const;
      const padded = (7 + 3) * (13 + 3) * (33 + 4);
      for (const mode of ['constant', 'reflect', 'edge'] as const) {
        await both(`pad ${mode}`, padded, [x], (b, [hx], o) => b.pad(hx, shape, pads, mode, 0.5, o));
        const dy = data(padded, 193);
        await both(`padGrad ${mode}`, x.length, [dy], (b, [hdy], o) => b.padGrad(hdy, shape, pads, mode, o));
      }
      await both('tile', x.length * 6, [x], (b, [hx], o) => b.tile(hx, shape, [2, 1, 3], o));
      await both('broadcastTo', 4 * x.length, [x], (b, [hx], o) => b.broadcastTo(hx, shape, o, [4, ...shape]));
      const cond = Float32Array.from(data(x.length, 194), (v) => (v > 0 ? 1 : 0));
      await both('where', x.length, [cond, x, y.subarray(0, 33)], (b, [hc, ha, hb], o) => b.where(hc, shape, ha, shape, hb, [33], o, shape));
    });
    await guard('gather/scatterAdd/oneHot', async () => {
      const idx = Int32Array.from([0, 12, -1, 5, 5, -13, 7]);
      await both('gather', 7 * idx.length * 33, [x, idx], (b, [hx, hi], o) => b.gather(hx, 7, 13, 33, hi, o));
      const dy = data(7 * idx.length * 33, 195);
      await both('scatterAdd', x.length, [dy, idx], (b, [hdy, hi], o) => b.scatterAdd(hdy, 7, 13, 33, hi, o));
      await both('oneHot', idx.length * 10, [idx], (b, [hi], o) => b.oneHot(hi, 10, 1, 0, o));
    });
  }
  if (want('random')) {
    for (const [n, rate, seed] of [[10007, 0.5, 1], [200000, 0.1, 2 ** 31 + 12345], [3001, 0.9, 7.5e12], [70000, 0.25, 0]] as const) {
      await guard('dropoutMask', async () => {
        checked++;
        const a = await T.run(n, (o) => target.dropoutMask(o, rate, seed));
        const b = await R.run(n, (o) => ref.dropoutMask(o, rate, seed));
        const i = a.findIndex((v, k) => v !== b[k]);
        if (a.length !== b.length || i >= 0) failures.push({ what: `dropoutMask size ${n} rate ${rate} seed ${seed}`, detail: `differs at element ${i}` });
      });
    }
  }
  if (want('optimizers')) {
    const n = 4099;
    const rules: [UpdateRule, number, UpdateHyper][] = [
      ['sgd', 0, { lr: 0.1, momentum: 0, nesterov: 0 }], ['sgd', 1, { lr: 0.1, momentum: 0.9, nesterov: 0 }], ['sgd', 1, { lr: 0.1, momentum: 0.9, nesterov: 1 }],
      ['adam', 2, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9 ** 3, beta2Power: 0.999 ** 3, decay: 0 }],
      ['adam', 3, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9 ** 3, beta2Power: 0.999 ** 3, decay: 1e-5 }],
      ['adamax', 2, { lr: 2e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9 ** 2 }],
      ['nadam', 2, { lr: 2e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, mu: 0.88, muNext: 0.885, muProduct: 0.7, muProductNext: 0.62, beta2Power: 0.997 }],
      ['rmsprop', 1, { lr: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 0 }], ['rmsprop', 2, { lr: 1e-3, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: 0 }],
      ['rmsprop', 3, { lr: 1e-3, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: 1 }], ['rmsprop', 2, { lr: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 1 }],
      ['adagrad', 1, { lr: 0.01, epsilon: 1e-7 }], ['adadelta', 2, { lr: 1, rho: 0.95, epsilon: 1e-7 }],
      ['lion', 1, { lr: 1e-3, beta1: 0.9, beta2: 0.99 }],
    ];
    for (const [k, [rule, nslots, hyper]] of rules.entries()) {
      await guard(`applyUpdate ${rule}`, async () => {
        const p0 = data(n, 150 + k);
        const g = data(n, 160 + k);
        const slots0 = Array.from({ length: nslots }, (_, i) => data(n, 170 + 10 * k + i, 0, 1));
        const results = await Promise.all([T, R].map(async (io) => {
          const p = io.in(p0);
          const s = slots0.map((x) => io.in(x));
          io.b.applyUpdate(rule, p, io.in(g), s, hyper as UpdateHyper<typeof rule>);
          return [await io.get(p), ...(await Promise.all(s.map((h) => io.get(h))))];
        }));
        results[0].forEach((v, i) => close(v, results[1][i], `applyUpdate ${rule} ${JSON.stringify(hyper)} ${i === 0 ? 'param' : `slot ${i - 1}`}`, options.float32Arithmetic ? 1 : 0.01));
      });
    }
  }
  if (want('rnn')) {
    for (const cell of ['lstm', 'gru', 'gruResetBefore'] as const) {
      for (const masked of [false, true]) {
        await guard(`rnn ${cell} mask=${masked}`, async () => {
          const info: RnnInfo = { cell, batch: 3, time: 5, units: 16, goBackwards: masked, sequence: true, zeroOutputForMask: false };
          const gu = (cell === 'lstm' ? 4 : 3) * 16;
          const xw = data(3 * 5 * gu, 200);
          const kernel = data(16 * gu, 201, -0.3, 0.3);
          const h0 = data(3 * 16, 202);
          const c0 = data(3 * 16, 203);
          const bias = data(gu, 204);
          const mask = Float32Array.from({ length: 15 }, (_, i) => (i % 4 === 3 ? 0 : 1));
          const outSize = rnnOutputSize(info);
          const reserveSize = rnnReserveSize(info);
          const ins = [xw, kernel, h0, cell === 'gru' ? bias : null, cell === 'lstm' ? c0 : null, masked ? mask : null];
          const results = await Promise.all([T, R].map(async (io) => {
            const h = ins.map((x) => (x === null ? null : io.in(x)));
            const y = io.out(outSize);
            const reserve = io.out(reserveSize);
            io.b.rnnForward(info, h[0], h[1], h[3], h[2], h[4], h[5], y, reserve);
            const dy = io.in(data(outSize, 205));
            const g = { dxw: io.out(xw.length), dKernel: io.out(kernel.length), dBias: cell === 'gru' ? io.out(gu) : null, dh0: io.out(48), dc0: cell === 'lstm' ? io.out(48) : null };
            io.b.rnnBackward(info, dy, h[1], h[5], reserve, g);
            return [await io.get(y), await io.get(g.dxw), await io.get(g.dKernel), await io.get(g.dh0), ...(g.dBias ? [await io.get(g.dBias)] : []), ...(g.dc0 ? [await io.get(g.dc0)] : [])];
          }));
          results[0].forEach((v, i) => close(v, results[1][i], `rnn ${cell} mask=${masked} output ${i}`, 10));
        });
      }
    }
  }
  return { checked, failures };
}
