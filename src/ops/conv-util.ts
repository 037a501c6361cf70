import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** Keras padding names, or explicit [[top, bottom], [left, right]] amounts. */
export type Padding = 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]];

/** An int or an (height, width) pair. */
export type Pair = number | readonly [number, number];

export function pair(v: Pair | undefined, fallback: number, name: string, op: string, min = 1): [number, number] {
  const p: [number, number] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw new RangeError(`${op}: ${name} must be an integer ≥ ${min} or a pair of them; got ${JSON.stringify(v)}`);
  }
  return p;
}

export function checkPadding(padding: Padding | undefined, op: string): Padding {
  const p = padding ?? 'valid';
  if (p === 'valid' || p === 'same') return p;
  const ok = Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every((d) => Number.isInteger(d) && d >= 0));
  if (!ok) throw new RangeError(`${op}: padding must be 'valid', 'same' or [[top, bottom], [left, right]] with non-negative integers; got ${JSON.stringify(padding)}`);
  return p;
}

export interface Window {
  readonly out: number;
  readonly before: number;
  readonly after: number;
}

/**
 * Output length and padding of a sliding window along one axis. 'same' follows Keras/TF:
 * out = ceil(in / stride), total padding max((out − 1)·stride + dilatedK − in, 0), the
 * extra pixel (if odd) at the bottom/right.
 */
export function windowGeometry(inSize: number, k: number, stride: number, dilation: number, padding: 'valid' | 'same' | readonly [number, number], ceilMode = false): Window {
  const dk = (k - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + dk - inSize, 0);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = padding === 'valid' ? [0, 0] : padding;
  const span = inSize + before + after - dk;
  let out = span < 0 ? 0 : (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // In ceil mode the last window must still start inside the (left-padded) input.
  if (ceilMode && out > 0 && (out - 1) * stride >= inSize + before) out--;
  return { out, before, after };
}

/** Geometry of both spatial axes, with a clear error when the window does not fit. */
export function spatialGeometry(op: string, x: Tensor, k: [number, number], strides: [number, number], dilations: [number, number], padding: Padding, ceilMode = false): [Window, Window] {
  const axes = [0, 1].map((i) => {
    const p = padding === 'valid' || padding === 'same' ? padding : padding[i];
    const w = windowGeometry(x.shape[1 + i], k[i], strides[i], dilations[i], p, ceilMode);
    if (w.out <= 0) {
      const dk = (k[i] - 1) * dilations[i] + 1;
      throw new RangeError(
        `${op}: a window of ${dk} (kernel ${k[i]}, dilation ${dilations[i]}) does not fit the input ${i === 0 ? 'height' : 'width'} ${x.shape[1 + i]} ` +
          `with padding ${JSON.stringify(p)} (input shape ${formatShape(x.shape)})`,
      );
    }
    return w;
  });
  return [axes[0], axes[1]];
}

export function requireRank(x: Tensor, rank: number, op: string, name: string, layout: string): void {
  if (x.rank !== rank) throw new RangeError(`${op}: ${name} must have rank ${rank} (${layout}); got shape ${formatShape(x.shape)}`);
}

/** Output length and leading padding of a transposed convolution along one axis (Keras' rules): conv2dTranspose and conv3dTranspose. */
export function transposeAxis(inSize: number, k: number, s: number, d: number, padding: 'valid' | 'same' | readonly [number, number], outPad: number | undefined, outSize: number | undefined): { out: number; before: number } {
  const dk = (k - 1) * d + 1;
  if (Array.isArray(padding)) {
    const [b, a] = padding as readonly [number, number];
    return { out: outSize ?? (inSize - 1) * s + dk - b - a + (outPad ?? 0), before: b };
  }
  let out: number;
  if (outSize !== undefined) out = outSize;
  else if (padding === 'same') out = outPad === undefined ? inSize * s : (inSize - 1) * s + dk - 2 * Math.floor(dk / 2) + outPad;
  else out = outPad === undefined ? inSize * s + Math.max(dk - s, 0) : (inSize - 1) * s + dk + outPad;
  const before = padding === 'same' ? Math.floor(Math.max((inSize - 1) * s + dk - out, 0) / 2) : 0;
  return { out, before };
}
