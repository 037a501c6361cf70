/**
 * CIFAR-10 and CIFAR-100 (Keras' `datasets.cifar10` / `datasets.cifar100`) from the
 * "binary version" archives of https://www.cs.toronto.edu/~kriz/cifar.html.
 *
 * Record format: CIFAR-10 records are 1 label byte + 3072 pixel bytes; CIFAR-100 records are
 * 1 coarse label byte + 1 fine label byte + 3072 pixel bytes. The pixels are three 32x32
 * planes (1024 red, 1024 green, 1024 blue bytes, each row-major); they are transposed here
 * to NHWC (channels_last) like Keras. x is [n, 32, 32, 3] int32 (0..255), y is [n, 1] int32.
 *
 * Files: cifar-10-batches-bin/data_batch_1..5.bin (train, 10000 records each) and
 * test_batch.bin; cifar-100-binary/train.bin (50000) and test.bin (10000). They are read
 * from the cached .tar.gz (in memory, without unpacking it to disk) or from an extracted
 * folder. Archive md5s: the values published on the CIFAR page (cifar-10-binary.tar.gz
 * c32a1d4ab5d03f1284b67883e8d87530, cifar-100-binary.tar.gz 03b5dce01913d631647c71ecec9e9cb8),
 * confirmed in several independent public sources but not against a real archive here.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tensor } from '../../tensor/index.js';
import { checkFileHashes, datasetsDir, findDatasetFiles, getFile } from './files.js';
import {
  baseUrlFor,
  checkLabels,
  checkOptions,
  checkSplit,
  hashesFor,
  searchPlan,
  unavailable,
  type DatasetFile,
  type DatasetLoader,
  type DatasetOptions,
  type DatasetSource,
  type Split,
  type XY,
} from './resolve.js';
import { extractTar, maybeGunzip } from './tar.js';

/** Options of `datasets.cifar100`: which labels y holds. */
export interface Cifar100Options extends DatasetOptions {
  /** 'fine' (100 classes, the default) or 'coarse' (20 super-classes). */
  labelMode?: 'fine' | 'coarse';
}

interface CifarDataset {
  readonly source: DatasetSource;
  readonly archive: DatasetFile;
  /** The folder the archive unpacks to. */
  readonly folder: string;
  readonly members: Readonly<Record<Split, readonly string[]>>;
  readonly labelBytes: 1 | 2;
}

const KRIZ = 'https://www.cs.toronto.edu/~kriz/';

const CIFAR10: CifarDataset = {
  source: { name: 'cifar10', subdir: 'cifar-10', baseUrl: KRIZ, knownDirs: [] },
  archive: { name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' },
  folder: 'cifar-10-batches-bin',
  members: { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'] },
  labelBytes: 1,
};

const CIFAR100: CifarDataset = {
  source: { name: 'cifar100', subdir: 'cifar-100', baseUrl: KRIZ, knownDirs: [] },
  archive: { name: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8' },
  folder: 'cifar-100-binary',
  members: { train: ['train.bin'], test: ['test.bin'] },
  labelBytes: 2,
};

const PIXELS = 3072;
const PLANE = 1024;

/** A batch file's bytes and a name for messages. */
export interface CifarBatch {
  readonly bytes: Uint8Array;
  readonly source: string;
}

/** How to read the labels of CIFAR records. */
export interface CifarFormat {
  /** Label bytes before the pixels: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  readonly labelBytes: 1 | 2;
  /** Which label byte becomes y (0 = first). */
  readonly labelIndex: number;
  /** Labels must be below this. */
  readonly classes: number;
}

function recordCount(batch: CifarBatch, labelBytes: number): number {
  const size = labelBytes + PIXELS;
  if (batch.bytes.length === 0 || batch.bytes.length % size !== 0) {
    throw new Error(
      `${batch.source}: ${batch.bytes.length} bytes is not a whole number of ${size}-byte CIFAR records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${PIXELS} pixel bytes)`,
    );
  }
  return batch.bytes.length / size;
}

/** Decodes the records of one batch into x (NHWC) and y, starting at record `at`. */
function decodeInto(bytes: Uint8Array, format: CifarFormat, x: Int32Array, y: Int32Array, at: number): void {
  const size = format.labelBytes + PIXELS;
  const n = bytes.length / size;
  for (let r = 0; r < n; r++) {
    const record = r * size;
    y[at + r] = bytes[record + format.labelIndex];
    const red = record + format.labelBytes;
    let out = (at + r) * PIXELS;
    for (let p = 0; p < PLANE; p++, out += 3) {
      x[out] = bytes[red + p];
      x[out + 1] = bytes[red + PLANE + p];
      x[out + 2] = bytes[red + 2 * PLANE + p];
    }
  }
}

/**
 * Parses CIFAR binary batches (concatenated in order) into x [n, 32, 32, 3] and y [n, 1],
 * both int32. Throws, naming the file, when a batch is not a whole number of records or a
 * label is out of range.
 */
export function parseCifarBatches(batches: readonly CifarBatch[], format: CifarFormat): XY {
  const counts = batches.map((b) => recordCount(b, format.labelBytes));
  const total = counts.reduce((a, b) => a + b, 0);
  const x = new Int32Array(total * PIXELS);
  const y = new Int32Array(total);
  let at = 0;
  batches.forEach((batch, i) => {
    decodeInto(batch.bytes, format, x, y, at);
    checkLabels(y.subarray(at, at + counts[i]), format.classes, batch.source);
    at += counts[i];
  });
  return [tensor(x, [total, 32, 32, 3], 'int32'), tensor(y, [total, 1], 'int32')];
}

type CifarLocation = { kind: 'folder'; paths: Record<string, string> } | { kind: 'archive'; path: string };

/** Looks in one folder for the extracted member files (in `folder/` or the folder itself), then the archive. */
async function probe(ds: CifarDataset, members: readonly string[], dir: string, verify: boolean, options: DatasetOptions): Promise<CifarLocation | undefined> {
  const paths = findDatasetFiles(members, [join(dir, ds.folder), dir]);
  if (paths !== undefined) return { kind: 'folder', paths };
  const archive = join(dir, ds.archive.name);
  if (!existsSync(archive)) return undefined;
  if (verify && !(await checkFileHashes(archive, hashesFor(ds.archive, options))).ok) return undefined;
  return { kind: 'archive', path: archive };
}

/** Finds the data: the cache folder (checksum verified), then local folders, then a download of the archive. */
async function locate(ds: CifarDataset, splits: readonly Split[], options: DatasetOptions): Promise<CifarLocation> {
  const members = splits.flatMap((s) => ds.members[s]);
  const plan = searchPlan(ds.source, options);
  const cached = await probe(ds, members, plan.cache, true, options);
  if (cached !== undefined) return cached;
  for (const dir of plan.dirs) {
    const found = await probe(ds, members, dir, false, options);
    if (found !== undefined) return found;
  }
  const what = splits.length > 1 ? 'the train and test splits' : `the '${splits[0]}' split`;
  const alternative = ` (or its extracted folder ${ds.folder}/)`;
  if (options.download === false) throw unavailable(ds.source, what, [ds.archive.name], plan, undefined, alternative);
  const origin = baseUrlFor(ds.source, options) + ds.archive.name;
  const common = { cacheDir: datasetsDir(options.cacheDir), cacheSubdir: ds.source.subdir, verbose: options.verbose, timeoutMs: options.timeoutMs };
  try {
    return { kind: 'archive', path: await getFile(ds.archive.name, origin, { ...common, ...hashesFor(ds.archive, options) }) };
  } catch (e) {
    throw unavailable(ds.source, what, [ds.archive.name], plan, e, alternative);
  }
}

/** Reads the member files, in the order asked, from the folder or from the archive in memory. */
async function readMembers(ds: CifarDataset, location: CifarLocation, members: readonly string[]): Promise<CifarBatch[]> {
  if (location.kind === 'folder') {
    const paths = location.paths;
    return Promise.all(members.map(async (m) => ({ bytes: await readFile(paths[m]), source: paths[m] })));
  }
  const path = location.path;
  const tarBytes = await maybeGunzip(await readFile(path), path);
  const wanted = new Set(members.map((m) => `${ds.folder}/${m}`));
  const files = extractTar(tarBytes, path, (name) => wanted.has(name));
  const missing = [...wanted].filter((name) => !files.has(name));
  if (missing.length > 0) {
    throw new Error(`${path}: the archive lacks ${missing.join(', ')} (is it the binary version of ${ds.source.name}, ${ds.archive.name}?)`);
  }
  return members.map((m) => ({ bytes: files.get(`${ds.folder}/${m}`) ?? new Uint8Array(0), source: `${path}:${ds.folder}/${m}` }));
}

async function load(ds: CifarDataset, splits: readonly Split[], options: DatasetOptions, format: CifarFormat): Promise<XY[]> {
  const location = await locate(ds, splits, options);
  const batches = await readMembers(ds, location, splits.flatMap((s) => ds.members[s]));
  let at = 0;
  return splits.map((s) => {
    const count = ds.members[s].length;
    at += count;
    return parseCifarBatches(batches.slice(at - count, at), format);
  });
}

function cifar100Format(options: Cifar100Options, where: string): CifarFormat {
  const mode = options.labelMode ?? 'fine';
  if (mode !== 'fine' && mode !== 'coarse') throw new TypeError(`${where}: options.labelMode must be 'fine' or 'coarse'; got ${JSON.stringify(mode)}`);
  return mode === 'fine' ? { labelBytes: 2, labelIndex: 1, classes: 100 } : { labelBytes: 2, labelIndex: 0, classes: 20 };
}

function cifarLoader<O extends DatasetOptions>(ds: CifarDataset, formatOf: (options: Cifar100Options, where: string) => CifarFormat, extraKeys: readonly string[]): DatasetLoader<O> {
  const prepare = (options: Cifar100Options, method: string): CifarFormat => {
    const where = `datasets.${ds.source.name}.${method}`;
    checkOptions(options, where, extraKeys);
    return formatOf(options, where);
  };
  const loadSplit = async (split: Split, options?: O): Promise<XY> => {
    checkSplit(split, `datasets.${ds.source.name}.loadSplit`);
    const opts: Cifar100Options = options ?? {};
    const [xy] = await load(ds, [split], opts, prepare(opts, 'loadSplit'));
    return xy;
  };
  const loadData = async (options?: O): Promise<[XY, XY]> => {
    const opts: Cifar100Options = options ?? {};
    const [train, test] = await load(ds, ['train', 'test'], opts, prepare(opts, 'loadData'));
    return [train, test];
  };
  return Object.freeze({ name: ds.source.name, loadData, loadSplit });
}

/**
 * CIFAR-10 (Keras' `datasets.cifar10`): x [50000, 32, 32, 3] / [10000, 32, 32, 3] int32
 * pixels 0..255 (NHWC), y [50000, 1] / [10000, 1] int32 labels 0..9.
 *
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await datasets.cifar10.loadData();
 */
export const cifar10: DatasetLoader = cifarLoader<DatasetOptions>(CIFAR10, () => ({ labelBytes: 1, labelIndex: 0, classes: 10 }), []);

/**
 * CIFAR-100 (Keras' `datasets.cifar100`): the shapes of CIFAR-10; y holds the fine labels
 * 0..99 (default) or, with `labelMode: 'coarse'`, the super-class labels 0..19.
 *
 * @example const [xTest, yTest] = await datasets.cifar100.loadSplit('test', { labelMode: 'coarse' });
 */
export const cifar100: DatasetLoader<Cifar100Options> = cifarLoader<Cifar100Options>(CIFAR100, cifar100Format, ['labelMode']);
