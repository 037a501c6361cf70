/**
 * Elements as tagged nodes: what the worker-thread map sends (src/data/worker-map.ts) and
 * the file cache writes (src/data/file-cache.ts) both start from `readElement`, which checks
 * an element's structure and reads its tensors' values to the host (device tensors read back).
 */
import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import type { TypedArray } from '../tensor/dtype.js';

/** An element read out: lists, objects (keys in order), tensors, string tensors, numbers, strings. */
export type ElementNode =
  | { readonly k: 'l'; readonly v: ElementNode[] }
  | { readonly k: 'o'; readonly keys: string[]; readonly v: ElementNode[] }
  | { readonly k: 't'; readonly shape: number[]; readonly data: TypedArray }
  | { readonly k: 'S'; readonly shape: number[]; readonly values: readonly string[] }
  | { readonly k: 'n'; readonly v: number }
  | { readonly k: 's'; readonly v: string };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** 'null', 'a Uint8Array', 'a function', … for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `a ${typeof v}`;
}

/**
 * The nodes of element `e`; a tensor's `data` is its host array itself (not a copy).
 * Errors start with `who`; `tensors` says which tensors the caller takes (float32 and int32).
 */
export async function readElement(e: unknown, who: string, tensors: string): Promise<ElementNode> {
  const read = async (v: unknown, path: string): Promise<ElementNode> => {
    if (v instanceof Tensor) {
      if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new TypeError(`${who}: ${path || 'the element'} is a ${String(v.dtype)} tensor; ${tensors}`);
      return { k: 't', shape: [...v.shape], data: v.storage.peek() ?? (await v.data()) };
    }
    if (v instanceof StringTensor) return { k: 'S', shape: [...v.shape], values: v.values };
    if (typeof v === 'number') return { k: 'n', v };
    if (typeof v === 'string') return { k: 's', v };
    if (Array.isArray(v)) {
      const out: ElementNode[] = [];
      for (let i = 0; i < v.length; i++) out.push(await read(v[i], `${path}[${i}]`));
      return { k: 'l', v: out };
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      const out: ElementNode[] = [];
      for (const key of keys) out.push(await read(v[key], `${path}.${key}`));
      return { k: 'o', keys, v: out };
    }
    throw new TypeError(`${who}: ${path || 'the element'} is ${describe(v)}; elements are tensors (numeric or string), numbers and strings, or arrays and plain objects of them`);
  };
  return read(e, '');
}
