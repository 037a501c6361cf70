import { Tensor } from '../tensor/tensor.js';
import { type DataType, checkDataType } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { BinaryOp, UnaryOp, UnaryParams } from '../backends/interface.js';
import { UNARY } from '../backends/op-table.js';
import { record } from '../autograd/tape.js';
import { run1 } from '../engine/launch.js';
import { binaryK, castK, unaryGradK, unaryK, whereK } from './kernels.js';
import { type Operand, checkTensor, coerce, requireFloat, sumToShape } from './util.js';

const NO_PARAMS: UnaryParams = { alpha: 0, beta: 0 };

/** Forward through the backend's unary kernel; gradient through its fused derivative kernel (formulas: the op table). */
export function unaryOp(op: UnaryOp, x: Tensor, p: UnaryParams = NO_PARAMS): Tensor {
  checkTensor(x, op);
  if (x.dtype !== 'float32' && !(UNARY[op] as { int?: boolean }).int) requireFloat(x, op);
  const y = run1(unaryK(op, p), [x], x.shape, x.dtype);
  return record(op, [x], y, (dy) => [run1(unaryGradK(op, p), [x, y, dy], x.shape, 'float32')]);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
/** -1, 0 or 1 (gradient zero). */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x);
/** Rounds half to even, like NumPy. */
export const round = (x: Tensor): Tensor => unaryOp('round', x);
export const sin = (x: Tensor): Tensor => unaryOp('sin', x);
export const cos = (x: Tensor): Tensor => unaryOp('cos', x);
export const erf = (x: Tensor): Tensor => unaryOp('erf', x);

/** Limits values to [min, max]; the gradient passes where min ≤ x ≤ max. */
export function clip(x: Tensor, min: number, max: number): Tensor {
  if (!(min <= max)) throw new RangeError(`clip: min (${min}) must not exceed max (${max})`);
  return unaryOp('clip', x, { alpha: min, beta: max });
}

function binaryOp(op: BinaryOp, a: Operand, b: Operand, grad: ((dy: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null]) | null): Tensor {
  const [ta, tb] = coerce(a, b, op);
  const shape = broadcastShapes(ta.shape, tb.shape, op);
  const y = run1(binaryK(op, ta.shape, tb.shape, shape), [ta, tb], shape, ta.dtype);
  if (grad === null) return y;
  return record(op, [ta, tb], y, (dy, needs) => {
    const [ga, gb] = grad(dy, ta, tb, y, needs);
    return [ga && sumToShape(ga, ta.shape), gb && sumToShape(gb, tb.shape)];
  });
}

function floatBinary(op: BinaryOp, a: Operand, b: Operand, grad: Parameters<typeof binaryOp>[3]): Tensor {
  const [ta, tb] = coerce(a, b, op);
  requireFloat(ta, op, 'a');
  return binaryOp(op, ta, tb, grad);
}

/** a + b with NumPy broadcasting (numbers are scalars). */
export function add(a: Operand, b: Operand): Tensor {
  return binaryOp('add', a, b, (dy) => [dy, dy]);
}

export function sub(a: Operand, b: Operand): Tensor {
  return binaryOp('sub', a, b, (dy, _a, _b, _y, needs) => [dy, needs[1] ? neg(dy) : null]);
}

export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp('mul', a, b, (dy, ta, tb, _y, needs) => [needs[0] ? mul(dy, tb) : null, needs[1] ? mul(dy, ta) : null]);
}

/** a / b (float32 only). */
export function div(a: Operand, b: Operand): Tensor {
  return floatBinary('div', a, b, (dy, _ta, tb, y, needs) => [needs[0] ? div(dy, tb) : null, needs[1] ? neg(mul(dy, div(y, tb))) : null]);
}

/** a ** b. The gradient for b uses log(a) where a > 0 and 0 elsewhere (as TensorFlow does). */
export function pow(a: Operand, b: Operand): Tensor {
  return floatBinary('pow', a, b, (dy, ta, tb, y, needs) => {
    const ga = needs[0] ? mul(dy, mul(tb, pow(ta, sub(tb, 1)))) : null;
    let gb: Tensor | null = null;
    if (needs[1]) {
      const positive = greater(ta, 0);
      const safeLog = where(positive, log(where(positive, ta, 1)), 0);
      gb = mul(dy, mul(y, safeLog));
    }
    return [ga, gb];
  });
}

/** Elementwise maximum; on ties the gradient goes to a. */
export function maximum(a: Operand, b: Operand): Tensor {
  return binaryOp('maximum', a, b, (dy, ta, tb, _y, needs) => {
    const mask = greaterEqual(ta, tb);
    return [needs[0] ? where(mask, dy, 0) : null, needs[1] ? where(mask, 0, dy) : null];
  });
}

/** Elementwise minimum; on ties the gradient goes to a. */
export function minimum(a: Operand, b: Operand): Tensor {
  return binaryOp('minimum', a, b, (dy, ta, tb, _y, needs) => {
    const mask = lessEqual(ta, tb);
    return [needs[0] ? where(mask, dy, 0) : null, needs[1] ? where(mask, 0, dy) : null];
  });
}

/** (a − b)². */
export function squaredDifference(a: Operand, b: Operand): Tensor {
  return binaryOp('squaredDifference', a, b, (dy, ta, tb, _y, needs) => {
    const g = mul(dy, mul(sub(ta, tb), 2));
    return [needs[0] ? g : null, needs[1] ? neg(g) : null];
  });
}

// Comparisons return 1 or 0 in the operands' dtype and carry no gradient.
export const equal = (a: Operand, b: Operand): Tensor => binaryOp('equal', a, b, null);
export const notEqual = (a: Operand, b: Operand): Tensor => binaryOp('notEqual', a, b, null);
export const less = (a: Operand, b: Operand): Tensor => binaryOp('less', a, b, null);
export const lessEqual = (a: Operand, b: Operand): Tensor => binaryOp('lessEqual', a, b, null);
export const greater = (a: Operand, b: Operand): Tensor => binaryOp('greater', a, b, null);
export const greaterEqual = (a: Operand, b: Operand): Tensor => binaryOp('greaterEqual', a, b, null);

/**
 * Picks a where cond is non-zero and b elsewhere, broadcasting all three. `cond` may be
 * float32 or int32; a and b must share a dtype.
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  checkTensor(cond, 'where', 'cond');
  const [ta, tb] = coerce(a, b, 'where');
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
  const y = run1(whereK(cond.shape, ta.shape, tb.shape, shape), [cond, ta, tb], shape, ta.dtype);
  return record('where', [ta, tb], y, (dy, needs) => [
    needs[0] ? sumToShape(where(cond, dy, 0), ta.shape) : null,
    needs[1] ? sumToShape(where(cond, 0, dy), tb.shape) : null,
  ]);
}

/** Converts to another dtype (float32 → int32 truncates toward zero). */
export function cast(x: Tensor, dtype: DataType): Tensor {
  checkTensor(x, 'cast');
  checkDataType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  return run1(castK, [x], x.shape, dtype);
}
