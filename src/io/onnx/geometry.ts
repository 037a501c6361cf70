/**
 * Spatial geometry shared by the conv and pooling converters: the layout a spatial layer
 * runs in and Keras/TensorFlow's padding rules written as explicit ONNX pads.
 */
import { type Attr, ints, str } from './builder.js';
import { channelsFirstPerm, identityPerm } from './values.js';

/**
 * The layout ONNX's spatial ops need (N, C, spatial…) for a layer of this data format, and
 * the logical spatial axes. channels_last data is transposed to it; channels_first data
 * already is in it.
 */
export function spatialLayout(rank: number, format: 'channels_last' | 'channels_first'): { perm: number[]; spatial: number[] } {
  if (format === 'channels_first') return { perm: identityPerm(rank), spatial: Array.from({ length: rank - 2 }, (_, i) => i + 2) };
  return { perm: channelsFirstPerm(rank), spatial: Array.from({ length: rank - 2 }, (_, i) => i + 1) };
}

/**
 * ONNX pads [begin…, end…] for a Keras padding mode. 'same' follows Keras/TF:
 * total = max((ceil(in/stride) − 1)·stride + (k − 1)·dilation + 1 − in, 0), floor(total/2)
 * before and the extra one after; 'causal' pads (k − 1)·dilation before. Returns null when
 * 'same' meets an unknown input size (the caller then uses auto_pad SAME_UPPER, the same rule
 * evaluated by the runtime).
 */
export function kerasPads(sizes: readonly (number | null)[], k: readonly number[], s: readonly number[], d: readonly number[], padding: string): number[] | null {
  const n = k.length;
  if (padding === 'valid') return new Array<number>(2 * n).fill(0);
  if (padding === 'causal') return [...k.map((kk, i) => (kk - 1) * d[i]), ...new Array<number>(n).fill(0)];
  if (sizes.some((v) => v === null)) return null;
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = sizes[i] as number;
    const out = Math.ceil(size / s[i]);
    const total = Math.max((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

/** kernel_shape/strides/dilations/pads (or auto_pad) attributes of Conv and pooling nodes. */
export function windowAttrs(k: readonly number[], s: readonly number[], d: readonly number[] | null, pads: number[] | null): Record<string, Attr> {
  const attrs: Record<string, Attr> = { kernel_shape: ints(k), strides: ints(s) };
  if (d !== null) attrs.dilations = ints(d);
  if (pads === null) attrs.auto_pad = str('SAME_UPPER');
  else attrs.pads = ints(pads);
  return attrs;
}
