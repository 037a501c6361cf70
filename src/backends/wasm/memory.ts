import { type DataType, type TypedArray, allocFloat32Uninit, allocInt32 } from '../../tensor/dtype.js';
import type { Memory } from '../../tensor/storage.js';
import { runFinalizers } from '../../tensor/storage.js';
import type { KernelModule } from './module.js';
import { MAXIMUM_PAGES } from './module.js';

/**
 * A tensor's data for the wasm backend: a block of the module's linear memory (a byte
 * offset and what it holds), or, for small tensors, a host array (`host`) that kernels see
 * through a copy in scratch memory (KernelArgs.in/out) and the reference kernels directly.
 */
export class WasmBlock {
  constructor(
    readonly ptr: number,
    /** Bytes reserved (the pool's size class, ≥ size · 4); 0 for a host block. */
    readonly capacity: number,
    readonly dtype: DataType,
    readonly size: number,
    readonly host: Float32Array | Int32Array | null = null,
  ) {}
}

/**
 * Tensors of at most this many bytes are host arrays: ops on them run the reference
 * kernels anyway (below the backend's size cut-over), and a buffer in linear memory would
 * need a finalizer to return to the pool, which costs more than such an op (about 1.4 µs
 * per registration plus the collector's work). The garbage collector frees them.
 */
export const HOST_BLOCK_BYTES = 4096;

const LIMIT_BYTES = MAXIMUM_PAGES * 65536;

/** Pool size classes: 64-byte steps up to 1 KiB, then eighths of a power of two (≤ 12.5% slack). */
export function sizeClass(bytes: number): number {
  if (bytes <= 1024) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (31 - Math.clz32(bytes - 1)) / 8;
  return Math.ceil(bytes / step) * step;
}

/**
 * Tensor storage in a wasm module's linear memory. Buffers come from a pool of size
 * classes; the module's arena grows (in the C runtime) when no pooled buffer fits, and
 * never shrinks, as wasm memory cannot. A buffer returns to the pool when the last tensor
 * using it is garbage-collected (FinalizationRegistry) or when a plan that owned it is
 * dropped. Kernels take scratch space above the arena top and release it on return, so
 * tensors are only ever allocated between kernel calls, from this thread.
 *
 * Finalizers normally run when the event loop turns. A synchronous loop of eager ops never
 * lets them run, so where the Node host offers synchronous collection (see gc.ts) the pool
 * collects when it would otherwise grow the arena and more than `gcThreshold` bytes were
 * handed out since the last collection (tensors made since then are likely garbage): the
 * arena then stays near the live bytes plus the threshold instead of growing to the 2 GiB
 * limit. A collection that reclaims little (the live set is growing) doubles the
 * threshold, one that reclaims most of it halves it back towards `gcEveryBytes`.
 */
export class WasmMemory implements Memory<WasmBlock> {
  readonly name = 'wasm';
  readonly managed = true;
  private readonly free_ = new Map<number, number[]>();
  /** Arena mark above every pooled or live buffer (scratch lives above it during a kernel). */
  private top: number;
  /** Bytes handed out (from the pool or the arena) since the last collection. */
  private allocatedSinceGc = 0;
  /** The smallest collection threshold in bytes. */
  gcEveryBytes = 64 * 1024 * 1024;
  /** The current threshold (adapts between gcEveryBytes and 1 GiB). */
  private gcThreshold = this.gcEveryBytes;
  /** Set by the Node loader: a full garbage collection, then pending finalizers. */
  collect: (() => void) | null = null;
  /** Bytes held by the pool (free buffers waiting for reuse). */
  pooledBytes = 0;
  /** Collections run so far (for tests and benchmarks). */
  collections = 0;

  constructor(readonly module: KernelModule) {
    this.top = module.exports.nt_mark() >>> 0;
  }

  alloc(dtype: DataType, size: number): WasmBlock {
    if (size * 4 <= HOST_BLOCK_BYTES) return new WasmBlock(0, 0, dtype, size, dtype === 'int32' ? allocInt32(size) : allocFloat32Uninit(size));
    const capacity = sizeClass(size * 4);
    this.allocatedSinceGc += capacity;
    let ptr = this.fromPool(capacity);
    if (ptr < 0 && this.collect !== null && this.allocatedSinceGc > this.gcThreshold) {
      this.collectNow();
      ptr = this.fromPool(capacity);
    }
    return new WasmBlock(ptr >= 0 ? ptr : this.grow(capacity), capacity, dtype, size);
  }

  private fromPool(capacity: number): number {
    const list = this.free_.get(capacity);
    if (list === undefined || list.length === 0) return -1;
    this.pooledBytes -= capacity;
    return list.pop() as number;
  }

  private collectNow(): void {
    const before = this.pooledBytes;
    const handedOut = this.allocatedSinceGc;
    (this.collect as () => void)();
    this.collections++;
    this.allocatedSinceGc = 0;
    const reclaimed = this.pooledBytes - before;
    if (reclaimed < handedOut / 4) this.gcThreshold = Math.min(this.gcThreshold * 2, 1024 * 1024 * 1024);
    else if (reclaimed > handedOut / 2) this.gcThreshold = Math.max(this.gcThreshold / 2, this.gcEveryBytes);
  }

  private grow(capacity: number): number {
    const e = this.module.exports;
    if (capacity > LIMIT_BYTES) throw new Error(`wasm backend: out of memory allocating ${capacity} bytes (limit ${MAXIMUM_PAGES / 16384} GiB)`);
    e.nt_release(this.top);
    let p = e.nt_alloc(capacity) >>> 0;
    if (p === 0 && this.collect !== null) {
      // Out of address space: reclaim unreachable tensors and retry from the pool.
      this.collectNow();
      const pooled = this.fromPool(capacity);
      if (pooled >= 0) return pooled;
      p = e.nt_alloc(capacity) >>> 0;
    }
    if (p === 0) throw new Error(`wasm backend: out of memory allocating ${capacity} bytes (limit ${MAXIMUM_PAGES / 16384} GiB)`);
    this.top = e.nt_mark() >>> 0;
    return p;
  }

  /** Host blocks are the garbage collector's; blocks of linear memory go back to the pool. */
  collected(h: WasmBlock): boolean {
    return h.host !== null;
  }

  free(h: WasmBlock): void {
    if (h.host !== null) return;
    let list = this.free_.get(h.capacity);
    if (list === undefined) {
      list = [];
      this.free_.set(h.capacity, list);
    }
    list.push(h.ptr);
    this.pooledBytes += h.capacity;
  }

  write(h: WasmBlock, values: TypedArray): void {
    this.view(h).set(values);
  }

  readSync(h: WasmBlock): TypedArray {
    const out = h.dtype === 'int32' ? new Int32Array(h.size) : allocFloat32Uninit(h.size);
    out.set(this.view(h));
    return out;
  }

  read(h: WasmBlock): Promise<TypedArray> {
    return Promise.resolve(this.readSync(h));
  }

  view(h: WasmBlock): TypedArray {
    if (h.host !== null) return h.host;
    const buf = this.module.memory.buffer;
    return h.dtype === 'int32' ? new Int32Array(buf, h.ptr, h.size) : new Float32Array(buf, h.ptr, h.size);
  }

  bytes(h: WasmBlock): number {
    return h.host !== null ? h.host.byteLength : h.capacity;
  }

  /** The arena mark between kernel calls (scratch above it is released after each call). */
  get arenaTop(): number {
    return this.top;
  }

  /** Runs pending finalizers where the host allows it synchronously (after a collection). */
  static finalize(): boolean {
    return runFinalizers();
  }
}
