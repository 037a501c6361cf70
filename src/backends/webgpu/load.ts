import { setWebGpuCollector, startWebGpuBackend } from './index.js';
import { synchronousCollector } from '../wasm/gc.js';

/**
 * Node: with NEURITE_BACKEND=webgpu the WebGPU backend starts while Neurite is imported
 * (a top-level await), so the first op already runs on the GPU; where no adapter is found
 * one line on stderr says why and the usual order (native → wasm → js) applies. Without
 * the variable nothing starts until `await nt.setBackend('webgpu')`.
 */
type NodeProcess = { versions?: { node?: string }; env: Record<string, string | undefined> };
const proc = (globalThis as { process?: NodeProcess }).process;
if (proc?.versions?.node) {
  const [v8, vm] = await Promise.all([import('node:v8'), import('node:vm')]);
  setWebGpuCollector(() => synchronousCollector(v8, vm));
  if (proc.env.NEURITE_BACKEND === 'webgpu') {
    try {
      await startWebGpuBackend();
    } catch (e) {
      console.warn(`neurite: NEURITE_BACKEND=webgpu, but the webgpu backend is unavailable (${(e as Error).message}); using the usual order (native, wasm, js).`);
    }
  }
}
