import { Tensor } from './tensor.js';
import type { TypedArray } from './dtype.js';
import { Storage } from './storage.js';
import { hostMemory } from './host-memory.js';
import { formatShape, shapesEqual } from './shape.js';

let nextVariable = 1;

export interface VariableOptions {
  /** Weight name, e.g. 'dense/kernel' (Keras appends ':0' when saving). */
  readonly name?: string;
  /** Whether optimizers update it (and gradients are computed for it). Default true. */
  readonly trainable?: boolean;
}

/**
 * How variables copy data on a backend. The engine installs kernel launches here (so that
 * a plan records assignments, e.g. batch norm's moving statistics, and replays them);
 * the defaults copy through host memory.
 */
export interface VariableOps {
  /** A new storage holding a copy of t's values, where t lives. */
  copy(t: Tensor): Storage;
  /** Writes value's values into target's storage, in place. */
  assign(target: Tensor, value: Tensor): void;
}

let ops: VariableOps = {
  copy(t) {
    return Storage.host(hostMemory, t.storage.readSync('Variable').slice());
  },
  assign(target, value) {
    target.storage.memory.write(target.storage.handle, value.storage.readSync('Variable.assign'));
    target.storage.version++;
  },
};

/** Installs the engine's copy and assign (engine/index.ts). */
export function setVariableOps(o: VariableOps): void {
  ops = o;
}

function ownStorage(initial: Tensor | TypedArray): Storage {
  let s: Storage;
  if (initial instanceof Tensor) {
    s = ops.copy(initial);
  } else {
    // Own storage (not a shared small-array slab): variables live long.
    const copy: TypedArray = initial instanceof Int32Array ? new Int32Array(initial.length) : new Float32Array(initial.length);
    copy.set(initial);
    s = Storage.host(hostMemory, copy);
  }
  s.markMutable();
  return s;
}

/**
 * A mutable tensor: the weights of layers and the state of optimizers and metrics. It is a
 * Tensor (ops take it directly and gradients flow to it when trainable), and the one kind
 * of tensor whose values change: `assign` and optimizer kernels overwrite its storage in
 * place. Snapshot it with `read()` to keep old values.
 */
export class Variable extends Tensor {
  readonly name: string;
  private isTrainable: boolean;

  constructor(initial: Tensor | TypedArray, shape?: readonly number[], options: VariableOptions = {}) {
    super(ownStorage(initial), shape ?? (initial instanceof Tensor ? initial.shape : [initial.length]));
    Variable.created++;
    this.name = options.name ?? `Variable_${nextVariable++}`;
    this.isTrainable = options.trainable ?? true;
    if (this.dtype === 'float32') this.requiresGrad = this.isTrainable;
  }

  get trainable(): boolean {
    return this.isTrainable;
  }

  set trainable(value: boolean) {
    if (value !== this.isTrainable) Variable.structureVersion++;
    this.isTrainable = value;
    if (this.dtype === 'float32') this.requiresGrad = value;
  }

  /**
   * Bumped whenever any variable's trainability changes: planned training steps compare
   * it to rebuild when the set of trained weights changed.
   */
  static structureVersion = 0;

  /** Variables created so far (a plan being traced checks that its function creates none). */
  static created = 0;

  /** Overwrites the values (same shape and dtype; a typed array or tensor of equal size). */
  assign(value: Tensor | TypedArray): this {
    if (value instanceof Tensor) {
      if (!shapesEqual(value.shape, this.shape)) {
        throw new RangeError(`Variable ${this.name}: cannot assign a value of shape ${formatShape(value.shape)} to a variable of shape ${formatShape(this.shape)}`);
      }
      if (value.dtype !== this.dtype) throw new TypeError(`Variable ${this.name}: cannot assign ${value.dtype} values to a ${this.dtype} variable`);
      if (value.storage !== this.storage) ops.assign(this, value);
      return this;
    }
    if (value.length !== this.size) {
      throw new RangeError(`Variable ${this.name}: cannot assign ${value.length} values to a variable of shape ${formatShape(this.shape)} (${this.size} values)`);
    }
    const host = this.dtype === 'int32' ? Int32Array.from(value) : value instanceof Float32Array ? value : Float32Array.from(value);
    ops.assign(this, new Tensor(host, this.shape));
    return this;
  }

  /** A tensor holding a copy of the current values (not tied to the variable). */
  read(): Tensor {
    return new Tensor(ops.copy(this), this.shape);
  }
}
