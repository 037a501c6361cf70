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
import type { Backend, Conv2DInfo, Pool2DInfo, UnaryOp, BinaryOp, ReduceOp, UpdateRule } from '../../src/backends/interface.js';

export interface CaseFailure {
  readonly what: string;
  readonly detail: string;
}

export interface CaseReport {
  readonly checked: number;
  readonly failures: CaseFailure[];
}

export const UNARY: readonly UnaryOp[] = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'floor', 'ceil', 'round',
  'sin', 'cos', 'erf', 'relu', 'relu6', 'sigmoid', 'tanh', 'softplus', 'softsign', 'elu', 'selu', 'leakyRelu',
  'hardSigmoid', 'swish', 'gelu', 'geluTanh', 'step', 'thresholdedRelu', 'clip',
];
const BINARY: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const REDUCE: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min', 'prod'];

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
export function compareBackends(target: Backend, ref: Backend, options: { rtol?: number; only?: readonly string[] } = {}): CaseReport {
  const rtol = options.rtol ?? 1e-4;
  const failures: CaseFailure[] = [];
  let checked = 0;
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
  const guard = (what: string, body: () => void): void => {
    try {
      body();
    } catch (e) {
      checked++;
      failures.push({ what, detail: `threw ${(e as Error).stack ?? String(e)}` });
    }
  };

  if (want('unary')) {
    const n = 5001;
    for (const op of UNARY) {
      guard(`unary ${op}`, () => {
        const positive = ['log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal'].includes(op);
        const x = data(n, 1, positive ? 0.1 : -3, 3);
        // Special values every kernel must pass through like the reference.
        x.set([0, -0, 1e-6, -1e-6, 20, -20, 88, -88, Number.NaN, 1e-30], 0);
        if (positive) x.set([0.1, 1e-6, 50, 1e30, Number.NaN, 3e-39], 0);
        const p = { alpha: op === 'clip' ? -0.5 : 0.3, beta: op === 'clip' ? 1.5 : 0.5 };
        const y = ref.unary(op, x, p) as Float32Array;
        close(target.unary(op, x, p), y, `unary ${op}`, 0.05);
        const dy = data(n, 2);
        close(target.unaryGrad(op, x, y, dy, p), ref.unaryGrad(op, x, y, dy, p), `unaryGrad ${op}`, 0.05);
      });
    }
  }
  if (want('binary')) {
    const pairs: [number[], number[]][] = [[[33, 65], [33, 65]], [[7, 33, 65], [65]], [[7, 33, 65], [33, 1]], [[7, 1, 65], [1, 33, 1]], [[3000], []], [[], [2, 2001]], [[5, 3, 7, 40], [5, 1, 7, 1]]];
    pairs.forEach(([sa, sb], k) => {
      const out = broadcastShape(sa, sb);
      const a = data(size(sa), 10 + k, 0.5, 2);
      const b = data(size(sb), 20 + k, 0.5, 2);
      if (b.length > 3) b[3] = a[3]; // an equal pair for the comparisons
      for (const op of BINARY) guard(`binary ${op}`, () => close(target.binary(op, a, sa, b, sb, out), ref.binary(op, a, sa, b, sb, out), `binary ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, 0.05));
    });
  }
  if (want('reduce')) {
    const views = [[1, 100003, 1], [257, 31, 1], [3, 77, 29], [1, 4096, 5], [40, 3, 64], [2, 9000, 2], [128, 10, 1]];
    views.forEach(([outer, n, inner], k) => {
      const x = data(outer * n * inner, 30 + k, 0.9, 1.1);
      for (const op of REDUCE) {
        if (op === 'prod' && n > 200) continue;
        guard(`reduce ${op}`, () => close(target.reduce(op, x, outer, n, inner), ref.reduce(op, x, outer, n, inner), `reduce ${op} [${outer}, ${n}, ${inner}]`));
      }
      for (const log of [false, true]) {
        guard(`softmax log=${log}`, () => {
          const y = ref.softmax(x, outer, n, inner, log);
          close(target.softmax(x, outer, n, inner, log), y, `softmax log=${log} [${outer}, ${n}, ${inner}]`);
          const dy = data(x.length, 40 + k);
          close(target.softmaxGrad(y, dy, outer, n, inner, log), ref.softmaxGrad(y, dy, outer, n, inner, log), `softmaxGrad log=${log} [${outer}, ${n}, ${inner}]`);
        });
      }
    });
  }
  if (want('matmul')) {
    const cases = [[1, 1, 64, 33, 71], [3, 3, 17, 29, 13], [4, 1, 31, 7, 65], [1, 5, 9, 40, 11], [1, 1, 256, 256, 256], [1, 1, 128, 784, 512], [1, 1, 5, 700, 3], [2, 2, 130, 333, 67]];
    cases.forEach(([batchA, batchB, m, k, n], c) => {
      const a = data(batchA * m * k, 60 + c);
      const b = data(batchB * k * n, 70 + c);
      const bias = data(n, 75 + c);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const spec = { batchA, batchB, m, k, n, transA, transB };
          guard(`matmul ${JSON.stringify(spec)}`, () => {
            close(target.matmul(a, b, spec), ref.matmul(a, b, spec), `matmul ${JSON.stringify(spec)}`);
            const ep = { bias, activation: 'relu' as const };
            close(target.matmul(a, b, spec, ep), ref.matmul(a, b, spec, ep), `matmul+bias+relu ${JSON.stringify(spec)}`);
          });
        }
      }
    });
  }
  if (want('conv')) {
    CONV_CASES.forEach((info, c) => {
      const x = data(info.batch * info.inH * info.inW * info.inC, 80 + c);
      const w = data(info.kH * info.kW * (info.inC / info.groups) * info.outC, 90 + c);
      const dy = data(info.batch * info.outH * info.outW * info.outC, 100 + c);
      const bias = data(info.outC, 105 + c);
      const what = `conv ${JSON.stringify(info)}`;
      guard(what, () => {
        close(target.conv2d(x, w, info), ref.conv2d(x, w, info), `${what} forward`);
        const ep = { bias, activation: 'relu' as const };
        close(target.conv2d(x, w, info, ep), ref.conv2d(x, w, info, ep), `${what} forward+bias+relu`);
        close(target.conv2dBackpropInput(dy, w, info), ref.conv2dBackpropInput(dy, w, info), `${what} input gradient`);
        close(target.conv2dBackpropFilter(x, dy, info), ref.conv2dBackpropFilter(x, dy, info), `${what} filter gradient`);
      });
    });
  }
  if (want('pool')) {
    POOL_CASES.forEach((info, c) => {
      const x = data(info.batch * info.inH * info.inW * info.channels, 110 + c);
      const dy = data(info.batch * info.outH * info.outW * info.channels, 120 + c);
      guard(`pool ${JSON.stringify(info)}`, () => {
        close(target.pool2d(x, info), ref.pool2d(x, info), `pool ${JSON.stringify(info)}`);
        close(target.pool2dGrad(x, dy, info), ref.pool2dGrad(x, dy, info), `poolGrad ${JSON.stringify(info)}`);
      });
    });
  }
  if (want('norm')) {
    for (const [outer, c, inner, withParams] of [[700, 7, 1, true], [5, 9, 80, false], [2, 33, 65, true]] as const) {
      guard('batchNorm', () => {
        const x = data(outer * c * inner, 130);
        const mean = data(c, 131);
        const variance = data(c, 132, 0.1, 2);
        const offset = withParams ? data(c, 133) : null;
        const scale = withParams ? data(c, 134) : null;
        const dy = data(x.length, 135);
        close(target.batchNorm(x, mean, variance, offset, scale, 1e-3, outer, c, inner), ref.batchNorm(x, mean, variance, offset, scale, 1e-3, outer, c, inner), 'batchNorm');
        const g = target.batchNormGrad(x, mean, variance, scale, dy, 1e-3, outer, c, inner);
        const r = ref.batchNormGrad(x, mean, variance, scale, dy, 1e-3, outer, c, inner);
        for (const key of ['dx', 'dMean', 'dVariance', 'dScale', 'dOffset'] as const) close(g[key], r[key], `batchNormGrad ${key}`);
      });
    }
    guard('biasActivationGrad', () => {
      for (const activation of ['linear', 'relu'] as const) {
        const y = data(300 * 37, 140, -1, 1);
        const dy = data(300 * 37, 141);
        const a = target.biasActivationGrad(y, dy, 37, activation);
        const b = ref.biasActivationGrad(y, dy, 37, activation);
        close(a.dpre, b.dpre, `biasActivationGrad ${activation} dpre`);
        close(a.dbias, b.dbias, `biasActivationGrad ${activation} dbias`);
      }
    });
  }
  if (want('random')) {
    for (const [n, rate, seed] of [[10007, 0.5, 1], [200000, 0.1, 2 ** 31 + 12345], [3001, 0.9, 7.5e12], [70000, 0.25, 0]] as const) {
      guard('dropoutMask', () => {
        checked++;
        const a = target.dropoutMask(n, rate, seed);
        const b = ref.dropoutMask(n, rate, seed);
        const i = a.findIndex((v, k) => v !== b[k]);
        if (a.length !== b.length || i >= 0) failures.push({ what: `dropoutMask size ${n} rate ${rate} seed ${seed}`, detail: `differs at element ${i}` });
      });
    }
  }
  if (want('optimizers')) {
    const n = 4099;
    const rules: [UpdateRule, number, number[]][] = [
      ['sgd', 0, [0.1, 0, 0]], ['sgd', 1, [0.1, 0.9, 0]], ['sgd', 1, [0.1, 0.9, 1]],
      ['adam', 2, [1e-3, 0.9, 0.999, 1e-7, 0.9 ** 3, 0.999 ** 3, 0]], ['adam', 3, [1e-3, 0.9, 0.999, 1e-7, 0.9 ** 3, 0.999 ** 3, 1e-5]],
      ['adamax', 2, [2e-3, 0.9, 0.999, 1e-7, 0.9 ** 2]], ['nadam', 2, [2e-3, 0.9, 0.999, 1e-7, 0.88, 0.885, 0.7, 0.62, 0.997]],
      ['rmsprop', 1, [1e-3, 0.9, 0, 1e-7, 0]], ['rmsprop', 2, [1e-3, 0.9, 0.5, 1e-7, 0]], ['rmsprop', 3, [1e-3, 0.9, 0.5, 1e-7, 1]], ['rmsprop', 2, [1e-3, 0.9, 0, 1e-7, 1]],
      ['adagrad', 1, [0.01, 1e-7]], ['adadelta', 2, [1, 0.95, 1e-7]],
    ];
    rules.forEach(([rule, nslots, hyper], k) => {
      guard(`applyUpdate ${rule}`, () => {
        const p0 = data(n, 150 + k);
        const g = data(n, 160 + k);
        const slots0 = Array.from({ length: nslots }, (_, i) => data(n, 170 + 10 * k + i, 0, 1));
        const p1 = p0.slice();
        const s1 = slots0.map((s) => s.slice());
        const p2 = p0.slice();
        const s2 = slots0.map((s) => s.slice());
        target.applyUpdate(rule, p1, g, s1, hyper);
        ref.applyUpdate(rule, p2, g, s2, hyper);
        close(p1, p2, `applyUpdate ${rule} ${JSON.stringify(hyper)} param`, 0.01);
        s1.forEach((s, i) => close(s, s2[i], `applyUpdate ${rule} slot ${i}`, 0.01));
      });
    });
  }
  return { checked, failures };
}
