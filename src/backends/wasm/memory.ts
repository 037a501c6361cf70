import { type DataType, type TypedArray, allocFloat32Uninit } from '../../tensor/dtype.js';
import type { Memory } from '../../tensor/storage.js';
import { runFinalizers } from '../../tensor/storage.js';
import type { KernelModule } from './module.js';
import { MAXIMUM_PAGES } from './module.js';

/** A tensor's data in the module's linear memory: a byte offset and what it holds. */
export class WasmBlock {
  constructor(
    readonly ptr: number,
    /** Bytes reserved (the pool's size class, ≥ size · 4). */
    readonly capacity: number,
    readonly dtype: DataType,
    readonly size: number,
  ) {}
}

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
 * Finalizers normally run when the event loop turns. Under memory pressure (the arena
 * would grow by more than `gcEveryBytes` since the last collection) a Node host with
 * synchronous collection (see gc.ts) collects and finalizes right away, so synchronous
 * loops of eager ops do not exhaust the 2 GiB address space before they yield.
 */
export class WasmMemory implements Memory<WasmBlock> {
  readonly name = 'wasm';
  readonly managed = true;
  private readonly free_ = new Map<number, number[]>();
  /** Arena mark above every pooled or live buffer (scratch lives above it during a kernel). */
  private top: number;
  private grownSinceGc = 0;
  /** Bytes of arena growth after which a synchronous collection is tried first (see gc.ts). */
  gcEveryBytes = 64 * 1024 * 1024;
  /** Set by the Node loader: a full garbage collection, then pending finalizers. */
  collect: (() => void) | null = null;
  /** Bytes held by the pool (free buffers waiting for reuse). */
  pooledBytes = 0;

  constructor(readonly module: KernelModule) {
    this.top = module.exports.nt_mark() >>> 0;
  }

  alloc(dtype: DataType, size: number): WasmBlock {
    const capacity = sizeClass(size * 4);
    const list = this.free_.get(capacity);
    if (list !== undefined && list.length > 0) {
      this.pooledBytes -= capacity;
      return new WasmBlock(list.pop() as number, capacity, dtype, size);
    }
    if (this.collect !== null && this.grownSinceGc + capacity > this.gcEveryBytes) {
      this.grownSinceGc = 0;
      this.collect();
      const again = this.free_.get(capacity);
      if (again !== undefined && again.length > 0) {
        this.pooledBytes -= capacity;
        return new WasmBlock(again.pop() as number, capacity, dtype, size);
      }
    }
    return new WasmBlock(this.grow(capacity), capacity, dtype, size);
  }

  private grow(capacity: number): number {
    const e = this.module.exports;
    if (capacity > LIMIT_BYTES) throw new Error(`wasm backend: out of memory allocating ${capacity} bytes (limit ${MAXIMUM_PAGES / 16384} GiB)`);
    e.nt_release(this.top);
    let p = e.nt_alloc(capacity) >>> 0;
    if (p === 0 && this.collect !== null) {
      // Out of address space: reclaim unreachable tensors and retry from the pool.
      this.collect();
      const list = this.free_.get(capacity);
      if (list !== undefined && list.length > 0) {
        this.pooledBytes -= capacity;
        return list.pop() as number;
      }
      p = e.nt_alloc(capacity) >>> 0;
    }
    if (p === 0) throw new Error(`wasm backend: out of memory allocating ${capacity} bytes (limit ${MAXIMUM_PAGES / 16384} GiB)`);
    this.top = e.nt_mark() >>> 0;
    this.grownSinceGc += capacity;
    return p;
  }

  free(h: WasmBlock): void {
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
    const buf = this.module.memory.buffer;
    return h.dtype === 'int32' ? new Int32Array(buf, h.ptr, h.size) : new Float32Array(buf, h.ptr, h.size);
  }

  bytes(h: WasmBlock): number {
    return h.capacity;
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
