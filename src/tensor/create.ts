import { type DataType, type TypedArray, allocate, checkDataType } from './dtype.js';
import { type Shape, sizeOf, formatShape, checkShape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Anything `tensor()` accepts as values. */
export type TensorLike = NestedArray | boolean | readonly boolean[] | TypedArray | ArrayLike<number>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function isTypedArrayLike(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Walks nested arrays once: infers the shape and rejects ragged or non-numeric input. */
function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) || isTypedArrayLike(v)) {
    const arr = v as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    v = arr[0];
  }
  return shape;
}

function flatten(values: unknown, shape: readonly number[], out: (v: number, path: number[]) => void): void {
  const path: number[] = [];
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) {
        throw new TypeError(`tensor: ragged nested array: element at [${path.join(', ')}] is an array, but its siblings are numbers`);
      }
      if (typeof v === 'boolean') return out(v ? 1 : 0, path);
      if (typeof v !== 'number') {
        throw new TypeError(`tensor: element at [${path.join(', ')}] is ${v === null ? 'null' : typeof v}, not a number`);
      }
      return out(v, path);
    }
    if (!Array.isArray(v) && !isTypedArrayLike(v)) {
      throw new TypeError(`tensor: ragged nested array: element at [${path.join(', ')}] is a number, but an array of length ${shape[dim]} was expected`);
    }
    const arr = v as ArrayLike<unknown>;
    if (arr.length !== shape[dim]) {
      throw new TypeError(
        `tensor: ragged nested array: element at [${path.join(', ')}] has length ${arr.length}, expected ${shape[dim]} (like its first sibling)`,
      );
    }
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      walk(arr[i], dim + 1);
      path.pop();
    }
  };
  walk(values, 0);
}

function checkInt(v: number, where: string): number {
  if (Number.isNaN(v)) throw new TypeError(`tensor: int32 data cannot hold NaN (element ${where})`);
  if (!Number.isFinite(v)) throw new TypeError(`tensor: int32 data cannot hold ${v} (element ${where})`);
  if (!Number.isInteger(v)) throw new TypeError(`tensor: int32 data must be integers; element ${where} is ${v}`);
  if (v < INT32_MIN || v > INT32_MAX) throw new RangeError(`tensor: element ${where} = ${v} does not fit in int32`);
  return v;
}

/**
 * Creates a tensor from nested arrays, a flat array plus a shape, or a typed array (an
 * Int32Array makes int32, anything else float32 unless `dtype` says otherwise).
 * A Float32Array/Int32Array of the target dtype is wrapped without copying.
 *
 * @example tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DataType): Tensor {
  if (dtype !== undefined) checkDataType(dtype, 'tensor');
  if (typeof values === 'number' || typeof values === 'boolean') {
    return fill(shape ?? [], Number(values), dtype ?? 'float32');
  }
  if (isTypedArrayLike(values)) {
    const dt = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
    const target = shape ?? [values.length];
    checkShape(target, 'tensor');
    if (sizeOf(target) !== values.length) {
      throw new RangeError(`tensor: shape ${formatShape(target)} needs ${sizeOf(target)} values; got ${values.length}`);
    }
    if (dt === 'float32' && values instanceof Float32Array) return new Tensor(values, target);
    if (dt === 'int32' && values instanceof Int32Array) return new Tensor(values, target);
    const data = allocate(dt, values.length);
    for (let i = 0; i < values.length; i++) data[i] = dt === 'int32' ? checkInt(values[i], `[${i}]`) : values[i];
    return new Tensor(data, target);
  }
  if (!Array.isArray(values)) {
    throw new TypeError(`tensor: values must be a number, nested arrays or a typed array; got ${values === null ? 'null' : typeof values}`);
  }
  const inferred = inferShape(values);
  const dt = dtype ?? 'float32';
  const data = allocate(dt, sizeOf(inferred));
  let k = 0;
  flatten(values, inferred, (v, path) => {
    data[k++] = dt === 'int32' ? checkInt(v, `[${path.join(', ')}]`) : v;
  });
  if (shape !== undefined) {
    checkShape(shape, 'tensor');
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(`tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} values; got ${data.length}`);
    }
    return new Tensor(data, shape);
  }
  return new Tensor(data, inferred);
}

/** A rank-0 tensor. */
export function scalar(value: number, dtype: DataType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

/** A tensor of the given shape with every element equal to `value`. */
export function fill(shape: Shape, value: number, dtype: DataType = 'float32'): Tensor {
  checkShape(shape, 'fill');
  checkDataType(dtype, 'fill');
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(dtype === 'int32' ? checkInt(value, 'fill value') : value);
  return new Tensor(data, shape);
}

export function zeros(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  return fill(x.shape, 0, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return fill(x.shape, 1, x.dtype);
}

/** An n×m matrix with ones on the diagonal (shifted by k). */
export function eye(n: number, m: number = n, dtype: DataType = 'float32', k = 0): Tensor {
  const t = zeros([n, m], dtype);
  const data = t.dataSync();
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < m) data[i * m + j] = 1;
  }
  return t;
}

/**
 * Evenly spaced values in [start, stop), like `numpy.arange`: `range(5)` is 0..4,
 * `range(1, 2, 0.25)` is 1, 1.25, 1.5, 1.75.
 */
export function range(start: number, stop?: number, step = 1, dtype: DataType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`range: step must be a finite non-zero number; got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  if (dtype === 'int32') for (let i = 0; i < n; i++) checkInt(start + i * step, `[${i}]`);
  return new Tensor(data, [n]);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer; got ${num}`);
  const data = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  return new Tensor(data, [num]);
}
