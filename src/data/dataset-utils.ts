/**
 * Keras' dataset utilities, giving `nt.data.Dataset`s with Keras' arguments and defaults
 * (keras/src/utils/{image,text,timeseries,audio}_dataset_utils.py):
 *  - timeseriesDatasetFromArray: sliding windows over an array (and their targets);
 *  - imageDatasetFromDirectory: images in one folder per class (labels inferred), decoded
 *    and resized, float32 0–255;
 *  - textDatasetFromDirectory: .txt files in one folder per class, as strings.
 *  - audioDatasetFromDirectory: .wav files in one folder per class, decoded (./audio.ts) to
 *    float32 [samples, channels] and padded per batch (or cropped/padded to a fixed length).
 * With `shuffle` the file order is shuffled once with `seed` (before a validation split, so
 * the two subsets never overlap) and the batches of each pass are shuffled locally (a buffer
 * of 8 batches), as Keras does; the permutations are Neurite's (seeded), not NumPy's.
 */
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import { Rng } from '../tensor/rng.js';
import { noGrad } from '../autograd/tape.js';
import { gather, reshape, slice } from '../ops/index.js';
import { Dataset, type Element } from './dataset.js';
import { IMAGE_EXTENSIONS, listClassDirs, listImages } from './image/directory-iterator.js';
import { loadImg, type ColorMode, type Interpolation } from './image/io.js';
import { decodeWav, resampleAudio, type DecodedWav } from './audio.js';

function shuffled<T>(items: T[], seed: number): T[] {
  const rng = new Rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---- timeseries ----------------------------------------------------------------------------

export interface TimeseriesArgs {
  /** Steps per window. */
  readonly sequenceLength: number;
  /** Steps between the starts of consecutive windows (default 1). */
  readonly sequenceStride?: number;
  /** Steps between the samples inside a window (default 1). */
  readonly samplingRate?: number;
  /** Windows per batch (default 128); null: one window per element. */
  readonly batchSize?: number | null;
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Data before this index is not used (default 0). */
  readonly startIndex?: number;
  /** Data from this index on is not used (default the length). */
  readonly endIndex?: number;
}

/**
 * Keras' timeseries_dataset_from_array: window p is data[s + p + k·samplingRate] for k <
 * sequenceLength (s = startIndex), p stepping by sequenceStride; its target is
 * targets[s + p] (targets[i] belongs to the window that starts at i).
 */
export function timeseriesDatasetFromArray(data: Tensor, targets: Tensor | null, args: TimeseriesArgs): Dataset<Element> {
  const where = 'timeseriesDatasetFromArray';
  const { sequenceLength } = args;
  const stride = args.sequenceStride ?? 1;
  const rate = args.samplingRate ?? 1;
  for (const [name, v] of [['sequenceLength', sequenceLength], ['sequenceStride', stride], ['samplingRate', rate]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${where}: ${name} must be a positive integer; got ${v}`);
  }
  if (data.rank === 0) throw new RangeError(`${where}: data needs a time axis`);
  const n = data.shape[0];
  const start = args.startIndex ?? 0;
  const end = args.endIndex ?? n;
  if (!Number.isInteger(start) || start < 0 || start >= n) throw new RangeError(`${where}: startIndex must be in [0, ${n}); got ${start}`);
  if (!Number.isInteger(end) || end <= start || end > n) throw new RangeError(`${where}: endIndex must be in (${start}, ${n}]; got ${end}`);
  if (targets !== null && targets.shape[0] !== n) throw new RangeError(`${where}: data has ${n} steps but targets has ${targets.shape[0]}`);
  let count = end - start - (sequenceLength - 1) * rate;
  if (targets !== null) count = Math.min(count, targets.shape[0]);
  if (count <= 0) throw new RangeError(`${where}: no window of ${sequenceLength} steps (sampling rate ${rate}) fits in steps ${start}..${end}`);
  let starts = Array.from({ length: Math.ceil(count / stride) }, (_, i) => i * stride);
  const seed = args.seed ?? Math.floor(Math.random() * 1e6);
  if (args.shuffle) starts = shuffled(starts, seed);
  const windows = Dataset.from(starts).map((p): Element => {
    const idx = Array.from({ length: sequenceLength }, (_, k) => start + p + k * rate);
    const x = noGrad(() => gather(data, idx, 0));
    if (targets === null) return x;
    const y = noGrad(() => reshape(slice(targets, [start + p, ...targets.shape.slice(1).map(() => 0)], [1, ...targets.shape.slice(1)]), targets.shape.slice(1)));
    return [x, y];
  });
  const batch = args.batchSize === undefined ? 128 : args.batchSize;
  if (batch === null) return args.shuffle ? windows.shuffle(1024, { seed }) : windows;
  const local = args.shuffle ? windows.shuffle(batch * 8, { seed }) : windows;
  return local.batch(batch) as unknown as Dataset<Element>;
}

// ---- from directories ----------------------------------------------------------------------

export interface DirectoryDatasetArgs {
  /** 'inferred' (one folder per class, default), a label per file in sorted order, or null (no labels). */
  readonly labels?: 'inferred' | readonly number[] | null;
  /** 'int' (default), 'categorical' (one-hot), 'binary' (two classes, [B, 1] float) or null. */
  readonly labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** The class folders to use, in label order (default: every folder, sorted). */
  readonly classNames?: readonly string[];
  /** Samples per batch (default 32); null: one per element. */
  readonly batchSize?: number | null;
  /** Shuffle the files (once, with seed) and each pass's batches locally (default true). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Fraction kept out for validation (the last files after the shuffle). */
  readonly validationSplit?: number;
  /** With validationSplit: 'training', 'validation' or 'both' ([training, validation]). */
  readonly subset?: 'training' | 'validation' | 'both';
  readonly followLinks?: boolean;
}

export interface ImageDatasetArgs extends DirectoryDatasetArgs {
  readonly colorMode?: ColorMode;
  /** [height, width] every image is resized to (default [256, 256]). */
  readonly imageSize?: readonly [number, number];
  /** Default 'bilinear', as Keras. */
  readonly interpolation?: Interpolation;
  /** Crop the centre to the target aspect ratio before resizing (no distortion). */
  readonly cropToAspectRatio?: boolean;
}

interface Indexed {
  readonly files: string[];
  readonly labels: number[] | null;
  readonly classNames: string[];
}

/** Keras' index_directory: files and labels (inferred from folders or given), shuffled once, split. */
function indexDirectory(directory: string, args: DirectoryDatasetArgs, extensions: readonly string[] | null, where: string): Indexed[] {
  const labelsArg = args.labels === undefined ? 'inferred' : args.labels;
  const classes = labelsArg === 'inferred' ? (args.classNames ? [...args.classNames] : listClassDirs(directory)) : [];
  if (labelsArg === 'inferred' && classes.length === 0) throw new RangeError(`${where}: no class folders in ${directory} (labels 'inferred' needs one folder per class)`);
  let files: string[] = [];
  let labels: number[] = [];
  const list = (dir: string): string[] => listImages(directory, dir, args.followLinks ?? false, extensions ?? IMAGE_EXTENSIONS);
  if (labelsArg === 'inferred') {
    classes.forEach((c, k) => {
      const found = list(join(directory, c));
      files.push(...found);
      labels.push(...found.map(() => k));
    });
  } else {
    files = list(directory);
    if (labelsArg !== null) {
      if (labelsArg.length !== files.length) throw new RangeError(`${where}: ${labelsArg.length} labels were given for ${files.length} files in ${directory}`);
      labels = [...labelsArg];
    }
  }
  if (files.length === 0) throw new RangeError(`${where}: no files found in ${directory}`);
  const shuffle = args.shuffle ?? true;
  const split = args.validationSplit;
  if (split !== undefined && !(split > 0 && split < 1)) throw new RangeError(`${where}: validationSplit must be in (0, 1); got ${split}`);
  if (split !== undefined && args.subset === undefined) throw new TypeError(`${where}: with validationSplit, give subset ('training', 'validation' or 'both')`);
  if (split !== undefined && shuffle && args.seed === undefined) throw new TypeError(`${where}: with validationSplit and shuffle, give a seed (so that the two subsets do not overlap)`);
  if (split === undefined && args.subset !== undefined) throw new TypeError(`${where}: subset needs validationSplit`);
  const withLabels = labelsArg !== null;
  let order = files.map((_, i) => i);
  if (shuffle) order = shuffled(order, args.seed ?? Math.floor(Math.random() * 1e6));
  const pick = (idx: number[]): Indexed => ({ files: idx.map((i) => files[i]), labels: withLabels ? idx.map((i) => labels[i]) : null, classNames: classes });
  if (split === undefined) return [pick(order)];
  const nVal = Math.floor(split * order.length);
  const train = pick(order.slice(0, order.length - nVal));
  const val = pick(order.slice(order.length - nVal));
  return args.subset === 'training' ? [train] : args.subset === 'validation' ? [val] : [train, val];
}

function labelTensor(label: number, mode: DirectoryDatasetArgs['labelMode'], classes: number, where: string): Tensor {
  if (mode === 'categorical') return tensor(Array.from({ length: classes }, (_, k) => (k === label ? 1 : 0)), [classes]);
  if (mode === 'binary') {
    if (classes !== 2) throw new RangeError(`${where}: labelMode 'binary' needs exactly 2 classes; found ${classes}`);
    return tensor([label], [1]);
  }
  return tensor(label, [], 'int32');
}

function finish(ds: Dataset<Element>, args: DirectoryDatasetArgs, seed: number): Dataset<Element> {
  const batch = args.batchSize === undefined ? 32 : args.batchSize;
  const shuffle = args.shuffle ?? true;
  if (batch === null) return shuffle ? ds.shuffle(1024, { seed }) : ds;
  return (shuffle ? ds.shuffle(batch * 8, { seed }) : ds).batch(batch).prefetch(2) as unknown as Dataset<Element>;
}

/**
 * Keras' image_dataset_from_directory: `directory/<class>/**.png|jpg|…` → a Dataset of
 * [images [B, h, w, channels] float32 0–255, labels] batches (labels as labelMode says;
 * images alone with labelMode null). With validationSplit and subset 'both', a pair of
 * Datasets. `classNames` of the result lists the classes in label order.
 */
export function imageDatasetFromDirectory(directory: string, args: ImageDatasetArgs = {}): Dataset<Element> & { classNames: string[] } {
  const parts = imageDatasets(directory, args);
  if (parts.length !== 1) throw new TypeError("imageDatasetFromDirectory: subset 'both' gives two datasets; call imageDatasetsFromDirectory (or pass subset 'training' / 'validation')");
  return parts[0];
}

/** imageDatasetFromDirectory with subset 'both': [training, validation]. */
export function imageDatasetsFromDirectory(directory: string, args: ImageDatasetArgs & { readonly subset: 'both' }): [Dataset<Element> & { classNames: string[] }, Dataset<Element> & { classNames: string[] }] {
  const parts = imageDatasets(directory, args);
  return [parts[0], parts[1]];
}

function imageDatasets(directory: string, args: ImageDatasetArgs): (Dataset<Element> & { classNames: string[] })[] {
  const where = 'imageDatasetFromDirectory';
  const size = args.imageSize ?? [256, 256];
  const mode = args.labelMode === undefined ? 'int' : args.labelMode;
  const seed = args.seed ?? Math.floor(Math.random() * 1e6);
  return indexDirectory(directory, args, null, where).map((part) => {
    const classes = part.classNames.length;
    if (mode === 'binary' && classes !== 2) throw new RangeError(`${where}: labelMode 'binary' needs exactly 2 classes; found ${classes}`);
    const items = part.files.map((f, i) => ({ file: f, label: part.labels?.[i] ?? null }));
    const ds = Dataset.from(items).map(
      async ({ file, label }): Promise<Element> => {
        const img = await loadImg(join(directory, file), { targetSize: size, colorMode: args.colorMode ?? 'rgb', interpolation: args.interpolation ?? 'bilinear', keepAspectRatio: args.cropToAspectRatio ?? false });
        return label === null || mode === null ? img : [img, labelTensor(label, mode, classes, where)];
      },
      { numParallelCalls: 4 },
    );
    return Object.assign(finish(ds, args, seed), { classNames: part.classNames });
  });
}

/** Keras' text_dataset_from_directory: `directory/<class>/*.txt` → [texts (strings), labels] batches. */
export function textDatasetFromDirectory(directory: string, args: DirectoryDatasetArgs & { readonly maxLength?: number } = {}): Dataset<Element> & { classNames: string[] } {
  const where = 'textDatasetFromDirectory';
  const mode = args.labelMode === undefined ? 'int' : args.labelMode;
  const seed = args.seed ?? Math.floor(Math.random() * 1e6);
  const parts = indexDirectory(directory, args, ['txt'], where);
  if (parts.length !== 1) throw new TypeError("textDatasetFromDirectory: pass subset 'training' or 'validation'");
  const part = parts[0];
  if (mode === 'binary' && part.classNames.length !== 2) throw new RangeError(`${where}: labelMode 'binary' needs exactly 2 classes; found ${part.classNames.length}`);
  const items = part.files.map((f, i) => ({ file: f, label: part.labels?.[i] ?? null }));
  const ds = Dataset.from(items).map(async ({ file, label }): Promise<Element> => {
    const { readFile } = await import('node:fs/promises');
    let text = await readFile(join(directory, file), 'utf8');
    if (args.maxLength !== undefined) text = text.slice(0, args.maxLength);
    return label === null || mode === null ? text : [text, labelTensor(label, mode, part.classNames.length, where)];
  });
  return Object.assign(finish(ds, args, seed), { classNames: part.classNames });
}

// ---- audio ---------------------------------------------------------------------------------

export interface AudioDatasetArgs extends DirectoryDatasetArgs {
  /** The sample rate (Hz, a positive integer) clips come at: a file at another rate is resampled (resampleAudio). */
  readonly samplingRate?: number;
  /** Clips are cropped or zero-padded to this many samples; unset: each batch is padded to its longest clip. */
  readonly outputSequenceLength?: number;
  /** Keras' ragged batches; refused (Neurite has no ragged tensors). */
  readonly ragged?: boolean;
}

type AudioDataset = Dataset<Element> & { classNames: string[] | null };

/**
 * Keras' audio_dataset_from_directory: `directory/<class>/**.wav` → a Dataset of [audio
 * [B, samples, channels] float32 in [-1, 1), labels] batches (audio alone when labels or
 * labelMode is null). Without outputSequenceLength each batch is zero-padded at the end to
 * its longest clip (Keras' padded_batch); with it every clip is cropped or padded to that
 * length. With validationSplit and subset 'both', [training, validation] (the validation
 * set is not shuffled, as in Keras). `classNames` lists the classes in label order.
 */
export function audioDatasetFromDirectory(directory: string, args: AudioDatasetArgs & { readonly subset: 'both' }): [AudioDataset, AudioDataset];
export function audioDatasetFromDirectory(directory: string, args?: AudioDatasetArgs & { readonly subset?: 'training' | 'validation' }): AudioDataset;
export function audioDatasetFromDirectory(directory: string, args?: AudioDatasetArgs): AudioDataset | [AudioDataset, AudioDataset];
export function audioDatasetFromDirectory(directory: string, args: AudioDatasetArgs = {}): AudioDataset | [AudioDataset, AudioDataset] {
  const where = 'audioDatasetFromDirectory';
  const { samplingRate: rate, outputSequenceLength: length } = args;
  const labelsArg = args.labels === undefined ? 'inferred' : args.labels;
  let mode = args.labelMode === undefined ? 'int' : args.labelMode;
  if (mode !== null && !['int', 'categorical', 'binary'].includes(mode)) throw new RangeError(`${where}: labelMode must be 'int', 'categorical', 'binary' or null; got ${String(mode)}`);
  if (labelsArg !== 'inferred' && labelsArg !== null && !Array.isArray(labelsArg)) throw new TypeError(`${where}: labels must be 'inferred', null or an array of integer labels (one per file, in sorted path order); got ${String(labelsArg)}`);
  if ((labelsArg !== 'inferred' || args.labelMode === null) && args.classNames !== undefined) throw new TypeError(`${where}: classNames can only be given with labels 'inferred' and a labelMode (not null)`);
  if (args.ragged && length !== undefined) throw new TypeError(`${where}: cannot set both ragged and outputSequenceLength`);
  if (args.ragged) throw new TypeError(`${where}: ragged: true is not supported (Neurite has no ragged tensors); leave outputSequenceLength unset to pad each batch to its longest clip`);
  if (rate !== undefined && !(Number.isInteger(rate) && rate > 0)) throw new RangeError(`${where}: samplingRate must be a positive integer; got ${rate}`);
  if (length !== undefined && !(Number.isInteger(length) && length > 0)) throw new RangeError(`${where}: outputSequenceLength must be a positive integer; got ${length}`);
  const batch = args.batchSize === undefined ? 32 : args.batchSize;
  if (batch !== null && !(Number.isInteger(batch) && batch > 0)) throw new RangeError(`${where}: batchSize must be a positive integer or null; got ${batch}`);
  if (labelsArg === 'inferred' && args.classNames !== undefined) {
    const found = listClassDirs(directory);
    const missing = args.classNames.filter((c) => !found.includes(c));
    if (missing.length > 0) throw new RangeError(`${where}: classNames ${JSON.stringify(missing)} are not folders of ${directory} (found ${JSON.stringify(found)})`);
  }
  if (labelsArg === null) mode = null;
  const seed = args.seed ?? Math.floor(Math.random() * 1e6);
  const parts = indexDirectory(directory, { ...args, labels: mode === null ? null : labelsArg }, ['wav'], where);
  // Keras: given labels name the classes sorted(set(labels)).
  const classNames = mode === null ? null : Array.isArray(labelsArg) ? [...new Set(labelsArg as readonly number[])].sort((a, b) => a - b).map(String) : parts[0].classNames;
  const classes = classNames?.length ?? 0;
  if (mode === 'binary' && classes !== 2) throw new RangeError(`${where}: labelMode 'binary' needs exactly 2 classes; found ${classes}`);
  const shuffle = args.shuffle ?? true;
  const names = ['training', 'validation'];
  const datasets = parts.map((part, p) => {
    const which = args.subset === 'both' ? `${names[p]} ` : args.subset !== undefined ? `${args.subset} ` : '';
    if (part.files.length === 0) throw new RangeError(`${where}: no ${which}audio files (.wav) found in ${directory}`);
    const items = part.files.map((file, i) => ({ file, label: part.labels?.[i] ?? null }));
    let ds = Dataset.from(items);
    if (shuffle && !(args.subset === 'both' && p === 1)) ds = ds.shuffle(batch === null ? 1024 : batch * 8, { seed });
    const decoded = ds.map(
      async ({ file, label }): Promise<Element> => {
        const audio = await readAudio(directory, file, rate, length, where);
        return label === null || mode === null ? audio : [audio, labelTensor(label, mode, classes, where)];
      },
      { numParallelCalls: 4 },
    );
    const out = batch === null ? decoded : ((length === undefined ? decoded.paddedBatch(batch) : decoded.batch(batch)).prefetch(2) as unknown as Dataset<Element>);
    return Object.assign(out, { classNames });
  });
  return args.subset === 'both' ? [datasets[0], datasets[1]] : datasets[0];
}

/** One clip as [samples, channels] float32, resampled to samplingRate and cropped/padded to length. */
async function readAudio(directory: string, file: string, rate: number | undefined, length: number | undefined, where: string): Promise<Tensor> {
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(join(directory, file));
  let wav: DecodedWav;
  try {
    wav = decodeWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new RangeError(`${where}: ${file}: ${(e as Error).message}`);
  }
  // A file at another rate is resampled to samplingRate (Keras: tfio.audio.resample).
  const resampled = rate !== undefined && wav.sampleRate !== rate ? resampleAudio(wav.samples, wav.channels, wav.sampleRate, rate) : wav.samples;
  const have = resampled.length / wav.channels;
  const frames = length ?? have;
  let samples = resampled;
  if (frames !== have) {
    samples = new Float32Array(frames * wav.channels); // zeros past the end of a shorter clip
    samples.set(resampled.subarray(0, Math.min(frames, have) * wav.channels));
  }
  return tensor(samples, [frames, wav.channels]);
}
