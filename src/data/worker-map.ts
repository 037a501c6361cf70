/**
 * `Dataset.map({ module, exportName }, { numParallelCalls: n })`: the map function runs in n
 * Node worker threads (worker_threads). A JS function cannot be sent to a thread, so the
 * function is a module's export, imported by every worker (src/data/map-worker.ts).
 *
 * Elements cross as structured-clone messages: tensors as a typed array plus shape and
 * dtype. The sender copies each tensor's values once and transfers the copy's buffer (never
 * the tensor's own: the sender may still use it — an element kept by cache(), a constant the
 * user function returns, a small tensor that is a view on a shared slab, see
 * src/tensor/dtype.ts), so the receiver wraps the arrays without another copy.
 *
 * The pool of one `map` call starts on its first pass and serves later passes. A worker
 * holds the process (ref) only while it has work that a pass still waits for: idle workers,
 * and workers busy with work of a pass that ended early (iterator return(), an error), are
 * unref'd, so they never keep the process alive. The workers end with the process, or when
 * the Dataset is garbage-collected.
 *
 * This module imports no Node built-in at top level (the browser bundle includes it; the
 * module form of map throws there, saying it is Node-only).
 */
import type { Worker } from 'node:worker_threads';
import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import type { Element } from './dataset.js';
import { type ElementNode, describe, readElement } from './element.js';

/** The module form of `Dataset.map`: a module (path, URL or package name) and the name of its function export. */
export interface WorkerMapSpec {
  /** A file path (absolute, or relative to the working directory when `map` is called), a URL (file:, data:), or a package name. */
  readonly module: string | URL;
  /** The export to call (default 'default'): `(element) => element | Promise<element>`. */
  readonly exportName?: string;
}

/** Jobs each worker holds at once (one running, one waiting: no idle gap between jobs). */
const DEPTH = 2;

// ---- element codec (shared with the worker script) ---------------------------------------

/** An element as a message: tagged nodes (no ambiguity between a tensor and a plain object). */
export type PackedElement = ElementNode;

/**
 * An element as a message, and the buffers to transfer with it. Tensor values are copied
 * (host tensors synchronously, device tensors read back); `who` names the caller in errors.
 */
export async function packElement(e: unknown, who: string): Promise<{ packed: PackedElement; transfer: ArrayBuffer[] }> {
  const transfer: ArrayBuffer[] = [];
  const copy = (p: ElementNode): ElementNode => {
    if (p.k === 't') {
      const data = p.data.slice();
      transfer.push(data.buffer as ArrayBuffer);
      return { k: 't', shape: p.shape, data };
    }
    if (p.k === 'l') return { k: 'l', v: p.v.map(copy) };
    if (p.k === 'o') return { k: 'o', keys: p.keys, v: p.v.map(copy) };
    return p;
  };
  const packed = copy(await readElement(e, who, 'only float32 and int32 tensors cross to a worker'));
  return { packed, transfer };
}

/** The element a message carries (tensors wrap the received arrays, no copy). */
export function unpackElement(p: PackedElement): Element {
  switch (p.k) {
    case 't':
      return new Tensor(p.data, p.shape);
    case 'S':
      return new StringTensor(p.values, p.shape);
    case 'n':
    case 's':
      return p.v;
    case 'l':
      return p.v.map(unpackElement);
    case 'o':
      return Object.fromEntries(p.keys.map((key, i) => [key, unpackElement(p.v[i])]));
  }
}

// ---- messages ---------------------------------------------------------------------------

/** What a worker starts with (workerData). */
export interface MapWorkerInit {
  /** The module to import: a URL (file:, data:) or a package name. */
  readonly module: string;
  readonly exportName: string;
  /** The parent's backend; the worker runs on it where it can, else on js (tensors are host data). */
  readonly backend: string;
}

/** Parent to worker. */
export interface MapJobMessage {
  readonly type: 'job';
  readonly id: number;
  readonly element: PackedElement;
}

/** Worker to parent. */
export type MapWorkerMessage =
  | { readonly type: 'init-error'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly element: PackedElement }
  | { readonly type: 'error'; readonly id: number; readonly name: string; readonly message: string; readonly stack?: string };

// ---- the pool ---------------------------------------------------------------------------

type NodeProcess = { versions?: { node?: string }; cwd?: () => string };

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.versions?.node === 'string' ? proc : undefined;
}

/**
 * The parent's Node flags for the workers (loaders such as --import stay, for modules that
 * need them), without those that describe the parent's own entry point: `--input-type`
 * (which Node refuses for a worker started from a file) and `-e`/`-p` with their code.
 */
function workerExecArgv(): string[] {
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') i++;
    else if (!a.startsWith('--input-type=') && !a.startsWith('--eval=') && !a.startsWith('--print=')) out.push(a);
  }
  return out;
}

interface Job {
  readonly id: number;
  /** The element's index in its pass (for error messages). */
  readonly index: number;
  readonly packed: PackedElement;
  readonly transfer: ArrayBuffer[];
  readonly promise: Promise<Element>;
  resolve: (e: Element) => void;
  reject: (e: Error) => void;
  /** Its pass no longer waits for it. */
  cancelled: boolean;
  slot: Slot | null;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs sent to this worker and not answered yet. */
  readonly jobs: Map<number, Job>;
  /** Of those, the ones a pass waits for (the worker is ref'd while this is > 0). */
  live: number;
}

class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  /** Set once a worker could not start or died: every job fails with it. */
  failure: Error | null = null;

  constructor(
    WorkerClass: typeof Worker,
    count: number,
    private readonly init: MapWorkerInit,
  ) {
    const script = new URL('./map-worker.js', import.meta.url);
    const execArgv = workerExecArgv();
    for (let i = 0; i < count; i++) {
      const worker = new WorkerClass(script, { workerData: init, execArgv });
      const slot: Slot = { worker, jobs: new Map(), live: 0 };
      worker.on('message', (m: MapWorkerMessage) => this.onMessage(slot, m));
      worker.on('error', (e: Error) => this.fail(new Error(`Dataset.map: a worker thread running ${this.label()} failed: ${e.message}`, { cause: e })));
      worker.on('exit', (code: number) => {
        if (this.failure === null) this.fail(new Error(`Dataset.map: a worker thread running ${this.label()} exited (code ${code})`));
      });
      // After the listeners: adding a 'message' listener refs the worker again.
      worker.unref();
      this.slots.push(slot);
    }
  }

  private label(): string {
    return `${this.init.module}#${this.init.exportName}`;
  }

  /** Queues an element; the job's promise gives the mapped element in this thread. */
  run(packed: PackedElement, transfer: ArrayBuffer[], index: number): Job {
    let resolve!: (e: Element) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Element>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // awaited in order by its pass; a job of a stopped pass is not "unhandled"
    const job: Job = { id: this.nextId++, index, packed, transfer, promise, resolve, reject, cancelled: false, slot: null };
    if (this.failure !== null) reject(this.failure);
    else {
      this.queue.push(job);
      this.dispatch();
    }
    return job;
  }

  /** The job's pass no longer waits for it: it leaves the queue, or stops holding its worker's ref. */
  cancel(job: Job): void {
    if (job.cancelled) return;
    job.cancelled = true;
    const q = this.queue.indexOf(job);
    if (q >= 0) this.queue.splice(q, 1);
    if (job.slot !== null && job.slot.jobs.has(job.id)) this.release(job.slot);
  }

  private release(slot: Slot): void {
    slot.live--;
    if (slot.live === 0) slot.worker.unref();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | null = null;
      for (const s of this.slots) if (s.jobs.size < DEPTH && (best === null || s.jobs.size < best.jobs.size)) best = s;
      if (best === null) return;
      const job = this.queue.shift() as Job;
      job.slot = best;
      best.jobs.set(job.id, job);
      if (best.live++ === 0) best.worker.ref();
      const message: MapJobMessage = { type: 'job', id: job.id, element: job.packed };
      best.worker.postMessage(message, job.transfer);
    }
  }

  private onMessage(slot: Slot, m: MapWorkerMessage): void {
    if (m.type === 'init-error') {
      this.fail(new Error(m.message));
      return;
    }
    const job = slot.jobs.get(m.id);
    if (job === undefined) return;
    slot.jobs.delete(m.id);
    if (!job.cancelled) {
      this.release(slot);
      if (m.type === 'result') job.resolve(unpackElement(m.element));
      else {
        const original = new Error(m.message);
        original.name = m.name;
        if (m.stack !== undefined) original.stack = m.stack;
        job.reject(new Error(`Dataset.map: ${this.label()} failed on element ${job.index}: ${m.message}`, { cause: original }));
      }
    }
    this.dispatch();
  }

  /** Every waiting job fails with `error`; the workers end. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const s of this.slots) {
      for (const job of s.jobs.values()) job.reject(error);
      s.jobs.clear();
      s.live = 0;
    }
    this.terminate();
  }

  /** Ends every worker (their pending work is dropped). */
  terminate(): void {
    for (const s of this.slots) {
      s.worker.removeAllListeners('exit');
      void s.worker.terminate().catch(() => undefined);
    }
  }
}

/** Ends the workers of a Dataset that is garbage-collected (its pool can serve no pass any more). */
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<WorkerPool>((pool) => pool.terminate()) : null;

/** Checks the module form's arguments at `map` time (and that this is Node.js). */
export function checkWorkerMapSpec(spec: WorkerMapSpec): { module: string; exportName: string } {
  const proc = nodeProcess();
  if (proc === undefined) {
    throw new Error("Dataset.map({ module }): running map in worker threads is Node.js only (it needs 'node:worker_threads'); in the browser pass a function, with numParallelCalls for asynchronous work");
  }
  const m: unknown = spec.module;
  let module: string;
  if (m instanceof URL) module = m.href;
  else if (typeof m === 'string' && m.trim() !== '') {
    const isUrl = /^[a-zA-Z][a-zA-Z\d+.-]+:/.test(m) && !/^[a-zA-Z]:[\\/]/.test(m);
    const isPath = m.startsWith('.') || m.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(m) || m.startsWith('\\');
    // Relative paths are taken from the working directory now (resolved to a URL when the pool starts).
    module = isUrl || !isPath ? m : `path:${proc.cwd?.() ?? '.'}\u0000${m}`;
  } else throw new TypeError(`Dataset.map: module must be a file path, a URL or a package name; got ${describe(m)}`);
  const exportName: unknown = spec.exportName ?? 'default';
  if (typeof exportName !== 'string' || exportName === '') throw new TypeError(`Dataset.map: exportName must be a non-empty string (the module's function export); got ${describe(exportName)}`);
  return { module, exportName };
}

async function resolveModule(module: string): Promise<string> {
  if (!module.startsWith('path:')) return module;
  const [cwd, path] = module.slice('path:'.length).split('\u0000');
  const [{ resolve }, { pathToFileURL }] = await Promise.all([import('node:path'), import('node:url')]);
  return pathToFileURL(resolve(cwd, path)).href;
}

/**
 * The source of `map({ module, exportName }, { numParallelCalls: workers })`: the upstream
 * elements mapped in `workers` worker threads, in the input order.
 */
export function workerMapSource(upstream: AsyncIterable<unknown>, spec: WorkerMapSpec, workers: number): () => AsyncIterator<Element> {
  const checked = checkWorkerMapSpec(spec);
  let pool: WorkerPool | null = null;
  // Started by the first element of the first pass (an empty or failing pass starts no thread).
  const start = async (self: object): Promise<WorkerPool> => {
    if (pool === null || pool.failure !== null) {
      if (pool !== null) finalizer?.unregister(pool);
      const [{ Worker: WorkerClass }, { getBackendName }] = await Promise.all([import('node:worker_threads'), import('../backends/registry.js')]);
      let backend: string;
      try {
        backend = getBackendName();
      } catch {
        // (A process that imported only part of Neurite may not have the forced backend registered.)
        backend = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NEURITE_BACKEND ?? 'native';
      }
      pool = new WorkerPool(WorkerClass, workers, { module: await resolveModule(checked.module), exportName: checked.exportName, backend });
      finalizer?.register(self, pool, pool);
    }
    return pool;
  };
  const source = async function* (): AsyncGenerator<Element> {
    // (This pass holds the source, so the pool is not finalized under it.)
    const self = source;
    let p: WorkerPool | null = null;
    const it = upstream[Symbol.asyncIterator]();
    const pending: Job[] = [];
    let index = 0;
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && pending.length < workers * DEPTH) {
          const r = await it.next();
          if (r.done) exhausted = true;
          else {
            const { packed, transfer } = await packElement(r.value, `Dataset.map (element ${index})`);
            p ??= await start(self);
            pending.push(p.run(packed, transfer, index++));
          }
        }
        const job = pending.shift();
        if (job === undefined) return;
        yield await job.promise;
      }
    } finally {
      for (const job of pending) p?.cancel(job);
      if (!exhausted) await it.return?.();
    }
  };
  return source;
}
