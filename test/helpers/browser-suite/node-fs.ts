/**
 * `node:fs` for test pages: the synchronous calls tests and the library make, over the
 * page's file system (./vfs.ts: Node's files read-only through the test server, writes in
 * memory). Streams and watchers are not available; calling one throws and names it.
 */
import * as vfs from './vfs.js';
import { dirname, join } from './node-path.js';
import * as promisesApi from './node-fs-promises.js';

type PathLike = vfs.PathLike;
type Encoding = 'utf8' | 'utf-8' | 'latin1' | 'binary' | 'ascii' | 'base64' | 'hex';
type ReadOptions = Encoding | { encoding?: Encoding | null; flag?: string } | null | undefined;
type WriteOptions = Encoding | { encoding?: Encoding | null; mode?: number; flag?: string } | null | undefined;

export const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, COPYFILE_EXCL: 1 };
export const promises = promisesApi;

export class Stats {
  readonly size: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly mtime: Date;
  readonly atime: Date;
  readonly ctime: Date;
  readonly birthtime: Date;
  readonly mode: number;
  constructor(private readonly info: vfs.StatInfo) {
    this.size = info.size;
    this.mtimeMs = this.atimeMs = this.ctimeMs = this.birthtimeMs = info.mtimeMs;
    this.mtime = this.atime = this.ctime = this.birthtime = new Date(info.mtimeMs);
    this.mode = info.kind === 'dir' ? 0o40755 : 0o100644;
  }
  isFile(): boolean {
    return this.info.kind === 'file';
  }
  isDirectory(): boolean {
    return this.info.kind === 'dir';
  }
  isSymbolicLink(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
}

export class Dirent {
  constructor(
    readonly name: string,
    readonly parentPath: string,
    private readonly dir: boolean,
  ) {}
  get path(): string {
    return this.parentPath;
  }
  isFile(): boolean {
    return !this.dir;
  }
  isDirectory(): boolean {
    return this.dir;
  }
  isSymbolicLink(): boolean {
    return false;
  }
}

function encodingOf(options: ReadOptions | WriteOptions): Encoding | null {
  if (options === null || options === undefined) return null;
  if (typeof options === 'string') return options;
  return options.encoding ?? null;
}

export function existsSync(path: PathLike): boolean {
  try {
    return vfs.exists(vfs.toPath(path));
  } catch {
    return false;
  }
}

export function statSync(path: PathLike, options?: { throwIfNoEntry?: boolean }): Stats | undefined {
  try {
    return new Stats(vfs.stat(vfs.toPath(path)));
  } catch (e) {
    if (options?.throwIfNoEntry === false && (e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
}

export const lstatSync = statSync;

export function readFileSync(path: PathLike, options?: ReadOptions): string | vfs.FileBytes {
  const bytes = vfs.readBytes(vfs.toPath(path));
  const enc = encodingOf(options);
  return enc === null ? bytes : vfs.decode(bytes, enc);
}

export function readdirSync(path: PathLike, options?: Encoding | { encoding?: Encoding | null; withFileTypes?: boolean; recursive?: boolean } | null): (string | Dirent)[] {
  const root = vfs.toPath(path);
  const withTypes = typeof options === 'object' && options !== null && options.withFileTypes === true;
  const recursive = typeof options === 'object' && options !== null && options.recursive === true;
  const out: (string | Dirent)[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of vfs.list(dir)) {
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(withTypes ? new Dirent(e.name, dir, e.dir) : name);
      if (recursive && e.dir) walk(join(dir, e.name), name);
    }
  };
  walk(root, '');
  return out;
}

export function writeFileSync(path: PathLike, data: string | ArrayBufferView | ArrayBuffer, options?: WriteOptions): void {
  const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
  vfs.writeBytes(vfs.toPath(path), vfs.encode(data, encodingOf(options) ?? 'utf8'), flag === 'a');
}

export function appendFileSync(path: PathLike, data: string | ArrayBufferView | ArrayBuffer, options?: WriteOptions): void {
  vfs.writeBytes(vfs.toPath(path), vfs.encode(data, encodingOf(options) ?? 'utf8'), true);
}

export function mkdirSync(path: PathLike, options?: number | { recursive?: boolean; mode?: number }): string | undefined {
  const recursive = typeof options === 'object' && options !== null && options.recursive === true;
  const first = vfs.makeDir(vfs.toPath(path), recursive);
  return recursive ? first : undefined;
}

export function mkdtempSync(prefix: string): string {
  return vfs.makeTempDir(prefix);
}

export function rmSync(path: PathLike, options: { recursive?: boolean; force?: boolean } = {}): void {
  vfs.remove(vfs.toPath(path), options, 'rm');
}

export function rmdirSync(path: PathLike, options: { recursive?: boolean } = {}): void {
  vfs.remove(vfs.toPath(path), { ...options, dirOnly: true }, 'rmdir');
}

export function unlinkSync(path: PathLike): void {
  vfs.remove(vfs.toPath(path), { fileOnly: true }, 'unlink');
}

export function renameSync(from: PathLike, to: PathLike): void {
  vfs.rename(vfs.toPath(from), vfs.toPath(to));
}

export function copyFileSync(from: PathLike, to: PathLike): void {
  vfs.writeBytes(vfs.toPath(to), vfs.readBytes(vfs.toPath(from)));
}

export function accessSync(path: PathLike, mode: number = constants.F_OK): void {
  const p = vfs.toPath(path);
  vfs.stat(p, 'access');
  if ((mode & constants.W_OK) !== 0 && !vfs.exists(dirname(p))) throw new vfs.FsError('EACCES', 'access', p);
}

export function realpathSync(path: PathLike): string {
  const p = vfs.toPath(path);
  vfs.stat(p, 'realpath');
  return p;
}

function unavailable(name: string): (...args: unknown[]) => never {
  return () => {
    throw new Error(`node:fs ${name} is not available in the browser test page (only synchronous file calls are shimmed)`);
  };
}

export const createReadStream = unavailable('createReadStream');
export const createWriteStream = unavailable('createWriteStream');
export const watch = unavailable('watch');
export const openSync = unavailable('openSync');
export const readFile = unavailable('readFile (callback form)');
export const writeFile = unavailable('writeFile (callback form)');

export default {
  constants,
  promises,
  Stats,
  Dirent,
  existsSync,
  statSync,
  lstatSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  rmdirSync,
  unlinkSync,
  renameSync,
  copyFileSync,
  accessSync,
  realpathSync,
  createReadStream,
  createWriteStream,
  watch,
  openSync,
  readFile,
  writeFile,
};
