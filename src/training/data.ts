import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import { StringTensor } from '../tensor/string-tensor.js';
import { formatShape } from '../tensor/shape.js';
import { argmax, gather, round, slice } from '../ops/index.js';
import { hostMemory } from '../tensor/host-memory.js';
import type { Batch, DataSource, ModelData, TrainableModel } from './types.js';

/** x, y and optional sample weights of one batch or data set, as lists matching the model. */
export interface Arrays {
  readonly xs: Tensor[];
  readonly ys: Tensor[];
  readonly sw: Tensor | null;
}

export function isDataSource(v: unknown): v is DataSource {
  if (v === null || typeof v !== 'object' || v instanceof Tensor || Array.isArray(v)) return false;
  const o = v as Record<PropertyKey, unknown>;
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function' || typeof o.next === 'function';
}

/** Orders inputs or targets as the model's inputs/outputs, with clear errors. */
export function toList(model: TrainableModel, data: ModelData, kind: 'x' | 'y', where: string): Tensor[] {
  const names = kind === 'x' ? model.inputNames : model.outputNames;
  let list: Tensor[];
  // A StringTensor travels as a Tensor from here on: only the text layers (and sliceRows /
  // takeRows below) look inside it; a numeric op that meets one throws stringTensorError.
  if (data instanceof Tensor || data instanceof StringTensor) list = [data as Tensor];
  else if (Array.isArray(data)) {
    if (!data.every((t) => t instanceof Tensor || t instanceof StringTensor)) throw new TypeError(`${where}: ${kind} must be a Tensor, a list of Tensors or an object of Tensors by ${kind === 'x' ? 'input' : 'output'} name`);
    list = [...(data as readonly Tensor[])];
  } else if (data !== null && typeof data === 'object') {
    const dict = data as Readonly<Record<string, Tensor>>;
    const missing = names.filter((n) => !(dict[n] instanceof Tensor || (dict[n] as unknown) instanceof StringTensor));
    if (missing.length > 0) throw new RangeError(`${where}: ${kind} lacks ${missing.map((n) => `'${n}'`).join(', ')} (the model's ${kind === 'x' ? 'inputs' : 'outputs'}: ${names.join(', ')})`);
    list = names.map((n) => dict[n]);
  } else {
    throw new TypeError(`${where}: ${kind} must be a Tensor, a list of Tensors or an object of Tensors; got ${data === null ? 'null' : typeof data}`);
  }
  if (names.length > 0 && list.length !== names.length) {
    throw new RangeError(`${where}: the model has ${names.length} ${kind === 'x' ? 'input' : 'output'}(s) (${names.join(', ')}) but ${list.length} ${kind} array(s) were given`);
  }
  for (const t of list) if (t.rank === 0) throw new RangeError(`${where}: ${kind} must have a batch axis; got a scalar`);
  return list;
}

/** The common number of samples, or a clear error naming both lengths. */
export function numSamples(a: Arrays, where: string): number {
  const n = a.xs[0].shape[0];
  const all: [string, Tensor][] = [...a.xs.map((t, i) => [`x${a.xs.length > 1 ? `[${i}]` : ''}`, t] as [string, Tensor]), ...a.ys.map((t, i) => [`y${a.ys.length > 1 ? `[${i}]` : ''}`, t] as [string, Tensor])];
  if (a.sw) all.push(['sampleWeight', a.sw]);
  for (const [name, t] of all) {
    if (t.shape[0] !== n) throw new RangeError(`${where}: x has ${n} samples but ${name} has ${t.shape[0]} (shape ${formatShape(t.shape)}); they must match`);
  }
  return n;
}

/** The row-major index of flat position `i` in an array of shape `shape`, as "[r, a, b]". */
function indexOf(i: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length).fill(0);
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = Math.max(shape[a], 1);
    idx[a] = rest % d;
    rest = Math.floor(rest / d);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Rejects NaN or ±Infinity in training data up front (one pass over the values), naming
 * the array, the sample (row) and the element's full index, e.g. `fit (model m): x
 * contains NaN in sample 1234 (element 35 of that row) at index [1234, 1, 7, 0]`. With
 * `batch`, the array is one batch from a data source and the message names it.
 */
export function checkFinite(t: Tensor, name: string, where: string, batch?: number): void {
  if (t.dtype !== 'float32') return;
  // Data made on a GPU (no synchronous reads) is not checked here.
  const d = t.storage.peek();
  if (d === null) return;
  const row = t.size / Math.max(t.shape[0], 1);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      const of = batch === undefined ? '' : ` of batch ${batch}`;
      throw new RangeError(`${where}: ${name}${of} contains ${what} in sample ${Math.floor(i / row)} (element ${i % row} of that row) at index ${indexOf(i, t.shape)}; clean the data first`);
    }
  }
}

/** checkFinite over every array of a data set or batch: x, y and sample weights. */
export function checkArraysFinite(a: Arrays, where: string, batch?: number): void {
  a.xs.forEach((t, i) => checkFinite(t, `x${a.xs.length > 1 ? `[${i}]` : ''}`, where, batch));
  a.ys.forEach((t, i) => checkFinite(t, `y${a.ys.length > 1 ? `[${i}]` : ''}`, where, batch));
  if (a.sw) checkFinite(a.sw, 'sampleWeight', where, batch);
}

/** Rows [start, end): a view on the same host array, or a slice where the data lives in a backend's own memory. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  if ((t as unknown) instanceof StringTensor) return (t as unknown as StringTensor).sliceRows(start, end) as unknown as Tensor;
  const shape = [end - start, ...t.shape.slice(1)];
  if (t.storage.memory !== hostMemory) return slice(t, [start], [end - start]);
  const row = t.size / Math.max(t.shape[0], 1);
  return new Tensor(t.dataSync().subarray(start * row, end * row), shape);
}

/** Rows at the given indices (a copy). */
export function takeRows(t: Tensor, idx: Int32Array): Tensor {
  if ((t as unknown) instanceof StringTensor) return (t as unknown as StringTensor).takeRows(idx) as unknown as Tensor;
  return gather(t, tensor(idx));
}

export function selectRows(a: Arrays, idx: Int32Array | readonly [number, number]): Arrays {
  const pick = (t: Tensor): Tensor => (idx instanceof Int32Array ? takeRows(t, idx) : sliceRows(t, idx[0], idx[1]));
  return { xs: a.xs.map(pick), ys: a.ys.map(pick), sw: a.sw ? pick(a.sw) : null };
}

/** Keras' validation_split: the last fraction of the samples, taken before any shuffling. */
export function splitValidation(a: Arrays, fraction: number, where: string): { train: Arrays; val: Arrays } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`${where}: validationSplit must be in (0, 1); got ${fraction}`);
  const n = numSamples(a, where);
  const at = Math.floor(n * (1 - fraction));
  if (at === 0 || at === n) throw new RangeError(`${where}: validationSplit ${fraction} of ${n} samples leaves an empty training or validation set`);
  return { train: selectRows(a, [0, at]), val: selectRows(a, [at, n]) };
}

/**
 * Per-sample weights from a class weight table: the label of each sample is its integer
 * value, its rounded value for a single binary column, or its argmax for one-hot rows.
 */
export function classWeightsToSampleWeights(y: Tensor, classWeight: Readonly<Record<number, number>>, where: string): Tensor {
  let labels: Tensor;
  if (y.rank === 1) labels = y;
  else if (y.rank === 2 && y.shape[1] === 1) labels = round(y.reshape([y.shape[0]]));
  else if (y.rank === 2) labels = argmax(y, 1);
  else throw new RangeError(`${where}: classWeight needs y of shape [N], [N, 1] or [N, classes]; got ${formatShape(y.shape)}`);
  const out = new Float32Array(labels.size);
  const values = labels.dataSync();
  for (let i = 0; i < labels.size; i++) {
    const w = classWeight[values[i]];
    if (w === undefined) throw new RangeError(`${where}: classWeight has no entry for class ${values[i]} (sample ${i})`);
    out[i] = w;
  }
  return tensor(out);
}

/** A fresh iterator over a data source (re-iterable sources restart each epoch). */
export function iterate(source: DataSource): AsyncIterator<Batch> | Iterator<Batch> {
  const o = source as unknown as Record<PropertyKey, unknown>;
  if (typeof o[Symbol.asyncIterator] === 'function') return (source as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  if (typeof o[Symbol.iterator] === 'function') return (source as Iterable<Batch>)[Symbol.iterator]();
  return source as AsyncIterator<Batch> | Iterator<Batch>;
}

/** Unpacks one yielded batch into model-ordered lists. */
/**
 * The parts of one batch from a data source. `allowNoTargets`: [x] and { x } are accepted
 * too (for a model whose own step or loss needs no targets).
 */
export function unpackBatch(model: TrainableModel, batch: Batch, where: string, allowNoTargets = false): Arrays {
  const parts = Array.isArray(batch) ? { x: batch[0], y: batch[1], sampleWeight: batch[2] as Tensor | undefined } : (batch as { x: ModelData; y?: ModelData; sampleWeight?: Tensor });
  if (parts.x === undefined || (parts.y === undefined && !allowNoTargets)) throw new TypeError(`${where}: a data source must yield [x, y], [x, y, sampleWeight] or { x, y, sampleWeight }`);
  return { xs: toList(model, parts.x, 'x', where), ys: parts.y === undefined ? [] : toList(model, parts.y, 'y', where), sw: parts.sampleWeight ?? null };
}
