/**
 * Strings as a tensor (Keras' and tf.data's `string` dtype), confined to data and
 * preprocessing: a StringTensor lives on the host, holds JS strings row-major, and is
 * accepted by the Dataset pipeline, by `fit`/`evaluate`/`predict` as model input, and by the
 * layers that turn text into numbers (TextVectorization, StringLookup, Hashing). It is not
 * a numeric Tensor: an op or a numeric layer that receives one throws a TypeError that says
 * so (ops/util.ts `checkTensor`, engine/launch.ts).
 */
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';

/** A nested array of strings (one level per axis). */
export type NestedStrings = string | readonly NestedStrings[];

export class StringTensor {
  readonly dtype = 'string' as const;
  readonly shape: readonly number[];
  readonly size: number;
  /** The strings, row-major. */
  readonly values: readonly string[];

  constructor(values: readonly string[], shape: Shape = [values.length]) {
    checkShape(shape, 'StringTensor');
    const size = sizeOf(shape);
    if (values.length !== size) throw new RangeError(`StringTensor: shape ${formatShape(shape)} needs ${size} strings; got ${values.length}`);
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'string') throw new TypeError(`StringTensor: element ${i} is a ${typeof values[i]}, not a string`);
    }
    this.values = Object.freeze(values.slice());
    this.shape = Object.freeze(shape.slice());
    this.size = size;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The same strings in another shape of the same size. */
  reshape(shape: Shape): StringTensor {
    return new StringTensor(this.values, shape);
  }

  /** Rows [start, end) of the first axis. */
  sliceRows(start: number, end: number): StringTensor {
    const row = this.size / Math.max(this.shape[0], 1);
    return new StringTensor(this.values.slice(start * row, end * row), [end - start, ...this.shape.slice(1)]);
  }

  /** Row i of the first axis without that axis: a string for a tensor of rank 1. */
  row(i: number): string | StringTensor {
    return this.rank === 1 ? this.values[i] : this.sliceRows(i, i + 1).reshape(this.shape.slice(1));
  }

  /** The rows at the given indices of the first axis. */
  takeRows(indices: ArrayLike<number>): StringTensor {
    const row = this.size / Math.max(this.shape[0], 1);
    const out: string[] = [];
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!(i >= 0 && i < this.shape[0])) throw new RangeError(`StringTensor.takeRows: index ${i} is outside [0, ${this.shape[0]})`);
      for (let j = 0; j < row; j++) out.push(this.values[i * row + j]);
    }
    return new StringTensor(out, [indices.length, ...this.shape.slice(1)]);
  }

  /** Nested arrays, one level per axis (a string for a scalar). */
  toArray(): NestedStrings {
    const build = (axis: number, at: number): NestedStrings => {
      if (axis === this.shape.length) return this.values[at];
      const stride = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, at + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    const shown = this.values.slice(0, 6).map((s) => JSON.stringify(s)).join(', ');
    return `stringTensor([${shown}${this.size > 6 ? ', …' : ''}], shape=${formatShape(this.shape)})`;
  }
}

/**
 * A StringTensor from nested arrays of strings (the shape inferred; ragged nesting is an
 * error) or from a flat list and a shape.
 */
export function stringTensor(values: NestedStrings, shape?: Shape): StringTensor {
  if (typeof values === 'string') return new StringTensor([values], shape ?? []);
  const flat: string[] = [];
  const inferred: number[] = [];
  for (let v: NestedStrings = values; Array.isArray(v); v = (v as readonly NestedStrings[])[0]) {
    inferred.push(v.length);
    if (v.length === 0) break;
  }
  const walk = (v: NestedStrings, depth: number, path: string): void => {
    if (typeof v === 'string') {
      if (depth !== inferred.length) throw new RangeError(`stringTensor: ragged nesting at ${path}: a string where a list was expected`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v)) throw new TypeError(`stringTensor: ${path || 'the value'} is a ${typeof v}; expected strings or lists of strings`);
    if (depth >= inferred.length || inferred[depth] !== v.length) throw new RangeError(`stringTensor: ragged nesting at ${path || 'the top'}: ${v.length} items where ${inferred[depth] ?? 'a string'} ${depth < inferred.length ? 'were' : 'was'} expected`);
    v.forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  return new StringTensor(flat, shape ?? inferred);
}

/** The clear error for a string tensor where numbers are needed. */
export function stringTensorError(where: string): TypeError {
  return new TypeError(
    `${where}: got a string tensor; strings stay in data and preprocessing (Dataset, TextVectorization, StringLookup, Hashing turn them into numbers first) and cannot enter a numeric kernel`,
  );
}
