/**
 * Naive float64 reference implementations of Neurite's forward ops, written from the
 * definitions (NumPy broadcasting and reductions, Keras/TensorFlow convolution, pooling and
 * resizing rules) with plain loops over multi-indices: obviously correct rather than fast.
 * Nothing here calls a Neurite op; Neurite is used only to read tensors and to seed inputs.
 * The comparison helpers at the end state the tolerance model used by the forward tests.
 */
import assert from 'node:assert/strict';
import * as nt from '../../src/index.js';

export type Shape = readonly number[];
export type Pair = number | readonly [number, number];
export type Pad1 = 'valid' | 'same' | readonly [number, number];
export type Pad2 = 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]];

/** A dense row-major float64 array. */
export interface Nd {
  readonly shape: Shape;
  readonly data: Float64Array;
}

// ---- multi-index plumbing ------------------------------------------------------------------

export const nd = (shape: Shape, data: ArrayLike<number>): Nd => {
  assert.equal(data.length, sizeOf(shape), `nd: ${data.length} values for shape [${shape.join(', ')}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
};
export const fromTensor = async (t: nt.Tensor): Promise<Nd> => nd(t.shape, await t.data());
export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: Shape): number {
  let o = 0;
  for (let k = 0; k < shape.length; k++) {
    if (idx[k] < 0 || idx[k] >= shape[k]) throw new RangeError(`ravel: index [${idx.join(', ')}] outside [${shape.join(', ')}]`);
    o = o * shape[k] + idx[k];
  }
  return o;
}

export const at = (x: Nd, idx: readonly number[]): number => x.data[ravel(idx, x.shape)];

/** An array whose element at each multi-index is f(index). */
export function build(shape: Shape, f: (idx: number[]) => number): Nd {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(unravel(i, shape));
  return { shape: [...shape], data };
}

export const map = (x: Nd, f: (v: number, i: number) => number): Nd => ({ shape: x.shape, data: x.data.map(f) });
export const absNd = (x: Nd): Nd => map(x, Math.abs);
const axisOf = (a: number, rank: number): number => (a < 0 ? a + rank : a);

// ---- broadcasting and elementwise ------------------------------------------------------------

export function broadcastShape(a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const da = a[i - (r - a.length)] ?? 1;
    const db = b[i - (r - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new RangeError(`broadcast: [${a.join(', ')}] vs [${b.join(', ')}]`);
    return da === 1 ? db : da;
  });
}

/** The index into an operand of `shape` that a broadcast output index reads (size-1 axes stay 0). */
export const broadcastIndex = (idx: readonly number[], shape: Shape): number[] => shape.map((d, i) => (d === 1 ? 0 : idx[i + idx.length - shape.length]));

export function binary(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  return build(broadcastShape(a.shape, b.shape), (idx) => f(at(a, broadcastIndex(idx, a.shape)), at(b, broadcastIndex(idx, b.shape))));
}

export function where3(c: Nd, a: Nd, b: Nd): Nd {
  const shape = broadcastShape(broadcastShape(c.shape, a.shape), b.shape);
  return build(shape, (idx) => (at(c, broadcastIndex(idx, c.shape)) !== 0 ? at(a, broadcastIndex(idx, a.shape)) : at(b, broadcastIndex(idx, b.shape))));
}

/**
 * erf to ~1e-15: the Maclaurin series Σ (−1)ⁿ z²ⁿ⁺¹ / (n!(2n+1)) for |x| < 2.5 (terms stay
 * below e^6.25, so little cancellation), else 1 − erfc with erfc's continued fraction
 * e^(−z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …)))).
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2.5) {
    let term = z;
    r = z;
    for (let n = 1; n < 100; n++) {
      term *= (-z * z) / n;
      r += term / (2 * n + 1);
    }
    r *= 2 / Math.sqrt(Math.PI);
  } else {
    let f = z;
    for (let n = 80; n >= 1; n--) f = z + n / 2 / f;
    r = 1 - Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
  }
  return x < 0 ? -r : r;
}

// ---- reductions ----------------------------------------------------------------------------------

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'prod';

/** Reduces over `axes` (all when undefined), NumPy-style; keepDims leaves size-1 axes. */
export function reduce(x: Nd, kind: ReduceKind, axes?: readonly number[], keepDims = false): Nd {
  const rank = x.shape.length;
  const ax = axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => axisOf(a, rank));
  const keepShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const init = { sum: 0, mean: 0, max: -Infinity, min: Infinity, prod: 1 }[kind];
  const acc = new Float64Array(sizeOf(keepShape)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const o = ravel(unravel(i, x.shape).map((v, k) => (ax.includes(k) ? 0 : v)), keepShape);
    const v = x.data[i];
    if (kind === 'sum' || kind === 'mean') acc[o] += v;
    else if (kind === 'prod') acc[o] *= v;
    else if (kind === 'max') acc[o] = Math.max(acc[o], v);
    else acc[o] = Math.min(acc[o], v);
  }
  const count = ax.reduce((s, a) => s * x.shape[a], 1);
  if (kind === 'mean') acc.forEach((v, i) => (acc[i] = v / count));
  return { shape: keepDims ? keepShape : x.shape.filter((_, i) => !ax.includes(i)), data: acc };
}

/** The values along `axis` through the position idx (idx[axis] is ignored). */
export function lane(x: Nd, idx: readonly number[], axis: number): number[] {
  return Array.from({ length: x.shape[axis] }, (_, j) => at(x, idx.map((v, k) => (k === axis ? j : v))));
}

/** Index of the first maximum (or minimum) along axis; the axis is removed. */
export function argReduce(x: Nd, axis: number, kind: 'max' | 'min'): Nd {
  const ax = axisOf(axis, x.shape.length);
  const shape = x.shape.filter((_, i) => i !== ax);
  return build(shape, (idx) => {
    const full = [...idx.slice(0, ax), 0, ...idx.slice(ax)];
    const v = lane(x, full, ax);
    let best = 0;
    for (let j = 1; j < v.length; j++) if (kind === 'max' ? v[j] > v[best] : v[j] < v[best]) best = j;
    return best;
  });
}

/** Running sum along axis: inclusive or exclusive, forward or from the end. */
export function cumsum(x: Nd, axis: number, exclusive: boolean, reverse: boolean): Nd {
  const ax = axisOf(axis, x.shape.length);
  return build(x.shape, (idx) => {
    const v = lane(x, idx, ax);
    const i = idx[ax];
    let s = 0;
    for (let j = 0; j < v.length; j++) {
      const inRange = reverse ? (exclusive ? j > i : j >= i) : exclusive ? j < i : j <= i;
      if (inRange) s += v[j];
    }
    return s;
  });
}

/** softmax(x)_i = exp(x_i) / Σ_j exp(x_j) along axis; log: x_i − log Σ_j exp(x_j). Shifted by the max. */
export function softmax(x: Nd, axis: number, log: boolean): Nd {
  const ax = axisOf(axis, x.shape.length);
  return build(x.shape, (idx) => {
    const v = lane(x, idx, ax);
    const m = Math.max(...v);
    const s = v.reduce((acc, t) => acc + Math.exp(t - m), 0);
    const xi = v[idx[ax]];
    return log ? xi - m - Math.log(s) : Math.exp(xi - m) / s;
  });
}

/** log Σ exp over axes; an all −∞ slice gives −∞, any +∞ gives +∞. */
export function logSumExp(x: Nd, axes: readonly number[] | undefined, keepDims: boolean): Nd {
  const m = reduce(x, 'max', axes, true);
  const shifted = binary(x, m, (v, mv) => (Number.isFinite(mv) ? Math.exp(v - mv) : 0));
  const s = reduce(shifted, 'sum', axes, true);
  const y = binary(s, m, (sv, mv) => (Number.isFinite(mv) ? Math.log(sv) + mv : mv));
  return keepDims ? y : { shape: reduce(x, 'sum', axes, false).shape, data: y.data };
}

// ---- matmul and data movement ------------------------------------------------------------------

export function transpose(x: Nd, perm: readonly number[]): Nd {
  return build(perm.map((p) => x.shape[p]), (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, i) => (src[p] = idx[i]));
    return at(x, src);
  });
}

const swapLast = (x: Nd): Nd => {
  const r = x.shape.length;
  return transpose(x, [...x.shape.slice(0, -2).map((_, i) => i), r - 1, r - 2]);
};

/** NumPy matmul (1-D operands promoted and the added axis dropped, batch axes broadcast), optional transposes of rank ≥ 2 operands. */
export function matmul(a: Nd, b: Nd, ta = false, tb = false): Nd {
  const a2 = a.shape.length === 1 ? nd([1, a.shape[0]], a.data) : ta ? swapLast(a) : a;
  const b2 = b.shape.length === 1 ? nd([b.shape[0], 1], b.data) : tb ? swapLast(b) : b;
  const [m, k] = a2.shape.slice(-2);
  const [k2, n] = b2.shape.slice(-2);
  assert.equal(k, k2, 'matmul reference: inner dimensions differ');
  const aBatch = a2.shape.slice(0, -2);
  const bBatch = b2.shape.slice(0, -2);
  const full = [...broadcastShape(aBatch, bBatch), m, n];
  const y = build(full, (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) s += at(a2, [...broadcastIndex(bi, aBatch), i, p]) * at(b2, [...broadcastIndex(bi, bBatch), p, j]);
    return s;
  });
  let shape = full;
  if (a.shape.length === 1) shape = [...shape.slice(0, -2), n];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data: y.data };
}

export const slice = (x: Nd, begin: readonly number[], size: readonly number[]): Nd => build(size, (idx) => at(x, idx.map((v, i) => v + begin[i])));

export function concat(xs: readonly Nd[], axis: number): Nd {
  const ax = axisOf(axis, xs[0].shape.length);
  const shape = xs[0].shape.map((d, i) => (i === ax ? xs.reduce((s, x) => s + x.shape[ax], 0) : d));
  return build(shape, (idx) => {
    let j = idx[ax];
    for (const x of xs) {
      if (j < x.shape[ax]) return at(x, idx.map((v, i) => (i === ax ? j : v)));
      j -= x.shape[ax];
    }
    throw new Error('concat reference: index past the end');
  });
}

/** NumPy 'reflect' (mirror without repeating the edge), for any distance outside [0, n). */
export function reflectIndex(j: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const r = ((j % period) + period) % period;
  return r < n ? r : period - r;
}

export function pad(x: Nd, pads: readonly (readonly [number, number])[], mode: 'constant' | 'reflect' | 'edge', value = 0): Nd {
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  return build(shape, (idx) => {
    const src: number[] = [];
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i] - pads[i][0];
      const n = x.shape[i];
      if (j >= 0 && j < n) src.push(j);
      else if (mode === 'constant') return value;
      else src.push(mode === 'edge' ? Math.min(Math.max(j, 0), n - 1) : reflectIndex(j, n));
    }
    return at(x, src);
  });
}

/** x.shape[:axis] + indices.shape + x.shape[axis+1:]; negative indices count from the end. */
export function gather(x: Nd, indices: Nd, axis: number): Nd {
  const ax = axisOf(axis, x.shape.length);
  const r = indices.shape.length;
  const shape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  return build(shape, (idx) => {
    let k = at(indices, idx.slice(ax, ax + r));
    if (k < 0) k += x.shape[ax];
    return at(x, [...idx.slice(0, ax), k, ...idx.slice(ax + r)]);
  });
}

export const tile = (x: Nd, reps: readonly number[]): Nd => build(x.shape.map((d, i) => d * reps[i]), (idx) => at(x, idx.map((v, i) => v % x.shape[i])));

export function oneHot(indices: Nd, depth: number, on = 1, off = 0): Nd {
  return build([...indices.shape, depth], (idx) => (at(indices, idx.slice(0, -1)) === idx[idx.length - 1] ? on : off));
}

// ---- convolution geometry (Keras / TensorFlow rules) ---------------------------------------

export const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Window1D {
  readonly out: number;
  readonly before: number;
  readonly after: number;
}

/**
 * One spatial axis of a sliding window of k taps spaced `dilation` apart.
 * 'same': out = ceil(in / stride), total pad = max((out − 1)·stride + (k − 1)·dilation + 1 − in, 0),
 * the odd pixel after. Valid/explicit: out = floor((in + pads − dk) / stride) + 1, or with
 * ceilMode ceil(...) + 1 minus one if the last window would start past the input and left pad
 * (PyTorch/ONNX ceil_mode).
 */
export function window1d(inSize: number, k: number, stride: number, dilation: number, padding: Pad1, ceilMode = false): Window1D {
  const dk = (k - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + dk - inSize, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const [before, after] = padding === 'valid' ? [0, 0] : padding;
  const span = inSize + before + after - dk;
  if (span < 0) return { out: 0, before, after };
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + before) out -= 1;
  return { out, before, after };
}

const axisPad = (p: Pad2, i: number): Pad1 => (p === 'valid' || p === 'same' ? p : p[i]);

export interface ConvOptions {
  readonly strides?: Pair;
  readonly dilations?: Pair;
  readonly padding?: Pad2;
  readonly groups?: number;
}

/** NHWC x, HWIO w [kH, kW, inC/groups, outC]: y[n,oh,ow,co] = Σ x[n, oh·s−pt+kh·d, ow·s−pl+kw·d, g·cpg+ci]·w[kh,kw,ci,co]. */
export function conv2d(x: Nd, w: Nd, o: ConvOptions = {}): Nd {
  const [N, H, W, C] = x.shape;
  const [kH, kW, cpg, outC] = w.shape;
  const groups = o.groups ?? 1;
  assert.equal(cpg * groups, C, 'conv2d reference: channel mismatch');
  const [sh, sw] = pair(o.strides, 1);
  const [dh, dw] = pair(o.dilations, 1);
  const p = o.padding ?? 'valid';
  const gh = window1d(H, kH, sh, dh, axisPad(p, 0));
  const gw = window1d(W, kW, sw, dw, axisPad(p, 1));
  const outPerGroup = outC / groups;
  return build([N, gh.out, gw.out, outC], ([n, oh, ow, co]) => {
    const g = Math.floor(co / outPerGroup);
    let s = 0;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        for (let ci = 0; ci < cpg; ci++) {
          const ih = oh * sh - gh.before + kh * dh;
          const iw = ow * sw - gw.before + kw * dw;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += at(x, [n, ih, iw, g * cpg + ci]) * at(w, [kh, kw, ci, co]);
        }
      }
    }
    return s;
  });
}

/** Keras DepthwiseConv2D, filter [kH, kW, C, M]: output channel c·M + m sees only input channel c. */
export function depthwiseConv2d(x: Nd, w: Nd, o: Omit<ConvOptions, 'groups'> = {}): Nd {
  const [kH, kW, C, M] = w.shape;
  const grouped = build([kH, kW, 1, C * M], ([kh, kw, , j]) => at(w, [kh, kw, Math.floor(j / M), j % M]));
  return conv2d(x, grouped, { ...o, groups: C });
}

export interface ConvTransposeOptions {
  readonly strides?: Pair;
  readonly dilations?: Pair;
  readonly padding?: Pad2;
  readonly outputPadding?: Pair;
  readonly outputShape?: readonly [number, number];
}

/** Keras deconv_output_length (dilated kernel dk), explicit pads as in ONNX, and the crop offset. */
export function transposeGeometry(inSize: number, k: number, s: number, d: number, p: Pad1, outPad: number | undefined, outSize: number | undefined): { out: number; before: number } {
  const dk = (k - 1) * d + 1;
  if (p !== 'valid' && p !== 'same') return { out: outSize ?? (inSize - 1) * s + dk - p[0] - p[1] + (outPad ?? 0), before: p[0] };
  let out: number;
  if (outSize !== undefined) out = outSize;
  else if (outPad === undefined) out = p === 'valid' ? inSize * s + Math.max(dk - s, 0) : inSize * s;
  else out = (inSize - 1) * s + dk - 2 * (p === 'same' ? Math.floor(dk / 2) : 0) + outPad;
  // TF: the gradient of a conv2d whose input has length `out`, so its 'SAME' padding rule.
  const before = p === 'same' ? Math.floor(Math.max((inSize - 1) * s + dk - out, 0) / 2) : 0;
  return { out, before };
}

/**
 * Scatter definition: input pixel (ih, iw) adds x·w[kh, kw, co, ci] at full-output position
 * (ih·s + kh·d, iw·s + kw·d); the output is the full result cropped from `before` (zeros past its end).
 */
export function conv2dTranspose(x: Nd, w: Nd, o: ConvTransposeOptions = {}): Nd {
  const [N, H, W, C] = x.shape;
  const [kH, kW, outC, inC] = w.shape;
  assert.equal(inC, C, 'conv2dTranspose reference: channel mismatch');
  const [sh, sw] = pair(o.strides, 1);
  const [dh, dw] = pair(o.dilations, 1);
  const p = o.padding ?? 'valid';
  const op = o.outputPadding === undefined ? undefined : pair(o.outputPadding, 0);
  const gh = transposeGeometry(H, kH, sh, dh, axisPad(p, 0), op?.[0], o.outputShape?.[0]);
  const gw = transposeGeometry(W, kW, sw, dw, axisPad(p, 1), op?.[1], o.outputShape?.[1]);
  const fullH = (H - 1) * sh + (kH - 1) * dh + 1;
  const fullW = (W - 1) * sw + (kW - 1) * dw + 1;
  const full = new Float64Array(N * fullH * fullW * outC);
  for (let n = 0; n < N; n++) {
    for (let ih = 0; ih < H; ih++) {
      for (let iw = 0; iw < W; iw++) {
        for (let ci = 0; ci < C; ci++) {
          const v = at(x, [n, ih, iw, ci]);
          for (let kh = 0; kh < kH; kh++) {
            for (let kw = 0; kw < kW; kw++) {
              for (let co = 0; co < outC; co++) full[ravel([n, ih * sh + kh * dh, iw * sw + kw * dw, co], [N, fullH, fullW, outC])] += v * at(w, [kh, kw, co, ci]);
            }
          }
        }
      }
    }
  }
  return build([N, gh.out, gw.out, outC], ([n, oh, ow, co]) => {
    const fh = oh + gh.before;
    const fw = ow + gw.before;
    return fh < fullH && fw < fullW ? full[ravel([n, fh, fw, co], [N, fullH, fullW, outC])] : 0;
  });
}

// ---- pooling, resizing, normalization ------------------------------------------------------

export interface PoolOptions {
  readonly poolSize?: Pair;
  readonly strides?: Pair;
  readonly padding?: Pad2;
  readonly dilations?: Pair;
  readonly ceilMode?: boolean;
  readonly countIncludePad?: boolean;
}

/** Geometry of both axes of a pooling window (strides default to the pool size, as in Keras). */
export function poolGeometry(x: Shape, o: PoolOptions): { k: [number, number]; s: [number, number]; d: [number, number]; g: [Window1D, Window1D] } {
  const k = pair(o.poolSize, 2);
  const s = o.strides === undefined ? k : pair(o.strides, 1);
  const d = pair(o.dilations, 1);
  const p = o.padding ?? 'valid';
  const g: [Window1D, Window1D] = [0, 1].map((i) => window1d(x[1 + i], k[i], s[i], d[i], axisPad(p, i), o.ceilMode ?? false)) as [Window1D, Window1D];
  return { k, s, d, g };
}

/**
 * Max or average over the real (in-image) taps of each window. Average divides by the number
 * of real taps (Keras), or with countIncludePad by the taps inside the padded image
 * [−before, in + after) (PyTorch: taps past the padding, from ceil mode, never count).
 * A window without a real tap gives NaN (undefined; tests avoid it).
 */
export function pool2d(mode: 'max' | 'avg', x: Nd, o: PoolOptions = {}): Nd {
  const [N, H, W, C] = x.shape;
  const { k, s, d, g } = poolGeometry(x.shape, o);
  return build([N, g[0].out, g[1].out, C], ([n, oh, ow, c]) => {
    let acc = mode === 'max' ? -Infinity : 0;
    let real = 0;
    let padded = 0;
    for (let kh = 0; kh < k[0]; kh++) {
      for (let kw = 0; kw < k[1]; kw++) {
        const ih = oh * s[0] - g[0].before + kh * d[0];
        const iw = ow * s[1] - g[1].before + kw * d[1];
        if (ih >= -g[0].before && ih < H + g[0].after && iw >= -g[1].before && iw < W + g[1].after) padded++;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        real++;
        const v = at(x, [n, ih, iw, c]);
        acc = mode === 'max' ? Math.max(acc, v) : acc + v;
      }
    }
    if (real === 0) return NaN;
    return mode === 'max' ? acc : acc / (o.countIncludePad ? padded : real);
  });
}

export interface ResizeOptions {
  readonly method?: 'nearest' | 'bilinear';
  readonly alignCorners?: boolean;
  readonly halfPixelCenters?: boolean;
}

/**
 * TF2 tf.image.resize source coordinate of output index dst along one axis, in exact rational
 * arithmetic: scale = (in−1)/(out−1) with align corners (out > 1), else in/out; half-pixel
 * centres sample (dst + ½)·scale − ½ (bilinear) or (dst + ½)·scale (nearest), legacy dst·scale.
 */
export function resizeSource(dst: number, inN: number, outN: number, o: ResizeOptions): number {
  const align = o.alignCorners ?? false;
  const half = !align && (o.halfPixelCenters ?? true);
  const [num, den] = align && outN > 1 ? [inN - 1, outN - 1] : [inN, outN];
  if (!half) return (dst * num) / den;
  return o.method === 'nearest' ? ((2 * dst + 1) * num) / (2 * den) : ((2 * dst + 1) * num - den) / (2 * den);
}

/** Source taps and weights along one axis (TF compute_interpolation_weights / nearest rule). */
function resizeTaps(dst: number, inN: number, outN: number, o: ResizeOptions): [number, number, number] {
  const src = resizeSource(dst, inN, outN, o);
  if ((o.method ?? 'bilinear') === 'nearest') {
    // TF: align corners rounds half away from zero; otherwise floor; then clamp to [0, in − 1].
    const i = Math.min(Math.max(o.alignCorners ? Math.round(src) : Math.floor(src), 0), inN - 1);
    return [i, i, 0];
  }
  const f = Math.floor(src);
  return [Math.min(Math.max(f, 0), inN - 1), Math.min(Math.max(Math.ceil(src), 0), inN - 1), src - f];
}

export function resize2d(x: Nd, size: readonly [number, number], o: ResizeOptions = {}): Nd {
  const [N, H, W, C] = x.shape;
  return build([N, size[0], size[1], C], ([n, y, xx, c]) => {
    const [y0, y1, wy] = resizeTaps(y, H, size[0], o);
    const [x0, x1, wx] = resizeTaps(xx, W, size[1], o);
    const top = at(x, [n, y0, x0, c]) * (1 - wx) + at(x, [n, y0, x1, c]) * wx;
    const bottom = at(x, [n, y1, x0, c]) * (1 - wx) + at(x, [n, y1, x1, c]) * wx;
    return top * (1 - wy) + bottom * wy;
  });
}

/** (x − mean)/sqrt(var + eps)·scale + offset with per-channel parameters along axis. */
export function batchNorm(x: Nd, mean: Nd, variance: Nd, offset: Nd | null, scale: Nd | null, eps: number, axis = -1): Nd {
  const ax = axisOf(axis, x.shape.length);
  return build(x.shape, (idx) => {
    const c = idx[ax];
    const v = (at(x, idx) - mean.data[c]) / Math.sqrt(variance.data[c] + eps);
    return v * (scale ? scale.data[c] : 1) + (offset ? offset.data[c] : 0);
  });
}

// ---- seeded inputs ----------------------------------------------------------------------------

/** Seeded helpers (xoshiro via nt.Rng, only to draw inputs). */
export class Gen {
  readonly rng: nt.Rng;
  constructor(seed: number) {
    this.rng = new nt.Rng(seed);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)];
  }
  bool(p = 0.5): boolean {
    return this.rng.uniform() < p;
  }
  /** Float32 N(0, scale²) values. */
  normal(shape: Shape, scale = 1): nt.Tensor {
    return nt.tensor(this.normalValues(shape, scale), shape);
  }
  /** The values normal() would wrap in a tensor (the same draws), as a host array. */
  normalValues(shape: Shape, scale = 1): Float32Array {
    return Float32Array.from({ length: sizeOf(shape) }, () => scale * this.rng.normal());
  }
  uniform(shape: Shape, lo: number, hi: number): nt.Tensor {
    return nt.tensor(Float32Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * this.rng.uniform()), shape);
  }
  ints(shape: Shape, lo: number, hi: number): nt.Tensor {
    return nt.tensor(this.intValues(shape, lo, hi), shape);
  }
  /** The values ints() would wrap in a tensor (the same draws), as a host array. */
  intValues(shape: Shape, lo: number, hi: number): Int32Array {
    return Int32Array.from({ length: sizeOf(shape) }, () => this.int(lo, hi));
  }
  /** A random permutation of 0..n−1. */
  perm(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

// ---- comparison --------------------------------------------------------------------------------

/** Unit round-off of float32 (half an ulp of 1). */
export const U = 2 ** -24;

/**
 * Tolerance of a float32 kernel that forms each output from n products/terms (sums, dot
 * products, windows): any summation order in float32 is off by at most (n − 1)·u·Σ|terms|
 * (Higham, recursive/blocked summation), each product adds u·|term|, and storing the result
 * adds u·|y|: |a − b| ≤ u·|b| + (n + 1)·u·Σ|terms|. `mag` holds Σ|terms| per output, obtained
 * by running the same (linear) reference on |inputs|. A wrong index or missing term is off by
 * a whole term, ~10⁴ times more at these sizes.
 */
export function sumTolerance(expected: Nd, mag: Nd, n: number): Nd {
  return map(expected, (b, i) => U * Math.abs(b) + (n + 1) * U * mag.data[i]);
}

/** Asserts shape equality and |actual − expected| ≤ tol elementwise (non-finite values must match). */
export async function assertClose(actual: nt.Tensor, expected: Nd, what: string, tol: number | Nd | ((b: number, i: number) => number)): Promise<void> {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  const tolAt = (b: number, i: number): number => (typeof tol === 'number' ? tol : typeof tol === 'function' ? tol(b, i) : tol.data[i]);
  const bad: string[] = [];
  let count = 0;
  const values = await actual.data();
  for (let i = 0; i < expected.data.length; i++) {
    const a = values[i];
    const b = expected.data[i];
    const ok = Number.isFinite(b) ? Math.abs(a - b) <= tolAt(b, i) : Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    if (ok) continue;
    count++;
    if (bad.length < 4) bad.push(`[${unravel(i, expected.shape).join(', ')}]: got ${a}, expected ${b} (tol ${tolAt(b, i).toExponential(2)})`);
  }
  assert.ok(count === 0, `${what}: ${count} of ${expected.data.length} elements differ; ${bad.join('; ')}`);
}

/** Exact comparison with the reference rounded to float32 (for correctly rounded or data-movement ops). */
export async function assertExact(actual: nt.Tensor, expected: Nd, what: string): Promise<void> {
  await assertClose(actual, map(expected, (v) => (actual.dtype === 'float32' ? Math.fround(v) : v)), what, 0);
}

export const shapeText = (s: Shape): string => `[${s.join(', ')}]`;
