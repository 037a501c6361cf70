/**
 * Data for the CLI's train, evaluate and predict: the named data sets of `nt.datasets`, .npy
 * arrays and image files, shaped to a model's input (cast to float32, rescaled, reshaped when
 * the per-sample size matches) and labels shaped to its loss (one-hot for categorical losses).
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { loadNpy } from '../io/npy.js';
import { InputInvalidError, InputMissingError, requireReadable } from './errors.js';
import { loadNeurite, messageOf } from './util.js';

/** The data set names the CLI accepts, mapped to their `nt.datasets` loader. */
export const DATASET_NAMES = {
  mnist: 'mnist',
  fashion_mnist: 'fashionMnist',
  'fashion-mnist': 'fashionMnist',
  fashionmnist: 'fashionMnist',
  cifar10: 'cifar10',
  cifar100: 'cifar100',
} as const;

/** Keras' class names of the data sets whose classes have names. */
export const CLASS_NAMES: Readonly<Record<string, readonly string[]>> = {
  fashionMnist: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  cifar10: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
};

/** The image file extensions `predict` and folder data read. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp', '.tif', '.tiff'];

type DatasetKey = (typeof DATASET_NAMES)[keyof typeof DATASET_NAMES];

/** The loader key for a data set name (case-insensitive), or null when it is not one. */
export function datasetKey(name: string): DatasetKey | null {
  return (DATASET_NAMES as Record<string, DatasetKey>)[name.toLowerCase()] ?? null;
}

/** Inputs and (optional) labels. */
export interface Arrays {
  readonly x: Tensor;
  readonly y: Tensor | null;
}

/** The first `n` rows of a tensor (all of them when n is undefined or larger). */
export async function firstRows(x: Tensor, n: number | undefined): Promise<Tensor> {
  if (n === undefined || n >= x.shape[0]) return x;
  const nt = await loadNeurite();
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
  return nt.tensor(x.dataSync().slice(0, n * per), [n, ...x.shape.slice(1)], x.dtype);
}

/**
 * One split of a named data set (pixels 0..255, integer labels), optionally its first `limit`
 * samples; exit code 3 when its files are neither on this machine nor downloadable.
 */
export async function loadDataset(name: string, split: 'train' | 'test', limit?: number): Promise<Arrays> {
  const key = datasetKey(name);
  if (key === null) throw new InputInvalidError(`unknown data set '${name}'; known: ${Object.keys(DATASET_NAMES).join(', ')}`);
  const nt = await loadNeurite();
  let x: Tensor;
  let y: Tensor;
  try {
    [x, y] = await nt.datasets[key].loadSplit(split);
  } catch (e) {
    if (e instanceof nt.DatasetUnavailableError) throw new InputMissingError(messageOf(e));
    throw e;
  }
  return { x: await firstRows(x, limit), y: await firstRows(y, limit) };
}

/** Reads x (and y) from .npy files; exit code 3 when one is missing, 4 when it is not a readable .npy. */
export async function loadNpyArrays(xPath: string, yPath: string | undefined, limit?: number): Promise<Arrays> {
  const read = async (path: string, what: string): Promise<Tensor> => {
    await requireReadable(path, what);
    try {
      return loadNpy(path);
    } catch (e) {
      throw new InputInvalidError(messageOf(e));
    }
  };
  const x = await read(xPath, 'input array');
  const y = yPath === undefined ? null : await read(yPath, 'label array');
  if (y !== null && y.shape[0] !== x.shape[0]) throw new InputInvalidError(`'${xPath}' has ${x.shape[0]} samples but '${yPath}' has ${y.shape[0]}`);
  return { x: await firstRows(x, limit), y: y === null ? null : await firstRows(y, limit) };
}

/**
 * Shapes `x` for the model's single input: cast to float32, multiplied by `rescale` (unless
 * 1), reshaped to [N, ...inputShape] when each sample has the same number of values.
 */
export async function toModelInput(x: Tensor, model: Model, rescale: number, source: string): Promise<Tensor> {
  const nt = await loadNeurite();
  if (model.inputs.length !== 1) throw new InputInvalidError(`model '${model.name}' has ${model.inputs.length} inputs; the CLI feeds one`);
  const want = model.inputs[0].shape.slice(1);
  let t = x.dtype === 'float32' ? x : nt.cast(x, 'float32');
  if (rescale !== 1) t = nt.mul(t, rescale);
  const n = t.shape[0];
  const have = t.shape.slice(1);
  const sameRank = have.length === want.length && want.every((d, i) => d === null || d === have[i]);
  if (sameRank) return t;
  const per = have.reduce((a, b) => a * b, 1);
  if (want.every((d) => d !== null) && (want as number[]).reduce((a, b) => a * b, 1) === per) return t.reshape([n, ...(want as number[])]);
  throw new InputInvalidError(`${source}: samples of shape [${have.join(', ')}] do not fit the model input [${want.map((d) => d ?? 'None').join(', ')}]`);
}

/** The identifier of a compiled loss (a string, or a Loss object's name); null when unknown. */
export function lossName(loss: unknown): string | null {
  if (typeof loss === 'string') return loss;
  if (typeof loss === 'object' && loss !== null && 'name' in loss && typeof (loss as { name: unknown }).name === 'string') return (loss as { name: string }).name;
  if (typeof loss === 'function' && loss.name) return loss.name;
  return null;
}

/**
 * Labels for the model's loss: integer labels are one-hot encoded for a categorical (not
 * sparse) loss when the model has one output with more than one unit; otherwise kept.
 */
export async function toModelLabels(y: Tensor, model: Model, loss: string | null): Promise<Tensor> {
  const nt = await loadNeurite();
  const units = model.outputs[0]?.shape.at(-1) ?? null;
  const isLabels = y.rank === 1 || (y.rank === 2 && y.shape[1] === 1);
  const categorical = loss !== null && /categorical|kl_?divergence|kld/i.test(loss) && !/sparse/i.test(loss);
  if (categorical && isLabels && units !== null && units > 1) return nt.toCategorical(y, units);
  return y.dtype === 'float32' ? y : nt.cast(y, 'float32');
}

/** The image files of a folder (not recursive), sorted by name. */
export async function imageFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase())).sort();
  return names.map((n) => join(dir, n));
}

/** Whether `path` is a folder. */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** How images are read for a model: colour mode from the channel count, size from the input shape. */
export interface ImageGeometry {
  readonly colorMode: 'grayscale' | 'rgb' | 'rgba';
  readonly targetSize: [number, number];
}

/**
 * The image geometry a model's input implies: [h, w, c] gives c channels (1 grayscale, 3 rgb,
 * 4 rgba) at h×w; [h, w] is grayscale; a flat input needs `size` (or is taken as a square).
 * `size` and `colorMode` override.
 */
export function imageGeometry(inputShape: readonly (number | null)[], size?: [number, number], colorMode?: ImageGeometry['colorMode']): ImageGeometry {
  const channels = inputShape.length === 3 ? inputShape[2] : 1;
  const mode = colorMode ?? (channels === 1 ? 'grayscale' : channels === 3 ? 'rgb' : channels === 4 ? 'rgba' : null);
  if (mode === null) throw new InputInvalidError(`the model input [${inputShape.join(', ')}] has ${channels} channels; images give 1, 3 or 4 (pass --color-mode)`);
  if (size !== undefined) return { colorMode: mode, targetSize: size };
  if (inputShape.length >= 2 && inputShape[0] !== null && inputShape[1] !== null) return { colorMode: mode, targetSize: [inputShape[0], inputShape[1]] };
  const flat = inputShape.length === 1 ? inputShape[0] : null;
  const channelCount = mode === 'grayscale' ? 1 : mode === 'rgb' ? 3 : 4;
  const side = flat === null ? NaN : Math.sqrt(flat / channelCount);
  if (Number.isInteger(side)) return { colorMode: mode, targetSize: [side, side] };
  throw new InputInvalidError(`cannot tell the image size from the model input [${inputShape.map((d) => d ?? 'None').join(', ')}]; pass --image-size HxW`);
}

/** Reads image files as one [N, h, w, c] float32 tensor of pixel values 0..255. */
export async function loadImages(files: readonly string[], geometry: ImageGeometry): Promise<Tensor> {
  const nt = await loadNeurite();
  const images: Tensor[] = [];
  for (const f of files) {
    await requireReadable(f, 'image');
    try {
      images.push(await nt.loadImg(f, { colorMode: geometry.colorMode, targetSize: geometry.targetSize, interpolation: 'bilinear' }));
    } catch (e) {
      throw new InputInvalidError(`cannot read the image '${f}': ${messageOf(e)}`);
    }
  }
  return nt.stack(images, 0);
}
