import { memoryCounts, type MemoryCount } from '../tensor/storage.js';

/** What `nt.memory()` reports. */
export interface MemoryInfo {
  /** Live tensor buffers counted in every memory (views of one buffer count once). */
  readonly tensors: number;
  readonly bytes: number;
  /**
   * Per memory: 'host' (the js and native backends; buffers of 16 KiB and more — smaller
   * ones are ordinary JavaScript objects the garbage collector reclaims without
   * bookkeeping), 'wasm' (every buffer in the module's linear memory).
   */
  readonly backends: Readonly<Record<string, MemoryCount>>;
}

/**
 * Live tensor memory: buffers whose tensors are still reachable (or not yet finalized:
 * buffers of unreachable tensors are counted until the garbage collector has run and
 * their finalizers returned them, which happens when the event loop turns).
 */
export function memory(): MemoryInfo {
  return memoryCounts();
}
