import { Tensor } from '../tensor/tensor.js';
import { normalizeAxes, normalizeAxis, reducedShape } from '../tensor/shape.js';
import type { ReduceOp } from '../backends/interface.js';
import { record, noGrad } from '../autograd/tape.js';
import { run1 } from '../engine/launch.js';
import { argReduceK, binaryK, copyK, cumulativeK, reduceK } from './kernels.js';
import { checkTensor, reductionView, requireFloat } from './util.js';
import { add, cast, clip, div, equal, exp, log, mul, notEqual, sub } from './elementwise.js';
import { broadcastTo, reshape, transpose } from './shape.js';

/** Axes to reduce: a number, a list, or undefined for all axes. */
export type Axis = number | readonly number[];

function reduceOp(op: ReduceOp, x: Tensor, axis: Axis | undefined, keepDims: boolean): { y: Tensor; axes: number[]; keepShape: number[] } {
  checkTensor(x, op);
  const axes = normalizeAxes(axis, x.rank, op);
  const keepShape = reducedShape(x.shape, axes, true);
  const outShape = reducedShape(x.shape, axes, keepDims);
  if (axes.length === 0) return { y: run1(copyK, [x], outShape, x.dtype), axes, keepShape };
  const v = reductionView(x, axes);
  return { y: run1(reduceK(op, v.outer, v.n, v.inner), [v.source], outShape, x.dtype), axes, keepShape };
}

/** dy (reduced shape) broadcast back over x's shape. */
function spread(dy: Tensor, keepShape: readonly number[], shape: readonly number[]): Tensor {
  return broadcastTo(reshape(dy, keepShape), shape);
}

/** Sum over `axis` (all axes when omitted). */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const { y, keepShape } = reduceOp('sum', x, axis, keepDims);
  return record('sum', [x], y, (dy) => [spread(dy, keepShape, x.shape)]);
}

export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  requireFloat(x, 'mean');
  const { y, keepShape } = reduceOp('mean', x, axis, keepDims);
  const n = x.size / Math.max(y.size, 1);
  return record('mean', [x], y, (dy) => [div(spread(dy, keepShape, x.shape), n)]);
}

function extreme(op: 'max' | 'min', x: Tensor, axis: Axis | undefined, keepDims: boolean): Tensor {
  const { y, keepShape } = reduceOp(op, x, axis, keepDims);
  // The gradient is shared equally among tied extremes (as TensorFlow does).
  return record(op, [x], y, (dy) => {
    const yb = spread(y, keepShape, x.shape);
    const mask = equal(x, yb);
    const count = reduceOp('sum', mask, axis, true).y;
    return [mul(div(mask, broadcastTo(count, x.shape)), spread(dy, keepShape, x.shape))];
  });
}

export const max = (x: Tensor, axis?: Axis, keepDims = false): Tensor => extreme('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: Axis, keepDims = false): Tensor => extreme('min', x, axis, keepDims);

/** Product over `axis`. The gradient is exact even where x has zeros (exclusive products). */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const { y, axes, keepShape } = reduceOp('prod', x, axis, keepDims);
  return record('prod', [x], y, (dy) => {
    // Move reduced axes last, flatten them, multiply exclusive prefix and suffix products.
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    const xt = transpose(x, perm);
    const n = axes.reduce((s, a) => s * x.shape[a], 1);
    const outer = x.size / Math.max(n, 1);
    const left = run1(cumulativeK('prod', outer, n, 1, true, false), [xt], xt.shape, xt.dtype);
    const right = run1(cumulativeK('prod', outer, n, 1, true, true), [xt], xt.shape, xt.dtype);
    const others = run1(binaryK('mul', xt.shape, xt.shape, xt.shape), [left, right], xt.shape, xt.dtype);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [mul(transpose(others, inverse), spread(dy, keepShape, x.shape))];
  });
}

function argOp(op: 'argmax' | 'argmin', x: Tensor, axis: number): Tensor {
  checkTensor(x, op);
  if (x.rank === 0) return new Tensor(new Int32Array([0]), []);
  const ax = normalizeAxis(axis, x.rank, op);
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  if (x.shape[ax] === 0) throw new RangeError(`${op}: axis ${axis} has length 0`);
  return run1(argReduceK(op, outer, x.shape[ax], inner), [x], x.shape.filter((_, i) => i !== ax), 'int32');
}

/** Index (int32) of the first maximum along `axis` (default the last, like Keras' K.argmax). */
export const argmax = (x: Tensor, axis = -1): Tensor => argOp('argmax', x, axis);
export const argmin = (x: Tensor, axis = -1): Tensor => argOp('argmin', x, axis);

/** log Σ exp(x) over `axis`, computed stably by shifting by the maximum. */
export function logSumExp(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  requireFloat(x, 'logSumExp');
  const axes = normalizeAxes(axis, x.rank, 'logSumExp');
  const keepShape = reducedShape(x.shape, axes, true);
  const y = noGrad(() => {
    // Shift by the maximum; clipping keeps an all −∞ slice at −∞ instead of NaN.
    const m = clip(reduceOp('max', x, axes, true).y, -3.4e38, 3.4e38);
    return reshape(add(log(sum(exp(sub(x, m)), axes, true)), m), reducedShape(x.shape, axes, keepDims));
  });
  return record('logSumExp', [x], y, (dy) => [mul(exp(sub(x, reshape(y, keepShape))), spread(dy, keepShape, x.shape))]);
}

/** Running sum along `axis`; `exclusive` starts from 0, `reverse` runs from the end. */
export function cumsum(x: Tensor, axis = 0, exclusive = false, reverse = false): Tensor {
  checkTensor(x, 'cumsum');
  const ax = normalizeAxis(axis, x.rank, 'cumsum');
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const y = run1(cumulativeK('sum', outer, x.shape[ax], inner, exclusive, reverse), [x], x.shape, x.dtype);
  return record('cumsum', [x], y, (dy) => [run1(cumulativeK('sum', outer, x.shape[ax], inner, exclusive, !reverse), [dy], x.shape, dy.dtype)]);
}

/** Number of non-zero entries (int32). */
export function countNonZero(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return sum(cast(notEqual(x, 0), 'int32'), axis, keepDims);
}
