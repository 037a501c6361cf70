import type { Backend } from '../interface.js';
import { type Binding, HEAD, runReduction } from './reduce.js';
import { type Gpu, type GpuBuffer, ELEMENT_WG, groups1d, perElementSource } from './runtime.js';

/**
 * Batch normalization and the bias + activation backward of the webgpu backend. The
 * elementwise parts run one invocation per element; the per-channel sums go through the
 * tiled reduction engine of reduce.ts (channels as outputs, the other axes reduced by
 * lanes, a tree in workgroup memory and, when the channels are few, a split over several
 * workgroups), accumulating in f32 where the js reference uses float64. Layer
 * normalization takes its row statistics the same way (rows as outputs).
 */


/** The normalization kernels of the webgpu backend. */
export function normKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'batchNorm' | 'batchNormGrad' | 'biasActivationGrad' | 'layerNorm' | 'layerNormGrad'> {
  return {
    /**
     * y = (x − mean)·r·scale + offset with r = 1/√(variance + eps), per channel of
     * `[outer, c, inner]` (the reference's x·mul + add, rearranged to avoid cancellation
     * in f32). One invocation per element.
     */
    batchNorm(x, mean, variance, offset, scale, y, eps, outer, c, inner) {
      const size = outer * c * inner;
      const buffers = [x, mean, variance];
      if (offset !== null) buffers.push(offset);
      if (scale !== null) buffers.push(scale);
      buffers.push(y);
      gpu.run({
        key: `batchNorm:${offset !== null ? 'o' : '-'}${scale !== null ? 's' : '-'}`,
        source: () => {
          let b = 4;
          const decl = (name: string, rw = false): string => `@group(0) @binding(${b++}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<f32>;`;
          return perElementSource(
            /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
${offset !== null ? decl('offset') : ''}
${scale !== null ? decl('scale') : ''}
${decl('y', true)}`,
            /* wgsl */ `
  let k = (e / pu(2u)) % pu(1u);
  let r = 1.0 / sqrt(variance[k] + pf(3u));
  y[e] = (x[e] - mean[k]) * ${scale !== null ? '(r * scale[k])' : 'r'}${offset !== null ? ' + offset[k]' : ''};`,
            'e',
          );
        },
        buffers,
        ints: [size, c, inner],
        floats: [eps],
        groups: groups1d(size, ELEMENT_WG),
      });
    },

    /**
     * Gradients of batchNorm with respect to x, mean, variance, scale and offset (the
     * reference's formulas: mean and variance are inputs, so dx = dy·r·scale). Dispatches:
     * dx, one invocation per element; then Σdy and Σdy·(x − mean) per channel, a tiled
     * reduction (channels as outputs) whose partials pass always runs, so that its final
     * pass (partials, variance, scale → the four `[c]` gradients) fits the 7-buffer limit.
     */
    batchNormGrad(x, mean, variance, scale, dy, grads, eps, outer, c, inner) {
      const size = outer * c * inner;
      const s = scale !== null;
      gpu.run({
        key: `batchNormGrad:dx:${s ? 's' : '-'}`,
        source: () =>
          perElementSource(
            /* wgsl */ `
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
${s ? '@group(0) @binding(3) var<storage, read> scale: array<f32>;' : ''}
@group(0) @binding(${s ? 4 : 3}) var<storage, read_write> dx: array<f32>;`,
            /* wgsl */ `
  let k = (e / pu(2u)) % pu(1u);
  let r = 1.0 / sqrt(variance[k] + pf(3u));
  dx[e] = dy[e] * ${s ? '(r * scale[k])' : 'r'};`,
            'e',
          ),
        buffers: s ? [dy, variance, scale, grads.dx] : [dy, variance, grads.dx],
        ints: [size, c, inner],
        floats: [eps],
        groups: groups1d(size, ELEMENT_WG),
      });
      const outputs: Binding[] = [{ name: 'variance', buffer: variance, type: 'f32' }];
      if (scale !== null) outputs.push({ name: 'scale', buffer: scale, type: 'f32' });
      outputs.push(
        { name: 'dMean', buffer: grads.dMean, type: 'f32', write: true },
        { name: 'dVariance', buffer: grads.dVariance, type: 'f32', write: true },
        { name: 'dScale', buffer: grads.dScale, type: 'f32', write: true },
        { name: 'dOffset', buffer: grads.dOffset, type: 'f32', write: true },
      );
      runReduction(gpu, {
        key: `batchNormGrad:sums:${s ? 's' : '-'}`,
        acc: 'vec2<f32>',
        words: 2,
        helpers: 'fn ident() -> A { return vec2<f32>(0.0); }\nfn comb(a: A, b: A) -> A { return a + b; }',
        inputs: [
          { name: 'x', buffer: x, type: 'f32' },
          { name: 'dy', buffer: dy, type: 'f32' },
          { name: 'mean', buffer: mean, type: 'f32' },
        ],
        // Output k (a channel), element m = o·inner + i of the reduced axes.
        load: /* wgsl */ `
fn load(k: u32, m: u32) -> A {
  let inner = pu(${HEAD + 1}u);
  let o = m / inner;
  let e = (o * pu(${HEAD}u) + k) * inner + (m - o * inner);
  let d = dy[e];
  return vec2<f32>(d, d * (x[e] - mean[k]));
}`,
        outputs,
        store: /* wgsl */ `
fn store(k: u32, a: A) {
  let r = 1.0 / sqrt(variance[k] + pf(${HEAD + 2}u));
  let s = ${s ? 'scale[k]' : '1.0'};
  dOffset[k] = a.x;
  dScale[k] = a.y * r;
  dMean[k] = -s * r * a.x;
  dVariance[k] = -0.5 * s * r * r * r * a.y;
}`,
        m: c,
        n: outer * inner,
        // With inner = 1 consecutive channels are adjacent; otherwise consecutive elements are.
        run: inner === 1 ? c : 1,
        ints: [c, inner],
        floats: [eps],
        split: 'always',
      });
    },

    /**
     * Layer normalization over the last axis of `[rows, c]`: the row statistics as a tiled
     * reduction (rows as outputs; Σd and Σd² of d = x − x[row, 0], the shift that keeps the
     * one-pass variance from cancelling), then one invocation per element.
     */
    layerNorm(x, gamma, beta, y, mean, rstd, eps, rows, c) {
      if (rows === 0 || c === 0) return;
      runReduction(gpu, {
        key: 'layerNorm:stats',
        acc: 'vec2<f32>',
        words: 2,
        helpers: 'fn ident() -> A { return vec2<f32>(0.0); }\nfn comb(a: A, b: A) -> A { return a + b; }',
        inputs: [{ name: 'x', buffer: x, type: 'f32' }],
        load: /* wgsl */ `
fn load(k: u32, j: u32) -> A {
  let row = k * pu(${HEAD}u);
  let d = x[row + j] - x[row];
  return vec2<f32>(d, d * d);
}`,
        outputs: [
          { name: 'xs', buffer: x, type: 'f32' },
          { name: 'mean', buffer: mean, type: 'f32', write: true },
          { name: 'rstd', buffer: rstd, type: 'f32', write: true },
        ],
        store: /* wgsl */ `
fn store(k: u32, a: A) {
  let c = f32(pu(${HEAD}u));
  let mu = a.x / c;
  mean[k] = xs[k * pu(${HEAD}u)] + mu;
  rstd[k] = 1.0 / sqrt(max(a.y / c - mu * mu, 0.0) + pf(${HEAD + 1}u));
}`,
        m: rows,
        n: c,
        run: 1,
        ints: [c],
        floats: [eps],
        split: 'auto',
      });
      const g = gamma !== null;
      const b = beta !== null;
      let binding = 4;
      const decl = (name: string, rw = false): string => `@group(0) @binding(${binding++}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<f32>;`;
      const decls = /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
${g ? decl('gamma') : ''}
${b ? decl('beta') : ''}
${decl('y', true)}`;
      gpu.run({
        key: `layerNorm:${g ? 'g' : '-'}${b ? 'b' : '-'}`,
        source: () =>
          perElementSource(
            decls,
            /* wgsl */ `
  let r = e / pu(1u);
  let j = e - r * pu(1u);
  y[e] = (x[e] - mean[r]) * rstd[r]${g ? ' * gamma[j]' : ''}${b ? ' + beta[j]' : ''};`,
            'e',
          ),
        buffers: [x, mean, rstd, ...(g ? [gamma] : []), ...(b ? [beta] : []), y],
        ints: [rows * c, c],
        groups: groups1d(rows * c, ELEMENT_WG),
      });
    },

    /**
     * Gradients of layerNorm: per row mean(g) and mean(g·xhat) (g = dy·gamma, xhat =
     * (x − mean)·rstd) as a tiled reduction into a scratch `[rows, 2]`, then dx one
     * invocation per element, then Σ dy·xhat and Σ dy per column (columns as outputs).
     */
    layerNormGrad(x, gamma, mean, rstd, dy, grads, rows, c) {
      if (rows === 0 || c === 0) return;
      const g = gamma !== null;
      const sums = gpu.memory.alloc('float32', rows * 2);
      const stats: Binding[] = [
        { name: 'x', buffer: x, type: 'f32' },
        { name: 'dy', buffer: dy, type: 'f32' },
        { name: 'mean', buffer: mean, type: 'f32' },
        { name: 'rstd', buffer: rstd, type: 'f32' },
      ];
      runReduction(gpu, {
        key: `layerNormGrad:rows:${g ? 'g' : '-'}`,
        acc: 'vec2<f32>',
        words: 2,
        helpers: 'fn ident() -> A { return vec2<f32>(0.0); }\nfn comb(a: A, b: A) -> A { return a + b; }',
        inputs: g ? [...stats, { name: 'gamma', buffer: gamma, type: 'f32' }] : stats,
        load: /* wgsl */ `
fn load(k: u32, j: u32) -> A {
  let e = k * pu(${HEAD}u) + j;
  let v = dy[e]${g ? ' * gamma[j]' : ''};
  return vec2<f32>(v, v * (x[e] - mean[k]) * rstd[k]);
}`,
        outputs: [{ name: 'sums', buffer: sums, type: 'f32', write: true }],
        store: /* wgsl */ `
fn store(k: u32, a: A) {
  let c = f32(pu(${HEAD}u));
  sums[2u * k] = a.x / c;
  sums[2u * k + 1u] = a.y / c;
}`,
        m: rows,
        n: c,
        run: 1,
        ints: [c],
        split: 'auto',
      });
      gpu.run({
        key: `layerNormGrad:dx:${g ? 'g' : '-'}`,
        source: () =>
          perElementSource(
            /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read> sums: array<f32>;
${g ? '@group(0) @binding(6) var<storage, read> gamma: array<f32>;' : ''}
@group(0) @binding(${g ? 7 : 6}) var<storage, read_write> dx: array<f32>;`,
            /* wgsl */ `
  let r = e / pu(1u);
  let j = e - r * pu(1u);
  let s = rstd[r];
  let xhat = (x[e] - mean[r]) * s;
  dx[e] = s * (dy[e]${g ? ' * gamma[j]' : ''} - sums[2u * r] - xhat * sums[2u * r + 1u]);`,
            'e',
          ),
        buffers: [x, dy, mean, rstd, sums, ...(g ? [gamma] : []), grads.dx],
        ints: [rows * c, c],
        groups: groups1d(rows * c, ELEMENT_WG),
      });
      gpu.memory.free(sums);
      const { dGamma, dBeta } = grads;
      if (dGamma === null && dBeta === null) return;
      runReduction(gpu, {
        key: `layerNormGrad:params:${dGamma !== null ? 'g' : '-'}${dBeta !== null ? 'b' : '-'}`,
        acc: 'vec2<f32>',
        words: 2,
        helpers: 'fn ident() -> A { return vec2<f32>(0.0); }\nfn comb(a: A, b: A) -> A { return a + b; }',
        inputs: stats,
        load: /* wgsl */ `
fn load(j: u32, r: u32) -> A {
  let e = r * pu(${HEAD}u) + j;
  let d = dy[e];
  return vec2<f32>(d * (x[e] - mean[r]) * rstd[r], d);
}`,
        outputs: [
          ...(dGamma !== null ? [{ name: 'dGamma', buffer: dGamma, type: 'f32' as const, write: true }] : []),
          ...(dBeta !== null ? [{ name: 'dBeta', buffer: dBeta, type: 'f32' as const, write: true }] : []),
        ],
        store: `fn store(j: u32, a: A) {${dGamma !== null ? ' dGamma[j] = a.x;' : ''}${dBeta !== null ? ' dBeta[j] = a.y;' : ''} }`,
        m: c,
        n: rows,
        run: c,
        ints: [c],
        split: 'auto',
      });
    },

    /**
     * dpre = dy·act'(y) over `[rows, channels]` (relu: 0 where y is not > 0) and dbias its
     * column sums: one tiled reduction (channels as outputs) whose load also writes dpre,
     * so y and dy are read once.
     */
    biasActivationGrad(y, dy, dpre, dbias, channels, activation) {
      if (channels === 0) return;
      const relu = activation === 'relu';
      runReduction(gpu, {
        key: `biasActivationGrad:${activation}`,
        acc: 'f32',
        helpers: /* wgsl */ `
fn ident() -> A { return 0.0; }
fn comb(a: A, b: A) -> A { return a + b; }`,
        inputs: [
          ...(relu ? [{ name: 'y', buffer: y, type: 'f32' }] : []),
          { name: 'dy', buffer: dy, type: 'f32' },
          { name: 'dpre', buffer: dpre, type: 'f32', write: true },
        ],
        load: /* wgsl */ `
fn load(c: u32, r: u32) -> A {
  let e = r * pu(${HEAD}u) + c;
  ${relu ? 'let yv = y[e];\n  let g = select(0.0, dy[e], yv > 0.0 && !nanq(yv));' : 'let g = dy[e];'}
  dpre[e] = g;
  return g;
}`,
        outputs: [{ name: 'dbias', buffer: dbias, type: 'f32', write: true }],
        store: 'fn store(c: u32, a: A) { dbias[c] = a; }',
        m: channels,
        n: Math.floor(dy.size / channels),
        run: channels,
        ints: [channels],
        split: 'auto',
      });
    },
  };
}
