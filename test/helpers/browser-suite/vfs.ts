/**
 * The file system a test page sees: Node's files, read-only, through the test server
 * (./server.ts: /__fs/stat, /__fs/list, /__fs/read for paths under the folders it serves),
 * fetched with synchronous XMLHttpRequest so `readFileSync` and friends stay synchronous
 * (binary through overrideMimeType 'text/plain; charset=x-user-defined'); and an in-memory
 * layer on top for what the test writes (mkdtemp under /tmp, files a model save writes).
 * Errors carry Node's codes (ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, EROFS).
 *
 * A synchronous request costs milliseconds, so the server's files (which do not change while
 * a page runs) are asked about as little as possible: stats and listings are cached, a
 * listing brings its subfolders' listings along, and whether a file exists (or is a folder)
 * is answered from a cached listing of its folder when there is one.
 */
import { dirname, resolve } from './node-path.js';
import { fileURLToPath } from './node-url.js';

const PREFIX = '/__fs/';

const MESSAGES: Record<string, [number, string]> = {
  ENOENT: [-2, 'no such file or directory'],
  EACCES: [-13, 'permission denied'],
  EEXIST: [-17, 'file already exists'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EROFS: [-30, 'read-only file system (the browser test page writes only into folders it made)'],
  ENOTEMPTY: [-39, 'directory not empty'],
};

export class FsError extends Error {
  readonly errno: number;
  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly path: string,
  ) {
    const [errno, text] = MESSAGES[code] ?? [-1, 'error'];
    super(`${code}: ${text}, ${syscall} '${path}'`);
    this.errno = errno;
    this.name = 'Error';
  }
}

export type PathLike = string | URL | Uint8Array;

export function toPath(p: PathLike): string {
  if (p instanceof URL) return fileURLToPath(p);
  if (p instanceof Uint8Array) return resolve(new TextDecoder().decode(p));
  if (typeof p !== 'string') throw new TypeError(`The "path" argument must be of type string or an instance of Buffer or URL. Received ${p === null ? 'null' : typeof p}`);
  return resolve(p);
}

export interface StatInfo {
  readonly kind: 'file' | 'dir';
  readonly size: number;
  readonly mtimeMs: number;
}

export interface Entry {
  readonly name: string;
  readonly dir: boolean;
}

/** Bytes read from a file: a Uint8Array whose toString decodes like a Buffer's. */
export class FileBytes extends Uint8Array {
  override toString(encoding: string = 'utf8'): string {
    return decode(this, encoding);
  }
}

export function decode(bytes: Uint8Array, encoding: string): string {
  const e = encoding.toLowerCase();
  if (e === 'utf8' || e === 'utf-8') return new TextDecoder().decode(bytes);
  let latin1 = '';
  for (let i = 0; i < bytes.length; i += 8192) latin1 += String.fromCharCode(...bytes.subarray(i, i + 8192));
  if (e === 'latin1' || e === 'binary') return latin1;
  if (e === 'ascii') return latin1.replace(/[\u0080-\u00ff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 0x7f));
  if (e === 'base64') return btoa(latin1);
  if (e === 'hex') return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  throw new TypeError(`Unknown encoding: ${encoding}`);
}

export function encode(data: string | ArrayBufferView | ArrayBuffer, encoding = 'utf8'): Uint8Array {
  if (typeof data === 'string') {
    const e = encoding.toLowerCase();
    if (e === 'utf8' || e === 'utf-8') return new TextEncoder().encode(data);
    if (e === 'latin1' || e === 'binary' || e === 'ascii') return Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff);
    if (e === 'base64') return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    if (e === 'hex') return Uint8Array.from(data.match(/../g) ?? [], (h) => parseInt(h, 16));
    throw new TypeError(`Unknown encoding: ${encoding}`);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
}

/** One synchronous request to the test server; the body as a latin1 string (bytes) or an FsError. */
function request(kind: 'stat' | 'list' | 'read', path: string, syscall: string): string {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', `${PREFIX}${kind}?path=${encodeURIComponent(path)}`, false);
  xhr.overrideMimeType('text/plain; charset=x-user-defined');
  xhr.send();
  const code = xhr.status === 200 ? xhr.getResponseHeader('X-Fs-Error') : 'ENOENT';
  if (code === null) return xhr.responseText;
  throw new FsError(code, syscall, path);
}

function utf8(latin1: string): string {
  return new TextDecoder().decode(Uint8Array.from(latin1, (c) => c.charCodeAt(0)));
}

// The server's files do not change while a page runs: stats and listings are cached.
const statCache = new Map<string, StatInfo | FsError>();
const listCache = new Map<string, Entry[] | FsError>();

// What the page wrote: files and folders (the temporary folder exists from the start).
const memFiles = new Map<string, Uint8Array>();
const memDirs = new Map<string, number>([['/tmp', Date.now()]]);

/** What a cached listing of the parent folder says about a path: 'file', 'dir', 'missing', or unknown. */
function fromListing(path: string): 'file' | 'dir' | 'missing' | undefined {
  const parent = dirname(path);
  const l = listCache.get(parent);
  if (l === undefined || l instanceof FsError || parent === path) return undefined;
  const name = path.slice(parent === '/' ? 1 : parent.length + 1);
  const e = l.find((x) => x.name === name);
  return e === undefined ? 'missing' : e.dir ? 'dir' : 'file';
}

function serverStat(path: string, syscall: string): StatInfo {
  let s = statCache.get(path);
  if (s === undefined) {
    try {
      s = JSON.parse(utf8(request('stat', path, syscall))) as StatInfo;
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      s = e;
    }
    statCache.set(path, s);
  }
  if (s instanceof FsError) throw new FsError(s.code, syscall, path);
  return s;
}

function serverList(path: string, syscall: string): Entry[] {
  let l = listCache.get(path);
  if (l === undefined) {
    try {
      const listed = JSON.parse(utf8(request('list', path, syscall))) as Record<string, Entry[]>;
      for (const [dir, entries] of Object.entries(listed)) if (!listCache.has(dir)) listCache.set(dir, entries);
      l = listed[path] ?? new FsError('ENOENT', syscall, path);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      l = e;
    }
    listCache.set(path, l);
  }
  if (l instanceof FsError) throw new FsError(l.code, syscall, path);
  return l;
}

function inMemory(path: string): boolean {
  return memFiles.has(path) || memDirs.has(path);
}

export function stat(path: string, syscall = 'stat'): StatInfo {
  const f = memFiles.get(path);
  if (f !== undefined) return { kind: 'file', size: f.length, mtimeMs: Date.now() };
  const d = memDirs.get(path);
  if (d !== undefined) return { kind: 'dir', size: 4096, mtimeMs: d };
  if (fromListing(path) === 'missing') throw new FsError('ENOENT', syscall, path);
  return serverStat(path, syscall);
}

export function exists(path: string): boolean {
  if (!inMemory(path)) {
    const known = fromListing(path);
    if (known !== undefined) return known !== 'missing';
  }
  try {
    stat(path);
    return true;
  } catch {
    return false;
  }
}

export function readBytes(path: string, syscall = 'open'): FileBytes {
  const f = memFiles.get(path);
  if (f !== undefined) return new FileBytes(f);
  if (memDirs.has(path)) throw new FsError('EISDIR', 'read', path);
  const known = fromListing(path);
  if (known === 'missing') throw new FsError('ENOENT', syscall, path);
  if (known === 'dir') throw new FsError('EISDIR', 'read', path);
  const text = request('read', path, syscall);
  const out = new FileBytes(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function list(path: string, syscall = 'scandir'): Entry[] {
  const own = memDirs.has(path);
  let entries: Entry[] = [];
  if (!own) {
    const known = fromListing(path);
    if (known === 'missing') throw new FsError('ENOENT', syscall, path);
    if (known === 'file') throw new FsError('ENOTDIR', syscall, path);
    entries = serverList(path, syscall).slice();
  }
  const names = new Set(entries.map((e) => e.name));
  const prefix = path === '/' ? '/' : `${path}/`;
  for (const [p, isDir] of [...[...memFiles.keys()].map((p) => [p, false] as const), ...[...memDirs.keys()].map((p) => [p, true] as const)]) {
    if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/') && p !== path) {
      const name = p.slice(prefix.length);
      if (!names.has(name)) entries.push({ name, dir: isDir });
      names.add(name);
    }
  }
  return entries;
}

function requireDir(path: string, syscall: string, target: string): void {
  let s: StatInfo;
  try {
    s = stat(path, syscall);
  } catch {
    throw new FsError('ENOENT', syscall, target);
  }
  if (s.kind !== 'dir') throw new FsError('ENOTDIR', syscall, target);
}

export function writeBytes(path: string, bytes: Uint8Array, append = false): void {
  if (memDirs.has(path)) throw new FsError('EISDIR', 'open', path);
  if (!memFiles.has(path) && exists(path)) {
    if (stat(path).kind === 'dir') throw new FsError('EISDIR', 'open', path);
    if (!append) throw new FsError('EROFS', 'open', path);
  }
  requireDir(dirname(path), 'open', path);
  if (append) {
    const old = memFiles.get(path) ?? (exists(path) ? readBytes(path) : new Uint8Array(0));
    const both = new Uint8Array(old.length + bytes.length);
    both.set(old);
    both.set(bytes, old.length);
    memFiles.set(path, both);
  } else {
    memFiles.set(path, bytes);
  }
}

/** Makes a folder; with `recursive` its missing parents too. Returns the first folder made. */
export function makeDir(path: string, recursive: boolean): string | undefined {
  if (exists(path)) {
    if (recursive && stat(path).kind === 'dir') return undefined;
    throw new FsError('EEXIST', 'mkdir', path);
  }
  const parent = dirname(path);
  if (!recursive) {
    requireDir(parent, 'mkdir', path);
    memDirs.set(path, Date.now());
    return path;
  }
  const first = parent === path ? undefined : makeDir(parent, true);
  memDirs.set(path, Date.now());
  return first ?? path;
}

export function makeTempDir(prefix: string): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += chars[Math.floor(Math.random() * chars.length)];
    const path = resolve(`${prefix}${suffix}`);
    if (exists(path)) continue;
    requireDir(dirname(path), 'mkdtemp', `${prefix}XXXXXX`);
    memDirs.set(path, Date.now());
    return path;
  }
}

function under(path: string): string[] {
  const prefix = `${path}/`;
  return [...memFiles.keys(), ...memDirs.keys()].filter((p) => p.startsWith(prefix));
}

export function remove(path: string, options: { recursive?: boolean; force?: boolean; dirOnly?: boolean; fileOnly?: boolean }, syscall: string): void {
  if (!inMemory(path)) {
    if (!exists(path)) {
      if (options.force) return;
      throw new FsError('ENOENT', syscall, path);
    }
    throw new FsError('EROFS', syscall, path);
  }
  if (memFiles.has(path)) {
    if (options.dirOnly) throw new FsError('ENOTDIR', syscall, path);
    memFiles.delete(path);
    return;
  }
  if (options.fileOnly) throw new FsError('EISDIR', syscall, path);
  const inside = under(path);
  if (inside.length > 0 && !options.recursive) throw new FsError('ENOTEMPTY', syscall, path);
  if (!options.recursive && !options.dirOnly) throw Object.assign(new Error(`Path is a directory: ${syscall} returned EISDIR (is a directory) ${path}`), { code: 'ERR_FS_EISDIR' });
  for (const p of inside) {
    memFiles.delete(p);
    memDirs.delete(p);
  }
  memDirs.delete(path);
}

export function rename(from: string, to: string): void {
  if (!inMemory(from)) throw new FsError(exists(from) ? 'EROFS' : 'ENOENT', 'rename', from);
  requireDir(dirname(to), 'rename', to);
  if (memDirs.has(to) && memFiles.has(from)) throw new FsError('EISDIR', 'rename', to);
  if (!inMemory(to) && exists(to)) throw new FsError('EROFS', 'rename', to);
  const f = memFiles.get(from);
  if (f !== undefined) {
    memFiles.delete(from);
    memFiles.set(to, f);
    return;
  }
  const moved = under(from);
  const stamp = memDirs.get(from) ?? Date.now();
  memDirs.delete(from);
  memDirs.set(to, stamp);
  for (const p of moved) {
    const q = to + p.slice(from.length);
    const bytes = memFiles.get(p);
    if (bytes !== undefined) {
      memFiles.delete(p);
      memFiles.set(q, bytes);
    } else {
      memDirs.set(q, memDirs.get(p) ?? stamp);
      memDirs.delete(p);
    }
  }
}
