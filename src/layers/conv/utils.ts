import { arg } from '../args.js';

export type DataFormat = 'channels_last' | 'channels_first';

/** The declared `dataFormat` argument (Keras' data_format): 'channels_last' (default) or 'channels_first'. */
export function dataFormatArg() {
  return arg.oneOf(['channels_last', 'channels_first'] as const, { default: 'channels_last' });
}

/** Checks a data format (default 'channels_last'); errors name the class. */
export function checkDataFormat(v: string | undefined, cls: string): DataFormat {
  const f = v ?? 'channels_last';
  if (f !== 'channels_last' && f !== 'channels_first') throw new RangeError(`${cls}: dataFormat must be 'channels_last' or 'channels_first'; got '${v}'`);
  return f;
}

/** An int or a list of `n` ints (Keras normalize_tuple). */
export function tuple(v: number | readonly number[], n: number, name: string, cls: string, min = 1): number[] {
  const out = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n || out.some((d) => !Number.isInteger(d) || d < min)) {
    throw new RangeError(`${cls}: ${name} must be an integer ≥ ${min} or a list of ${n}; got ${JSON.stringify(v)}`);
  }
  return out;
}

/** Keras conv_output_length. */
export function convLength(len: number | null, k: number, padding: 'valid' | 'same' | 'causal' | 'full', stride: number, dilation = 1): number | null {
  if (len === null) return null;
  const dk = (k - 1) * dilation + 1;
  let out = len;
  if (padding === 'valid') out = len - dk + 1;
  else if (padding === 'full') out = len + dk - 1;
  return Math.floor((out + stride - 1) / stride);
}

/** Keras deconv_output_length. */
export function deconvLength(len: number | null, k: number, padding: 'valid' | 'same' | 'full', stride: number, dilation = 1, outputPadding?: number): number | null {
  if (len === null) return null;
  const dk = (k - 1) * dilation + 1;
  if (outputPadding === undefined) {
    if (padding === 'valid') return len * stride + Math.max(dk - stride, 0);
    if (padding === 'full') return len * stride - (stride + dk - 2);
    return len * stride;
  }
  const pad = padding === 'same' ? Math.floor(dk / 2) : padding === 'valid' ? 0 : dk - 1;
  return (len - 1) * stride + dk - 2 * pad + outputPadding;
}

/** Permutation taking [N, C, ...spatial] to [N, ...spatial, C]. */
export function fromChannelsFirst(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}
