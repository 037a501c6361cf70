import type { Backend, PadMode, Shape } from '../interface.js';
import { type Gpu, type GpuBuffer, ELEMENT_WG, groups1d, perElementSource, wgslType } from './runtime.js';

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

/** A per-element kernel (runtime.ts) whose element index is `i`. */
const perElement = (decls: string, body: string): string => perElementSource(decls, body, 'i');

/** Storage bindings 1, 2, … (0 holds the parameters): the `read` ones, then the `read_write` ones. */
function bindings(read: readonly string[], readWrite: readonly string[]): string {
  const vars = [...read.map((v) => `read> ${v}`), ...readWrite.map((v) => `read_write> ${v}`)];
  return vars.map((v, k) => `@group(0) @binding(${k + 1}) var<storage, ${v};`).join('\n');
}


/**
 * WGSL splitting element i of an `[outer, rows, inner]` view (inner: word 1) into its
 * outer index o, its `row` along the middle axis, and its inner index q.
 */
function splitRows(row: string, rows: string): string {
  return `let inner = pu(1u);
  let q = i % inner;
  let t = i / inner;
  let ${row} = t % ${rows};
  let o = t / ${rows};`;
}

/** Raw words in (X), raw words out (Y). */
const WORDS_X_Y = bindings(['X: array<u32>'], ['Y: array<u32>']);

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

const STRIDED_SRC = perElement(WORDS_X_Y, /* wgsl */ `
  let rank = pu(1u);
  var rem = i;
  var src = pu(2u);
  for (var k = rank; k > 0u; k = k - 1u) {
    let d = pu(2u + k);
    src = src + (rem % d) * pu(2u + rank + k);
    rem = rem / d;
  }
  Y[i] = X[src];`);

/** Params of padded constant writes: words 0..3 = total, rank, mode, constant bits; then out dims, in dims, before pads. */
const PAD_SRC = perElement(WORDS_X_Y, /* wgsl */ `
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
  }`);

/**
 * One axis of padGrad: dy viewed as `[outer, outN, inner]` summed onto `[outer, n, inner]`.
 * Words: total, inner, n, before, after, mode (1 reflect, 2 edge). Contributions are added
 * in increasing position along the axis, as the reference does.
 */
function padGradAxisSrc(t: string): string {
  return perElement(bindings([`S: array<${t}>`], [`D: array<${t}>`]), /* wgsl */ `
  let n = pi(2u);
  let before = pi(3u);
  let outN = n + before + pi(4u);
  let mode = pu(5u);
  ${splitRows('r', 'u32(n)')}
  let a = i32(r);
  let base = o * u32(outN);
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
  D[i] = acc;`);
}

const CONCAT_SRC = perElement(WORDS_X_Y, /* wgsl */ `
  let w = pu(1u);
  Y[(i / w) * pu(2u) + pu(3u) + i % w] = X[i];`);

/** Words: total, inner, n, k (indices). */
const GATHER_SRC = perElement(bindings(['X: array<u32>', 'I: array<i32>'], ['Y: array<u32>']), /* wgsl */ `
  let n = pi(2u);
  let k = pu(3u);
  ${splitRows('j', 'k')}
  var v = I[j];
  if (v < 0) { v = v + n; }
  if (v >= 0 && v < n) {
    Y[i] = X[(o * u32(n) + u32(v)) * inner + q];
  } else {
    Y[i] = 0u;
  }`);

/**
 * scatterAdd, step 1, one invocation per row r of the n rows: counts the valid indices
 * below r (where r's list starts) and equal to r, then writes the positions j of the
 * indices equal to r, in increasing order, into its stretch of L. R[2r], R[2r+1] = start, count.
 * Words: n, k.
 */
const SCATTER_ROWS_SRC = perElement(`${bindings(['I: array<i32>'], ['R: array<u32>', 'L: array<u32>'])}
fn norm(v: i32, n: i32) -> i32 {
  var u = v;
  if (u < 0) { u = u + n; }
  return select(-1, u, u >= 0 && u < n);
}`, /* wgsl */ `
  let r = i;
  let n = pi(0u);
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
  }`);

/** scatterAdd, step 2, one invocation per output element: sums its row's dy rows in index order. Words: total, inner, n, k. */
function scatterSumSrc(t: string): string {
  return perElement(bindings([`DY: array<${t}>`, 'R: array<u32>', 'L: array<u32>'], [`OUT: array<${t}>`]), /* wgsl */ `
  let n = pu(2u);
  let k = pu(3u);
  ${splitRows('r', 'n')}
  let start = R[2u * r];
  let end = start + R[2u * r + 1u];
  var acc = ${t}(0);
  for (var p = start; p < end; p = p + 1u) {
    acc = acc + DY[(o * k + L[p]) * inner + q];
  }
  OUT[i] = acc;`);
}

/** Words: total, depth, on bits, off bits. */
const ONE_HOT_SRC = perElement(bindings(['I: array<i32>'], ['Y: array<u32>']), /* wgsl */ `
  let depth = pu(1u);
  Y[i] = select(pu(3u), pu(2u), I[i / depth] == i32(i % depth));`);

/**
 * The data movement kernels over GPU buffers. Every kernel runs one invocation per
 * output element (workgroups of 256, a flat 2-D grid), except scatterAdd (see there).
 */
export function movementKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'transpose' | 'slice' | 'concat' | 'pad' | 'padGrad' | 'gather' | 'scatterAdd' | 'tile' | 'oneHot'> {
  /** Dispatches a perElementSrc kernel over the `ints[0]` elements (nothing when there are none). */
  const perElement = (key: string, source: () => string, buffers: readonly GpuBuffer[], ints: readonly number[]): void => {
    gpu.run({ key, source, buffers, ints, groups: groups1d(ints[0] as number, ELEMENT_WG) });
  };

  /** out[i] = x[offset + Σ coordₖ(i) · strides[k]] over the output dims (row-major). */
  const strided = (x: GpuBuffer, offset: number, dims: readonly number[], strides: readonly number[], out: GpuBuffer): void => {
    const total = product(dims);
    if (total === 0) return;
    const c = collapse(dims, strides);
    perElement('move.strided', () => STRIDED_SRC, [x, out], [total, c.dims.length, offset, ...c.dims, ...c.strides]);
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
        perElement('move.concat', () => CONCAT_SRC, [x, out], [outer * w, w, total, col]);
        col += w;
      });
    },

    /** One invocation per output element: maps each coordinate back (constant, reflection, edge). */
    pad(x, shape, pads, mode, value, out) {
      const outDims = paddedShape(shape, pads);
      const ints = [product(outDims), shape.length, padModeCode(mode), constantBits(value, out.dtype), ...outDims, ...shape, ...pads.map((p) => p[0])];
      perElement('move.pad', () => PAD_SRC, [x, out], ints);
    },

    /**
     * Constant mode: a slice of dy (one dispatch). Reflect and edge: one dispatch per padded
     * axis, each with one invocation per element of its (smaller) result, gathering the
     * positions along that axis that read it (race-free; intermediate results in pooled
     * buffers). Sums follow the axis order, so with several padded axes the rounding can
     * differ from the reference's output-order sum.
     */
    padGrad(dy, xShape, pads, mode, dx) {
      const outShape = paddedShape(xShape, pads);
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
        perElement(`move.padGrad.${t}`, () => padGradAxisSrc(t), [src, dst], [total, inner, n, before, after, padModeCode(mode)]);
        if (src !== dy) gpu.memory.free(src);
        src = dst;
      }
    },

    /** One invocation per output element; an index outside [-n, n) gives a row of zeros. */
    gather(x, outer, n, inner, indices, out) {
      const k = indices.size;
      perElement('move.gather', () => GATHER_SRC, [x, indices, out], [outer * k * inner, inner, n, k]);
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
      perElement('move.scatterRows', () => SCATTER_ROWS_SRC, [indices, rows, list], [n, k]);
      const t = wgslType(out.dtype);
      perElement(`move.scatterSum.${t}`, () => scatterSumSrc(t), [dy, rows, list, out], [total, inner, n, k]);
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
      perElement('move.oneHot', () => ONE_HOT_SRC, [indices, out], [indices.size * depth, depth, constantBits(onValue, out.dtype), constantBits(offValue, out.dtype)]);
    },
  };
}

/** The shape of `shape` padded by `pads` ([before, after] per axis). */
function paddedShape(shape: Shape, pads: readonly (readonly [number, number])[]): number[] {
  return shape.map((n, i) => n + (pads[i] as readonly [number, number])[0] + (pads[i] as readonly [number, number])[1]);
}

function padModeCode(mode: PadMode): number {
  return mode === 'constant' ? 0 : mode === 'reflect' ? 1 : 2;
}
