/**
 * MNIST and Fashion-MNIST (Keras' `datasets.mnist` / `datasets.fashion_mnist`): four gzipped
 * IDX files each; x is [n, 28, 28], y is [n], both int32 (Keras' uint8 values 0..255 and
 * labels 0..9, widened because Neurite tensors are float32 or int32).
 *
 * Checksums: `md5` is the published md5 of each .gz file as distributed (MNIST: the files
 * of the original site, also served by the cvdf mirror; Fashion-MNIST: the files of the
 * zalandoresearch repository, which Keras mirrors); `contentMd5` is the md5 of the
 * uncompressed IDX file. The content md5s were computed here from real files (Debian's
 * dataset-fashion-mnist; the MNIST test files of the shared data folder) and agree with
 * published lists; the MNIST training content md5s come from published lists only.
 */
import { tensor } from '../../tensor/index.js';
import { checkFileHashes, datasetsDir, findDatasetFiles, getFile } from './files.js';
import { readIdxFile, type IdxArray } from './idx.js';
import {
  baseUrlFor,
  checkLabels,
  checkOptions,
  checkSplit,
  hashesFor,
  searchPlan,
  toInt32,
  unavailable,
  type DatasetFile,
  type DatasetLoader,
  type DatasetOptions,
  type DatasetSource,
  type Split,
  type XY,
} from './resolve.js';

interface IdxSplit {
  readonly images: DatasetFile;
  readonly labels: DatasetFile;
}

interface IdxDataset {
  readonly source: DatasetSource;
  readonly splits: Readonly<Record<Split, IdxSplit>>;
}

const MNIST: IdxDataset = {
  source: { name: 'mnist', subdir: 'mnist', baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist/', knownDirs: [] },
  splits: {
    train: {
      images: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', contentMd5: '6bbc9ace898e44ae57da46a324031adb' },
      labels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', contentMd5: 'a25bea736e30d166cdddb491f175f624' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', contentMd5: '2646ac647ad5339dbf082846283269ea' },
      labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', contentMd5: '27ae3e4e09519cfbb04c329615203637' },
    },
  },
};

const FASHION_MNIST: IdxDataset = {
  source: {
    name: 'fashionMnist',
    subdir: 'fashion-mnist',
    baseUrl: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
    knownDirs: ['/usr/share/datasets/fashion-mnist'],
  },
  splits: {
    train: {
      images: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', contentMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a' },
      labels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe', contentMd5: '9018921c3c673c538a1fc5bad174d6f9' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79', contentMd5: '8181f5470baa50b63fa0f6fddb340f0a' },
      labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310', contentMd5: '15d484375f8d13e6eb1aabb0c3f46965' },
    },
  },
};

/** The gzipped name first, then the uncompressed one (files placed by hand may be either). */
function namesOf(file: DatasetFile): string[] {
  return [file.name, file.name.replace(/\.gz$/, '')];
}

async function allValid(files: readonly DatasetFile[], paths: Record<string, string>, options: DatasetOptions): Promise<boolean> {
  for (const f of files) {
    if (!(await checkFileHashes(paths[f.name], hashesFor(f, options))).ok) return false;
  }
  return true;
}

async function download(ds: IdxDataset, files: readonly DatasetFile[], options: DatasetOptions): Promise<string[]> {
  const base = baseUrlFor(ds.source, options);
  const paths: string[] = [];
  for (const f of files) {
    const common = { cacheDir: datasetsDir(options.cacheDir), cacheSubdir: ds.source.subdir, verbose: options.verbose, timeoutMs: options.timeoutMs };
    paths.push(await getFile(f.name, base + f.name, { ...common, ...hashesFor(f, options) }));
  }
  return paths;
}

/** Finds (or downloads) the [images, labels] files of a split: cache, then local folders, then the network. */
async function locateSplit(ds: IdxDataset, split: Split, options: DatasetOptions): Promise<string[]> {
  const files = [ds.splits[split].images, ds.splits[split].labels];
  const wanted = files.map(namesOf);
  const plan = searchPlan(ds.source, options);
  const cached = findDatasetFiles(wanted, [plan.cache]);
  if (cached !== undefined && (await allValid(files, cached, options))) return files.map((f) => cached[f.name]);
  const local = findDatasetFiles(wanted, plan.dirs);
  if (local !== undefined) return files.map((f) => local[f.name]);
  const names = files.map((f) => f.name);
  if (options.download === false) throw unavailable(ds.source, `the '${split}' split`, names, plan);
  try {
    return await download(ds, files, options);
  } catch (e) {
    throw unavailable(ds.source, `the '${split}' split`, names, plan, e);
  }
}

function checkImages(images: IdxArray, path: string): Uint8Array {
  const s = images.shape;
  if (!(images.data instanceof Uint8Array) || s.length !== 3 || s[1] !== 28 || s[2] !== 28) {
    throw new Error(`${path}: expected uint8 images of shape [n, 28, 28]; the file holds ${images.data.constructor.name} of shape [${s.join(', ')}]`);
  }
  return images.data;
}

function checkLabelFile(labels: IdxArray, count: number, path: string): Uint8Array {
  const s = labels.shape;
  if (!(labels.data instanceof Uint8Array) || s.length !== 1) {
    throw new Error(`${path}: expected uint8 labels of shape [n]; the file holds ${labels.data.constructor.name} of shape [${s.join(', ')}]`);
  }
  if (s[0] !== count) throw new Error(`${path}: ${s[0]} labels for ${count} images`);
  checkLabels(labels.data, 10, path);
  return labels.data;
}

async function readSplit(imagesPath: string, labelsPath: string): Promise<XY> {
  const images = await readIdxFile(imagesPath);
  const pixels = checkImages(images, imagesPath);
  const labels = checkLabelFile(await readIdxFile(labelsPath), images.shape[0], labelsPath);
  return [tensor(toInt32(pixels), images.shape, 'int32'), tensor(toInt32(labels), [labels.length], 'int32')];
}

function idxLoader(ds: IdxDataset): DatasetLoader {
  const loadSplit = async (split: Split, options: DatasetOptions = {}): Promise<XY> => {
    const where = `datasets.${ds.source.name}.loadSplit`;
    checkSplit(split, where);
    checkOptions(options, where);
    const [images, labels] = await locateSplit(ds, split, options);
    return readSplit(images, labels);
  };
  const loadData = async (options: DatasetOptions = {}): Promise<[XY, XY]> => {
    checkOptions(options, `datasets.${ds.source.name}.loadData`);
    return [await loadSplit('train', options), await loadSplit('test', options)];
  };
  return Object.freeze({ name: ds.source.name, loadData, loadSplit });
}

/**
 * MNIST handwritten digits (Keras' `datasets.mnist`): x [60000, 28, 28] / [10000, 28, 28]
 * int32 pixels 0..255, y [60000] / [10000] int32 labels 0..9.
 *
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await datasets.mnist.loadData();
 */
export const mnist: DatasetLoader = idxLoader(MNIST);

/**
 * Fashion-MNIST (Keras' `datasets.fashion_mnist`), same shapes as MNIST. Also found in
 * /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), used in place.
 *
 * @example const [xTest, yTest] = await datasets.fashionMnist.loadSplit('test');
 */
export const fashionMnist: DatasetLoader = idxLoader(FASHION_MNIST);
