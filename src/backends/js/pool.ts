import { allocFloat32, allocInt32 } from '../../tensor/dtype.js';
import type { Pool2DInfo, ResizeInfo, SampleImageInfo } from '../interface.js';
import { biasActivationGrad } from './conv.js';

/** Number of window taps of output (oh, ow) that count toward an average. */
function avgDivisor(info: Pool2DInfo, oh: number, ow: number): number {
  const { inH, inW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight, countIncludePad } = info;
  const loH = countIncludePad ? -padTop : 0;
  const hiH = countIncludePad ? inH + padBottom : inH;
  const loW = countIncludePad ? -padLeft : 0;
  const hiW = countIncludePad ? inW + padRight : inW;
  let rows = 0;
  for (let kh = 0; kh < kH; kh++) {
    const ih = oh * strideH - padTop + kh * dilationH;
    if (ih >= loH && ih < hiH) rows++;
  }
  let cols = 0;
  for (let kw = 0; kw < kW; kw++) {
    const iw = ow * strideW - padLeft + kw * dilationW;
    if (iw >= loW && iw < hiW) cols++;
  }
  return rows * cols;
}

/** Calls visit(offset of pixel (ih, iw) in image n) for each in-bounds tap of window (oh, ow). */
function forEachTap(info: Pool2DInfo, n: number, oh: number, ow: number, visit: (pix: number) => void): void {
  const { inH, inW, channels, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = info;
  for (let kh = 0; kh < kH; kh++) {
    const ih = oh * strideH - padTop + kh * dilationH;
    if (ih < 0 || ih >= inH) continue;
    for (let kw = 0; kw < kW; kw++) {
      const iw = ow * strideW - padLeft + kw * dilationW;
      if (iw < 0 || iw >= inW) continue;
      visit(((n * inH + ih) * inW + iw) * channels);
    }
  }
}

/** Max or average pooling into y `[batch, outH, outW, channels]` (sums in float64). */
export function pool2d(x: Float32Array, out: Float32Array, info: Pool2DInfo): void {
  const { batch, outH, outW, channels: C, mode } = info;
  const acc = new Float64Array(C);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        acc.fill(mode === 'max' ? -Infinity : 0);
        if (mode === 'max') {
          forEachTap(info, n, oh, ow, (pix) => {
            for (let c = 0; c < C; c++) if (x[pix + c] > acc[c] || Number.isNaN(x[pix + c])) acc[c] = x[pix + c];
          });
        } else {
          forEachTap(info, n, oh, ow, (pix) => {
            for (let c = 0; c < C; c++) acc[c] += x[pix + c];
          });
          const d = avgDivisor(info, oh, ow);
          for (let c = 0; c < C; c++) acc[c] = d > 0 ? acc[c] / d : 0;
        }
        out.set(acc, ((n * outH + oh) * outW + ow) * C);
      }
    }
  }
}

/**
 * Max pooling routes each gradient to the first maximal tap; average spreads it evenly.
 * dx is zeroed first (overlapping windows add up; pixels in no window get 0).
 */
/** pool2dGrad, then the bias/ReLU gradient of the layer that produced x, in place in dx (see Backend.pool2dGradBiasRelu). */
export function pool2dGradBiasRelu(x: Float32Array, dy: Float32Array, dx: Float32Array, dbias: Float32Array, info: Pool2DInfo): void {
  pool2dGrad(x, dy, dx, info);
  biasActivationGrad(x, dx, dx, dbias, info.channels, 'relu');
}

export function pool2dGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, info: Pool2DInfo): void {
  const { batch, outH, outW, channels: C, mode } = info;
  dx.fill(0);
  const best = new Float64Array(C);
  const where = allocInt32(C);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const o = ((n * outH + oh) * outW + ow) * C;
        if (mode === 'max') {
          best.fill(-Infinity);
          where.fill(-1);
          forEachTap(info, n, oh, ow, (pix) => {
            for (let c = 0; c < C; c++) {
              if (x[pix + c] > best[c] || where[c] < 0) {
                best[c] = x[pix + c];
                where[c] = pix + c;
              }
            }
          });
          for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += dy[o + c];
        } else {
          const d = avgDivisor(info, oh, ow);
          if (d === 0) continue;
          forEachTap(info, n, oh, ow, (pix) => {
            for (let c = 0; c < C; c++) dx[pix + c] += dy[o + c] / d;
          });
        }
      }
    }
  }
}

interface Axis {
  /** Source indices and interpolation weight of each output position. */
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array;
}

function resizeAxis(inN: number, outN: number, info: ResizeInfo): Axis {
  const i0 = allocInt32(outN);
  const i1 = allocInt32(outN);
  const w1 = allocFloat32(outN);
  const scale = info.alignCorners && outN > 1 ? (inN - 1) / (outN - 1) : inN / outN;
  for (let d = 0; d < outN; d++) {
    if (info.method === 'nearest') {
      const src = info.alignCorners ? Math.round(d * scale) : Math.floor(info.halfPixelCenters ? (d + 0.5) * scale : d * scale);
      i0[d] = i1[d] = Math.min(Math.max(src, 0), inN - 1);
      continue;
    }
    let src = info.halfPixelCenters && !info.alignCorners ? (d + 0.5) * scale - 0.5 : d * scale;
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inN - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, inN - 1);
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

/** Visits the (up to) four taps and weights of every output pixel. */
function forEachResizeTap(info: ResizeInfo, visit: (o: number, src: number, w: number) => void): void {
  const { batch, inH, inW, channels: C, outH, outW } = info;
  const ay = resizeAxis(inH, outH, info);
  const ax = resizeAxis(inW, outW, info);
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outH; y++) {
      const wy = ay.w1[y];
      for (let x = 0; x < outW; x++) {
        const wx = ax.w1[x];
        const o = ((n * outH + y) * outW + x) * C;
        const row0 = (n * inH + ay.i0[y]) * inW;
        const row1 = (n * inH + ay.i1[y]) * inW;
        visit(o, (row0 + ax.i0[x]) * C, (1 - wy) * (1 - wx));
        if (wx !== 0) visit(o, (row0 + ax.i1[x]) * C, (1 - wy) * wx);
        if (wy !== 0) visit(o, (row1 + ax.i0[x]) * C, wy * (1 - wx));
        if (wy !== 0 && wx !== 0) visit(o, (row1 + ax.i1[x]) * C, wy * wx);
      }
    }
  }
}

/** Nearest or bilinear resize into y `[batch, outH, outW, channels]` (zeroed first: the taps add up). */
export function resize2d(x: Float32Array, out: Float32Array, info: ResizeInfo): void {
  const C = info.channels;
  out.fill(0);
  forEachResizeTap(info, (o, s, w) => {
    for (let c = 0; c < C; c++) out[o + c] += w * x[s + c];
  });
}

/** Gradient of resize2d into dx `[batch, inH, inW, channels]` (zeroed first: each tap's share adds up). */
export function resize2dGrad(dy: Float32Array, dx: Float32Array, info: ResizeInfo): void {
  const C = info.channels;
  dx.fill(0);
  forEachResizeTap(info, (o, s, w) => {
    for (let c = 0; c < C; c++) dx[s + c] += w * dy[o + c];
  });
}

/** An integer index mapped into [0, n) by the fill mode; −1 (constant) for outside. */
function foldIndex(i: number, n: number, mode: SampleImageInfo['fillMode']): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'nearest') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') {
    const k = i % n;
    return k < 0 ? k + n : k;
  }
  const m = 2 * n;
  let k = i % m;
  if (k < 0) k += m;
  return k >= n ? m - 1 - k : k;
}

/** Keras' map_coordinates (see Backend.sampleImage), in float32 arithmetic. */
export function sampleImage(x: Float32Array, sx: Float32Array, sy: Float32Array, out: Float32Array, info: SampleImageInfo): void {
  const { batch, height: h, width: w, channels: c, fillMode } = info;
  const f32 = Math.fround;
  const fill = f32(info.fillValue);
  const pixels = h * w;
  const nearest = info.interpolation === 'nearest';
  for (let p = 0; p < batch * pixels; p++) {
    const base = (p - (p % pixels)) * c;
    const o = p * c;
    const v = sx[p];
    const u = sy[p];
    if (nearest) {
      const r = foldIndex(Math.floor(f32(u + 0.5)), h, fillMode);
      const q = foldIndex(Math.floor(f32(v + 0.5)), w, fillMode);
      const at = base + (r * w + q) * c;
      for (let k = 0; k < c; k++) out[o + k] = r < 0 || q < 0 ? fill : x[at + k];
      continue;
    }
    const r0 = Math.floor(u);
    const q0 = Math.floor(v);
    const fr = f32(u - r0);
    const fq = f32(v - q0);
    const ra = foldIndex(r0, h, fillMode);
    const rb = foldIndex(r0 + 1, h, fillMode);
    const qa = foldIndex(q0, w, fillMode);
    const qb = foldIndex(q0 + 1, w, fillMode);
    // The four taps' weights (1 − fr)(1 − fq), (1 − fr)fq, fr(1 − fq), fr·fq, each product in float32.
    const gr = f32(1 - fr);
    const gq = f32(1 - fq);
    const w00 = f32(gr * gq);
    const w01 = f32(gr * fq);
    const w10 = f32(fr * gq);
    const w11 = f32(fr * fq);
    const a00 = ra < 0 || qa < 0 ? -1 : base + (ra * w + qa) * c;
    const a01 = ra < 0 || qb < 0 ? -1 : base + (ra * w + qb) * c;
    const a10 = rb < 0 || qa < 0 ? -1 : base + (rb * w + qa) * c;
    const a11 = rb < 0 || qb < 0 ? -1 : base + (rb * w + qb) * c;
    for (let k = 0; k < c; k++) {
      let acc = f32(w00 * (a00 < 0 ? fill : x[a00 + k]));
      acc = f32(acc + f32(w01 * (a01 < 0 ? fill : x[a01 + k])));
      acc = f32(acc + f32(w10 * (a10 < 0 ? fill : x[a10 + k])));
      out[o + k] = f32(acc + f32(w11 * (a11 < 0 ? fill : x[a11 + k])));
    }
  }
}
