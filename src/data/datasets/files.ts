/**
 * Files of data sets on disk: the cache folder, checksums, `getFile` (Keras'
 * `keras.utils.get_file`: download once into the cache, verify, reuse) and the lookup of
 * data set files in local folders (`findDatasetFiles`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DownloadError, downloadToFile } from './download.js';

/** Expected digests of a file, as lowercase or uppercase hexadecimal. */
export interface FileHashes {
  /** md5 of the file itself (32 hex digits). */
  md5?: string;
  /** sha256 of the file itself (64 hex digits). */
  sha256?: string;
  /**
   * md5 of the file's content: of the gunzipped bytes when the file is gzip-compressed, of
   * the file itself otherwise. A file whose own digests do not match is still accepted when
   * its content matches this, because mirrors and Linux distributions re-compress files
   * (the gzip header holds a time stamp), and it lets a file be placed uncompressed.
   */
  contentMd5?: string;
}

export interface GetFileOptions extends FileHashes {
  /** The cache root. Default: env `NEURITE_DATASETS_DIR`, else `~/.neurite/datasets`. */
  cacheDir?: string;
  /** A sub-folder of the cache root for this file (e.g. 'mnist'). Default: none. */
  cacheSubdir?: string;
  /** Progress bar on stderr. Default: when stderr is a terminal. */
  verbose?: boolean;
  /** Milliseconds without data before a download gives up. Default 30000. */
  timeoutMs?: number;
}

/** The result of comparing a file with its expected digests. */
export interface HashCheck {
  readonly ok: boolean;
  /** 'expected … got …' for every digest that did not match (empty when ok). */
  readonly details: string;
}

/** The cache root for data sets: `cacheDir`, else env `NEURITE_DATASETS_DIR`, else `~/.neurite/datasets`. */
export function datasetsDir(cacheDir?: string): string {
  if (cacheDir !== undefined) {
    if (typeof cacheDir !== 'string' || cacheDir === '') throw new TypeError(`datasets: cacheDir must be a non-empty string; got ${JSON.stringify(cacheDir)}`);
    return resolve(cacheDir);
  }
  const env = process.env.NEURITE_DATASETS_DIR;
  if (env) return resolve(env);
  return join(homedir(), '.neurite', 'datasets');
}

const HEX = { md5: /^[0-9a-f]{32}$/i, sha256: /^[0-9a-f]{64}$/i };

function checkHex(value: string | undefined, kind: 'md5' | 'sha256', argument: string, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !HEX[kind].test(value)) {
    const digits = kind === 'md5' ? 32 : 64;
    throw new TypeError(`${where}: ${argument} must be ${kind === 'md5' ? 'an' : 'a'} ${kind} digest (${digits} hexadecimal digits); got ${JSON.stringify(value)}`);
  }
}

/** Validates the digests of `hashes` (format only), naming the argument in the error. */
export function checkHashOptions(hashes: FileHashes, where: string): void {
  checkHex(hashes.md5, 'md5', 'md5', where);
  checkHex(hashes.sha256, 'sha256', 'sha256', where);
  checkHex(hashes.contentMd5, 'md5', 'contentMd5', where);
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Streams a file (gunzipped when `gunzip`) through a hash; resolves with the hex digest. */
export async function fileDigest(path: string, algorithm: 'md5' | 'sha256', gunzip = false): Promise<string> {
  const hash = createHash(algorithm);
  const source = createReadStream(path);
  const stream = gunzip ? source.pipe(createGunzip()) : source;
  if (gunzip) {
    source.on('error', (e) => stream.destroy(e));
    stream.on('error', () => source.destroy());
  }
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function contentDigest(path: string): Promise<{ digest: string; gzip: boolean }> {
  const gzip = await isGzip(path);
  try {
    return { digest: await fileDigest(path, 'md5', gzip), gzip };
  } catch (e) {
    return { digest: `(not readable as gzip: ${(e as Error).message})`, gzip };
  }
}

/**
 * Compares a file with its expected digests: every given file digest (md5, sha256) must
 * match, or else its content must match `contentMd5`. No digests given: always ok.
 */
export async function checkFileHashes(path: string, hashes: FileHashes): Promise<HashCheck> {
  const problems: string[] = [];
  let fileDigests = 0;
  for (const algorithm of ['md5', 'sha256'] as const) {
    const expected = hashes[algorithm];
    if (expected === undefined) continue;
    fileDigests++;
    const got = await fileDigest(path, algorithm);
    if (got !== expected.toLowerCase()) problems.push(`expected ${algorithm} ${expected.toLowerCase()}, got ${got}`);
  }
  if (fileDigests > 0 && problems.length === 0) return { ok: true, details: '' };
  if (hashes.contentMd5 !== undefined) {
    const { digest, gzip } = await contentDigest(path);
    if (digest === hashes.contentMd5.toLowerCase()) return { ok: true, details: '' };
    problems.push(`expected md5 of the ${gzip ? 'gunzipped ' : ''}content ${hashes.contentMd5.toLowerCase()}, got ${digest}`);
  }
  return { ok: problems.length === 0, details: problems.join('; ') };
}

function hasHashes(h: FileHashes): boolean {
  return h.md5 !== undefined || h.sha256 !== undefined || h.contentMd5 !== undefined;
}

function checkGetFileArgs(fname: string, origin: string, options: GetFileOptions): void {
  if (typeof fname !== 'string' || fname === '' || basename(fname) !== fname || fname === '.' || fname === '..') {
    throw new TypeError(`getFile: fname must be a plain file name (no folders); got ${JSON.stringify(fname)}`);
  }
  if (typeof origin !== 'string' || origin === '') throw new TypeError(`getFile: origin must be a URL string; got ${JSON.stringify(origin)}`);
  checkHashOptions(options, 'getFile');
}

/**
 * Returns the path of `fname` in the cache (`cacheDir`/`cacheSubdir`), downloading it from
 * `origin` first unless a valid copy is already there (Keras' `get_file`). A cached copy
 * whose checksum does not match is downloaded again.
 *
 * The download goes to a temporary file in the same folder; its length is checked against
 * Content-Length and its checksum against the given digests, then it is renamed into place
 * atomically. On any failure (no connection, HTTP error status, truncated response,
 * checksum mismatch, timeout) it rejects with a DownloadError naming the URL and leaves no
 * file behind.
 *
 * @example const path = await getFile('t10k-labels-idx1-ubyte.gz', 'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz', { md5: 'ec29112dd5afa0611ce80d1b7f02629c', cacheSubdir: 'mnist' });
 */
export async function getFile(fname: string, origin: string, options: GetFileOptions = {}): Promise<string> {
  checkGetFileArgs(fname, origin, options);
  const dir = join(datasetsDir(options.cacheDir), options.cacheSubdir ?? '');
  const path = join(dir, fname);
  const verbose = options.verbose ?? process.stderr.isTTY === true;
  if (existsSync(path)) {
    const check = await checkFileHashes(path, options);
    if (check.ok) return path;
    if (verbose) process.stderr.write(`getFile: the cached ${path} does not match its checksum (${check.details}); downloading it again\n`);
  }
  const created = await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${fname}.${process.pid}-${randomBytes(4).toString('hex')}.part`);
  try {
    await downloadToFile(origin, temp, { progress: verbose, timeoutMs: options.timeoutMs });
    if (hasHashes(options)) {
      const check = await checkFileHashes(temp, options);
      if (!check.ok) throw new DownloadError('checksum', origin, `getFile: checksum mismatch for ${origin}: ${check.details}; the download was discarded`);
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    if (created !== undefined) await removeEmptyFolders(dir, created);
    throw e;
  }
  return path;
}

/** Removes `dir` and its parents up to `top` (both included) while they are empty. */
async function removeEmptyFolders(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
}

/**
 * A wanted file: its name, or a list of acceptable names in order of preference (e.g. the
 * gzipped and the uncompressed name of the same file). Names may contain sub-folders.
 */
export type WantedFile = string | readonly string[];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Looks for a set of data set files in local folders. Returns the paths from the first
 * folder of `dirs` that holds all of them (keyed by the first name of each wanted file),
 * or undefined when no folder holds them all. Missing folders are skipped.
 *
 * @example findDatasetFiles([['t10k-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte']], ['/data/mnist'])
 */
export function findDatasetFiles(wanted: readonly WantedFile[], dirs: readonly string[]): Record<string, string> | undefined {
  for (const dir of dirs) {
    const found: Record<string, string> = {};
    let complete = true;
    for (const entry of wanted) {
      const names = typeof entry === 'string' ? [entry] : entry;
      const hit = names.map((n) => join(dir, n)).find(isFile);
      if (hit === undefined) {
        complete = false;
        break;
      }
      found[names[0]] = hit;
    }
    if (complete) return found;
  }
  return undefined;
}
