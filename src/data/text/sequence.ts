/** keras.utils.pad_sequences (keras.preprocessing.sequence.pad_sequences). */
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';

/** One sequence: token ids, or feature vectors of one common length. */
export type SequenceLike = ArrayLike<number> | readonly ArrayLike<number>[];

export interface PadSequencesArgs {
  /** The length of every output row (default: the longest sequence). */
  readonly maxlen?: number | null;
  /** 'int32' (default) or 'float32'; int32 truncates values toward zero, as numpy's cast. */
  readonly dtype?: 'int32' | 'float32';
  /** Where the padding goes: 'pre' (default) or 'post'. */
  readonly padding?: 'pre' | 'post';
  /** Which end of a longer sequence is cut: 'pre' (default, keep the last maxlen) or 'post'. */
  readonly truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  readonly value?: number;
}

function checkSide(v: unknown, name: string): 'pre' | 'post' {
  if (v !== 'pre' && v !== 'post') throw new RangeError(`padSequences: ${name} must be 'pre' or 'post'; got ${JSON.stringify(v)}`);
  return v;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function checkMaxlen(maxlen: number | null, sequences: readonly SequenceLike[]): number {
  if (maxlen === null) {
    if (sequences.length === 0) throw new RangeError('padSequences: give maxlen when there are no sequences (there is no longest one)');
    return sequences.reduce((m, s) => Math.max(m, s.length), 0);
  }
  if (!Number.isInteger(maxlen) || maxlen < 0) throw new RangeError(`padSequences: maxlen must be a non-negative integer or null; got ${maxlen}`);
  return maxlen;
}

/** The feature length of sequence elements: 0 for scalars, else the vectors' common length. */
function sampleWidth(sequences: readonly SequenceLike[]): number {
  for (const s of sequences) {
    if (s.length > 0) return isArrayLike(s[0]) ? (s[0] as ArrayLike<number>).length : 0;
  }
  return 0;
}

/** Writes one element (a number, or a vector of `width`) into `out` at `at`. */
function putElement(out: Float32Array | Int32Array, at: number, el: unknown, width: number, row: number, t: number): void {
  const cast = (v: unknown): number => {
    if (typeof v !== 'number') throw new TypeError(`padSequences: sequence ${row}, step ${t}: ${typeof v} is not a number`);
    return out instanceof Int32Array ? Math.trunc(v) : v;
  };
  if (width === 0) {
    if (isArrayLike(el)) throw new RangeError(`padSequences: sequence ${row}, step ${t} is a vector, but the first non-empty sequence holds numbers`);
    out[at] = cast(el);
    return;
  }
  if (!isArrayLike(el) || el.length !== width) {
    throw new RangeError(`padSequences: sequence ${row}, step ${t}: expected a vector of ${width} values (as the first non-empty sequence); got ${isArrayLike(el) ? `length ${el.length}` : typeof el}`);
  }
  for (let k = 0; k < width; k++) out[at + k] = cast(el[k]);
}

/**
 * Keras' pad_sequences: a list of sequences → a tensor [n, maxlen] (or [n, maxlen, f]
 * for sequences of f-vectors), cut and padded at the chosen ends.
 *
 *     padSequences([[1], [2, 3], [4, 5, 6]])               // [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
 *     padSequences([[1], [2, 3], [4, 5, 6]], { maxlen: 2 }) // [[0, 1], [2, 3], [5, 6]]
 */
export function padSequences(sequences: readonly SequenceLike[], args: PadSequencesArgs = {}): Tensor {
  if (!Array.isArray(sequences)) throw new TypeError('padSequences: sequences must be an array of sequences (arrays of numbers)');
  sequences.forEach((s, i) => {
    if (!isArrayLike(s)) throw new TypeError(`padSequences: sequence ${i} is ${s === null ? 'null' : typeof s}, not an array`);
  });
  const dtype = args.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') throw new RangeError(`padSequences: dtype must be 'int32' or 'float32'; got ${JSON.stringify(dtype)}`);
  const padding = checkSide(args.padding ?? 'pre', 'padding');
  const truncating = checkSide(args.truncating ?? 'pre', 'truncating');
  const value = args.value ?? 0;
  if (typeof value !== 'number') throw new TypeError(`padSequences: value must be a number; got ${typeof value}`);
  const maxlen = checkMaxlen(args.maxlen ?? null, sequences);
  const width = sampleWidth(sequences);
  const per = Math.max(width, 1);
  const out = dtype === 'int32' ? new Int32Array(sequences.length * maxlen * per) : new Float32Array(sequences.length * maxlen * per);
  out.fill(dtype === 'int32' ? Math.trunc(value) : value);
  sequences.forEach((s, row) => {
    const keep = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - keep : 0;
    const to = padding === 'pre' ? maxlen - keep : 0;
    for (let t = 0; t < keep; t++) putElement(out, (row * maxlen + to + t) * per, s[from + t], width, row, from + t);
  });
  return tensor(out, width === 0 ? [sequences.length, maxlen] : [sequences.length, maxlen, width], dtype);
}
