import type { DataType, TypedArray } from './dtype.js';
import { type Shape, sizeOf, formatShape, checkShape } from './shape.js';
import { formatTensor } from './format.js';
import { Storage } from './storage.js';
import { hostMemory } from './host-memory.js';

/** Nested JavaScript arrays of numbers, as returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

/** A gradient rule: gradients for each input (null where not needed); `needs[i]` says which are wanted. */
export type BackwardRule = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/**
 * One recorded operation on the autograd tape: the op's name, its inputs, and the rule
 * that turns the gradient of its output into gradients of its inputs. Created by
 * autograd's `record`; the tensor module only stores it. A backward pass without
 * `retainGraph` releases the node (inputs emptied, rule set to null) so the memory it
 * held can be collected.
 */
export interface GradNode {
  readonly op: string;
  inputs: readonly Tensor[];
  backward: BackwardRule | null;
}

let nextId = 1;

/** Nested arrays built from row-major values. */
function nest(values: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[dim];
    const inner = stride / (n || 1);
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = values[offset + i];
    } else {
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * inner, inner);
    }
    return out;
  };
  return build(0, 0, values.length);
}

/**
 * An n-dimensional array of float32 or int32 numbers in row-major order. Its data lives
 * in a backend's memory (host memory for the js and native backends, linear memory for
 * wasm); ops run where the data lives. Tensors are immutable values; every op returns a
 * new tensor. They are garbage-collected like any object: there is nothing to dispose.
 *
 * Read values with `await t.data()` / `await t.array()` on every backend, or with
 * `dataSync()`, `toArray()` and `item()` where the backend can answer synchronously
 * (js, native, wasm).
 */
export class Tensor {
  /** A process-unique id, useful for debugging and as a stable key. */
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DataType;
  readonly size: number;
  /**
   * Where the data lives (shared with reshaped and detached views). Backends and the
   * engine use it; user code reads values with data()/dataSync().
   */
  readonly storage: Storage;
  private requires = false;
  /** Accumulated gradient after `backward()` (leaves that require grad, or after `retainGrad()`). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;
  /** When true, `backward()` stores this non-leaf tensor's gradient in `.grad`. */
  retainsGrad = false;

  /**
   * Wraps host values without copying (a Float32Array makes float32, an Int32Array int32),
   * or an existing storage. Most code should use the creation functions (`tensor`,
   * `zeros`, ...) instead.
   */
  constructor(data: TypedArray | Storage, shape: Shape) {
    checkShape(shape, 'Tensor');
    const size = sizeOf(shape);
    const have = data instanceof Storage ? data.size : data.length;
    if (have !== size) {
      throw new RangeError(`Tensor: shape ${formatShape(shape)} needs ${size} elements; the data has ${have}`);
    }
    this.id = nextId++;
    this.shape = Object.freeze(shape.slice());
    this.storage = data instanceof Storage ? data : Storage.host(hostMemory, data);
    this.dtype = this.storage.dtype;
    this.size = size;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values (row-major), from any backend. A copy, except for host tensors, whose live array is returned: treat it as read-only. */
  data(): Promise<TypedArray> {
    return this.storage.read();
  }

  /** The values as nested arrays (a number for a scalar), from any backend. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /**
   * The values now (row-major). Host tensors return their live array (treat it as
   * read-only: views share it); wasm tensors a copy; backends that cannot read
   * synchronously (GPU) throw an error naming data().
   */
  dataSync(): TypedArray {
    return this.storage.readSync('dataSync');
  }

  /** Whether the tape records operations on this tensor so gradients can flow to it. */
  get requiresGrad(): boolean {
    return this.requires;
  }

  set requiresGrad(value: boolean) {
    if (value && this.dtype !== 'float32') {
      throw new TypeError(`requiresGrad: only float32 tensors can require gradients; this tensor is ${this.dtype}`);
    }
    if (!value && this.gradFn !== null) {
      throw new Error('requiresGrad: cannot turn off gradients of a tensor computed by a recorded op; use detach()');
    }
    this.requires = value;
  }

  /** True for tensors not produced by a recorded op (user-created tensors and weights). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** A tensor sharing this storage, cut off from the tape (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape);
  }

  /** Asks `backward()` to keep this non-leaf tensor's gradient in `.grad`. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** A copy of the values (synchronous; see dataSync). */
  toTypedArray(): TypedArray {
    return this.storage.readSync('toTypedArray').slice();
  }

  /** The values as nested arrays (a number for a scalar), synchronously (see dataSync). */
  toArray(): NestedArray {
    return nest(this.storage.readSync('toArray'), this.shape);
  }

  /** The single value of a one-element tensor (synchronously; see dataSync). */
  item(): number {
    if (this.size !== 1) {
      throw new RangeError(`item: only a one-element tensor has a single value; this one has shape ${formatShape(this.shape)}`);
    }
    return this.storage.readSync('item')[0];
  }

  /** NumPy-like text: `tensor([[1, 2], [3, 4]], dtype=float32)`. */
  toString(): string {
    const values = this.storage.memory.readSync(this.storage.handle);
    if (values === null) return `tensor(<${this.size} values in ${this.storage.memory.name} memory>, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(values, this.shape, this.dtype, this.requires);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Reads the values of tensors in memories without synchronous reads (GPU) back to the
 * host, so that synchronous code after it (serializers, exporters) can read them with
 * dataSync() until their next in-place write. Does nothing for host and wasm tensors.
 * Every save and export entry point calls it first.
 */
export async function fetchValues(tensors: readonly Tensor[]): Promise<void> {
  await Promise.all(tensors.filter((t) => t.storage.peek() === null).map((t) => t.data()));
}
