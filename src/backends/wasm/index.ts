/**
 * The WebAssembly SIMD backend. In Node it registers itself when this module is imported
 * (compiled on first use, from build/wasm/ next to the package); in browsers call
 * `loadWasmBackend()` once, which fetches and compiles the kernels and registers the
 * backend (threads when the page is cross-origin isolated).
 */
import { registerBackend } from '../registry.js';
import { createWasmBackend } from './backend.js';
import { KernelModule, WORKER_BODY, type WorkerFactory } from './module.js';
import type { Backend } from '../interface.js';

export { KernelModule } from './module.js';
export { createWasmBackend } from './backend.js';

/** Options of loadWasmBackend. */
export interface WasmBackendOptions {
  /**
   * The single-threaded kernels: a URL or path of `neurite-kernels.wasm`, or its bytes.
   * The threaded build is looked up beside it as `neurite-kernels-mt.wasm` unless
   * `wasmThreaded` says where it is. Default: beside this module.
   */
  readonly wasm?: string | URL | ArrayBuffer | Uint8Array<ArrayBuffer>;
  /** The threaded kernels (shared memory + atomics): URL, path or bytes. */
  readonly wasmThreaded?: string | URL | ArrayBuffer | Uint8Array<ArrayBuffer>;
  /**
   * Threads to run kernels on (the calling thread included). Default: the number of
   * logical cores, at most 8; 1 when the page is not cross-origin isolated.
   */
  readonly threads?: number;
}

const DEFAULT_URL = new URL('../../../wasm/neurite-kernels.wasm', import.meta.url);

type Bytes = ArrayBuffer | Uint8Array<ArrayBuffer>;

async function fetchBytes(src: string | URL | Bytes): Promise<Bytes> {
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) return src;
  const url = src instanceof URL ? src : new URL(src, (globalThis as { location?: { href: string } }).location?.href ?? DEFAULT_URL);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    const buf = await readFile(url);
    return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadWasmBackend: fetching ${url.href} failed: HTTP ${res.status}`);
  return res.arrayBuffer();
}

function threadedSibling(src: string | URL): URL {
  const url = src instanceof URL ? src : new URL(src, (globalThis as { location?: { href: string } }).location?.href ?? DEFAULT_URL);
  return new URL(url.href.replace(/neurite-kernels\.wasm(\?.*)?$/, 'neurite-kernels-mt.wasm$1'));
}

/** Starts browser Web Workers from a Blob URL. */
const browserWorkers: WorkerFactory = (module, memory, tid, stackTop) => {
  const code = `${WORKER_BODY}\nself.onmessage = (ev) => start(ev.data);`;
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.postMessage({ module, memory, tid, stackTop });
  return w;
};

/** Whether this thread may block on Atomics.wait (Web Workers may; a page's main thread may not). */
function mayBlock(): boolean {
  const g = globalThis as { document?: unknown; process?: { versions?: { node?: string } } };
  return g.document === undefined || g.process?.versions?.node !== undefined;
}

function canShare(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; Worker?: unknown; process?: unknown };
  return typeof g.SharedArrayBuffer === 'function' && typeof g.Worker === 'function' && g.crossOriginIsolated === true;
}

let loaded: Backend | null = null;
let loadedModule: KernelModule | null = null;
/** Node's loader (load.ts): kernels from build/wasm, worker_threads, synchronous collection. */
let nodeLoad: ((threads?: number) => Backend) | null = null;

/** Called by the Node loader (load.ts) so that loadWasmBackend() in Node starts the same backend. */
export function setNodeLoader(load: (threads?: number) => Backend): void {
  nodeLoad = load;
}

/**
 * Compiles the WebAssembly kernels and registers the 'wasm' backend (browsers; Node does
 * it on import). Resolves to true when the backend is ready. Select it with
 * `setBackend('wasm')`, or it is picked automatically when no native addon is present.
 */
export async function loadWasmBackend(options: WasmBackendOptions = {}): Promise<boolean> {
  if (loaded) return true;
  if (typeof WebAssembly !== 'object') throw new Error('loadWasmBackend: this environment has no WebAssembly');
  if (nodeLoad !== null && options.wasm === undefined && options.wasmThreaded === undefined) {
    // Node without explicit kernels: the Node loader's backend (threads on worker_threads,
    // unreachable tensors' memory reclaimed synchronously under pressure).
    const backend = nodeLoad(options.threads);
    registerBackend('wasm', () => backend);
    return true;
  }
  const hardware = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const wanted = Math.max(1, Math.min(8, Math.floor(options.threads ?? hardware)));
  const src = options.wasm ?? DEFAULT_URL;
  let kernels: KernelModule | null = null;
  if (wanted > 1 && canShare()) {
    const mt = options.wasmThreaded ?? (src instanceof ArrayBuffer || src instanceof Uint8Array ? undefined : threadedSibling(src));
    if (mt !== undefined) {
      try {
        const module = await WebAssembly.compile(await fetchBytes(mt));
        kernels = new KernelModule(module, { shared: true, threads: wanted, startWorker: browserWorkers, canWait: mayBlock() });
      } catch {
        kernels = null; // fall back to one thread
      }
    }
  }
  if (!kernels) {
    const module = await WebAssembly.compile(await fetchBytes(src));
    kernels = new KernelModule(module, { shared: false, threads: 1 });
  }
  const backend = createWasmBackend(kernels);
  loaded = backend;
  loadedModule = kernels;
  registerBackend('wasm', () => backend);
  return true;
}

/** The loaded kernel module (threads, memory) or null; for benchmarks and tests. */
export function wasmModule(): KernelModule | null {
  return loadedModule;
}

/** Records a module loaded by the Node loader so wasmModule() reports it. */
export function setWasmModule(m: KernelModule, b: Backend): void {
  loadedModule = m;
  loaded = b;
}
