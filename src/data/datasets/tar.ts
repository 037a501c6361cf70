/**
 * A minimal tar reader (POSIX ustar, GNU and pax headers) that lists the regular files of
 * an archive and extracts them into memory. Enough for data set archives such as CIFAR's;
 * links, devices and sparse files are skipped. `.tar.gz` is gunzipped first with node:zlib.
 *
 * A header block is 512 bytes: name (0, 100), size (124, 12, octal or base-256), checksum
 * (148, 8), type flag (156), magic (257, 6: "ustar\0" POSIX, "ustar " GNU), prefix (345, 155,
 * POSIX only). File data follows, padded to 512 bytes; two zero blocks end the archive.
 * GNU type 'L' and pax type 'x' (key "path") carry names longer than 100 bytes.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const BLOCK = 512;
const decoder = new TextDecoder();

/** One member of a tar archive. `data` is a view into the archive bytes (no copy). */
export interface TarEntry {
  readonly name: string;
  /** 'file' for regular files, 'directory', or 'other' (links, devices, fifos). */
  readonly type: 'file' | 'directory' | 'other';
  readonly size: number;
  readonly data: Uint8Array;
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function corrupt(source: string, offset: number, why: string): Error {
  return new Error(`${source}: corrupt tar archive (${why} in the header at byte ${offset})`);
}

/** Reads an octal (or GNU base-256) number field. */
function numberField(header: Uint8Array, at: number, length: number, source: string, offset: number): number {
  const field = header.subarray(at, at + length);
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i];
    return value;
  }
  const digits = text(field).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw corrupt(source, offset, `bad number ${JSON.stringify(digits)} at field ${at}`);
  return parseInt(digits, 8);
}

function checkChecksum(header: Uint8Array, source: string, offset: number): void {
  const stored = numberField(header, 148, 8, source, offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) throw corrupt(source, offset, `checksum ${stored}, computed ${unsigned}`);
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function headerName(header: Uint8Array): string {
  const name = text(header.subarray(0, 100));
  const posix = text(header.subarray(257, 263)) === 'ustar' && header[262] === 0;
  const prefix = posix ? text(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** The "path" record of a pax extended header ("<length> path=<value>\n" records). */
function paxPath(data: Uint8Array): string | undefined {
  let path: string | undefined;
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!(length > 0)) break;
    const record = decoder.decode(data.subarray(space + 1, pos + length)).replace(/\n$/, '');
    if (record.startsWith('path=')) path = record.slice(5);
    pos += length;
  }
  return path;
}

function normalise(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

function kindOf(flag: string): TarEntry['type'] {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  return flag === '5' ? 'directory' : 'other';
}

/**
 * Lists every member of an (uncompressed) tar archive, in order, with views of their data.
 * Throws a clear error naming `source` on a corrupt or truncated archive.
 */
export function listTar(bytes: Uint8Array, source = 'tar archive'): TarEntry[] {
  if (bytes.length < BLOCK) throw new Error(`${source}: not a tar archive (${bytes.length} bytes, shorter than one 512-byte header)`);
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (isZeroBlock(header)) return entries;
    checkChecksum(header, source, pos);
    const size = numberField(header, 124, 12, source, pos);
    const flag = String.fromCharCode(header[156]);
    const start = pos + BLOCK;
    if (start + size > bytes.length) {
      throw new Error(`${source}: truncated tar archive (member ${JSON.stringify(headerName(header))} needs ${size} bytes at byte ${start}; the archive has ${bytes.length})`);
    }
    const data = bytes.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') longName = text(data);
    else if (flag === 'x') longName = paxPath(data) ?? longName;
    else if (flag !== 'g') {
      entries.push({ name: normalise(longName ?? headerName(header)), type: kindOf(flag), size, data });
      longName = undefined;
    }
  }
  if (pos !== bytes.length) throw new Error(`${source}: truncated tar archive (${bytes.length - pos} stray bytes at the end, less than a 512-byte header)`);
  return entries;
}

/**
 * Extracts the regular files of a tar archive into memory: name → bytes (views into
 * `bytes`). `wanted` filters by name (after removing a leading './').
 */
export function extractTar(bytes: Uint8Array, source = 'tar archive', wanted?: (name: string) => boolean): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of listTar(bytes, source)) {
    if (entry.type === 'file' && (wanted === undefined || wanted(entry.name))) files.set(entry.name, entry.data);
  }
  return files;
}

const gunzipAsync = promisify(gunzip);

/** Gunzips `bytes` when they start with the gzip magic (1f 8b); returns them unchanged otherwise. */
export async function maybeGunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (e) {
    throw new Error(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}
