import type { BatchNormGrads, LayerNormGrads } from '../interface.js';

/** out = (x − mean) / √(variance + eps) · scale + offset per channel of `[outer, c, inner]`, as x·mul + add. */
export function batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, out: Float32Array, eps: number, outer: number, c: number, inner: number): void {
  const mul = new Float64Array(c);
  const add = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const r = 1 / Math.sqrt(variance[k] + eps);
    mul[k] = r * (scale ? scale[k] : 1);
    add[k] = (offset ? offset[k] : 0) - mean[k] * mul[k];
  }
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < c; k++) {
      const m = mul[k];
      const a = add[k];
      for (let j = 0; j < inner; j++, i++) out[i] = x[i] * m + a;
    }
  }
}

/**
 * Gradients of batchNorm with respect to x, mean, variance, scale and offset, written into
 * `grads` (dx like x, the others `[c]`); the per-channel sums are float64 scratch, so every
 * output is written exactly once.
 */
export function batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, dy: Float32Array, grads: BatchNormGrads<Float32Array>, eps: number, outer: number, c: number, inner: number): void {
  const { dx, dMean, dVariance, dScale, dOffset } = grads;
  const sumDy = new Float64Array(c);
  const sumDyXc = new Float64Array(c);
  const r = new Float64Array(c);
  for (let k = 0; k < c; k++) r[k] = 1 / Math.sqrt(variance[k] + eps);
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < c; k++) {
      const m = mean[k];
      const f = r[k] * (scale ? scale[k] : 1);
      let s = 0;
      let sx = 0;
      for (let j = 0; j < inner; j++, i++) {
        const g = dy[i];
        s += g;
        sx += g * (x[i] - m);
        dx[i] = g * f;
      }
      sumDy[k] += s;
      sumDyXc[k] += sx;
    }
  }
  for (let k = 0; k < c; k++) {
    const s = scale ? scale[k] : 1;
    dOffset[k] = sumDy[k];
    dScale[k] = sumDyXc[k] * r[k];
    dMean[k] = -s * r[k] * sumDy[k];
    dVariance[k] = -0.5 * s * r[k] * r[k] * r[k] * sumDyXc[k];
  }
}

/** Layer normalization over the last axis of `[rows, c]` (float64 sums; the two-pass variance). */
export function layerNorm(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array, mean: Float32Array, rstd: Float32Array, eps: number, rows: number, c: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    let s = 0;
    for (let j = 0; j < c; j++) s += x[o + j];
    const m = s / c;
    let q = 0;
    for (let j = 0; j < c; j++) q += (x[o + j] - m) * (x[o + j] - m);
    const rs = 1 / Math.sqrt(q / c + eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < c; j++) y[o + j] = (x[o + j] - m) * rs * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
}

/**
 * Gradients of layerNorm, with xhat = (x − mean)·rstd and g = dy·gamma:
 * dx = rstd·(g − mean(g) − xhat·mean(g·xhat)) per row; dGamma = Σ dy·xhat, dBeta = Σ dy over the rows.
 */
export function layerNormGrad(x: Float32Array, gamma: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array, grads: LayerNormGrads<Float32Array>, rows: number, c: number): void {
  const { dx, dGamma, dBeta } = grads;
  const sumG = new Float64Array(c);
  const sumB = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    const m = mean[r];
    const rs = rstd[r];
    let a = 0;
    let b = 0;
    for (let j = 0; j < c; j++) {
      const g = dy[o + j] * (gamma ? gamma[j] : 1);
      a += g;
      b += g * (x[o + j] - m) * rs;
    }
    a /= c;
    b /= c;
    for (let j = 0; j < c; j++) {
      const xhat = (x[o + j] - m) * rs;
      dx[o + j] = rs * (dy[o + j] * (gamma ? gamma[j] : 1) - a - xhat * b);
      sumG[j] += dy[o + j] * xhat;
      sumB[j] += dy[o + j];
    }
  }
  if (dGamma) dGamma.set(sumG);
  if (dBeta) dBeta.set(sumB);
}
