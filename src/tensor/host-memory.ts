import { type DataType, type TypedArray, allocFloat32Uninit, allocInt32 } from './dtype.js';
import type { Memory } from './storage.js';

/**
 * Host memory: tensor data in JavaScript typed arrays. The js and native backends compute
 * on it directly (the native addon reads and writes the same arrays), so tensors move
 * between those two backends at no cost. The garbage collector frees it.
 */
export const hostMemory: Memory<TypedArray> = {
  name: 'host',
  managed: false,
  alloc(dtype: DataType, size: number): TypedArray {
    return dtype === 'int32' ? allocInt32(size) : allocFloat32Uninit(size);
  },
  free(): void {
    // garbage-collected
  },
  write(handle: TypedArray, values: TypedArray): void {
    if (values !== handle) handle.set(values);
  },
  readSync(handle: TypedArray): TypedArray {
    return handle;
  },
  read(handle: TypedArray): Promise<TypedArray> {
    return Promise.resolve(handle);
  },
  view(handle: TypedArray): TypedArray {
    return handle;
  },
  bytes(handle: TypedArray): number {
    return handle.byteLength;
  },
};
