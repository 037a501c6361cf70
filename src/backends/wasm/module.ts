/**
 * One instantiated kernel module: its linear memory, exports and worker threads, and the
 * call wrapper the backend runs kernels through (tensors live in this memory: see memory.ts). Environment-neutral (Node and browsers); the
 * loaders in load.ts and index.ts supply the bytes and, for threads, a worker factory.
 */
import type { WasmBlock } from './memory.js';

/** The C exports of wasm/src/*.c (pointers are byte offsets into the module's memory). */
export interface KernelExports {
  readonly nt_alloc: (bytes: number) => number;
  readonly nt_mark: () => number;
  readonly nt_release: (mark: number) => void;
  readonly nt_thread_count: () => number;
  readonly nt_worker_loop?: (tid: number) => void;
  readonly nt_set_can_wait?: (yes: number) => void;
  readonly __stack_pointer: WebAssembly.Global;
  readonly nt_matmul: (a: number, b: number, c: number, batchA: number, batchB: number, m: number, k: number, n: number, transA: number, transB: number, bias: number, relu: number) => void;
  readonly nt_conv2d: (x: number, filter: number, y: number, info: number, bias: number, relu: number) => void;
  readonly nt_conv2d_backprop_input: (dy: number, filter: number, dx: number, info: number) => void;
  readonly nt_conv2d_backprop_filter: (x: number, dy: number, dw: number, info: number) => void;
  readonly nt_pool2d: (x: number, y: number, info: number) => void;
  readonly nt_pool2d_grad: (x: number, dy: number, dx: number, info: number) => void;
  readonly nt_unary: (op: number, x: number, y: number, n: number, a: number, b: number) => number;
  readonly nt_elementwise_chain: (nsteps: number, codes: number, params: number, x: number, y: number, n: number) => number;
  readonly nt_unary_grad: (op: number, x: number, y: number, dy: number, dx: number, n: number, a: number, b: number) => number;
  readonly nt_binary: (op: number, a: number, b: number, out: number, rank: number, dims: number, sa: number, sb: number) => number;
  readonly nt_bias_activation_grad: (y: number, dy: number, dpre: number, dbias: number, rows: number, channels: number, relu: number) => void;
  readonly nt_reduce: (op: number, x: number, y: number, outer: number, n: number, inner: number) => number;
  readonly nt_softmax: (x: number, y: number, outer: number, n: number, inner: number, log: number) => void;
  readonly nt_softmax_grad: (y: number, dy: number, dx: number, outer: number, n: number, inner: number, log: number) => void;
  readonly nt_batch_norm: (x: number, mean: number, variance: number, offset: number, scale: number, y: number, eps: number, outer: number, c: number, inner: number) => void;
  readonly nt_batch_norm_grad: (x: number, mean: number, variance: number, scale: number, dy: number, dx: number, dMean: number, dVariance: number, dScale: number, dOffset: number, eps: number, outer: number, c: number, inner: number) => void;
  readonly nt_layer_norm: (x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, eps: number, rows: number, c: number) => void;
  readonly nt_layer_norm_grad: (x: number, gamma: number, mean: number, rstd: number, dy: number, dx: number, dGamma: number, dBeta: number, rows: number, c: number) => void;
  readonly nt_dropout_mask: (mask: number, size: number, rate: number, seedLo: number, seedHi: number) => void;
  readonly nt_apply_update: (rule: number, p: number, g: number, slots: number, nslots: number, hyper: number, n: number) => number;
}

/** Linear memory: initial 16 MiB, at most 2 GiB (the module's declared maximum). */
export const INITIAL_PAGES = 256;
export const MAXIMUM_PAGES = 32768;
/** Stack of each worker instance (the main instance uses the linker's stack). */
export const WORKER_STACK_BYTES = 1 << 20;

/** Starts a worker that instantiates `module` on `memory` and parks in nt_worker_loop(tid). */
export type WorkerFactory = (module: WebAssembly.Module, memory: WebAssembly.Memory, tid: number, stackTop: number) => { terminate(): void };

/**
 * The code each worker runs (Node: an eval'd worker_thread with workerData; browsers: a
 * Blob-URL Web Worker that receives the same object in its first message).
 */
export const WORKER_BODY = `
  function start(d) {
    const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    inst.exports.__stack_pointer.value = d.stackTop;
    inst.exports.nt_worker_loop(d.tid);
  }`;

export class KernelModule {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  readonly threaded: boolean;
  private readonly workers: { terminate(): void }[] = [];

  /**
   * `canWait`: the calling thread may block on Atomics (Node, Web Workers — not a
   * browser's main thread), so it sleeps rather than spins while workers finish.
   */
  constructor(module: WebAssembly.Module, options: { shared: boolean; threads: number; startWorker?: WorkerFactory; canWait?: boolean }) {
    this.memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: options.shared });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.threaded = options.shared && options.threads > 1 && options.startWorker !== undefined;
    if (this.threaded && options.startWorker) {
      this.exports.nt_set_can_wait?.(options.canWait ? 1 : 0);
      for (let tid = 1; tid < options.threads; tid++) {
        const base = this.exports.nt_alloc(WORKER_STACK_BYTES) >>> 0;
        if (base === 0) break;
        this.workers.push(options.startWorker(module, this.memory, tid, (base + WORKER_STACK_BYTES) & ~15));
      }
    }
  }

  /** Threads that take part in kernels now (workers count once they are parked). */
  threadCount(): number {
    return this.exports.nt_thread_count();
  }

  /** Stops the workers (the module then runs on one thread). */
  terminate(): void {
    for (const w of this.workers.splice(0)) w.terminate();
  }

  /**
   * Runs one kernel call: small argument arrays (`args`) and the kernel's own scratch are
   * allocated above the arena top and released on return (tensors are never allocated
   * during a call). A trap (the memory could not grow) becomes a clear error.
   */
  call<T>(what: string, body: (args: KernelArgs) => T): T {
    const mark = this.exports.nt_mark() >>> 0;
    try {
      const result = body(this.args);
      // A kernel that declined (false) wrote nothing: its host outputs keep their values.
      if ((result as unknown) !== false) this.args.copyBack();
      return result;
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        throw new Error(`wasm backend: ${what} failed (${e.message}); the wasm memory is limited to ${MAXIMUM_PAGES / 16384} GiB`);
      }
      throw e;
    } finally {
      this.args.forget();
      this.exports.nt_release(mark);
    }
  }

  private readonly args = new KernelArgs(this);
}

/**
 * Pointers for one kernel call: tensors (small ones, which live in host arrays, get a copy
 * in scratch memory, copied back after the call for outputs) and small argument arrays
 * (geometry, strides, pointer lists, hyperparameter structs).
 */
export class KernelArgs {
  constructor(private readonly m: KernelModule) {}

  /** Scratch copies of host outputs, copied back when the kernel returns. */
  private readonly outputs: { from: number; to: Float32Array | Int32Array }[] = [];

  /** A tensor the kernel reads. */
  in(h: WasmBlock): number {
    return h.host === null ? h.ptr : this.copyIn(h.host);
  }

  /** An optional tensor the kernel reads (0 for none). */
  opt(h: WasmBlock | null): number {
    return h === null ? 0 : this.in(h);
  }

  /** A tensor the kernel writes. */
  out(h: WasmBlock): number {
    if (h.host === null) return h.ptr;
    const p = this.alloc(h.host.byteLength);
    this.outputs.push({ from: p, to: h.host });
    return p;
  }

  /** A tensor the kernel updates in place. */
  inout(h: WasmBlock): number {
    if (h.host === null) return h.ptr;
    const p = this.copyIn(h.host);
    this.outputs.push({ from: p, to: h.host });
    return p;
  }

  private copyIn(values: Float32Array | Int32Array): number {
    const p = this.alloc(values.byteLength);
    new Uint8Array(this.m.memory.buffer, p, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return p;
  }

  /** After a successful call: host outputs receive their results. */
  copyBack(): void {
    const buf = this.m.memory.buffer;
    for (const { from, to } of this.outputs) new Uint8Array(to.buffer, to.byteOffset, to.byteLength).set(new Uint8Array(buf, from, to.byteLength));
  }

  forget(): void {
    this.outputs.length = 0;
  }

  private alloc(bytes: number): number {
    const p = this.m.exports.nt_alloc(Math.max(bytes, 8)) >>> 0;
    if (p === 0) throw new Error(`wasm backend: out of memory allocating ${bytes} bytes (limit ${MAXIMUM_PAGES / 16384} GiB)`);
    return p;
  }

  i32(x: ArrayLike<number>): number {
    const p = this.alloc(x.length * 4);
    new Int32Array(this.m.memory.buffer, p, x.length).set(x);
    return p;
  }

  f32(x: ArrayLike<number>): number {
    const p = this.alloc(x.length * 4);
    new Float32Array(this.m.memory.buffer, p, x.length).set(x);
    return p;
  }

  f64(x: ArrayLike<number>): number {
    const p = this.alloc(x.length * 8);
    new Float64Array(this.m.memory.buffer, p, x.length).set(x);
    return p;
  }
}
