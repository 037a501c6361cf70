import { registerBackend } from '../registry.js';
import { createWasmBackend } from './backend.js';
import { KernelModule, WORKER_BODY, type WorkerFactory } from './module.js';
import { WasmMemory } from './memory.js';
import { synchronousCollector } from './gc.js';
import { setNodeLoader, setWasmModule } from './index.js';
import type { Backend } from '../interface.js';

/**
 * Node: registers the 'wasm' backend, compiled and started on first use (when native is
 * missing, or with NEURITE_BACKEND=wasm / setBackend('wasm')). Threads are worker_threads
 * sharing the module's memory; NEURITE_WASM_THREADS sets their number (default: the
 * cores, at most 8). Elsewhere this module does nothing (browsers call loadWasmBackend).
 */
type NodeProcess = { versions?: { node?: string }; env: Record<string, string | undefined> };

const DIR = new URL('../../../wasm/', import.meta.url);

async function nodeLoader(): Promise<((threads?: number) => Backend) | null> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.versions?.node) return null;
  const [{ readFileSync, existsSync }, { fileURLToPath }, { Worker }, os, v8, vm] = await Promise.all([
    import('node:fs'),
    import('node:url'),
    import('node:worker_threads'),
    import('node:os'),
    import('node:v8'),
    import('node:vm'),
  ]);
  const startWorker: WorkerFactory = (module, memory, tid, stackTop) => {
    // No flags of the parent's (the eval'd body is CommonJS, which --input-type=module would break).
    const w = new Worker(`${WORKER_BODY}\nstart(require('node:worker_threads').workerData);`, { eval: true, execArgv: [], workerData: { module, memory, tid, stackTop } });
    w.unref();
    return w;
  };
  let backend: Backend | null = null;
  // The first call starts the backend (with `wanted` threads, else NEURITE_WASM_THREADS, else
  // the cores); later calls return it.
  return (wanted?: number) => {
    if (backend) return backend;
    const envThreads = Number(proc.env.NEURITE_WASM_THREADS);
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const asked = wanted !== undefined && Number.isFinite(wanted) && wanted > 0 ? wanted : Number.isFinite(envThreads) && envThreads > 0 ? envThreads : cores;
    const threads = Math.max(1, Math.min(8, Math.floor(asked)));
    const file = fileURLToPath(new URL(threads > 1 ? 'neurite-kernels-mt.wasm' : 'neurite-kernels.wasm', DIR));
    if (!existsSync(file)) throw new Error(`the kernels ${file} were not built (npm run build needs clang and lld)`);
    const module = new WebAssembly.Module(readFileSync(file));
    const kernels = new KernelModule(module, { shared: threads > 1, threads, startWorker, canWait: true });
    const memory = new WasmMemory(kernels);
    memory.collect = synchronousCollector(v8, vm);
    backend = createWasmBackend(kernels, memory);
    setWasmModule(kernels, backend);
    return backend;
  };
}

const loader = await nodeLoader();
if (loader) {
  registerBackend('wasm', () => loader());
  setNodeLoader(loader);
}
