import type { PadMode, Shape } from '../interface.js';
import { type TypedArray, allocInt32 } from '../../tensor/dtype.js';

function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Copies the strided view (dims, srcStrides from srcOff) of `src` into `dst` laid out with
 * dstStrides from dstOff. The innermost dimension is the tight loop.
 */
export function stridedCopy(src: TypedArray, srcOff: number, srcStrides: readonly number[], dst: TypedArray, dstOff: number, dstStrides: readonly number[], dims: readonly number[]): void {
  const r = dims.length;
  if (r === 0) {
    dst[dstOff] = src[srcOff];
    return;
  }
  if (dims.some((d) => d === 0)) return;
  const len = dims[r - 1];
  const ss = srcStrides[r - 1];
  const ds = dstStrides[r - 1];
  const counter = new Array<number>(r).fill(0);
  let s = srcOff;
  let d = dstOff;
  for (;;) {
    if (ss === 1 && ds === 1) dst.set(src.subarray(s, s + len), d);
    else for (let j = 0, si = s, di = d; j < len; j++, si += ss, di += ds) dst[di] = src[si];
    let k = r - 2;
    for (; k >= 0; k--) {
      counter[k]++;
      s += srcStrides[k];
      d += dstStrides[k];
      if (counter[k] < dims[k]) break;
      s -= srcStrides[k] * dims[k];
      d -= dstStrides[k] * dims[k];
      counter[k] = 0;
    }
    if (k < 0) return;
  }
}

/** out = x with its axes permuted: out's axis i is x's axis perm[i]. */
export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  stridedCopy(x, 0, perm.map((p) => inStrides[p]), out, 0, stridesOf(outShape), outShape);
}

/** out `size` = the block of x starting at `begin`. */
export function slice(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[], out: TypedArray): void {
  const inStrides = stridesOf(shape);
  const off = begin.reduce((acc, b, i) => acc + b * inStrides[i], 0);
  stridedCopy(x, off, inStrides, out, 0, stridesOf(size), size);
}

/** Concatenates inputs viewed as `[outer, widths[i]]` along the second axis into out `[outer, Σ widths]`. */
export function concat(xs: readonly TypedArray[], outer: number, widths: readonly number[], out: TypedArray): void {
  const total = widths.reduce((a, b) => a + b, 0);
  let col = 0;
  xs.forEach((x, i) => {
    const w = widths[i];
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * w, o * w + w), o * total + col);
    col += w;
  });
}

/** out = x repeated reps[i] times along each axis i. */
export function tile(x: TypedArray, shape: Shape, reps: readonly number[], out: TypedArray): void {
  // The output viewed as [r0, d0, r1, d1, ...] reads x with stride 0 along every r axis.
  const inStrides = stridesOf(shape);
  const dims: number[] = [];
  const src: number[] = [];
  shape.forEach((d, i) => {
    dims.push(reps[i], d);
    src.push(0, inStrides[i]);
  });
  stridedCopy(x, 0, src, out, 0, stridesOf(dims), dims);
}

/** For each output index along one axis, the input index it reads (-1: constant padding). */
function padIndexMap(n: number, before: number, after: number, mode: PadMode): Int32Array {
  const map = allocInt32(before + n + after);
  for (let j = 0; j < map.length; j++) {
    let i = j - before;
    if (i < 0 || i >= n) {
      if (mode === 'constant') i = -1;
      else if (mode === 'edge') i = i < 0 ? 0 : n - 1;
      else i = i < 0 ? -i : 2 * (n - 1) - i;
    }
    map[j] = i;
  }
  return map;
}

/** Visits every output element of a pad with the flat input index it reads (-1 for none). */
function forEachPadded(shape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, visit: (o: number, src: number) => void): void {
  const r = shape.length;
  const maps = shape.map((n, i) => padIndexMap(n, pads[i][0], pads[i][1], mode));
  const outShape = maps.map((m) => m.length);
  const inStrides = stridesOf(shape);
  if (outShape.some((d) => d === 0)) return;
  if (r === 0) return visit(0, 0);
  const counter = new Array<number>(r).fill(0);
  const last = maps[r - 1];
  let o = 0;
  for (;;) {
    let base = 0;
    let dead = false;
    for (let k = 0; k < r - 1; k++) {
      const m = maps[k][counter[k]];
      if (m < 0) dead = true;
      base += m * inStrides[k];
    }
    for (let j = 0; j < last.length; j++, o++) visit(o, dead || last[j] < 0 ? -1 : base + last[j]);
    let k = r - 2;
    for (; k >= 0; k--) {
      if (++counter[k] < outShape[k]) break;
      counter[k] = 0;
    }
    if (k < 0) return;
  }
}

/** out = x padded by pads[i] = [before, after] on each axis: `value`, the reflection or the edge. */
export function pad(x: TypedArray, shape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, value: number, out: TypedArray): void {
  forEachPadded(shape, pads, mode, (o, s) => {
    out[o] = s < 0 ? value : x[s];
  });
}

/** Gradient of pad: dx (zeroed first) sums dy over the output positions that read each input element. */
export function padGrad(dy: Float32Array, xShape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, dx: Float32Array): void {
  dx.fill(0);
  forEachPadded(xShape, pads, mode, (o, s) => {
    if (s >= 0) dx[s] += dy[o];
  });
}

/**
 * Checks gather/scatterAdd indices: every one must lie in [-n, n) (negative ones count from
 * the end); the first that does not is a RangeError. Runs before anything is written.
 */
export function checkIndices(what: string, indices: TypedArray, n: number): void {
  for (let j = 0; j < indices.length; j++) {
    const v = indices[j];
    if (!(v >= -n && v < n)) throw new RangeError(`${what}: index ${v} is out of range for an axis of length ${n}`);
  }
}

/**
 * x viewed as `[outer, n, inner]`; out `[outer, indices.length, inner]` takes the rows
 * x[o, indices[j]]. Indices are int32 in [-n, n) (negative ones count from the end); any
 * other index is a RangeError, thrown before out is written.
 */
export function gather(x: TypedArray, outer: number, n: number, inner: number, indices: Int32Array, out: TypedArray): void {
  checkIndices('gather', indices, n);
  const k = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const v = indices[j];
      const src = (o * n + (v < 0 ? v + n : v)) * inner;
      out.set(x.subarray(src, src + inner), (o * k + j) * inner);
    }
  }
}

/**
 * Inverse of gather for gradients: out `[outer, n, inner]` (zeroed first) gets dy
 * `[outer, indices.length, inner]` added at the gathered rows; repeated indices add up.
 * Indices as for gather.
 */
export function scatterAdd(dy: Float32Array, outer: number, n: number, inner: number, indices: Int32Array, out: Float32Array): void {
  checkIndices('scatterAdd', indices, n);
  const k = indices.length;
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const v = indices[j];
      const dst = (o * n + (v < 0 ? v + n : v)) * inner;
      const src = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += dy[src + i];
    }
  }
}

/** float32 one-hot rows of `depth` into out `[indices.length, depth]`; out-of-range indices give all-off rows. */
export function oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number, out: Float32Array): void {
  out.fill(offValue);
  for (let i = 0; i < indices.length; i++) {
    const c = indices[i];
    if (c >= 0 && c < depth) out[i * depth + c] = onValue;
  }
}
