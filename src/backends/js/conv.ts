import { type TypedArray, allocFloat32 } from '../../tensor/dtype.js';
import type { Conv2DInfo, Epilogue, EpilogueActivation } from '../interface.js';
import { gemmNN, gemmNT, gemmTN } from './matmul.js';

/** Upper bound on the im2col buffer (floats); images are processed in chunks below it. */
const MAX_COLS = 1 << 22;

interface Plan {
  readonly P: number; // output pixels per image
  readonly cinG: number;
  readonly outCg: number;
  readonly K: number; // kH * kW * cinG
  readonly chunk: number; // images per chunk
}

function plan(info: Conv2DInfo): Plan {
  const P = info.outH * info.outW;
  const cinG = info.inC / info.groups;
  const K = info.kH * info.kW * cinG;
  return { P, cinG, outCg: info.outC / info.groups, K, chunk: Math.max(1, Math.floor(MAX_COLS / Math.max(1, P * K))) };
}

/** Rows (n, oh, ow) × columns (kh, kw, ci) of input patches for group g, images [n0, n1). */
function im2col(x: Float32Array, info: Conv2DInfo, p: Plan, n0: number, n1: number, g: number, cols: Float32Array): void {
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = info;
  const { cinG } = p;
  const c0 = g * cinG;
  let dst = 0;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH - padTop + kh * dilationH;
          if (ih < 0 || ih >= inH) {
            cols.fill(0, dst, dst + kW * cinG);
            dst += kW * cinG;
            continue;
          }
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW - padLeft + kw * dilationW;
            if (iw < 0 || iw >= inW) {
              cols.fill(0, dst, dst + cinG);
            } else {
              const src = ((n * inH + ih) * inW + iw) * inC + c0;
              for (let c = 0; c < cinG; c++) cols[dst + c] = x[src + c];
            }
            dst += cinG;
          }
        }
      }
    }
  }
}

/** Adds column gradients back onto the input positions they were read from. */
function col2im(cols: Float32Array, info: Conv2DInfo, p: Plan, n0: number, n1: number, g: number, dx: Float32Array): void {
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = info;
  const { cinG } = p;
  const c0 = g * cinG;
  let src = 0;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH - padTop + kh * dilationH;
          if (ih < 0 || ih >= inH) {
            src += kW * cinG;
            continue;
          }
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW - padLeft + kw * dilationW;
            if (iw >= 0 && iw < inW) {
              const dst = ((n * inH + ih) * inW + iw) * inC + c0;
              for (let c = 0; c < cinG; c++) dx[dst + c] += cols[src + c];
            }
            src += cinG;
          }
        }
      }
    }
  }
}

/** Columns [g·outCg, (g+1)·outCg) of a row-major [rows, outC] matrix, made contiguous. */
function takeColumns(m: Float32Array, off: number, rows: number, outC: number, g: number, outCg: number): Float32Array {
  const out = allocFloat32(rows * outCg);
  for (let r = 0; r < rows; r++) for (let c = 0; c < outCg; c++) out[r * outCg + c] = m[off + r * outC + g * outCg + c];
  return out;
}

function putColumns(src: Float32Array, m: Float32Array, off: number, rows: number, outC: number, g: number, outCg: number, add: boolean): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < outCg; c++) {
      const k = off + r * outC + g * outCg + c;
      m[k] = add ? m[k] + src[r * outCg + c] : src[r * outCg + c];
    }
  }
}

function isPointwise(info: Conv2DInfo): boolean {
  return info.kH === 1 && info.kW === 1 && info.strideH === 1 && info.strideW === 1 && info.padTop === 0 && info.padLeft === 0 && info.groups === 1 && info.outH === info.inH && info.outW === info.inW;
}

/** y = act(y + bias) in place over rows of `channels`; returns y. */
export function applyEpilogue(y: Float32Array, channels: number, epilogue: Epilogue<TypedArray> | undefined): Float32Array {
  if (!epilogue || (epilogue.bias === null && epilogue.activation === 'linear')) return y;
  const { bias, activation } = epilogue;
  for (let i = 0; i < y.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      let v = y[i + c] + (bias ? bias[c] : 0);
      if (activation === 'relu') v = v > 0 ? v : v <= 0 ? 0 : v;
      y[i + c] = v;
    }
  }
  return y;
}

/**
 * Backward of a bias + activation epilogue over `[rows, channels]`: dpre = dy·act'(y) and
 * dbias `[channels]` its column sums (accumulated in float64).
 */
export function biasActivationGrad(y: Float32Array, dy: Float32Array, dpre: Float32Array, dbias: Float32Array, channels: number, activation: EpilogueActivation): void {
  const acc = new Float64Array(channels);
  for (let i = 0; i < y.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const g = activation === 'relu' && !(y[i + c] > 0) ? 0 : dy[i + c];
      dpre[i + c] = g;
      acc[c] += g;
    }
  }
  for (let c = 0; c < channels; c++) dbias[c] = acc[c];
}

/** Convolution into y `[batch, outH, outW, outC]`, with the epilogue y = act(y + bias) if given. */
export function conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, info: Conv2DInfo, epilogue?: Epilogue<TypedArray>): void {
  convolve(x, filter, info, y);
  applyEpilogue(y, info.outC, epilogue);
}

/** im2col + gemm per chunk of images and group; out is zeroed first (the gemms accumulate). */
function convolve(x: Float32Array, filter: Float32Array, info: Conv2DInfo, out: Float32Array): void {
  const p = plan(info);
  const { batch, outC, groups } = info;
  out.fill(0);
  if (isPointwise(info)) {
    gemmNN(x, 0, filter, 0, out, 0, batch * p.P, p.K, outC);
    return;
  }
  const weights = Array.from({ length: groups }, (_, g) => (groups === 1 ? filter : takeColumns(filter, 0, p.K, outC, g, p.outCg)));
  const cols = allocFloat32(Math.min(batch, p.chunk) * p.P * p.K);
  for (let n0 = 0; n0 < batch; n0 += p.chunk) {
    const n1 = Math.min(batch, n0 + p.chunk);
    const rows = (n1 - n0) * p.P;
    for (let g = 0; g < groups; g++) {
      im2col(x, info, p, n0, n1, g, cols);
      if (groups === 1) {
        gemmNN(cols, 0, filter, 0, out, n0 * p.P * outC, rows, p.K, outC);
      } else {
        const tmp = allocFloat32(rows * p.outCg);
        gemmNN(cols, 0, weights[g], 0, tmp, 0, rows, p.K, p.outCg);
        putColumns(tmp, out, n0 * p.P * outC, rows, outC, g, p.outCg, false);
      }
    }
  }
}

/** Gradient of conv2d with respect to its input into dx (zeroed first: col2im adds up the patches). */
export function conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, info: Conv2DInfo): void {
  const p = plan(info);
  const { batch, outC, groups } = info;
  dx.fill(0);
  if (isPointwise(info)) {
    gemmNT(dy, 0, filter, 0, dx, 0, batch * p.P, outC, p.K);
    return;
  }
  const weights = Array.from({ length: groups }, (_, g) => (groups === 1 ? filter : takeColumns(filter, 0, p.K, outC, g, p.outCg)));
  const dcols = allocFloat32(Math.min(batch, p.chunk) * p.P * p.K);
  for (let n0 = 0; n0 < batch; n0 += p.chunk) {
    const n1 = Math.min(batch, n0 + p.chunk);
    const rows = (n1 - n0) * p.P;
    for (let g = 0; g < groups; g++) {
      const dyg = groups === 1 ? dy : takeColumns(dy, n0 * p.P * outC, rows, outC, g, p.outCg);
      const dyOff = groups === 1 ? n0 * p.P * outC : 0;
      dcols.fill(0, 0, rows * p.K);
      gemmNT(dyg, dyOff, weights[g], 0, dcols, 0, rows, p.outCg, p.K);
      col2im(dcols, info, p, n0, n1, g, dx);
    }
  }
}

/** Gradient of conv2d with respect to its filter into dw `[kH, kW, inC / groups, outC]` (zeroed first: the gemms accumulate over the batch). */
export function conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, info: Conv2DInfo): void {
  const p = plan(info);
  const { batch, outC, groups } = info;
  dw.fill(0);
  if (isPointwise(info)) {
    gemmTN(x, 0, dy, 0, dw, 0, p.K, batch * p.P, outC);
    return;
  }
  const cols = allocFloat32(Math.min(batch, p.chunk) * p.P * p.K);
  const dwg = groups === 1 ? dw : allocFloat32(p.K * p.outCg);
  for (let g = 0; g < groups; g++) {
    if (groups > 1) dwg.fill(0);
    for (let n0 = 0; n0 < batch; n0 += p.chunk) {
      const n1 = Math.min(batch, n0 + p.chunk);
      const rows = (n1 - n0) * p.P;
      im2col(x, info, p, n0, n1, g, cols);
      const dyg = groups === 1 ? dy : takeColumns(dy, n0 * p.P * outC, rows, outC, g, p.outCg);
      const dyOff = groups === 1 ? n0 * p.P * outC : 0;
      gemmTN(cols, 0, dyg, dyOff, dwg, 0, p.K, rows, p.outCg);
    }
    if (groups > 1) putColumns(dwg, dw, 0, p.K, outC, g, p.outCg, false);
  }
}
