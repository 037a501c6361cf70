/**
 * Reading tensor values in tests the way every backend supports: through `await t.data()`
 * (a GPU backend's tensors have no synchronous reads: dataSync/toArray/item throw there).
 */
import * as nt from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

/** The values as a plain array of numbers. */
export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

/** The single value of a one-element tensor (a RangeError otherwise, as Tensor.item). */
export async function item(t: Tensor): Promise<number> {
  if (t.size !== 1) throw new RangeError(`item: only a one-element tensor has a single value; this one has shape ${nt.formatShape(t.shape)}`);
  return (await t.data())[0];
}

/**
 * Whether the running backend's memory answers synchronous reads (dataSync, toArray,
 * item), decided once at load time. Tests of that API itself skip where it cannot.
 */
export const syncReads = nt.backend().memory.name !== 'webgpu';

/** The skip reason for tests of the synchronous read API. */
export const NO_SYNC_READS = 'the running backend has no synchronous reads';
