/**
 * `node:fs/promises` for test pages: the same page file system as ./node-fs.ts (./vfs.ts),
 * answered through promises.
 */
import * as vfs from './vfs.js';
import { join } from './node-path.js';

type PathLike = vfs.PathLike;
type Encoding = 'utf8' | 'utf-8' | 'latin1' | 'binary' | 'ascii' | 'base64' | 'hex';
type Options = Encoding | { encoding?: Encoding | null; flag?: string; recursive?: boolean; withFileTypes?: boolean } | null | undefined;

export const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, COPYFILE_EXCL: 1 };

function encodingOf(options: Options): Encoding | null {
  if (options === null || options === undefined) return null;
  if (typeof options === 'string') return options;
  return options.encoding ?? null;
}

export interface StatResult {
  size: number;
  mtimeMs: number;
  mtime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

function stats(info: vfs.StatInfo): StatResult {
  return {
    size: info.size,
    mtimeMs: info.mtimeMs,
    mtime: new Date(info.mtimeMs),
    isFile: () => info.kind === 'file',
    isDirectory: () => info.kind === 'dir',
    isSymbolicLink: () => false,
  };
}

export async function readFile(path: PathLike, options?: Options): Promise<string | vfs.FileBytes> {
  const bytes = vfs.readBytes(vfs.toPath(path));
  const enc = encodingOf(options);
  return enc === null ? bytes : vfs.decode(bytes, enc);
}

export async function writeFile(path: PathLike, data: string | ArrayBufferView | ArrayBuffer, options?: Options): Promise<void> {
  const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
  vfs.writeBytes(vfs.toPath(path), vfs.encode(data, encodingOf(options) ?? 'utf8'), flag === 'a');
}

export async function appendFile(path: PathLike, data: string | ArrayBufferView | ArrayBuffer, options?: Options): Promise<void> {
  vfs.writeBytes(vfs.toPath(path), vfs.encode(data, encodingOf(options) ?? 'utf8'), true);
}

export async function mkdir(path: PathLike, options?: number | { recursive?: boolean; mode?: number }): Promise<string | undefined> {
  const recursive = typeof options === 'object' && options !== null && options.recursive === true;
  const first = vfs.makeDir(vfs.toPath(path), recursive);
  return recursive ? first : undefined;
}

export async function mkdtemp(prefix: string): Promise<string> {
  return vfs.makeTempDir(prefix);
}

export async function rm(path: PathLike, options: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
  vfs.remove(vfs.toPath(path), options, 'rm');
}

export async function rmdir(path: PathLike, options: { recursive?: boolean } = {}): Promise<void> {
  vfs.remove(vfs.toPath(path), { ...options, dirOnly: true }, 'rmdir');
}

export async function unlink(path: PathLike): Promise<void> {
  vfs.remove(vfs.toPath(path), { fileOnly: true }, 'unlink');
}

export async function rename(from: PathLike, to: PathLike): Promise<void> {
  vfs.rename(vfs.toPath(from), vfs.toPath(to));
}

export async function copyFile(from: PathLike, to: PathLike): Promise<void> {
  vfs.writeBytes(vfs.toPath(to), vfs.readBytes(vfs.toPath(from)));
}

export async function stat(path: PathLike): Promise<StatResult> {
  return stats(vfs.stat(vfs.toPath(path)));
}

export const lstat = stat;

export async function access(path: PathLike, _mode?: number): Promise<void> {
  vfs.stat(vfs.toPath(path), 'access');
}

export async function realpath(path: PathLike): Promise<string> {
  const p = vfs.toPath(path);
  vfs.stat(p, 'realpath');
  return p;
}

export interface DirentResult {
  name: string;
  parentPath: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export async function readdir(path: PathLike, options?: Options): Promise<(string | DirentResult)[]> {
  const root = vfs.toPath(path);
  const withTypes = typeof options === 'object' && options !== null && options.withFileTypes === true;
  const recursive = typeof options === 'object' && options !== null && options.recursive === true;
  const out: (string | DirentResult)[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of vfs.list(dir)) {
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(withTypes ? { name: e.name, parentPath: dir, isFile: () => !e.dir, isDirectory: () => e.dir, isSymbolicLink: () => false } : name);
      if (recursive && e.dir) walk(join(dir, e.name), name);
    }
  };
  walk(root, '');
  return out;
}

export async function open(): Promise<never> {
  throw new Error('node:fs/promises open is not available in the browser test page (only whole-file calls are shimmed)');
}

export default { constants, readFile, writeFile, appendFile, mkdir, mkdtemp, rm, rmdir, unlink, rename, copyFile, stat, lstat, access, realpath, readdir, open };
