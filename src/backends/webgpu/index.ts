import type { Backend } from '../interface.js';
import { recordBackendFailure, registerAsyncBackend } from '../registry.js';
import { requestGpu } from './device.js';
import type { Gpu } from './runtime.js';

export { GpuBuffer, Gpu, WebGpuMemory } from './runtime.js';

let gpu: Gpu | null = null;
let backendInstance: Backend | null = null;
let starting: Promise<Backend> | null = null;
/** Installs synchronous garbage collection for the GPU memory where the host has it (Node). */
let collectorFactory: (() => (() => void) | null) | null = null;

/** Node's loader supplies synchronous collection (see wasm/gc.ts). */
export function setWebGpuCollector(make: () => (() => void) | null): void {
  collectorFactory = make;
}

/**
 * Starts the WebGPU backend (once; later calls return the same promise): requests an
 * adapter and a device (navigator.gpu in browsers, the `webgpu` package in Node) and
 * builds the kernels' backend. Rejects with the reason where there is no adapter.
 * `await nt.setBackend('webgpu')` calls this and switches to it.
 */
export function startWebGpuBackend(): Promise<Backend> {
  if (starting === null) {
    starting = Promise.all([requestGpu(), import('./backend.js')]).then(([g, { createWebGpuBackend }]) => {
      gpu = g;
      const collect = collectorFactory?.() ?? null;
      if (collect !== null) g.memory.collect = collect;
      backendInstance = createWebGpuBackend(g);
      return backendInstance;
    });
    starting.catch((e: unknown) => {
      recordBackendFailure('webgpu', (e as Error).message);
      // Let a later call try again (a browser may get an adapter after a context loss).
      starting = null;
    });
  }
  return starting;
}

/** The running WebGPU device and its runtime (null until the backend has started). */
export function webgpuDevice(): Gpu | null {
  return gpu;
}

/** Waits until everything recorded on the GPU so far has run (benchmarks time with it). */
export async function webgpuSync(): Promise<void> {
  if (gpu !== null) await gpu.sync();
}

registerAsyncBackend('webgpu', startWebGpuBackend, () => backendInstance);
