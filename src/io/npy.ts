/**
 * NumPy `.npy` files (format versions 1.0–3.0): a reader for C-order arrays of little-endian
 * or single-byte numeric dtypes, and a writer of float32/int32 arrays (version 1.0, the
 * layout `numpy.save` writes). Node-only where files are involved (`readNpy`, `loadNpy`,
 * `saveNpy`); `parseNpy`/`encodeNpy` work on bytes anywhere.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';

/** The typed array holding a .npy file's values. */
export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array;

/** A decoded .npy array: NumPy's dtype string (e.g. `'<f4'`), its shape, its values in C order. */
export interface NpyArray {
  readonly descr: string;
  readonly shape: number[];
  readonly data: NpyData;
}

const TYPES: Record<string, { bytes: number; make: (buf: ArrayBuffer, n: number) => NpyData }> = {
  f4: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  f8: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  i1: { bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
  u1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  b1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  i2: { bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
  u2: { bytes: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  i4: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  u4: { bytes: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  i8: { bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
};

const MAGIC = '\x93NUMPY';

/** Parses the bytes of a .npy file; `source` names it in errors. */
export function parseNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(0, 6)) !== MAGIC) throw new Error(`${source}: not a .npy file (bad magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${source}: .npy format version ${major} is not supported (1 to 3 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${source}: cannot read the header ${header}`);
  if (fortran === 'True') throw new Error(`${source}: Fortran-order arrays are not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${source}: bad shape (${shapeText}) in the header`);
  const t = TYPES[descr.slice(1)];
  if (t === undefined || (descr[0] === '>' && t.bytes > 1)) throw new Error(`${source}: dtype ${descr} is not supported (little-endian f4, f8, i1, u1, b1, i2, u2, i4, u4, i8 are)`);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (bytes.length < dataStart + n * t.bytes) throw new Error(`${source}: truncated (${bytes.length} bytes for ${n} values of ${descr})`);
  const copy = bytes.slice(dataStart, dataStart + n * t.bytes);
  return { descr, shape, data: t.make(copy.buffer, n) };
}

/** Reads a .npy file (synchronously). */
export function readNpy(path: string): NpyArray {
  return parseNpy(new Uint8Array(readFileSync(path)), path);
}

/**
 * A tensor from a decoded array: int32 for integer dtypes whose values fit (i1, u1, b1, i2,
 * u2, i4, and u4/i8 within int32's range), float32 otherwise (f8 values are rounded).
 * `dtype` forces one.
 */
export function npyToTensor(array: NpyArray, dtype?: 'float32' | 'int32'): Tensor {
  const { data, shape } = array;
  const isInt = !(data instanceof Float32Array || data instanceof Float64Array);
  const target = dtype ?? (isInt ? 'int32' : 'float32');
  if (data instanceof BigInt64Array) {
    const out = target === 'int32' ? new Int32Array(data.length) : new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = Number(data[i]);
      if (target === 'int32' && (v > 2147483647 || v < -2147483648)) throw new RangeError(`npy: value ${v} at index ${i} does not fit int32`);
      out[i] = v;
    }
    return tensor(out, shape, target);
  }
  if (target === 'int32' && data instanceof Uint32Array) {
    const over = data.findIndex((v) => v > 2147483647);
    if (over >= 0) throw new RangeError(`npy: value ${data[over]} at index ${over} does not fit int32`);
  }
  if (target === 'int32' && !isInt) throw new TypeError(`npy: a ${array.descr} array cannot be read as int32`);
  const out = target === 'int32' ? Int32Array.from(data as ArrayLike<number>) : data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return tensor(out, shape, target);
}

/** Reads a .npy file as a tensor (see `npyToTensor` for the dtype). */
export function loadNpy(path: string, dtype?: 'float32' | 'int32'): Tensor {
  return npyToTensor(readNpy(path), dtype);
}

/**
 * The bytes of a version 1.0 .npy file holding `data` (float32 → `<f4`, int32 → `<i4`,
 * float64 → `<f8`, uint8 → `|u1`) with `shape`; the header is padded so the data starts at a
 * multiple of 64 bytes, as numpy writes it.
 */
export function encodeNpy(data: Float32Array | Int32Array | Float64Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`encodeNpy: shape [${shape.join(', ')}] needs ${n} values; got ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Int32Array ? '<i4' : data instanceof Float64Array ? '<f8' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes a tensor to a .npy file (float32 `<f4` or int32 `<i4`), atomically; creates the folder. */
export async function saveNpy(path: string, x: Tensor): Promise<void> {
  const data = await x.data();
  const values = data instanceof Int32Array || data instanceof Float32Array ? data : Float32Array.from(data);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeNpy(values, x.shape));
  await rename(tmp, path);
}
