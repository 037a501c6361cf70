import { deferCheck, hostValuesOf } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { StringTensor, stringTensorError } from '../tensor/string-tensor.js';
import type { DataType, TypedArray } from '../tensor/dtype.js';
import { type Shape, formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { scalar } from '../tensor/create.js';
import { run, run1 } from '../engine/launch.js';
import { reduceK, transposeK } from './kernels.js';

/** A tensor with x's data and another shape of the same size (no copy). */
export function view(x: Tensor, shape: Shape): Tensor {
  return new Tensor(x.storage, shape);
}

/** A tensor operand or a plain number (made a scalar of the other operand's dtype). */
export type Operand = Tensor | number;

export function checkTensor(x: unknown, op: string, name = 'x'): Tensor {
  if (!(x instanceof Tensor)) {
    if (x instanceof StringTensor) throw stringTensorError(`${op}: ${name}`);
    throw new TypeError(`${op}: ${name} must be a Tensor; got ${x === null ? 'null' : typeof x}`);
  }
  return x;
}

/** Turns a pair of operands into tensors of one dtype, with a clear error on a mismatch. */
export function coerce(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  const dtype: DataType = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  const ta = toOperand(a, dtype, op, 'a');
  const tb = toOperand(b, dtype, op, 'b');
  if (ta.dtype !== tb.dtype) {
    throw new TypeError(`${op}: both operands must have the same dtype; got ${ta.dtype} and ${tb.dtype} (use cast())`);
  }
  return [ta, tb];
}

function toOperand(x: Operand, dtype: DataType, op: string, name: string): Tensor {
  if (x instanceof Tensor) return x;
  if ((x as unknown) instanceof StringTensor) throw stringTensorError(`${op}: ${name}`);
  if (typeof x !== 'number') throw new TypeError(`${op}: ${name} must be a Tensor or a number; got ${x === null ? 'null' : typeof x}`);
  if (dtype === 'int32' && !Number.isInteger(x)) {
    throw new TypeError(`${op}: cannot combine an int32 tensor with the non-integer ${x}; cast the tensor to float32 first`);
  }
  return scalar(x, dtype);
}

/** Throws unless x is float32, naming the op. */
export function requireFloat(x: Tensor, op: string, name = 'x'): void {
  if (x.dtype !== 'float32') {
    throw new TypeError(`${op}: ${name} must be float32; got ${x.dtype} (use cast(${name}, 'float32'))`);
  }
}

export function requireInt(x: Tensor, op: string, name = 'indices'): void {
  if (x.dtype !== 'int32') throw new TypeError(`${op}: ${name} must be int32; got ${x.dtype}`);
}

/**
 * Sums a broadcast gradient back to the shape of the operand it flowed from: over leading
 * axes the operand lacked and over axes where it had size 1.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return view(g, shape);
  const { outer, n, inner, source } = reductionView(g, axes);
  if (outer * inner !== sizeOf(shape)) {
    throw new Error(`sumToShape: cannot reduce a gradient of shape ${formatShape(g.shape)} to ${formatShape(shape)}`);
  }
  return run1(reduceK('sum', outer, n, inner), [source], shape, g.dtype);
}

/**
 * Views x as [outer, n, inner] with `axes` (sorted) as the middle: directly when they are
 * one contiguous block, after moving them last otherwise.
 */
export function reductionView(x: Tensor, axes: readonly number[]): { outer: number; n: number; inner: number; source: Tensor } {
  const shape = x.shape;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  let n = 1;
  for (const a of axes) n *= shape[a];
  if (contiguous && axes.length > 0) {
    let outer = 1;
    for (let i = 0; i < axes[0]; i++) outer *= shape[i];
    let inner = 1;
    for (let i = axes[axes.length - 1] + 1; i < shape.length; i++) inner *= shape[i];
    return { outer, n, inner, source: x };
  }
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const outer = kept.reduce((s, i) => s * shape[i], 1);
  return { outer, n, inner: 1, source: run1(transposeK(shape, perm), [x], perm.map((a) => shape[a]), x.dtype) };
}

/**
 * A check of tensor values that runs as a kernel: `check` sees the values (a host view of
 * each input, in the order given) when the launch runs and returns an error message, or
 * null when they are fine. Being a launch, it runs again at every step of a plan (a
 * `dataSync()` in an op would stop a model from being planned). Backends whose memory has
 * no host view (GPU) skip it.
 */
export function checkValues(inputs: readonly Tensor[], check: (values: readonly TypedArray[]) => string | null, error: new (message: string) => Error = RangeError): void {
  run(
    {
      kernel: 'check',
      effect: true,
      exec: (b, ins) => {
        const views: TypedArray[] = [];
        for (const h of ins) {
          // A GPU memory has no views: host values of user data (moved there, or read back)
          // still serve; values made there are read asynchronously and the check runs when
          // they arrive (a failure is thrown by the next read, see deferCheck).
          const v = b.memory.view(h) ?? hostValuesOf(h);
          if (v === null) {
            deferCheck(Promise.all(ins.map((x) => b.memory.view(x) ?? hostValuesOf(x) ?? b.memory.read(x))), (values) => {
              const message = check(values);
              return message === null ? null : new error(message);
            });
            return;
          }
          views.push(v);
        }
        const message = check(views);
        if (message !== null) throw new error(message);
      },
    },
    inputs,
    [],
  );
}
