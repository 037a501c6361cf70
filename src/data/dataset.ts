/**
 * `nt.data.Dataset`: an input pipeline in the shape of tf.data. A Dataset describes how to
 * produce its elements; each pass (`for await (const e of ds)`, or an epoch of `fit`) runs
 * the chain again from its source. Elements are tensors, numbers or strings, or arrays and
 * plain objects of them (a `[x, y]` pair once batched is what `fit` takes).
 *
 * Semantics follow tf.data's documentation:
 *  - `shuffle(bufferSize)`: a buffer of the next `bufferSize` elements; each output is a
 *    uniformly drawn buffer element, replaced by the next input (so a buffer of 1 keeps the
 *    order, one as large as the data set is a uniform permutation); with
 *    `reshuffleEachIteration` (the default) each pass draws a new order, else every pass
 *    repeats the first one;
 *  - `batch(n)` stacks n consecutive elements along a new first axis; the last batch is
 *    smaller unless `dropRemainder`; `repeat` before `batch` lets batches straddle passes;
 *  - `take`, `skip`, `filter`, `map` (optionally `numParallelCalls` calls in flight, in
 *    order), `unbatch`, `paddedBatch`, `cache` (the first full pass is kept, in memory),
 *    `prefetch(n)` (n elements produced ahead of the consumer).
 */
import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import { allocFloat32Uninit } from '../tensor/dtype.js';
import { isPlainObject } from './element.js';
import { tensor } from '../tensor/create.js';
import { Rng } from '../tensor/rng.js';
import { noGrad } from '../autograd/tape.js';
import { pad, reshape, slice, stack } from '../ops/index.js';
import { workerMapSource, type WorkerMapSpec } from './worker-map.js';
import { fileCacheSource } from './file-cache.js';

export type { WorkerMapSpec } from './worker-map.js';

/** A leaf of an element. */
export type Leaf = Tensor | StringTensor | number | string;
/** An element: a leaf, or an array or plain object of elements. */
export type Element = Leaf | readonly Element[] | { readonly [key: string]: Element };

/** Batched form of an element type (numbers become tensors; the general Element stays Element). */
export type Batched<T> = [Element] extends [T] ? Element : BatchedStructure<T>;
type BatchedStructure<T> = T extends Tensor ? Tensor : T extends number ? Tensor : T extends string | StringTensor ? StringTensor : T extends readonly unknown[] ? { [K in keyof T]: BatchedStructure<T[K]> } : T extends object ? { [K in keyof T]: BatchedStructure<T[K]> } : never;

/** The shape and dtype of every leaf of an element (null sizes where elements differ). */
export type ElementSpec = { readonly shape: readonly (number | null)[]; readonly dtype: 'float32' | 'int32' | 'string' } | readonly ElementSpec[] | { readonly [key: string]: ElementSpec };

/** Number of elements per pass: a count, Infinity, or null when it depends on the data (filter). */
export type Cardinality = number | null;

type Source<T> = () => AsyncIterator<T>;


/** Applies f to the leaves of structures of the same shape (one leaf list per position). */
function zipLeaves(items: readonly Element[], f: (leaves: Leaf[], path: string) => unknown, path = ''): unknown {
  const first = items[0];
  if (Array.isArray(first)) {
    for (const it of items) if (!Array.isArray(it) || it.length !== first.length) throw new TypeError(`Dataset: elements differ in structure at ${path || 'the top'} (a list of ${first.length} and ${Array.isArray(it) ? `a list of ${it.length}` : typeof it})`);
    return first.map((_, i) => zipLeaves(items.map((it) => (it as readonly Element[])[i]), f, `${path}[${i}]`));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (const it of items) if (!isPlainObject(it) || Object.keys(it).join() !== keys.join()) throw new TypeError(`Dataset: elements differ in structure at ${path || 'the top'} (keys ${keys.join(', ')})`);
    return Object.fromEntries(keys.map((k) => [k, zipLeaves(items.map((it) => (it as Record<string, Element>)[k]), f, `${path}.${k}`)]));
  }
  return f(items as Leaf[], path);
}

/** Maps the leaves of one element. */
function mapLeaves(e: Element, f: (leaf: Leaf, path: string) => unknown, path = ''): unknown {
  if (Array.isArray(e)) return e.map((x, i) => mapLeaves(x, f, `${path}[${i}]`));
  if (isPlainObject(e)) return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, mapLeaves(v as Element, f, `${path}.${k}`)]));
  return f(e as Leaf, path);
}

function leaves(e: Element): Leaf[] {
  const out: Leaf[] = [];
  mapLeaves(e, (l) => out.push(l));
  return out;
}

/** Stacks leaves into one batched leaf (tensors stacked; numbers into a tensor; strings into a list). */
function stackLeaves(ls: Leaf[], path: string): Tensor | StringTensor {
  if (ls.every((l) => typeof l === 'string')) return new StringTensor(ls as string[]);
  if (ls.every((l) => l instanceof StringTensor)) {
    const ss = ls as StringTensor[];
    if (ss.some((t) => t.shape.join(',') !== ss[0].shape.join(','))) throw new RangeError(`Dataset.batch: ${path || 'elements'} holds string tensors of different shapes`);
    return new StringTensor(ss.flatMap((t) => t.values), [ss.length, ...ss[0].shape]);
  }
  if (ls.every((l) => typeof l === 'number')) return tensor(ls as number[], [ls.length], (ls as number[]).every(Number.isInteger) ? 'int32' : 'float32');
  if (!ls.every((l) => l instanceof Tensor)) throw new TypeError(`Dataset.batch: ${path || 'the element'} mixes tensors, numbers and strings`);
  const ts = ls as Tensor[];
  const shape = ts[0].shape.join(',');
  for (const t of ts) {
    if (t.shape.join(',') !== shape) throw new RangeError(`Dataset.batch: ${path || 'elements'} of different shapes [${ts[0].shape.join(', ')}] and [${t.shape.join(', ')}] cannot be stacked; use paddedBatch for sequences`);
  }
  // Host values are copied side by side (no kernel per batch); device tensors are stacked there.
  const host = ts.map((t) => t.storage.peek());
  if (host.every((v) => v !== null) && ts.every((t) => t.dtype === ts[0].dtype)) {
    const size = ts[0].size;
    const out = ts[0].dtype === 'int32' ? new Int32Array(size * ts.length) : new Float32Array(size * ts.length);
    host.forEach((v, i) => out.set(v as ArrayLike<number>, i * size));
    return new Tensor(out, [ts.length, ...ts[0].shape]);
  }
  return noGrad(() => stack(ts, 0));
}

/** Row i of a tensor's first axis, without that axis. */
function row(t: Tensor, i: number): Tensor {
  return noGrad(() => reshape(slice(t, [i, ...t.shape.slice(1).map(() => 0)], [1, ...t.shape.slice(1)]), t.shape.slice(1)));
}

function specOf(e: Element): ElementSpec {
  return mapLeaves(e, (l) => (l instanceof Tensor || l instanceof StringTensor ? { shape: [...l.shape], dtype: l.dtype } : typeof l === 'number' ? { shape: [], dtype: Number.isInteger(l) ? 'int32' : 'float32' } : { shape: [], dtype: 'string' })) as ElementSpec;
}

async function* fromIterator<T>(it: AsyncIterator<T> | Iterator<T>): AsyncGenerator<T> {
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

/** Random access to the rows of one pass (per pass: `open` reads the data, `order` draws the row order). */
interface RowAccess {
  /** Row i as an element. */
  row(i: number): Element;
  /** Rows `idx` as one batched element (what batch makes of those rows). */
  gather(idx: Int32Array): Element;
}
interface RowPlan {
  readonly open: () => Promise<RowAccess>;
  readonly order: () => number[];
}

/** The spec of batches of elements of `spec`: a first axis of `size` (null: the last batch may be smaller); padded sizes unknown. */
function batchedSpec(spec: ElementSpec | null, size: number | null, padded: boolean): ElementSpec | null {
  if (spec === null) return null;
  const one = (x: ElementSpec): ElementSpec => {
    if (Array.isArray(x)) return x.map(one);
    if (isLeafSpec(x)) return { shape: [size, ...(padded ? x.shape.map(() => null) : x.shape)], dtype: x.dtype };
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, one(v as ElementSpec)]));
  };
  return one(spec);
}

/** The spec of the rows of batches of `spec` (the first axis dropped). */
function unbatchedSpec(spec: ElementSpec | null): ElementSpec | null {
  if (spec === null) return null;
  const one = (x: ElementSpec): ElementSpec => {
    if (Array.isArray(x)) return x.map(one);
    if (isLeafSpec(x)) return { shape: x.shape.slice(1), dtype: x.dtype };
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, one(v as ElementSpec)]));
  };
  return one(spec);
}

function isLeafSpec(x: ElementSpec): x is { readonly shape: readonly (number | null)[]; readonly dtype: 'float32' | 'int32' | 'string' } {
  return !Array.isArray(x) && Array.isArray((x as { shape?: unknown }).shape) && typeof (x as { dtype?: unknown }).dtype === 'string';
}

/** tf.data's shuffle buffer over a sequence of indices (the element shuffle's algorithm and draws). */
function shuffleOrder(input: readonly number[], bufferSize: number, rng: Rng): number[] {
  const out: number[] = [];
  const buffer: number[] = [];
  let next = 0;
  while (next < input.length && buffer.length < bufferSize) buffer.push(input[next++]);
  while (buffer.length > 0) {
    const k = Math.min(buffer.length - 1, Math.floor(rng.uniform() * buffer.length));
    out.push(buffer[k]);
    if (next < input.length) buffer[k] = input[next++];
    else {
      buffer[k] = buffer[buffer.length - 1];
      buffer.pop();
    }
  }
  return out;
}

export class Dataset<T> implements AsyncIterable<T> {
  /** Elements per pass (Infinity for repeat(); null where filter makes it depend on the data). */
  readonly cardinality: Cardinality;

  /** Random access to the rows behind this data set, where it has it (fromTensorSlices, then shuffle/take/skip). */
  private plan: RowPlan | null = null;
  /** The element spec where it is known without running the pipeline (null after map or a generator). */
  private known: ElementSpec | null = null;
  private shardedHere = false;

  /** Whether shard() is in the chain: fit in an nt.distributed job then leaves the sharding to it. */
  get isSharded(): boolean {
    return this.shardedHere;
  }

  private constructor(private readonly source: Source<T>, cardinality: Cardinality) {
    this.cardinality = cardinality;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source();
  }

  /** Batches per pass for `fit`'s progress bar and steps (Keras reads a Sequence's length). */
  get length(): number | undefined {
    return this.cardinality !== null && Number.isFinite(this.cardinality) ? this.cardinality : undefined;
  }

  // ---- sources ---------------------------------------------------------------------------

  /**
   * One element per row of the first axis of every tensor in `structure` (a tensor, an
   * array or an object of them; plain number arrays become tensors). All must have as many
   * rows.
   */
  static fromTensorSlices(structure: Element | readonly number[] | readonly (readonly number[])[] | readonly string[]): Dataset<Element> {
    // A plain array of numbers (or of number arrays) is one tensor; otherwise the leaves must be tensors.
    const numeric = (v: unknown): boolean => typeof v === 'number' || (Array.isArray(v) && v.every(numeric));
    const strings = Array.isArray(structure) && structure.length > 0 && structure.every((v) => typeof v === 'string');
    const root: Element = strings ? new StringTensor(structure as string[]) : Array.isArray(structure) && structure.length > 0 && structure.every(numeric) ? tensor(structure as number[]) : (structure as Element);
    const first = leaves(root)[0];
    const count = (first instanceof Tensor || first instanceof StringTensor) && first.rank > 0 ? first.shape[0] : 0;
    const prepared = mapLeaves(root, (l, path) => {
      if (l instanceof StringTensor) {
        if (l.rank === 0) throw new RangeError(`Dataset.fromTensorSlices: ${path || 'the string tensor'} is a scalar; it needs a first axis to slice`);
        if (l.shape[0] !== count) throw new RangeError(`Dataset.fromTensorSlices: ${path || 'tensors'} have ${l.shape[0]} rows where others have ${count}`);
        return l;
      }
      if (!(l instanceof Tensor)) throw new TypeError(`Dataset.fromTensorSlices: ${path || 'the structure'} is a ${typeof l}; slices come from tensors (or plain number arrays)`);
      if (l.rank === 0) throw new RangeError(`Dataset.fromTensorSlices: ${path || 'the tensor'} is a scalar; it needs a first axis to slice`);
      if (l.shape[0] !== count) throw new RangeError(`Dataset.fromTensorSlices: ${path || 'tensors'} have ${l.shape[0]} rows where others have ${count}`);
      return l;
    }) as Element;
    const open = async (): Promise<RowAccess> => {
      // Each leaf's values read once per pass; rows are copies of them (no kernel per row).
      const values = new Map<Tensor, Int32Array | Float32Array>();
      for (const l of leaves(prepared)) {
        if (l instanceof StringTensor) continue;
        const t = l as Tensor;
        if (!values.has(t)) values.set(t, (t.storage.peek() ?? (await t.data())) as Int32Array | Float32Array);
      }
      return {
        row: (i) =>
          mapLeaves(prepared, (l) => {
            // Strings: a string per row of a [n] tensor, else the row as a StringTensor.
            if (l instanceof StringTensor) return l.row(i);
            const t = l as Tensor;
            const v = values.get(t) as Int32Array | Float32Array;
            const size = t.size / count;
            return new Tensor(v.slice(i * size, (i + 1) * size), t.shape.slice(1));
          }) as Element,
        // A whole batch in one copy per leaf: what batch() makes of these rows, without them.
        gather: (idx) =>
          mapLeaves(prepared, (l) => {
            if (l instanceof StringTensor) return l.takeRows(idx);
            const t = l as Tensor;
            const v = values.get(t) as Int32Array | Float32Array;
            const size = t.size / count;
            // Every element is written: no zero fill.
            const out = v instanceof Int32Array ? new Int32Array(idx.length * size) : allocFloat32Uninit(idx.length * size);
            for (let k = 0; k < idx.length; k++) out.set(v.subarray(idx[k] * size, (idx[k] + 1) * size), k * size);
            return new Tensor(out, [idx.length, ...t.shape.slice(1)]);
          }) as Element,
      };
    };
    const spec = mapLeaves(prepared, (l) => {
      const t = l as Tensor | StringTensor;
      return { shape: t.shape.slice(1), dtype: t.dtype };
    }) as ElementSpec;
    return Dataset.withSpec(Dataset.planned<Element>({ open, order: () => Array.from({ length: count }, (_, i) => i) }, count), spec);
  }

  /**
   * A data set over random-access rows: elements are `row(i)` in `order()`; shuffle, take
   * and skip reorder the indices, and batch gathers a whole batch at once (RowPlan).
   */
  private static planned<T>(plan: RowPlan, cardinality: Cardinality): Dataset<T> {
    const ds = new Dataset<T>(async function* () {
      const access = await plan.open();
      for (const i of plan.order()) yield access.row(i) as T;
    } as Source<T>, cardinality);
    ds.plan = plan;
    return ds;
  }

  /** The elements a generator function yields, called anew for every pass. */
  static fromGenerator<T>(generator: () => Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>): Dataset<T> {
    return new Dataset<T>(() => {
      const g = generator() as Partial<Iterable<T> & AsyncIterable<T>> & Partial<Iterator<T>>;
      if (typeof g[Symbol.asyncIterator] === 'function') return (g as AsyncIterable<T>)[Symbol.asyncIterator]();
      if (typeof g[Symbol.iterator] === 'function') return fromIterator((g as Iterable<T>)[Symbol.iterator]());
      if (typeof g.next === 'function') return fromIterator(g as Iterator<T>);
      throw new TypeError('Dataset.fromGenerator: the function must return an iterable, an async iterable or an iterator');
    }, null);
  }

  /** The elements of an array or an iterable that can be iterated again (each pass re-iterates it). */
  static from<T>(items: Iterable<T> | AsyncIterable<T>): Dataset<T> {
    const size = Array.isArray(items) ? items.length : null;
    return Dataset.fromGenerator(() => items).withCardinality(size);
  }

  /** start, start + step, … below stop (tf.data.Dataset.range), as int32 scalars. */
  static range(start: number, stop?: number, step = 1): Dataset<Tensor> {
    const [a, b] = stop === undefined ? [0, start] : [start, stop];
    if (!Number.isInteger(a) || !Number.isInteger(b) || !Number.isInteger(step) || step === 0) throw new RangeError(`Dataset.range: integers with a non-zero step; got (${start}, ${stop}, ${step})`);
    const count = Math.max(0, Math.ceil((b - a) / step));
    return Dataset.withSpec(
      new Dataset<Tensor>(async function* () {
        for (let i = 0; i < count; i++) yield tensor(a + i * step, [], 'int32');
      } as Source<Tensor>, count),
      { shape: [], dtype: 'int32' },
    );
  }

  /** Elements of several datasets side by side, as a list or an object, until the shortest ends. */
  static zip<D extends readonly Dataset<unknown>[] | Readonly<Record<string, Dataset<unknown>>>>(datasets: D): Dataset<{ [K in keyof D]: D[K] extends Dataset<infer E> ? E : never }> {
    const list = Array.isArray(datasets) ? (datasets as readonly Dataset<unknown>[]) : Object.values(datasets as Record<string, Dataset<unknown>>);
    const keys = Array.isArray(datasets) ? null : Object.keys(datasets);
    const cards = list.map((d) => d.cardinality);
    const card = cards.includes(null) ? null : Math.min(...(cards as number[]));
    type Out = { [K in keyof D]: D[K] extends Dataset<infer E> ? E : never };
    const specs = list.map((d) => d.known);
    const spec = specs.some((x) => x === null) ? null : keys === null ? (specs as ElementSpec[]) : (Object.fromEntries(keys.map((k, i) => [k, specs[i] as ElementSpec])) as ElementSpec);
    return Dataset.withSpec(new Dataset<Out>(async function* () {
      const its = list.map((d) => d[Symbol.asyncIterator]());
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) return;
        const values = rs.map((r) => r.value);
        yield (keys === null ? values : Object.fromEntries(keys.map((k, i) => [k, values[i]]))) as Out;
      }
    } as Source<Out>, card), spec);
  }

  // ---- transforms ------------------------------------------------------------------------

  /**
   * A stage after this one. It keeps this data set's static element spec (right for the stages
   * that pass elements through: filter, shuffle, repeat, take, skip, cache, prefetch); map,
   * batch and unbatch set their own.
   */
  private derive<U>(source: Source<U>, cardinality: Cardinality, spec: ElementSpec | null = this.known): Dataset<U> {
    const ds = Dataset.withSpec(new Dataset<U>(source, cardinality), spec);
    ds.shardedHere = this.shardedHere;
    return ds;
  }

  /** `ds` with this data set's static element spec (the stages that keep elements as they are). */
  private same<U>(ds: Dataset<U>): Dataset<U> {
    ds.known = this.known;
    ds.shardedHere = this.shardedHere;
    return ds;
  }

  /** `ds` with a static element spec (null: unknown until an element is made). */
  private static withSpec<U>(ds: Dataset<U>, spec: ElementSpec | null): Dataset<U> {
    ds.known = spec;
    return ds;
  }

  private withCardinality(c: Cardinality): Dataset<T> {
    return new Dataset<T>(this.source, c);
  }

  /**
   * f applied to every element. With `numParallelCalls` > 1, that many calls (async work:
   * decoding, fetching) are in flight at once; elements keep their order.
   *
   * Node.js: `map({ module, exportName }, { numParallelCalls: n })` runs the module's
   * function export (default 'default') in n worker threads, for CPU-bound work such as
   * image decoding; tensors cross as copies of their values; elements keep their order
   * (see src/data/worker-map.ts).
   */
  map<U>(f: (element: T) => U | Promise<U>, options?: { readonly numParallelCalls?: number }): Dataset<U>;
  map(f: WorkerMapSpec, options?: { readonly numParallelCalls?: number }): Dataset<Element>;
  map<U>(fOrModule: ((element: T) => U | Promise<U>) | WorkerMapSpec, options: { readonly numParallelCalls?: number } = {}): Dataset<U> | Dataset<Element> {
    const parallel = options.numParallelCalls ?? 1;
    if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`Dataset.map: numParallelCalls must be a positive integer; got ${parallel}`);
    if (typeof fOrModule !== 'function') {
      if (typeof fOrModule !== 'object' || fOrModule === null) throw new TypeError(`Dataset.map: f must be a function, or { module, exportName } to map in worker threads; got ${fOrModule === null ? 'null' : typeof fOrModule}`);
      return this.derive<Element>(workerMapSource(this, fOrModule, parallel), this.cardinality, null);
    }
    const f = fOrModule;
    const self = this;
    return this.derive<U>(async function* () {
      const it = self[Symbol.asyncIterator]();
      const pending: Promise<IteratorResult<U>>[] = [];
      let done = false;
      const pull = (): void => {
        const p = it.next().then(async (r) => {
          if (r.done) return { done: true, value: undefined } as IteratorResult<U>;
          return { done: false, value: await f(r.value) };
        });
        // Awaited in order below; a failure of a call not awaited yet (the pass stopped) is not "unhandled".
        p.catch(() => undefined);
        pending.push(p);
      };
      while (!done || pending.length > 0) {
        while (!done && pending.length < parallel) {
          pull();
          if (parallel === 1) break;
        }
        const r = await (pending.shift() as Promise<IteratorResult<U>>);
        if (r.done) {
          done = true;
          // Later pulls (past the end) resolve done too; drop them.
          await Promise.all(pending.splice(0));
          return;
        }
        yield r.value;
      }
    } as Source<U>, this.cardinality, null);
  }

  /** The elements for which `predicate` is true. */
  filter(predicate: (element: T) => boolean | Promise<boolean>): Dataset<T> {
    const self = this;
    return this.derive<T>(async function* () {
      for await (const e of self) if (await predicate(e)) yield e;
    } as Source<T>, this.cardinality === Infinity ? Infinity : null);
  }

  /** n consecutive elements stacked along a new first axis (the last batch may be smaller, unless dropRemainder). */
  batch(batchSize: number, options: { readonly dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    const plan = this.plan;
    const drop = options.dropRemainder ?? false;
    if (plan === null) return this.grouped('batch', batchSize, drop, stackLeaves);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Dataset.batch: batchSize must be a positive integer; got ${batchSize}`);
    // Rows gathered a batch at a time (the same batches as stacking single rows).
    const c = this.cardinality;
    return this.derive<Batched<T>>(async function* () {
      const access = await plan.open();
      const order = plan.order();
      for (let at = 0; at < order.length; at += batchSize) {
        const end = Math.min(order.length, at + batchSize);
        if (drop && end - at < batchSize) return;
        yield access.gather(Int32Array.from(order.slice(at, end))) as Batched<T>;
      }
    } as Source<Batched<T>>, c === null ? null : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize), batchedSpec(this.known, drop ? batchSize : null, false));
  }

  /** Groups of n consecutive elements, their leaves combined by `combine`. */
  private grouped(who: string, batchSize: number, drop: boolean, combine: (ls: Leaf[], path: string) => unknown): Dataset<Batched<T>> {
    const spec = batchedSpec(this.known, drop ? batchSize : null, who === 'paddedBatch');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Dataset.${who}: batchSize must be a positive integer; got ${batchSize}`);
    const self = this;
    const c = this.cardinality;
    const card = c === null ? null : c === Infinity ? Infinity : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize);
    return this.derive<Batched<T>>(async function* () {
      let buffer: T[] = [];
      for await (const e of self) {
        buffer.push(e);
        if (buffer.length === batchSize) {
          yield zipLeaves(buffer as unknown as Element[], combine) as Batched<T>;
          buffer = [];
        }
      }
      if (buffer.length > 0 && !drop) yield zipLeaves(buffer as unknown as Element[], combine) as Batched<T>;
    } as Source<Batched<T>>, card, spec);
  }

  /**
   * Batches of elements whose tensors differ in size (sequences): each tensor is padded at
   * the end of every axis to the largest in its batch (or to `paddedShapes`, a shape per
   * leaf in flattening order with null for "the largest"), with `paddingValue` (default 0).
   */
  paddedBatch(batchSize: number, options: { readonly paddingValue?: number; readonly dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    const value = options.paddingValue ?? 0;
    const padLeaves = (ls: Leaf[], path: string): Tensor | StringTensor => {
      if (!ls.every((l) => l instanceof Tensor)) return stackLeaves(ls, path);
      const ts = ls as Tensor[];
      const rank = ts[0].rank;
      if (ts.some((t) => t.rank !== rank)) throw new RangeError(`Dataset.paddedBatch: ${path || 'elements'} of different ranks cannot be padded to one shape`);
      const target = Array.from({ length: rank }, (_, a) => Math.max(...ts.map((t) => t.shape[a])));
      return noGrad(() => stack(ts.map((t) => (t.shape.every((d, a) => d === target[a]) ? t : pad(t, t.shape.map((d, a) => [0, target[a] - d] as const), 'constant', value))), 0));
    };
    return this.grouped('paddedBatch', batchSize, options.dropRemainder ?? false, padLeaves);
  }

  /** The rows of every batch as elements again (the inverse of batch). */
  unbatch(): Dataset<Element> {
    const self = this;
    return this.derive<Element>(async function* () {
      for await (const e of self) {
        const ls = leaves(e as unknown as Element);
        if (ls.length === 0) continue;
        const n = ls[0] instanceof Tensor || ls[0] instanceof StringTensor ? ls[0].shape[0] : NaN;
        for (const l of ls) if (!(l instanceof Tensor || l instanceof StringTensor) || l.shape[0] !== n) throw new RangeError('Dataset.unbatch: every tensor of an element needs the same first-axis size');
        for (let i = 0; i < n; i++) yield mapLeaves(e as unknown as Element, (l) => (l instanceof StringTensor ? l.row(i) : row(l as Tensor, i))) as Element;
      }
    } as Source<Element>, null, unbatchedSpec(this.known));
  }

  /**
   * tf.data's shuffle: a buffer of `bufferSize` elements from which each output is drawn
   * uniformly and replaced by the next input. `seed` makes the orders reproducible;
   * `reshuffleEachIteration` (default true) draws a new order on each pass.
   */
  shuffle(bufferSize: number, options: { readonly seed?: number; readonly reshuffleEachIteration?: boolean } = {}): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new RangeError(`Dataset.shuffle: bufferSize must be a positive integer; got ${bufferSize}`);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const reshuffle = options.reshuffleEachIteration ?? true;
    let pass = 0;
    const self = this;
    const plan = this.plan;
    if (plan !== null) {
      // The same buffer algorithm and draws over row indices: the same order as over elements.
      return this.same(Dataset.planned<T>({ open: plan.open, order: () => shuffleOrder(plan.order(), bufferSize, new Rng(reshuffle ? seed * 1000003 + pass++ : seed)) }, this.cardinality));
    }
    return this.derive<T>(async function* () {
      const rng = new Rng(reshuffle ? seed * 1000003 + pass++ : seed);
      const buffer: T[] = [];
      const it = self[Symbol.asyncIterator]();
      let done = false;
      while (!done && buffer.length < bufferSize) {
        const r = await it.next();
        if (r.done) done = true;
        else buffer.push(r.value);
      }
      while (buffer.length > 0) {
        const k = Math.min(buffer.length - 1, Math.floor(rng.uniform() * buffer.length));
        const out = buffer[k];
        if (!done) {
          const r = await it.next();
          if (r.done) {
            done = true;
            buffer[k] = buffer[buffer.length - 1];
            buffer.pop();
          } else buffer[k] = r.value;
        } else {
          buffer[k] = buffer[buffer.length - 1];
          buffer.pop();
        }
        yield out;
      }
    } as Source<T>, this.cardinality);
  }

  /** The data set `count` times over (forever when left out). */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined && !(Number.isInteger(count) && count >= 0)) throw new RangeError(`Dataset.repeat: count must be a non-negative integer or left out (forever); got ${count}`);
    const self = this;
    const c = this.cardinality;
    return this.derive<T>(async function* () {
      for (let k = 0; count === undefined || k < count; k++) {
        let any = false;
        for await (const e of self) {
          any = true;
          yield e;
        }
        if (!any) return; // an empty data set repeated is empty
      }
    } as Source<T>, count === undefined ? (c === 0 ? 0 : Infinity) : c === null ? null : c * count);
  }

  /** The first n elements. */
  take(n: number): Dataset<T> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Dataset.take: n must be a non-negative integer; got ${n}`);
    const self = this;
    const c = this.cardinality;
    const plan = this.plan;
    if (plan !== null) return this.same(Dataset.planned<T>({ open: plan.open, order: () => plan.order().slice(0, n) }, c === null ? null : Math.min(c, n)));
    return this.derive<T>(async function* () {
      if (n === 0) return;
      let i = 0;
      for await (const e of self) {
        yield e;
        if (++i >= n) return;
      }
    } as Source<T>, c === null ? null : Math.min(c, n));
  }

  /**
   * Every numShards-th element starting at `index` (tf.data's shard): the part of a data set
   * one of numShards workers reads. Shard before shuffling and batching, so each worker reads
   * its own elements (an nt.distributed job: shard(size(), rank())).
   */
  shard(numShards: number, index: number): Dataset<T> {
    if (!Number.isInteger(numShards) || numShards < 1) throw new RangeError(`Dataset.shard: numShards must be a positive integer; got ${numShards}`);
    if (!Number.isInteger(index) || index < 0 || index >= numShards) throw new RangeError(`Dataset.shard: index must be an integer in [0, ${numShards}); got ${index}`);
    const self = this;
    const c = this.cardinality;
    const plan = this.plan;
    const count = c === null ? null : c === Infinity ? Infinity : Math.max(0, Math.ceil((c - index) / numShards));
    const out =
      plan !== null
        ? this.same(Dataset.planned<T>({ open: plan.open, order: () => plan.order().filter((_, i) => i % numShards === index) }, count))
        : this.derive<T>(async function* () {
            let i = 0;
            for await (const e of self) if (i++ % numShards === index) yield e;
          } as Source<T>, count);
    out.shardedHere = true;
    return out;
  }

  /** All but the first n elements. */
  skip(n: number): Dataset<T> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Dataset.skip: n must be a non-negative integer; got ${n}`);
    const self = this;
    const c = this.cardinality;
    const plan = this.plan;
    if (plan !== null) return this.same(Dataset.planned<T>({ open: plan.open, order: () => plan.order().slice(n) }, c === null ? null : c === Infinity ? Infinity : Math.max(0, c - n)));
    return this.derive<T>(async function* () {
      let i = 0;
      for await (const e of self) if (i++ >= n) yield e;
    } as Source<T>, c === null ? null : c === Infinity ? Infinity : Math.max(0, c - n));
  }

  /**
   * Keeps the elements of the first complete pass in memory; later passes replay them (the
   * work before `cache` runs once). A pass stopped early (take after cache) keeps nothing.
   *
   * Node.js: `cache(filename)` writes the first complete pass to that file instead, and
   * later passes (in this process or another) stream the elements from it; a pass stopped
   * early leaves no file (see src/data/file-cache.ts).
   */
  cache(filename?: string): Dataset<T> {
    if (filename !== undefined && filename !== '') return this.derive<T>(fileCacheSource(this, filename), this.cardinality);
    let stored: T[] | null = null;
    const self = this;
    return this.derive<T>(async function* () {
      if (stored !== null) {
        yield* stored;
        return;
      }
      const items: T[] = [];
      for await (const e of self) {
        items.push(e);
        yield e;
      }
      stored = items;
    } as Source<T>, this.cardinality);
  }

  /** Produces up to n elements ahead of the consumer (the work overlaps the training step). */
  prefetch(n = 1): Dataset<T> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Dataset.prefetch: n must be a positive integer; got ${n}`);
    const self = this;
    return this.derive<T>(async function* () {
      const it = self[Symbol.asyncIterator]();
      const ahead: Promise<IteratorResult<T>>[] = [];
      // Each pull waits for the previous one: a source sees one next() at a time.
      let last: Promise<unknown> = Promise.resolve();
      const pull = (): void => {
        const p = last.then(() => it.next());
        last = p.catch(() => undefined);
        ahead.push(p);
      };
      // (last's catch also marks p handled: a read ahead that fails after the consumer stopped is not "unhandled".)
      for (let i = 0; i < n; i++) pull();
      for (;;) {
        const r = await (ahead.shift() as Promise<IteratorResult<T>>);
        if (r.done) return;
        pull();
        yield r.value;
      }
    } as Source<T>, this.cardinality);
  }

  // ---- reading ---------------------------------------------------------------------------

  /** Every element of one pass (for small data sets and tests). */
  async toArray(): Promise<T[]> {
    if (this.cardinality === Infinity) throw new RangeError('Dataset.toArray: the data set is infinite (repeat() without a count); take(n) first');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  /**
   * Shapes and dtypes of the elements: known ahead through fromTensorSlices, range, zip,
   * batch (a null first axis unless dropRemainder), paddedBatch, unbatch and the stages that
   * pass elements through; after map or from a generator, read from the first element
   * (sizes that differ later are not seen). Null for an empty data set.
   */
  async elementSpec(): Promise<ElementSpec | null> {
    if (this.known !== null) return this.known;
    const it = this[Symbol.asyncIterator]();
    const r = await it.next();
    await it.return?.();
    return r.done ? null : specOf(r.value as unknown as Element);
  }
}
