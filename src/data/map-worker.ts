/**
 * The worker thread of `Dataset.map({ module, exportName }, { numParallelCalls })` (started by
 * src/data/worker-map.ts; compiled to build/src/data/map-worker.js). It imports the user's
 * module, then maps the elements it is sent, one at a time, in the order they came: each
 * element's tensors are rebuilt as Neurite tensors on the host, the export is called (a
 * returned promise is awaited), and the result goes back (tensor values copied, the copies'
 * buffers transferred).
 *
 * Backend: the parent's where it can run here — native when the addon loads in this thread,
 * wasm single-threaded — and js otherwise (the tensors are host data either way). It is set
 * through NEURITE_BACKEND (this thread's own copy of the environment) before anything of
 * Neurite that reads it is imported, hence the dynamic imports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MapJobMessage, MapWorkerInit, MapWorkerMessage, PackedElement } from './worker-map.js';

type MapFunction = (element: unknown) => unknown;

async function chooseBackend(parent: string): Promise<void> {
  const env = process.env;
  // Safe until decided: js never starts anything (a webgpu device, wasm threads).
  env.NEURITE_BACKEND = 'js';
  if (parent === 'js') return;
  if (parent === 'wasm') {
    env.NEURITE_BACKEND = 'wasm';
    env.NEURITE_WASM_THREADS ??= '1';
    await import('../backends/wasm/load.js'); // registers it (the user module may import less than all of Neurite)
    return;
  }
  const { nativeAddon } = await import('../backends/native/index.js');
  if (nativeAddon() !== null) env.NEURITE_BACKEND = 'native';
}

async function loadFunction(init: MapWorkerInit): Promise<MapFunction> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(init.module)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`Dataset.map: the worker could not import ${init.module}: ${(e as Error).message}`);
  }
  const f = mod[init.exportName];
  if (typeof f !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(`Dataset.map: ${init.module} has no function export '${init.exportName}' (exportName); its function exports: ${names.length > 0 ? names.join(', ') : 'none'}`);
  }
  return f as MapFunction;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('map-worker: this module runs as a worker thread of Dataset.map');
  const init = workerData as MapWorkerInit;
  const post = (m: MapWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  // Jobs that arrive while the module loads wait for it; then they run one after another.
  let chain: Promise<unknown> = (async () => {
    await chooseBackend(init.backend);
    const codec = await import('./worker-map.js');
    const f = await loadFunction(init);
    return { codec, f };
  })();
  const ready = chain as Promise<{ codec: typeof import('./worker-map.js'); f: MapFunction }>;
  ready.catch((e: unknown) => post({ type: 'init-error', message: (e as Error).message }));
  port.on('message', (m: MapJobMessage) => {
    chain = chain.then(async () => {
      const { codec, f } = await ready;
      try {
        const out = await f(codec.unpackElement(m.element as PackedElement));
        const { packed, transfer } = await codec.packElement(out, 'the value it returned');
        post({ type: 'result', id: m.id, element: packed }, transfer);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        post({ type: 'error', id: m.id, name: err.name, message: err.message, stack: err.stack });
      }
    }).catch(() => undefined);
  });
}

await main();
