import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { oneHot } from '../ops/shape.js';
import { cast } from '../ops/elementwise.js';
import { checkValues } from '../ops/util.js';
import { Rng } from '../tensor/rng.js';

/**
 * Keras' to_categorical: integer class labels (any shape; a trailing axis of 1 is dropped,
 * as Keras does) → one-hot float32 with a new last axis of `numClasses` (default max + 1).
 */
export function toCategorical(y: Tensor | readonly number[], numClasses?: number): Tensor {
  let labels = y instanceof Tensor ? y : tensor(y as number[], undefined, 'float32');
  if (labels.rank > 1 && labels.shape[labels.rank - 1] === 1) labels = labels.reshape(labels.shape.slice(0, -1));
  const data = labels.storage.peek();
  if (data === null) {
    // Labels made on a GPU: their maximum cannot be read now, so numClasses must be given;
    // the values are checked when they have been read back (an error then surfaces at the
    // next read).
    if (numClasses === undefined) throw new RangeError('toCategorical: these labels live in GPU memory; pass numClasses (their maximum cannot be read synchronously)');
    if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`toCategorical: numClasses must be a positive integer; got ${numClasses}`);
    checkValues([labels], ([d]) => {
      for (let i = 0; i < d.length; i++) {
        const v = d[i];
        if (!Number.isInteger(v) || v < 0) return `toCategorical: labels must be non-negative integers; element ${i} is ${v}`;
        if (v >= numClasses) return `toCategorical: label ${v} does not fit numClasses ${numClasses} (labels of shape ${formatShape(labels.shape)})`;
      }
      return null;
    });
    return oneHot(labels.dtype === 'int32' ? labels : cast(labels, 'int32'), numClasses);
  }
  let max = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`toCategorical: labels must be non-negative integers; element ${i} is ${v}`);
    if (v > max) max = v;
  }
  const n = numClasses ?? max + 1;
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`toCategorical: numClasses must be a positive integer; got ${numClasses}`);
  if (max >= n) throw new RangeError(`toCategorical: label ${max} does not fit numClasses ${n} (labels of shape ${formatShape(labels.shape)})`);
  return oneHot(labels.dtype === 'int32' ? labels : cast(labels, 'int32'), n);
}

/** A permutation of 0..n-1 from a seeded Fisher–Yates shuffle (random seed when omitted). */
export function permutation(n: number, seed?: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer; got ${n}`);
  return shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), new Rng(seed ?? Math.floor(Math.random() * 2 ** 31)));
}

/** Fisher–Yates shuffle of `idx` in place, drawing from `rng`; returns `idx`. */
export function shuffleInPlace(idx: Int32Array, rng: Rng): Int32Array {
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

function checkSameLength(arrays: readonly Tensor[], where: string): number {
  if (arrays.length === 0) throw new RangeError(`${where}: give at least one array`);
  const n = arrays[0].shape[0];
  arrays.forEach((a, i) => {
    if (!(a instanceof Tensor) || a.rank === 0) throw new TypeError(`${where}: array ${i} must be a tensor with a sample axis`);
    if (a.shape[0] !== n) throw new RangeError(`${where}: array 0 has ${n} samples but array ${i} has ${a.shape[0]} (shape ${formatShape(a.shape)})`);
  });
  return n;
}

/** The rows of `t` at `idx`, in that order (a copy). */
export function pickRows(t: Tensor, idx: Int32Array): Tensor {
  const per = t.size / Math.max(t.shape[0], 1);
  const out = t.dtype === 'int32' ? new Int32Array(idx.length * per) : new Float32Array(idx.length * per);
  const src = t.dataSync();
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
  return tensor(out, [idx.length, ...t.shape.slice(1)], t.dtype);
}

/** Shuffles several arrays along their first axis with one seeded permutation (copies). */
export function shuffleArrays(arrays: readonly Tensor[], seed?: number): Tensor[] {
  const idx = permutation(checkSameLength(arrays, 'shuffleArrays'), seed);
  return arrays.map((a) => pickRows(a, idx));
}

export interface SplitArgs {
  /** Shuffle before splitting (default false for splitDataset, true for trainValTestSplit). */
  readonly shuffle?: boolean;
  readonly seed?: number;
}

function sizeOf(v: number | undefined, n: number, name: string, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (!(v > 0)) throw new RangeError(`${where}: ${name} must be a fraction in (0, 1) or a positive number of samples; got ${v}`);
  const k = v < 1 ? Math.floor(v * n) : v;
  if (!Number.isInteger(k) || k > n) throw new RangeError(`${where}: ${name} ${v} does not fit ${n} samples`);
  return k;
}

/**
 * Keras' split_dataset for arrays: splits every array at the same row into a left and a right
 * part. Sizes are fractions (0, 1) or sample counts; give one or both (default left 0.5).
 */
export function splitDataset(arrays: readonly Tensor[], args: SplitArgs & { leftSize?: number; rightSize?: number } = {}): [Tensor[], Tensor[]] {
  const where = 'splitDataset';
  const n = checkSameLength(arrays, where);
  const l = sizeOf(args.leftSize, n, 'leftSize', where);
  const r = sizeOf(args.rightSize, n, 'rightSize', where);
  const left = l ?? (r !== undefined ? n - r : Math.floor(n / 2));
  const right = r ?? n - left;
  if (left + right > n) throw new RangeError(`${where}: leftSize ${left} + rightSize ${right} exceed the ${n} samples`);
  const idx = args.shuffle ? permutation(n, args.seed) : Int32Array.from({ length: n }, (_, i) => i);
  const a = idx.subarray(0, left);
  const b = idx.subarray(left, left + right);
  return [arrays.map((t) => pickRows(t, a)), arrays.map((t) => pickRows(t, b))];
}

/**
 * Train/validation/test split of several aligned arrays (e.g. [x, y]) with one seeded
 * shuffle (on by default). Sizes are fractions (0, 1) or sample counts.
 */
export function trainValTestSplit(arrays: readonly Tensor[], args: SplitArgs & { validationSize?: number; testSize?: number } = {}): { train: Tensor[]; validation: Tensor[]; test: Tensor[] } {
  const where = 'trainValTestSplit';
  const n = checkSameLength(arrays, where);
  const nt = sizeOf(args.testSize, n, 'testSize', where) ?? 0;
  const nv = sizeOf(args.validationSize, n, 'validationSize', where) ?? 0;
  if (nt + nv >= n) throw new RangeError(`${where}: validation (${nv}) and test (${nt}) leave no training samples out of ${n}`);
  const idx = args.shuffle ?? true ? permutation(n, args.seed) : Int32Array.from({ length: n }, (_, i) => i);
  const ntr = n - nv - nt;
  const part = (s: number, e: number): Tensor[] => arrays.map((t) => pickRows(t, idx.subarray(s, e)));
  return { train: part(0, ntr), validation: part(ntr, ntr + nv), test: part(ntr + nv, n) };
}
