import type { Backend, PadMode, Shape } from '../interface.js';
import { type Gpu, type GpuBuffer, groups1d, wgslType } from './runtime.js';

/**
 * Data movement kernels of the WebGPU backend: transpose, slice, concat, pad, padGrad,
 * gather, scatterAdd, tile, oneHot.
 *
 * Kernels that only move data (transpose, slice, tile, concat, pad, gather, oneHot) read
 * and write raw 32-bit words (`array<u32>`), so one shader serves float32 and int32 and
 * every bit pattern (NaN payloads, -0) comes through unchanged, as with the typed-array
 * copies of the js reference. Kernels that add (padGrad, scatterAdd) are generated per
 * dtype.
 *
 * Index checks: the reference throws a RangeError for gather/scatterAdd indices outside
 * [-n, n); GPU data cannot be inspected while recording, so here such an index gives a
 * row of zeros (gather) or contributes nothing (scatterAdd). No kernel reads or writes
 * out of bounds.
 */

const WG = 256;

const ENTRY = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32)`;

function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

/** The 32-bit pattern a constant takes in a tensor of `dtype` (what a typed-array store gives). */
function constantBits(value: number, dtype: GpuBuffer['dtype']): number {
  return dtype === 'int32' ? (Int32Array.of(value)[0] as number) : (new Int32Array(Float32Array.of(value).buffer)[0] as number);
}

/**
 * Drops unit dimensions and merges neighbours that are contiguous in the source, so the
 * shader decodes as few coordinates as possible.
 */
function collapse(dims: readonly number[], strides: readonly number[]): { dims: number[]; strides: number[] } {
  const d: number[] = [];
  const s: number[] = [];
  for (let k = 0; k < dims.length; k++) {
    const n = dims[k] as number;
    const st = strides[k] as number;
    if (n === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && (s[last] as number) === st * n) {
      d[last] = (d[last] as number) * n;
      s[last] = st;
    } else {
      d.push(n);
      s.push(st);
    }
  }
  return { dims: d, strides: s };
}

const STRIDED_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let rank = pu(1u);
  var rem = i;
  var src = pu(2u);
  for (var k = rank; k > 0u; k = k - 1u) {
    let d = pu(2u + k);
    src = src + (rem % d) * pu(2u + rank + k);
    rem = rem / d;
  }
  Y[i] = X[src];
}`;

/** Params of padded constant writes: words 0..3 = total, rank, mode, constant bits; then out dims, in dims, before pads. */
const PAD_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let rank = pu(1u);
  let mode = pu(2u);
  var rem = i;
  var src = 0u;
  var stride = 1u;
  var dead = false;
  for (var k = rank; k > 0u; k = k - 1u) {
    let od = pu(3u + k);
    let n = pi(3u + rank + k);
    let o = i32(rem % od);
    rem = rem / od;
    var j = o - pi(3u + 2u * rank + k);
    if (j < 0 || j >= n) {
      if (mode == 0u || n == 0) {
        dead = true;
      } else if (mode == 1u) {
        if (j < 0) { j = -j; } else { j = 2 * (n - 1) - j; }
      }
      j = clamp(j, 0, n - 1);
    }
    src = src + u32(j) * stride;
    stride = stride * u32(n);
  }
  if (dead) {
    Y[i] = pu(3u);
  } else {
    Y[i] = X[src];
  }
}`;

/**
 * One axis of padGrad: dy viewed as `[outer, outN, inner]` summed onto `[outer, n, inner]`.
 * Words: total, inner, n, before, after, mode (1 reflect, 2 edge). Contributions are added
 * in increasing position along the axis, as the reference does.
 */
function padGradAxisSrc(t: string): string {
  return /* wgsl */ `
@group(0) @binding(1) var<storage, read> S: array<${t}>;
@group(0) @binding(2) var<storage, read_write> D: array<${t}>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let inner = pu(1u);
  let n = pi(2u);
  let before = pi(3u);
  let outN = n + before + pi(4u);
  let mode = pu(5u);
  let q = i % inner;
  let t = i / inner;
  let a = i32(t % u32(n));
  let base = (t / u32(n)) * u32(outN);
  var acc = ${t}(0);
  if (mode == 1u && a >= 1 && a <= before) {
    acc = acc + S[(base + u32(before - a)) * inner + q];
  }
  var lo = a + before;
  var hi = lo;
  if (mode == 2u) {
    if (a == 0) { lo = 0; }
    if (a == n - 1) { hi = outN - 1; }
  }
  for (var j = lo; j <= hi; j = j + 1) {
    acc = acc + S[(base + u32(j)) * inner + q];
  }
  let c = before + 2 * (n - 1) - a;
  if (mode == 1u && a <= n - 2 && c >= before + n && c < outN) {
    acc = acc + S[(base + u32(c)) * inner + q];
  }
  D[i] = acc;
}`;
}

const CONCAT_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let w = pu(1u);
  Y[(i / w) * pu(2u) + pu(3u) + i % w] = X[i];
}`;

/** Words: total, inner, n, k (indices). */
const GATHER_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> Y: array<u32>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let inner = pu(1u);
  let n = pi(2u);
  let k = pu(3u);
  let q = i % inner;
  let t = i / inner;
  let j = t % k;
  var v = I[j];
  if (v < 0) { v = v + n; }
  if (v >= 0 && v < n) {
    Y[i] = X[((t / k) * u32(n) + u32(v)) * inner + q];
  } else {
    Y[i] = 0u;
  }
}`;

/**
 * scatterAdd, step 1, one invocation per row r of the n rows: counts the valid indices
 * below r (where r's list starts) and equal to r, then writes the positions j of the
 * indices equal to r, in increasing order, into its stretch of L. R[2r], R[2r+1] = start, count.
 * Words: n, k.
 */
const SCATTER_ROWS_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> R: array<u32>;
@group(0) @binding(3) var<storage, read_write> L: array<u32>;
fn norm(v: i32, n: i32) -> i32 {
  var u = v;
  if (u < 0) { u = u + n; }
  return select(-1, u, u >= 0 && u < n);
}
${ENTRY} {
  let r = flat(wid, nwg, lid, ${WG}u);
  let n = pi(0u);
  if (r >= u32(n)) { return; }
  let k = pu(1u);
  let ri = i32(r);
  var below = 0u;
  var equal = 0u;
  for (var j = 0u; j < k; j = j + 1u) {
    let v = norm(I[j], n);
    if (v >= 0 && v < ri) { below = below + 1u; }
    if (v == ri) { equal = equal + 1u; }
  }
  R[2u * r] = below;
  R[2u * r + 1u] = equal;
  if (equal > 0u) {
    var at = below;
    for (var j = 0u; j < k; j = j + 1u) {
      if (norm(I[j], n) == ri) {
        L[at] = j;
        at = at + 1u;
      }
    }
  }
}`;

/** scatterAdd, step 2, one invocation per output element: sums its row's dy rows in index order. Words: total, inner, n, k. */
function scatterSumSrc(t: string): string {
  return /* wgsl */ `
@group(0) @binding(1) var<storage, read> DY: array<${t}>;
@group(0) @binding(2) var<storage, read> R: array<u32>;
@group(0) @binding(3) var<storage, read> L: array<u32>;
@group(0) @binding(4) var<storage, read_write> OUT: array<${t}>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let inner = pu(1u);
  let n = pu(2u);
  let k = pu(3u);
  let q = i % inner;
  let t = i / inner;
  let r = t % n;
  let o = t / n;
  let start = R[2u * r];
  let end = start + R[2u * r + 1u];
  var acc = ${t}(0);
  for (var p = start; p < end; p = p + 1u) {
    acc = acc + DY[(o * k + L[p]) * inner + q];
  }
  OUT[i] = acc;
}`;
}

/** Words: total, depth, on bits, off bits. */
const ONE_HOT_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${ENTRY} {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let depth = pu(1u);
  Y[i] = select(pu(3u), pu(2u), I[i / depth] == i32(i % depth));
}`;

/**
 * The data movement kernels over GPU buffers. Every kernel runs one invocation per
 * output element (workgroups of 256, a flat 2-D grid), except scatterAdd (see there).
 */
export function movementKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'transpose' | 'slice' | 'concat' | 'pad' | 'padGrad' | 'gather' | 'scatterAdd' | 'tile' | 'oneHot'> {
  /** out[i] = x[offset + Σ coordₖ(i) · strides[k]] over the output dims (row-major). */
  const strided = (x: GpuBuffer, offset: number, dims: readonly number[], strides: readonly number[], out: GpuBuffer): void => {
    const total = product(dims);
    if (total === 0) return;
    const c = collapse(dims, strides);
    gpu.run({
      key: 'move.strided',
      source: () => STRIDED_SRC,
      buffers: [x, out],
      ints: [total, c.dims.length, offset, ...c.dims, ...c.strides],
      groups: groups1d(total, WG),
    });
  };

  return {
    /** One invocation per output element, reading the input through permuted strides. */
    transpose(x, shape, perm, out) {
      const inStrides = stridesOf(shape);
      strided(x, 0, perm.map((p) => shape[p] as number), perm.map((p) => inStrides[p] as number), out);
    },

    /** One invocation per output element. */
    slice(x, shape, begin, size, out) {
      const inStrides = stridesOf(shape);
      const off = begin.reduce((acc, b, i) => acc + b * (inStrides[i] as number), 0);
      strided(x, off, size, inStrides, out);
    },

    /** One dispatch per input, one invocation per input element (written at its column of the output). */
    concat(xs, outer, widths, out) {
      const total = widths.reduce((a, b) => a + b, 0);
      let col = 0;
      xs.forEach((x, i) => {
        const w = widths[i] as number;
        gpu.run({
          key: 'move.concat',
          source: () => CONCAT_SRC,
          buffers: [x, out],
          ints: [outer * w, w, total, col],
          groups: groups1d(outer * w, WG),
        });
        col += w;
      });
    },

    /** One invocation per output element: maps each coordinate back (constant, reflection, edge). */
    pad(x, shape, pads, mode, value, out) {
      const outDims = shape.map((n, i) => n + (pads[i] as readonly [number, number])[0] + (pads[i] as readonly [number, number])[1]);
      const total = product(outDims);
      if (total === 0) return;
      gpu.run({
        key: 'move.pad',
        source: () => PAD_SRC,
        buffers: [x, out],
        ints: [total, shape.length, padModeCode(mode), constantBits(value, out.dtype), ...outDims, ...shape, ...pads.map((p) => p[0])],
        groups: groups1d(total, WG),
      });
    },

    /**
     * Constant mode: a slice of dy (one dispatch). Reflect and edge: one dispatch per padded
     * axis, each with one invocation per element of its (smaller) result, gathering the
     * positions along that axis that read it (race-free; intermediate results in pooled
     * buffers). Sums follow the axis order, so with several padded axes the rounding can
     * differ from the reference's output-order sum.
     */
    padGrad(dy, xShape, pads, mode, dx) {
      const outShape = xShape.map((n, i) => n + (pads[i] as readonly [number, number])[0] + (pads[i] as readonly [number, number])[1]);
      const padded = xShape.map((_, i) => i).filter((i) => (pads[i] as readonly [number, number])[0] + (pads[i] as readonly [number, number])[1] > 0);
      if (mode === 'constant' || padded.length === 0) {
        const strides = stridesOf(outShape);
        const off = pads.reduce((acc, p, i) => acc + p[0] * (strides[i] as number), 0);
        strided(dy, off, xShape, strides, dx);
        return;
      }
      const t = wgslType(dx.dtype);
      const cur = [...outShape];
      let src = dy;
      for (const [step, axis] of padded.entries()) {
        const n = xShape[axis] as number;
        const [before, after] = pads[axis] as readonly [number, number];
        cur[axis] = n;
        const total = product(cur);
        const inner = product(cur.slice(axis + 1));
        const last = step === padded.length - 1;
        const dst = last ? dx : gpu.memory.alloc(dx.dtype, total);
        if (total > 0) {
          gpu.run({
            key: `move.padGrad.${t}`,
            source: () => padGradAxisSrc(t),
            buffers: [src, dst],
            ints: [total, inner, n, before, after, padModeCode(mode)],
            groups: groups1d(total, WG),
          });
        }
        if (src !== dy) gpu.memory.free(src);
        src = dst;
      }
    },

    /** One invocation per output element; an index outside [-n, n) gives a row of zeros. */
    gather(x, outer, n, inner, indices, out) {
      const k = indices.size;
      const total = outer * k * inner;
      if (total === 0) return;
      gpu.run({
        key: 'move.gather',
        source: () => GATHER_SRC,
        buffers: [x, indices, out],
        ints: [total, inner, n, k],
        groups: groups1d(total, WG),
      });
    },

    /**
     * Race-free and deterministic, without float atomics, in two dispatches: one invocation
     * per row of the n rows lists the index positions that hit it (in order, into a pooled
     * int32 buffer); then one invocation per output element sums its rows of dy in that
     * order, from zero, so float32 results equal the reference's. Indices outside [-n, n)
     * contribute nothing.
     */
    scatterAdd(dy, outer, n, inner, indices, out) {
      const k = indices.size;
      const total = outer * n * inner;
      if (total === 0) return;
      const rows = gpu.memory.alloc('int32', 2 * n);
      const list = gpu.memory.alloc('int32', k);
      gpu.run({
        key: 'move.scatterRows',
        source: () => SCATTER_ROWS_SRC,
        buffers: [indices, rows, list],
        ints: [n, k],
        groups: groups1d(n, WG),
      });
      const t = wgslType(out.dtype);
      gpu.run({
        key: `move.scatterSum.${t}`,
        source: () => scatterSumSrc(t),
        buffers: [dy, rows, list, out],
        ints: [total, inner, n, k],
        groups: groups1d(total, WG),
      });
      gpu.memory.free(rows);
      gpu.memory.free(list);
    },

    /** One invocation per output element (the output viewed as [r0, d0, r1, d1, …] reads x with stride 0 along each r). */
    tile(x, shape, reps, out) {
      const inStrides = stridesOf(shape);
      const dims: number[] = [];
      const strides: number[] = [];
      shape.forEach((d, i) => {
        dims.push(reps[i] as number, d);
        strides.push(0, inStrides[i] as number);
      });
      strided(x, 0, dims, strides, out);
    },

    /** One invocation per output element. */
    oneHot(indices, depth, onValue, offValue, out) {
      const total = indices.size * depth;
      if (total === 0) return;
      gpu.run({
        key: 'move.oneHot',
        source: () => ONE_HOT_SRC,
        buffers: [indices, out],
        ints: [total, depth, constantBits(onValue, out.dtype), constantBits(offValue, out.dtype)],
        groups: groups1d(total, WG),
      });
    },
  };
}

function padModeCode(mode: PadMode): number {
  return mode === 'constant' ? 0 : mode === 'reflect' ? 1 : 2;
}
