import { Tensor } from '../tensor/tensor.js';
import { type Shape, broadcastShapes, formatShape, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { PadMode } from '../backends/interface.js';
import { record } from '../autograd/tape.js';
import { run1 } from '../engine/launch.js';
import { broadcastToK, concatK, gatherK, oneHotK, padGradK, padK, reduceK, scatterAddK, sliceK, tileK, transposeK } from './kernels.js';
import { checkTensor, requireInt, sumToShape, view } from './util.js';
import { tensor } from '../tensor/create.js';

/** Same data, new shape (shares storage). One entry may be -1 to infer it. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'reshape');
  const target = inferShape(x, shape);
  const y = view(x, target);
  return record('reshape', [x], y, (dy) => [view(dy, x.shape)]);
}

function inferShape(x: Tensor, shape: Shape): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.indexOf(-1, unknown + 1) !== -1 && unknown !== -1) throw new RangeError(`reshape: only one dimension can be -1; got ${formatShape(shape)}`);
  for (const d of out) {
    if (!Number.isInteger(d) || d < -1) throw new RangeError(`reshape: dimensions must be integers ≥ 0 or -1; got ${formatShape(shape)}`);
  }
  if (unknown >= 0) {
    const known = out.reduce((s, d, i) => (i === unknown ? s : s * d), 1);
    if (known === 0 || x.size % known !== 0) throw new RangeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) throw new RangeError(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)} (${sizeOf(out)} elements)`);
  return out;
}

/** Keeps the first axis (the batch) and flattens the rest, like Keras' Flatten. */
export function flatten(x: Tensor, axis = 1): Tensor {
  checkTensor(x, 'flatten');
  const ax = axis === x.rank ? axis : normalizeAxis(axis, x.rank, 'flatten');
  const lead = sizeOf(x.shape.slice(0, ax));
  return reshape(x, [lead, x.size / Math.max(lead, 1)]);
}

export function expandDims(x: Tensor, axis = 0): Tensor {
  checkTensor(x, 'expandDims');
  const ax = normalizeAxis(axis, x.rank + 1, 'expandDims');
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or those listed). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor(x, 'squeeze');
  const axes = axis === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis(a, x.rank, 'squeeze'));
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} has size ${x.shape[a]}, not 1 (shape ${formatShape(x.shape)})`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Permutes axes (default: reversed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor(x, 'transpose');
  const p = perm ? perm.map((a) => normalizeAxis(a, x.rank, 'transpose')) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== x.rank) {
    throw new RangeError(`transpose: perm [${perm?.join(', ')}] is not a permutation of the ${x.rank} axes of ${formatShape(x.shape)}`);
  }
  if (p.every((a, i) => a === i)) return x;
  const y = run1(transposeK(x.shape, p), [x], p.map((a) => x.shape[a]), x.dtype);
  const inverse = p.map((_, i) => p.indexOf(i));
  return record('transpose', [x], y, (dy) => [transpose(dy, inverse)]);
}

/** Keras' name for transpose (the Permute layer): reorders axes. */
export const permute = (x: Tensor, perm: readonly number[]): Tensor => transpose(x, perm);

/**
 * A rectangular piece: `begin` per axis (negative counts from the end) and `size` per axis
 * (-1 or omitted: to the end). Missing trailing axes are taken whole.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor(x, 'slice');
  if (begin.length > x.rank || (size && size.length > x.rank)) throw new RangeError(`slice: begin/size have more entries than the rank of ${formatShape(x.shape)}`);
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    return v < 0 ? v + d : v;
  });
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    return v === -1 ? d - b[i] : v;
  });
  x.shape.forEach((d, i) => {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i] < 0 || s[i] < 0 || b[i] + s[i] > d) {
      throw new RangeError(`slice: begin [${begin.join(', ')}] size [${(size ?? []).join(', ')}] is outside the shape ${formatShape(x.shape)} at axis ${i}`);
    }
  });
  const y = run1(sliceK(x.shape, b, s), [x], s, x.dtype);
  return record('slice', [x], y, (dy) => [pad(dy, x.shape.map((d, i) => [b[i], d - b[i] - s[i]] as const))]);
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError('concat: needs at least one tensor');
  xs.forEach((x, i) => checkTensor(x, 'concat', `xs[${i}]`));
  const first = xs[0];
  const ax = normalizeAxis(axis, first.rank, 'concat');
  for (const x of xs) {
    if (x.dtype !== first.dtype) throw new TypeError(`concat: all tensors must share a dtype; got ${first.dtype} and ${x.dtype}`);
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new RangeError(`concat: shapes ${formatShape(first.shape)} and ${formatShape(x.shape)} differ outside axis ${ax}`);
    }
  }
  const outer = sizeOf(first.shape.slice(0, ax));
  const widths = xs.map((x) => sizeOf(x.shape.slice(ax)));
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const y = run1(concatK(outer, widths), xs, shape, first.dtype);
  return record('concat', xs, y, (dy, needs) => {
    let at = 0;
    return xs.map((x, i) => {
      const begin = shape.map((_, k) => (k === ax ? at : 0));
      at += x.shape[ax];
      return needs[i] ? slice(dy, begin, x.shape) : null;
    });
  });
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError('stack: needs at least one tensor');
  const ax = normalizeAxis(axis, xs[0].rank + 1, 'stack');
  for (const x of xs) {
    if (!shapesEqual(x.shape, xs[0].shape)) throw new RangeError(`stack: all shapes must be equal; got ${formatShape(xs[0].shape)} and ${formatShape(x.shape)}`);
  }
  return concat(xs.map((x) => expandDims(x, ax)), ax);
}

/** Splits along an axis into tensors without that axis. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  checkTensor(x, 'unstack');
  const ax = normalizeAxis(axis, x.rank, 'unstack');
  return split(x, x.shape[ax], ax).map((t) => squeeze(t, ax));
}

/** Splits into `n` equal parts, or into parts of the given sizes, along `axis`. */
export function split(x: Tensor, numOrSizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor(x, 'split');
  const ax = normalizeAxis(axis, x.rank, 'split');
  const d = x.shape[ax];
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || d % numOrSizes !== 0) {
      throw new RangeError(`split: axis ${ax} of length ${d} cannot be split into ${numOrSizes} equal parts`);
    }
    sizes = new Array<number>(numOrSizes).fill(d / numOrSizes);
  } else {
    sizes = [...numOrSizes];
    if (sizes.reduce((a, b) => a + b, 0) !== d) throw new RangeError(`split: sizes [${sizes.join(', ')}] do not add up to ${d}, the length of axis ${ax}`);
  }
  let at = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, k) => (k === ax ? at : 0));
    const size = x.shape.map((dim, k) => (k === ax ? s : dim));
    at += s;
    return slice(x, begin, size);
  });
}

/**
 * Pads each axis by [before, after]: with a constant, by reflection (without repeating the
 * edge, NumPy's 'reflect'), or by repeating the edge value.
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], mode: PadMode = 'constant', value = 0): Tensor {
  checkTensor(x, 'pad');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new RangeError(`pad: mode must be 'constant', 'reflect' or 'edge'; got '${String(mode)}'`);
  if (paddings.length !== x.rank) throw new RangeError(`pad: needs one [before, after] pair per axis (${x.rank}); got ${paddings.length}`);
  paddings.forEach(([lo, hi], i) => {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0) throw new RangeError(`pad: paddings must be non-negative integers; axis ${i} has [${lo}, ${hi}]`);
    if (mode === 'reflect' && (lo >= x.shape[i] || hi >= x.shape[i]) && lo + hi > 0) {
      throw new RangeError(`pad: 'reflect' padding of axis ${i} must be smaller than its length ${x.shape[i]}; got [${lo}, ${hi}]`);
    }
    if (mode === 'edge' && x.shape[i] === 0 && lo + hi > 0) throw new RangeError(`pad: cannot 'edge'-pad the empty axis ${i}`);
  });
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const y = run1(padK(x.shape, paddings, mode, value), [x], shape, x.dtype);
  return record('pad', [x], y, (dy) => [
    mode === 'constant' ? slice(dy, paddings.map((p) => p[0]), x.shape) : run1(padGradK(x.shape, paddings, mode), [dy], x.shape, 'float32'),
  ]);
}

function toIndices(indices: Tensor | readonly number[], op: string): Tensor {
  const t = indices instanceof Tensor ? indices : tensor(indices as number[], undefined, 'int32');
  requireInt(t, op);
  return t;
}

/**
 * Takes slices along `axis` at the given int32 indices (negative count from the end).
 * Output shape: x.shape[:axis] + indices.shape + x.shape[axis+1:].
 */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  checkTensor(x, 'gather');
  const idx = toIndices(indices, 'gather');
  const ax = normalizeAxis(axis, x.rank, 'gather');
  const n = x.shape[ax];
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  // The kernels check the range of the indices (negative ones count from the end), so no
  // index value is read here: a plan replays this op with other indices.
  const y = run1(gatherK(outer, n, inner, ax), [x, idx], shape, x.dtype);
  return record('gather', [x], y, (dy) => [run1(scatterAddK(outer, n, inner, ax), [dy, idx], x.shape, 'float32')]);
}

/** One-hot float32 encoding along a new last axis; out-of-range indices give all-off rows. */
export function oneHot(indices: Tensor | readonly number[], depth: number, onValue = 1, offValue = 0): Tensor {
  const idx = toIndices(indices, 'oneHot');
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`oneHot: depth must be a non-negative integer; got ${depth}`);
  return run1(oneHotK(depth, onValue, offValue), [idx], [...idx.shape, depth], 'float32');
}

/** Repeats the tensor reps[i] times along axis i. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  checkTensor(x, 'tile');
  if (reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new RangeError(`tile: needs one non-negative integer repeat per axis of ${formatShape(x.shape)}; got [${reps.join(', ')}]`);
  }
  const shape = x.shape.map((d, i) => d * reps[i]);
  const y = run1(tileK(x.shape, reps), [x], shape, x.dtype);
  return record('tile', [x], y, (dy) => {
    // dy viewed as [r0, d0, r1, d1, ...]; sum over the repeat axes.
    const split = x.shape.flatMap((d, i) => [reps[i], d]);
    const perm = [...x.shape.map((_, i) => 2 * i + 1), ...reps.map((_, i) => 2 * i)];
    const moved = run1(transposeK(split, perm), [dy], perm.map((a) => split[a]), dy.dtype);
    return [run1(reduceK('sum', x.size, sizeOf(reps), 1), [moved], x.shape, dy.dtype)];
  });
}

/** Broadcasts to a larger shape with NumPy rules (materialized). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'broadcastTo');
  const out = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!shapesEqual(out, shape)) throw new RangeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  if (shapesEqual(x.shape, shape)) return x;
  const y = run1(broadcastToK(x.shape, shape), [x], shape, x.dtype);
  return record('broadcastTo', [x], y, (dy) => [sumToShape(dy, x.shape)]);
}
