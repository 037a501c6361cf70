/**
 * What the data set loaders share: their options, where they look for files (the cache
 * folder, then local folders, then a download), the download address, and the one error
 * they throw when the files are nowhere to be had.
 */
import { join } from 'node:path';
import type { Tensor } from '../../tensor/index.js';
import { datasetsDir, type FileHashes } from './files.js';

/** Options of every `datasets.*.loadData` / `loadSplit`. */
export interface DatasetOptions {
  /**
   * The cache root; each data set has a sub-folder in it (`mnist/`, `fashion-mnist/`,
   * `cifar-10/`, `cifar-100/`). Default: env `NEURITE_DATASETS_DIR`, else `~/.neurite/datasets`.
   */
  cacheDir?: string;
  /** More local folders to look in (after the cache, before the known system folders). */
  dirs?: readonly string[];
  /**
   * The folder URL the files are downloaded from (the file name is appended). Default: env
   * `NEURITE_DATASETS_MIRROR` + '/<sub-folder>/', else the data set's canonical address.
   */
  baseUrl?: string;
  /** Set to false to never download (offline use). Default true. */
  download?: boolean;
  /** Progress bar on stderr while downloading. Default: when stderr is a terminal. */
  verbose?: boolean;
  /**
   * Checksums that replace the built-in ones, keyed by file name: an md5 (32 hex digits) or
   * a sha256 (64 hex digits) of the file as downloaded. For private mirrors and tests.
   */
  checksums?: Readonly<Record<string, string>>;
  /** Milliseconds without data before a download gives up. Default 30000. */
  timeoutMs?: number;
}

/** A split of a data set. */
export type Split = 'train' | 'test';

/** A Keras-style pair of (inputs, targets). */
export type XY = [Tensor, Tensor];

/** The constant facts of one data set's files. */
export interface DatasetSource {
  /** The public name, used in messages: 'mnist' gives 'datasets.mnist'. */
  readonly name: string;
  /** The sub-folder of the cache root (and of a mirror). */
  readonly subdir: string;
  /** The canonical download folder URL, ending in '/'. */
  readonly baseUrl: string;
  /** Local folders where a system package installs the files. */
  readonly knownDirs: readonly string[];
}

/** A file of a data set with its published checksums. */
export interface DatasetFile extends FileHashes {
  readonly name: string;
}

/** The folders searched, in order. */
export interface SearchPlan {
  readonly cache: string;
  readonly dirs: readonly string[];
}

const OPTION_KEYS = new Set(['cacheDir', 'dirs', 'baseUrl', 'download', 'verbose', 'checksums', 'timeoutMs']);

/** Checks the loader options, naming the bad argument. `extra` lists loader-specific keys. */
export function checkOptions(options: DatasetOptions, where: string, extra: readonly string[] = []): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object; got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) && !extra.includes(key)) {
      throw new TypeError(`${where}: unknown option '${key}' (allowed: ${[...OPTION_KEYS, ...extra].join(', ')})`);
    }
  }
  checkScalars(options, where);
  if (options.dirs !== undefined && (!Array.isArray(options.dirs) || options.dirs.some((d) => typeof d !== 'string' || d === ''))) {
    throw new TypeError(`${where}: options.dirs must be an array of folder paths; got ${JSON.stringify(options.dirs)}`);
  }
  if (options.baseUrl !== undefined && (typeof options.baseUrl !== 'string' || options.baseUrl === '')) {
    throw new TypeError(`${where}: options.baseUrl must be a URL string; got ${JSON.stringify(options.baseUrl)}`);
  }
  for (const [name, value] of Object.entries(options.checksums ?? {})) {
    if (typeof value !== 'string' || !/^([0-9a-f]{32}|[0-9a-f]{64})$/i.test(value)) {
      throw new TypeError(`${where}: options.checksums['${name}'] must be an md5 (32 hex digits) or a sha256 (64 hex digits); got ${JSON.stringify(value)}`);
    }
  }
}

function checkScalars(options: DatasetOptions, where: string): void {
  for (const key of ['download', 'verbose'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${where}: options.${key} must be true or false; got ${JSON.stringify(value)}`);
  }
  const t = options.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) throw new TypeError(`${where}: options.timeoutMs must be a positive number of milliseconds; got ${JSON.stringify(t)}`);
  const c = options.checksums;
  if (c !== undefined && (c === null || typeof c !== 'object' || Array.isArray(c))) throw new TypeError(`${where}: options.checksums must be an object mapping file names to md5 or sha256 digests`);
}

/** Checks a split argument. */
export function checkSplit(split: unknown, where: string): Split {
  if (split !== 'train' && split !== 'test') throw new TypeError(`${where}: split must be 'train' or 'test'; got ${JSON.stringify(split)}`);
  return split;
}

/** The folders to search: the data set's cache folder, then options.dirs, then known system folders. */
export function searchPlan(source: DatasetSource, options: DatasetOptions): SearchPlan {
  return { cache: join(datasetsDir(options.cacheDir), source.subdir), dirs: [...(options.dirs ?? []), ...source.knownDirs] };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The download folder URL: options.baseUrl, else env NEURITE_DATASETS_MIRROR/<subdir>/, else canonical. */
export function baseUrlFor(source: DatasetSource, options: DatasetOptions): string {
  if (options.baseUrl !== undefined) return withSlash(options.baseUrl);
  const mirror = process.env.NEURITE_DATASETS_MIRROR;
  if (mirror) return `${withSlash(mirror)}${source.subdir}/`;
  return source.baseUrl;
}

/** The expected digests of a file: the override from options.checksums, else the published ones. */
export function hashesFor(file: DatasetFile, options: DatasetOptions): FileHashes {
  const override = options.checksums?.[file.name];
  if (override === undefined) return { md5: file.md5, sha256: file.sha256, contentMd5: file.contentMd5 };
  return override.length === 32 ? { md5: override } : { sha256: override };
}

/** Thrown when a data set's files are neither on disk nor downloadable. The message says where to put them. */
export class DatasetUnavailableError extends Error {
  override readonly name = 'DatasetUnavailableError';
}

/** Builds the "not found, here is where to put the files" error. */
export function unavailable(
  source: DatasetSource,
  what: string,
  files: readonly string[],
  plan: SearchPlan,
  cause?: unknown,
  alternative = '',
): DatasetUnavailableError {
  const reason =
    cause === undefined ? 'skipped (options.download is false)' : cause instanceof Error ? cause.message : String(cause);
  const lines = [
    `datasets.${source.name}: cannot load ${what}: ${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} not on this machine and could not be downloaded.`,
    `  searched: ${[plan.cache, ...plan.dirs].join(', ')}`,
    `  download: ${reason}`,
    `  to install by hand: download ${files.map((f) => source.baseUrl + f).join(', ')}`,
    `  and put ${files.length === 1 ? 'it' : 'them'}${alternative} in ${plan.cache} (or in a folder passed as options.dirs; set NEURITE_DATASETS_DIR to move the cache).`,
  ];
  return new DatasetUnavailableError(lines.join('\n'), cause === undefined ? undefined : { cause });
}

/** Widens Keras' uint8 values (0..255) into the int32 storage of a Neurite tensor. */
export function toInt32(bytes: Uint8Array): Int32Array {
  const out = new Int32Array(bytes.length);
  out.set(bytes);
  return out;
}

/** Throws when a label is not below `classes`; `where` names the file. */
export function checkLabels(labels: Int32Array | Uint8Array, classes: number, where: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new RangeError(`${where}: label ${labels[i]} of example ${i} is out of range (expected 0..${classes - 1})`);
  }
}

/** A Keras-style data set loader: `const [[xTrain, yTrain], [xTest, yTest]] = await loader.loadData()`. */
export interface DatasetLoader<O extends DatasetOptions = DatasetOptions> {
  /** The data set's name as in `datasets.<name>` ('mnist', 'fashionMnist', 'cifar10', 'cifar100'). */
  readonly name: string;
  /** Loads both splits: `[[xTrain, yTrain], [xTest, yTest]]`. */
  loadData(options?: O): Promise<[XY, XY]>;
  /** Loads one split alone: `[x, y]`. */
  loadSplit(split: Split, options?: O): Promise<XY>;
}
