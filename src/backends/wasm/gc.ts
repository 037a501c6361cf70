import { installRegistry, runFinalizers } from '../../tensor/storage.js';

type V8 = { setFlagsFromString(flags: string): void };
type Vm = { createContext(): object; runInContext(code: string, context: object): unknown };

/**
 * Node only: synchronous collection for the wasm memory. V8 runs FinalizationRegistry
 * callbacks only after the current job, so a synchronous loop of eager ops on the wasm
 * backend would never return its unreachable tensors' buffers to the pool until it
 * awaits. Through two V8 flags set at run time, a fresh context gives `gc()` and a
 * FinalizationRegistry with `cleanupSome()`, which becomes the registry of tensor
 * storage; the wasm memory calls the returned function when it would otherwise grow (see
 * memory.ts). Returns null where that is not available (the memory then relies on
 * finalizers running when the event loop turns, as in browsers).
 */
let installed: (() => void) | null | undefined;

export function synchronousCollector(v8: V8, vm: Vm): (() => void) | null {
  // One registry for every memory that asks (wasm and webgpu).
  if (installed === undefined) installed = install(v8, vm);
  return installed;
}

function install(v8: V8, vm: Vm): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const context = vm.createContext();
    const gc = vm.runInContext('gc', context);
    const Registry = vm.runInContext('FinalizationRegistry', context) as typeof FinalizationRegistry | undefined;
    if (typeof gc !== 'function' || typeof (Registry?.prototype as { cleanupSome?: unknown } | undefined)?.cleanupSome !== 'function') return null;
    installRegistry((cb) => new (Registry as typeof FinalizationRegistry)(cb));
    const collectGarbage = gc as () => void;
    return () => {
      collectGarbage();
      runFinalizers();
    };
  } catch {
    return null;
  }
}
