import type { DataType, TypedArray } from './dtype.js';

/**
 * A place where tensor data lives: host memory (the js and native backends), a wasm
 * module's linear memory, GPU memory. Each backend brings one; the tensor module reads
 * values through it and the engine allocates and moves data with it. `H` is the memory's
 * own handle type (a typed array on the host, a block of linear memory in wasm).
 */
export interface Memory<H = unknown> {
  /** 'host', 'wasm', 'webgpu': the key of this memory in `nt.memory().backends`. */
  readonly name: string;
  /** Buffers here are freed explicitly (when unreachable) rather than by the JS garbage collector alone. */
  readonly managed: boolean;
  /** Room for `size` elements; the contents are undefined. */
  alloc(dtype: DataType, size: number): H;
  /** Gives a buffer back (to a pool). Called once, when no tensor uses it any more. */
  free(handle: H): void;
  /** Copies host values in (same length as the buffer). */
  write(handle: H, values: TypedArray): void;
  /**
   * The values, synchronously: the live host array for host memory (treat it as
   * read-only), a fresh copy elsewhere; null where this memory cannot be read without
   * waiting (GPU).
   */
  readSync(handle: H): TypedArray | null;
  /** The values (a copy unless this is host memory). */
  read(handle: H): Promise<TypedArray>;
  /**
   * A host view of the buffer for reference kernels, valid until the next allocation in
   * this memory; null where none exists (GPU).
   */
  view(handle: H): TypedArray | null;
  /** Bytes a buffer of this handle occupies. */
  bytes(handle: H): number;
  /**
   * Whether the JavaScript garbage collector frees this buffer by itself (a host array)
   * in a managed memory (small wasm tensors); such buffers need no finalizer.
   */
  collected?(handle: H): boolean;
}

/** Live buffers and their bytes in one memory (see `nt.memory()`). */
export interface MemoryCount {
  tensors: number;
  bytes: number;
}

const counts = new Map<string, MemoryCount>();

function countOf(name: string): MemoryCount {
  let c = counts.get(name);
  if (c === undefined) {
    c = { tensors: 0, bytes: 0 };
    counts.set(name, c);
  }
  return c;
}

/**
 * Host buffers smaller than this are ordinary JavaScript objects that the garbage
 * collector reclaims with no bookkeeping: registering each one for finalization would
 * cost more than a small op (measured 0.4–1 µs per registration). They are not counted.
 */
export const HOST_TRACK_MIN_BYTES = 16384;

interface Held {
  readonly memory: Memory;
  /** Only for buffers the garbage collector does not free (to free them): a host array must not be kept alive by its own bookkeeping. */
  readonly handle: unknown;
  readonly bytes: number;
}

type Registry = FinalizationRegistry<Held> & { cleanupSome?: (cb?: (held: Held) => void) => void };

function release(held: Held): void {
  const c = countOf(held.memory.name);
  c.tensors--;
  c.bytes -= held.bytes;
  if (held.handle !== null) held.memory.free(held.handle);
}

let registry: Registry = new FinalizationRegistry<Held>(release);

/**
 * Lets a host environment supply a FinalizationRegistry with synchronous cleanup
 * (`cleanupSome`): Node does, through a V8 flag (see backends/wasm/gc.ts). Storages
 * registered before keep the previous registry.
 */
export function installRegistry(make: (cb: (held: Held) => void) => Registry): void {
  // A registry that is itself collected never calls back: keep the old one alive for the
  // storages registered with it.
  retired.push(registry);
  registry = make(release);
}

const retired: Registry[] = [];

/**
 * Runs pending finalizers now where the registry supports it (after a garbage collection
 * found unreachable tensors); returns false where it cannot.
 */
export function runFinalizers(): boolean {
  if (typeof registry.cleanupSome !== 'function') return false;
  registry.cleanupSome();
  return true;
}

let readHook: ((storage: Storage, what: string) => void) | null = null;

/**
 * Observes synchronous reads of tensor values (the engine's tracer uses it: a model that
 * reads values while it is being planned cannot be replayed from a plan).
 */
export function setReadHook(hook: ((storage: Storage, what: string) => void) | null): void {
  readHook = hook;
}

let nextStorageId = 1;

/**
 * The data of one or more tensors (reshape and detach share it): a handle into a memory,
 * its dtype and element count. Immutable values, except through Variables, whose writes
 * bump `version` so cached results derived from them (folded weights) notice.
 *
 * A storage in managed memory (wasm, GPU) is freed when no tensor references it any more;
 * host storage is plain JavaScript memory.
 */
export class Storage {
  memory: Memory;
  handle: unknown;
  readonly dtype: DataType;
  readonly size: number;
  /** Incremented by every in-place write (Variable.assign, optimizer updates). */
  version = 0;
  /** Unique in the process: with `version`, names these values (kernels cache what they derive from weights by it). */
  readonly id = nextStorageId++;
  /** The data of a Variable (written in place); other storages never change after their kernel ran. */
  get mutable(): boolean {
    return this.isMutable;
  }
  private isMutable = false;

  /** Marks the data of a Variable: written in place, findable from its handle (mutableStorageOf). */
  markMutable(): void {
    this.isMutable = true;
    if (typeof this.handle === 'object' && this.handle !== null) mutableOwners.set(this.handle, this);
  }
  /**
   * While counted: the registry this storage is registered with and the object it watches.
   * The registry watches a small token only this storage references, not the storage
   * itself: V8 keeps a FinalizationRegistry's targets and unregister tokens alive through
   * minor collections, which would keep every short-lived tensor's buffer alive until the
   * next full collection (measured: a 256 KiB eager add 4x slower). The token dies with the
   * storage; only the token waits for the full collection.
   */
  private watch: { readonly registry: Registry; readonly token: object } | null = null;

  constructor(memory: Memory, handle: unknown, dtype: DataType, size: number, track = true) {
    this.memory = memory;
    this.handle = handle;
    this.dtype = dtype;
    this.size = size;
    if (track) this.track();
  }

  /** Host storage around an existing typed array (no copy). */
  static host(memory: Memory, array: TypedArray): Storage {
    return new Storage(memory, array, array instanceof Int32Array ? 'int32' : 'float32', array.length);
  }

  private track(): void {
    const bytes = this.memory.bytes(this.handle);
    const byCollector = !this.memory.managed || (this.memory.collected?.(this.handle) ?? false);
    if (byCollector && bytes < HOST_TRACK_MIN_BYTES) return;
    const c = countOf(this.memory.name);
    c.tensors++;
    c.bytes += bytes;
    const token = {};
    registry.register(token, { memory: this.memory, handle: byCollector ? null : this.handle, bytes }, token);
    this.watch = { registry, token };
  }

  /**
   * Moves the data to another memory (the engine calls this when an op runs on a backend
   * whose memory differs): copied once, the old buffer freed, every tensor sharing this
   * storage follows.
   */
  moveTo(target: Memory): void {
    if (target === this.memory) return;
    const values = this.memory.readSync(this.handle) ?? this.cached();
    if (values === null) throw new Error(`cannot move a tensor from ${this.memory.name} memory to ${target.name} synchronously; read it with await tensor.data() first`);
    const handle = target.alloc(this.dtype, this.size);
    target.write(handle, values);
    // The host values stay valid, until the next in-place write, after the data moved to a
    // memory without synchronous reads (GPU): data given by the user can still be read.
    this.hostCopy = target.view(handle) === null ? { version: this.version, values } : null;
    if (this.hostCopy !== null) owners.set(handle as object, this);
    this.releaseHandle();
    this.memory = target;
    this.handle = handle;
    if (this.isMutable) mutableOwners.set(handle as object, this);
    this.track();
  }

  /**
   * Host values of data in a memory without synchronous reads: those it had before it
   * moved there, or the last ones read asynchronously (`read`), valid while `version`
   * is the storage's (no in-place write since).
   */
  private hostCopy: { readonly version: number; readonly values: TypedArray } | null = null;

  private cached(): TypedArray | null {
    return this.hostCopy !== null && this.hostCopy.version === this.version ? this.hostCopy.values : null;
  }

  /** The values now where they can be read without waiting, else null (no read hook: for checks that may be skipped). */
  peek(): TypedArray | null {
    return this.memory.readSync(this.handle) ?? this.cached();
  }

  /**
   * The values (a copy unless host memory). From a memory without synchronous reads they
   * are also kept (see hostCopy), so synchronous code that runs after an `await
   * tensor.data()` (serializers, callbacks) can read them until the next in-place write.
   */
  async read(): Promise<TypedArray> {
    const cached = this.cached();
    if (cached !== null) {
      await settleChecks();
      return cached.slice();
    }
    const version = this.version;
    const values = await this.memory.read(this.handle);
    await settleChecks();
    if (this.memory.view(this.handle) === null) {
      this.hostCopy = { version, values };
      owners.set(this.handle as object, this);
      return values.slice();
    }
    return values;
  }

  /** Frees the buffer now (plans and the engine own some storages outright). */
  releaseHandle(): void {
    if (this.watch !== null) {
      this.watch.registry.unregister(this.watch.token);
      release({ memory: this.memory, handle: this.handle, bytes: this.memory.bytes(this.handle) });
      this.watch = null;
    } else if (this.memory.managed) {
      this.memory.free(this.handle);
    }
  }

  /** The values now, or an error naming data() where this memory cannot be read synchronously. */
  readSync(what: string): TypedArray {
    if (readHook !== null) readHook(this, what);
    const v = this.memory.readSync(this.handle) ?? this.cached();
    if (v === null) throw new Error(`${what}: tensors in ${this.memory.name} memory cannot be read synchronously; use await tensor.data() (or tensor.array())`);
    return v;
  }
}

/**
 * Checks on values that could not be read when their op ran (data made on a GPU): each
 * reads its inputs asynchronously and runs when they arrive. The first failure is thrown
 * by the next asynchronous read (`await tensor.data()`, the logs fit reads at batch
 * ends), as errors of asynchronous GPU work surface in TensorFlow.
 */
const pendingChecks = new Set<Promise<void>>();
let deferredError: Error | null = null;

/** Runs `check` on values that arrive later; a failure is thrown by the next read. */
export function deferCheck(values: Promise<readonly TypedArray[]>, check: (values: readonly TypedArray[]) => Error | null): void {
  const p: Promise<void> = values
    .then((v) => {
      const e = check(v);
      if (e !== null && deferredError === null) deferredError = e;
    })
    .catch((e: unknown) => {
      if (deferredError === null) deferredError = e instanceof Error ? e : new Error(String(e));
    })
    .finally(() => pendingChecks.delete(p));
  pendingChecks.add(p);
}

/** Waits for pending checks; throws (once) the first error they found. */
async function settleChecks(): Promise<void> {
  while (pendingChecks.size > 0) await Promise.all([...pendingChecks]);
  if (deferredError !== null) {
    const e = deferredError;
    deferredError = null;
    throw e;
  }
}

/** The storages of Variables by handle (see mutableStorageOf). */
const mutableOwners = new WeakMap<object, Storage>();

/**
 * The Variable storage whose buffer `handle` is, else null. Kernels that keep something
 * derived from weights between calls (oneDNN's reordered convolution weights) key it by
 * the storage's id and version, which every in-place write bumps.
 */
export function mutableStorageOf(handle: unknown): Storage | null {
  if (typeof handle !== 'object' || handle === null) return null;
  const s = mutableOwners.get(handle);
  return s !== undefined && s.handle === handle ? s : null;
}

/** The storage of a handle in a memory without host views, once it holds host values (see Storage.hostCopy). */
const owners = new WeakMap<object, Storage>();

/**
 * Host values of a handle where its memory has no host views (GPU) but the data came from
 * the host or was read back since (see Storage.read), else null. Value checks (label
 * ranges, indices) use it, so they still run on user data on such backends.
 */
export function hostValuesOf(handle: unknown): TypedArray | null {
  if (typeof handle !== 'object' || handle === null) return null;
  const s = owners.get(handle);
  return s !== undefined && s.handle === handle ? s.peek() : null;
}

/** Live counted buffers per memory, and their total. */
export function memoryCounts(): { tensors: number; bytes: number; backends: Record<string, MemoryCount> } {
  const backends: Record<string, MemoryCount> = {};
  let tensors = 0;
  let bytes = 0;
  for (const [name, c] of counts) {
    backends[name] = { tensors: c.tensors, bytes: c.bytes };
    tensors += c.tensors;
    bytes += c.bytes;
  }
  return { tensors, bytes, backends };
}
