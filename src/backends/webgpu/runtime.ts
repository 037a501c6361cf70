import type { DataType, TypedArray } from '../../tensor/dtype.js';
import type { Memory } from '../../tensor/storage.js';
import { runFinalizers } from '../../tensor/storage.js';

/**
 * The WebGPU runtime every webgpu kernel goes through: GPU buffers (GpuBuffer) pooled in a
 * Memory, shader pipelines compiled once per key, and `run()`, which records one compute
 * dispatch into the pending command encoder.
 *
 * Ordering: dispatches are recorded into one command encoder and submitted in batches
 * (when `flushEvery` are pending, before any queue write or read, and at the next
 * microtask so the GPU starts early). Everything runs in queue order, so a buffer freed
 * to the pool while recorded work still reads it is only overwritten by later work.
 * `queue.writeBuffer` is ordered against *submitted* work, hence the flush before writes.
 *
 * Parameters: binding 0 of every kernel is a read-only storage array of 32-bit words:
 * the `ints` (i32) then the `floats` (f32) of the dispatch. Kernels read them with the
 * prelude's pi(k) / pu(k) / pf(k). Buffers with identical words are shared (created
 * once, mapped at creation: nothing goes through the queue), so a replayed training step
 * creates no parameter buffers.
 */

/** A tensor's data on the GPU: a pooled buffer of at least `size` 32-bit elements. */
export class GpuBuffer {
  private static nextId = 1;
  /** Identity for bind-group caching. */
  readonly id = GpuBuffer.nextId++;
  constructor(
    readonly buffer: GPUBuffer,
    readonly dtype: DataType,
    readonly size: number,
    /** Bytes of the underlying buffer (its pool size class). */
    readonly capacity: number,
  ) {}
}

/** One compute dispatch. */
export interface Dispatch {
  /** Pipeline cache key: equal keys must mean equal WGSL. */
  readonly key: string;
  /** The kernel's WGSL (without the prelude), built once per key; entry point `main`. */
  readonly source: () => string;
  /** Storage buffers bound at bindings 1, 2, … in this order (binding 0 is the parameters). */
  readonly buffers: readonly GpuBuffer[];
  /** i32 parameter words, read with pi(0), pi(1), … */
  readonly ints?: readonly number[];
  /** f32 parameter words, after the ints: read with pf(ints.length + i). */
  readonly floats?: readonly number[];
  /** Workgroups in x, y, z (see `groups1d` for a flat range); a zero count skips the dispatch. */
  readonly groups: readonly [number, number, number];
}

/**
 * WGSL shared by every kernel: the parameter words and a flat invocation index over a
 * 2-D grid of workgroups (a dimension holds at most 65535 workgroups).
 */
export const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
fn pi(k: u32) -> i32 { return bitcast<i32>(P[k]); }
fn pu(k: u32) -> u32 { return P[k]; }
fn pf(k: u32) -> f32 { return bitcast<f32>(P[k]); }
/** Flat index of this invocation for a dispatch made with groups1d(n, wg). */
fn flat(wid: vec3u, nwg: vec3u, lid: u32, wg: u32) -> u32 { return (wid.x + wid.y * nwg.x) * wg + lid; }
`;

const MAX_GROUPS = 65535;

/** Workgroups covering n invocations of `wg` threads each (2-D when more than 65535 are needed). */
export function groups1d(n: number, wg: number): [number, number, number] {
  const g = Math.ceil(n / wg);
  if (g <= MAX_GROUPS) return [g, 1, 1];
  const y = Math.ceil(g / MAX_GROUPS);
  return [Math.ceil(g / y), y, 1];
}

/** Threads per workgroup of `perElementSource` kernels. */
export const ELEMENT_WG = 256;

/**
 * A kernel of one invocation per element `index` < parameter word 0, dispatched with
 * groups1d(word 0, ELEMENT_WG): `decls` (bindings, helper functions), then `body`, which
 * runs for each index in range.
 */
export function perElementSource(decls: string, body: string, index = 'i'): string {
  return /* wgsl */ `
${decls}
@compute @workgroup_size(${ELEMENT_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let ${index} = flat(wid, nwg, lid, ${ELEMENT_WG}u);
  if (${index} >= pu(0u)) { return; }
${body}
}`;
}

/** WGSL element type of a dtype. */
export function wgslType(dtype: DataType): 'f32' | 'i32' {
  return dtype === 'int32' ? 'i32' : 'f32';
}

/** Pool size classes: 256-byte steps up to 4 KiB, then eighths of a power of two. */
function sizeClass(bytes: number): number {
  if (bytes <= 4096) return Math.max(256, Math.ceil(bytes / 256) * 256);
  const step = 2 ** (31 - Math.clz32(bytes - 1)) / 8;
  return Math.ceil(bytes / step) * step;
}

const STORAGE = 0x80; // GPUBufferUsage.STORAGE
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const MAP_MODE_READ = 0x01;

/**
 * Tensor storage in GPU memory: buffers from a pool of size classes, returned to it when
 * the last tensor using them is garbage-collected or when a plan that owned them is
 * dropped. No synchronous reads or host views exist here: values come back through
 * `read` (await tensor.data()).
 */
export class WebGpuMemory implements Memory<GpuBuffer> {
  readonly name = 'webgpu';
  readonly managed = true;
  private readonly pool = new Map<number, GPUBuffer[]>();
  /** Bytes held by the pool (free buffers waiting for reuse). */
  pooledBytes = 0;
  /** Bytes of every buffer created (pooled or live). */
  createdBytes = 0;
  /** Bytes handed out since the last collection. */
  private allocatedSinceGc = 0;
  private gcThreshold = 256 * 1024 * 1024;
  /** Set where the host can collect garbage synchronously (Node): a full collection, then finalizers. */
  collect: (() => void) | null = null;

  constructor(private readonly gpu: Gpu) {}

  alloc(dtype: DataType, size: number): GpuBuffer {
    const capacity = sizeClass(Math.max(1, size) * 4);
    this.allocatedSinceGc += capacity;
    let buffer = this.fromPool(capacity);
    if (buffer === null && this.collect !== null && this.allocatedSinceGc > this.gcThreshold) {
      const before = this.pooledBytes;
      this.collect();
      this.allocatedSinceGc = 0;
      if (this.pooledBytes - before < this.gcThreshold / 8) this.gcThreshold = Math.min(this.gcThreshold * 2, 4 * 1024 * 1024 * 1024);
      buffer = this.fromPool(capacity);
    }
    if (buffer === null) {
      if (capacity > this.gpu.device.limits.maxStorageBufferBindingSize) {
        throw new Error(`webgpu backend: a tensor of ${size} elements (${capacity} bytes) exceeds this adapter's largest storage binding (${this.gpu.device.limits.maxStorageBufferBindingSize} bytes)`);
      }
      buffer = this.gpu.device.createBuffer({ size: capacity, usage: STORAGE | COPY_SRC | COPY_DST });
      this.createdBytes += capacity;
    }
    return new GpuBuffer(buffer, dtype, size, capacity);
  }

  private fromPool(capacity: number): GPUBuffer | null {
    const list = this.pool.get(capacity);
    if (list === undefined || list.length === 0) return null;
    this.pooledBytes -= capacity;
    return list.pop() as GPUBuffer;
  }

  free(h: GpuBuffer): void {
    let list = this.pool.get(h.capacity);
    if (list === undefined) {
      list = [];
      this.pool.set(h.capacity, list);
    }
    list.push(h.buffer);
    this.pooledBytes += h.capacity;
  }

  write(h: GpuBuffer, values: TypedArray): void {
    if (values.length !== h.size) throw new Error(`webgpu write: ${values.length} values into a buffer of ${h.size}`);
    if (h.size === 0) return;
    this.gpu.flush();
    this.gpu.device.queue.writeBuffer(h.buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  readSync(): null {
    return null;
  }

  async read(h: GpuBuffer): Promise<TypedArray> {
    const out = h.dtype === 'int32' ? new Int32Array(h.size) : new Float32Array(h.size);
    if (h.size === 0) return out;
    const bytes = Math.ceil((h.size * 4) / 4) * 4;
    const staging = this.gpu.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    const enc = this.gpu.encoder();
    enc.copyBufferToBuffer(h.buffer, 0, staging, 0, bytes);
    this.gpu.flush();
    await staging.mapAsync(MAP_MODE_READ);
    new Uint8Array(out.buffer).set(new Uint8Array(staging.getMappedRange(0, bytes)));
    staging.unmap();
    staging.destroy();
    return out;
  }

  view(): null {
    return null;
  }

  bytes(h: GpuBuffer): number {
    return h.capacity;
  }

  /** Destroys pooled buffers (their GPU memory is returned to the driver). */
  trim(): void {
    this.gpu.flush();
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.createdBytes -= this.pooledBytes;
    this.pool.clear();
    this.pooledBytes = 0;
  }

  /** Runs pending finalizers where the host allows it synchronously. */
  static finalize(): boolean {
    return runFinalizers();
  }
}

/** A compiled kernel. */
interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** The device, its pipelines and the pending command encoder. */
export class Gpu {
  readonly memory: WebGpuMemory;
  private readonly kernels = new Map<string, Kernel>();
  private readonly params = new Map<string, GPUBuffer>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private pending: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  private flushScheduled = false;
  /** Dispatches recorded before a submit. */
  flushEvery = 64;
  /** Dispatches run so far (tests and benchmarks read it). */
  dispatches = 0;
  /** The first uncaptured device error, reported by the next read. */
  private lostReason: string | null = null;

  constructor(
    readonly device: GPUDevice,
    /** The adapter's description, for messages and benchmark tables. */
    readonly adapterInfo: { vendor: string; architecture: string; device: string; description: string },
    /** The GPU entry point the device came from (kept alive with it). */
    readonly entry: GPU | null = null,
  ) {
    this.memory = new WebGpuMemory(this);
    device.lost.then((info) => {
      this.lostReason = `webgpu device lost: ${info.message}`;
    }).catch(() => undefined);
  }

  private kernel(d: Dispatch): Kernel {
    let k = this.kernels.get(d.key);
    if (k === undefined) {
      const code = PRELUDE + d.source();
      const module = this.device.createShaderModule({ code, label: d.key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: d.key });
      k = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.kernels.set(d.key, k);
    }
    return k;
  }

  private paramBuffer(ints: readonly number[], floats: readonly number[]): GPUBuffer {
    const key = ints.join(',') + ';' + floats.map((f) => Math.fround(f)).join(',');
    let b = this.params.get(key);
    if (b === undefined) {
      const words = Math.max(1, ints.length + floats.length);
      b = this.device.createBuffer({ size: Math.ceil((words * 4) / 16) * 16, usage: STORAGE, mappedAtCreation: true });
      const range = b.getMappedRange();
      const i32 = new Int32Array(range);
      for (let i = 0; i < ints.length; i++) i32[i] = ints[i] as number;
      const f32 = new Float32Array(range);
      for (let i = 0; i < floats.length; i++) f32[ints.length + i] = floats[i] as number;
      b.unmap();
      if (this.params.size > 4096) {
        // Drop the oldest entries (a Map iterates in insertion order); their buffers may
        // still be used by recorded work, so they are left to the garbage collector.
        let n = 0;
        for (const k of this.params.keys()) {
          this.params.delete(k);
          if (++n >= 1024) break;
        }
      }
      this.params.set(key, b);
    }
    return b;
  }

  /** The pending command encoder (created on demand); compute passes end before other commands. */
  encoder(): GPUCommandEncoder {
    if (this.pass !== null) {
      this.pass.end();
      this.pass = null;
    }
    if (this.pending === null) this.pending = this.device.createCommandEncoder();
    return this.pending;
  }

  /** Records one dispatch. */
  run(d: Dispatch): void {
    const [gx, gy, gz] = d.groups;
    if (gx === 0 || gy === 0 || gz === 0) return;
    const k = this.kernel(d);
    const ints = d.ints ?? [];
    const floats = d.floats ?? [];
    const params = this.paramBuffer(ints, floats);
    const bg = this.bindGroup(d.key, k, params, d.buffers);
    if (this.pass === null) {
      if (this.pending === null) this.pending = this.device.createCommandEncoder();
      this.pass = this.pending.beginComputePass();
    }
    this.pass.setPipeline(k.pipeline);
    this.pass.setBindGroup(0, bg);
    this.pass.dispatchWorkgroups(gx, gy, gz);
    this.dispatches++;
    if (++this.recorded >= this.flushEvery) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private bindGroup(key: string, k: Kernel, params: GPUBuffer, buffers: readonly GpuBuffer[]): GPUBindGroup {
    // Buffers are identified by their GPU buffer (pooled buffers are reused by new handles).
    let id = key;
    for (const b of buffers) id += ',' + bufferId(b.buffer) + ':' + b.size;
    id += ';' + bufferId(params);
    let bg = this.bindGroups.get(id);
    if (bg === undefined) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: params } }];
      buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.buffer, size: Math.max(4, b.size * 4) } }));
      bg = this.device.createBindGroup({ layout: k.layout, entries });
      if (this.bindGroups.size > 16384) this.bindGroups.clear();
      this.bindGroups.set(id, bg);
    }
    return bg;
  }

  /** Submits the recorded work. */
  flush(): void {
    if (this.pending === null) return;
    if (this.pass !== null) {
      this.pass.end();
      this.pass = null;
    }
    this.device.queue.submit([this.pending.finish()]);
    this.pending = null;
    this.recorded = 0;
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    if (this.lostReason !== null) throw new Error(this.lostReason);
  }
}

const ids = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(b: GPUBuffer): number {
  let id = ids.get(b);
  if (id === undefined) {
    id = nextBufferId++;
    ids.set(b, id);
  }
  return id;
}
