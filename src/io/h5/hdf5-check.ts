/**
 * A cheap look at a file before the HDF5 library opens it: the HDF5 signature (at byte 0
 * or at a user-block offset 512, 1024, 2048, …) and the superblock's end-of-file address
 * against the real size. This turns the common failures (not HDF5 at all, a Keras 3 .keras
 * zip, a truncated download) into clear errors without touching the library; deeper
 * corruption is left to the reader, which runs isolated in a worker (see client.ts).
 * Layout facts from the HDF5 File Format Specification (superblock versions 0–3).
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** What the superblock says (null fields where this version or file does not tell). */
export interface Hdf5Superblock {
  readonly offset: number;
  readonly version: number;
  readonly sizeOfOffsets: number;
  readonly baseAddress: number | null;
  readonly endOfFile: number | null;
}

function hasSignature(bytes: Uint8Array, at: number): boolean {
  if (at + SIGNATURE.length > bytes.length) return false;
  return SIGNATURE.every((b, i) => bytes[at + i] === b);
}

/** An unsigned little-endian integer of 2, 4 or 8 bytes (null if it does not fit a double exactly or is the undefined address). */
function readAddress(bytes: Uint8Array, at: number, size: number): number | null {
  if (at + size > bytes.length || ![2, 4, 8].includes(size)) return null;
  let allOnes = true;
  let value = 0;
  for (let i = size - 1; i >= 0; i--) {
    const b = bytes[at + i];
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (allOnes || value > Number.MAX_SAFE_INTEGER) return null;
  return value;
}

/** Offsets where HDF5 looks for the signature: 0, then 512 and every power of two after. */
function signatureOffsets(limit: number): number[] {
  const out = [0];
  for (let at = 512; at < limit; at *= 2) out.push(at);
  return out;
}

/** Parses the superblock at `offset` (versions 0–3; later versions: version only). */
export function parseSuperblock(bytes: Uint8Array, offset: number): Hdf5Superblock {
  const version = bytes[offset + 8];
  if (version === 0 || version === 1) {
    const sizeOfOffsets = bytes[offset + 13];
    const base = offset + (version === 0 ? 24 : 28);
    return { offset, version, sizeOfOffsets, baseAddress: readAddress(bytes, base, sizeOfOffsets), endOfFile: readAddress(bytes, base + 2 * sizeOfOffsets, sizeOfOffsets) };
  }
  if (version === 2 || version === 3) {
    const sizeOfOffsets = bytes[offset + 9];
    const base = offset + 12;
    return { offset, version, sizeOfOffsets, baseAddress: readAddress(bytes, base, sizeOfOffsets), endOfFile: readAddress(bytes, base + 2 * sizeOfOffsets, sizeOfOffsets) };
  }
  return { offset, version, sizeOfOffsets: 0, baseAddress: null, endOfFile: null };
}

/** A short description of what a non-HDF5 file looks like, for the error message. */
function guessFormat(head: Uint8Array): string {
  const ascii = (n: number): string => String.fromCharCode(...head.subarray(0, n));
  if (head.length === 0) return 'it is empty';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'it is a zip archive (a Keras 3 .keras file? this reader takes the HDF5 .h5 format only)';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'it is gzip-compressed (decompress it first)';
  if (ascii(6) === '\x93NUMPY') return 'it is a NumPy .npy file';
  if (ascii(2) === '{"' || ascii(1) === '{') return 'it looks like a JSON text file';
  return `it starts with bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/**
 * Checks that `bytes` (the first bytes of a file of `fileSize` bytes) start an HDF5 file
 * that is not truncated; throws an Error naming `path` otherwise. Returns the superblock.
 */
export function checkHdf5Header(bytes: Uint8Array, fileSize: number, path: string, who: string): Hdf5Superblock {
  const at = signatureOffsets(Math.min(fileSize, bytes.length)).find((o) => hasSignature(bytes, o));
  if (at === undefined) throw new Error(`${who}: ${path} is not an HDF5 file: no HDF5 signature found (${guessFormat(bytes)})`);
  if (at + 48 > fileSize) throw new Error(`${who}: ${path} is truncated: the file ends inside the HDF5 superblock (${fileSize} bytes)`);
  const sb = parseSuperblock(bytes, at);
  if (sb.sizeOfOffsets !== 0 && ![2, 4, 8].includes(sb.sizeOfOffsets)) {
    throw new Error(`${who}: ${path} is corrupt: the HDF5 superblock gives an invalid size of offsets (${sb.sizeOfOffsets})`);
  }
  // The stored end-of-file address counts from the start of the file, user block included
  // (the HDF5 library compares it with the file's size the same way).
  if (sb.endOfFile !== null) {
    const needed = sb.endOfFile;
    if (needed > fileSize) throw new Error(`${who}: ${path} is truncated: the HDF5 superblock says the file holds ${needed} bytes but it has ${fileSize}`);
  }
  return sb;
}

/** Reads the head of the file at `path` and checks it (see checkHdf5Header). */
export async function checkHdf5File(path: string, who: string): Promise<Hdf5Superblock> {
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`${who}: ${path} does not exist`);
    throw new Error(`${who}: cannot open ${path} (${err.message})`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new Error(`${who}: ${path} is a directory, not an .h5 file`);
    const size = stat.size;
    const head = new Uint8Array(Math.min(size, 64 * 1024));
    await handle.read(head, 0, head.length, 0);
    return checkHdf5Header(head, size, path, who);
  } finally {
    await handle.close();
  }
}
