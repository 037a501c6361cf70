/**
 * Neurite's native weights container, one file: the 8-byte magic "NEURITEW", a uint32
 * (little-endian) header length, a UTF-8 JSON header, zero padding to a multiple of 8,
 * then every array's raw little-endian bytes at the offsets the header gives.
 *
 * Header: { format: 'neurite-weights', version: 1, weights: [{ name, shape, dtype, offset,
 * byteLength }], ...extra } — `extra` can carry a model config.
 */
import { Tensor } from '../tensor/tensor.js';
import type { DataType } from '../tensor/dtype.js';

const MAGIC = 'NEURITEW';

export interface WeightEntry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly offset: number;
  readonly byteLength: number;
}

export interface WeightsHeader {
  readonly format: 'neurite-weights';
  readonly version: 1;
  readonly weights: WeightEntry[];
  readonly [key: string]: unknown;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes named tensors (and extra header fields) into one buffer. */
export function encodeWeights(named: readonly { name: string; tensor: Tensor }[], extra: Record<string, unknown> = {}): Uint8Array {
  if (!littleEndian) throw new Error('encodeWeights: big-endian platforms are not supported');
  let offset = 0;
  const weights: WeightEntry[] = named.map(({ name, tensor }) => {
    const e = { name, shape: [...tensor.shape], dtype: tensor.dtype, offset, byteLength: tensor.size * 4 };
    offset += e.byteLength;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ ...extra, format: 'neurite-weights', version: 1, weights }));
  const dataStart = Math.ceil((12 + header.length) / 8) * 8;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  named.forEach(({ tensor }, i) => {
    const d = tensor.dataSync();
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), dataStart + weights[i].offset);
  });
  return out;
}

/** What a file that is not a Neurite weights file looks like, from its first bytes. */
export function describeBytes(bytes: Uint8Array): string {
  const starts = (...b: number[]): boolean => b.every((v, i) => bytes[i] === v);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive (a Keras 3 .keras file loads from a path ending in .keras, or from its bytes)';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'an HDF5 file (a Keras .h5 model loads from a path ending in .h5, or from its bytes)';
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'a NumPy .npy array (nt.readNpy reads it)';
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON text (a model.json loads from a path ending in .json, with its weights beside it)';
  if (bytes.length === 0) return 'an empty file';
  return `unknown content (first bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')})`;
}

/** Decodes a buffer written by encodeWeights, validating every bound. */
export function decodeWeights(bytes: Uint8Array, source = 'weights file'): { header: WeightsHeader; tensors: Map<string, Tensor> } {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error(`${source}: not a Neurite weights file: ${describeBytes(bytes)}. Neurite reads its own files, Keras .h5 and .keras, Neurite and TensorFlow.js model.json`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(8, true);
  if (12 + len > bytes.length) throw new Error(`${source}: truncated header`);
  let header: WeightsHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as WeightsHeader;
  } catch (e) {
    throw new Error(`${source}: corrupt header (${(e as Error).message})`);
  }
  if (header.format !== 'neurite-weights' || !Array.isArray(header.weights)) throw new Error(`${source}: not a Neurite weights header`);
  const dataStart = Math.ceil((12 + len) / 8) * 8;
  const tensors = new Map<string, Tensor>();
  for (const w of header.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.byteLength !== size * 4 || w.offset < 0 || dataStart + w.offset + w.byteLength > bytes.length) throw new Error(`${source}: weight '${w.name}' is out of bounds or inconsistent`);
    const copy = new Uint8Array(bytes.subarray(dataStart + w.offset, dataStart + w.offset + w.byteLength));
    const data = w.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    tensors.set(w.name, new Tensor(data, w.shape));
  }
  return { header, tensors };
}

/** Writes a file atomically (temporary file + rename): a crash never leaves a half-written file. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  return new Uint8Array(await fs.readFile(path));
}
