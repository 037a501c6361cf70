/**
 * A small reader for NumPy .npy files (format versions 1–3): little-endian or single-byte
 * numeric dtypes, C order. Enough for the expected-output fixtures and for arrays the
 * tests write with /usr/bin/python3.
 */
import { readFileSync } from 'node:fs';

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array;

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

/** Parses the bytes of a .npy file; `source` names it in errors. */
export function parseNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error(`${source}: not a .npy file (bad magic)`);
  const major = bytes[6];
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
  const kind = descr.slice(1);
  const t = TYPES[kind];
  if (t === undefined || (descr[0] === '>' && t.bytes > 1)) throw new Error(`${source}: dtype ${descr} is not supported`);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (bytes.length < dataStart + n * t.bytes) throw new Error(`${source}: truncated (${bytes.length} bytes for ${n} values of ${descr})`);
  const copy = bytes.slice(dataStart, dataStart + n * t.bytes);
  return { descr, shape, data: t.make(copy.buffer, n) };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(new Uint8Array(readFileSync(path)), path);
}
