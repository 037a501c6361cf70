import type { ReduceOp } from '../interface.js';
import type { TypedArray } from '../../tensor/dtype.js';

const INIT: Record<ReduceOp, number> = { sum: 0, mean: 0, prod: 1, max: -Infinity, min: Infinity };

function combine(op: ReduceOp): (acc: number, v: number) => number {
  switch (op) {
    case 'sum':
    case 'mean':
      return (acc, v) => acc + v;
    case 'prod':
      return (acc, v) => acc * v;
    case 'max':
      return (acc, v) => (v > acc || Number.isNaN(v) ? v : acc);
    case 'min':
      return (acc, v) => (v < acc || Number.isNaN(v) ? v : acc);
  }
}

/** Reduces the middle axis of `[outer, n, inner]` into out `[outer, inner]`, accumulating in float64. */
export function reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, n: number, inner: number): void {
  const f = combine(op);
  const init = INIT[op];
  const scale = op === 'mean' ? 1 / n : 1;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = init;
      const base = o * n;
      if (op === 'sum' || op === 'mean') for (let r = 0; r < n; r++) acc += x[base + r];
      else for (let r = 0; r < n; r++) acc = f(acc, x[base + r]);
      out[o] = op === 'mean' ? acc * scale : acc;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    for (let r = 0; r < n; r++) {
      const base = (o * n + r) * inner;
      if (op === 'sum' || op === 'mean') for (let i = 0; i < inner; i++) acc[i] += x[base + i];
      else for (let i = 0; i < inner; i++) acc[i] = f(acc[i], x[base + i]);
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i] * scale;
  }
}

/** Index of the first extreme value along the middle axis (NaN counts as the extreme) into out `[outer, inner]`. */
export function argReduce(op: 'argmax' | 'argmin', x: TypedArray, out: Int32Array, outer: number, n: number, inner: number): void {
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x[o * n * inner + i];
      let idx = 0;
      for (let r = 1; r < n; r++) {
        const v = x[(o * n + r) * inner + i];
        if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          idx = r;
        }
      }
      out[o * inner + i] = idx;
    }
  }
}

/** Running sum or product along the middle axis (exclusive: each element gets the total before it). */
export function cumulative(op: 'sum' | 'prod', x: TypedArray, out: TypedArray, outer: number, n: number, inner: number, exclusive: boolean, reverse: boolean): void {
  const init = op === 'sum' ? 0 : 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = init;
      for (let s = 0; s < n; s++) {
        const r = reverse ? n - 1 - s : s;
        const k = (o * n + r) * inner + i;
        if (exclusive) {
          out[k] = acc;
          acc = op === 'sum' ? acc + x[k] : acc * x[k];
        } else {
          acc = op === 'sum' ? acc + x[k] : acc * x[k];
          out[k] = acc;
        }
      }
    }
  }
}

/** Softmax or log-softmax along the middle axis, max-shifted for stability. */
export function softmax(x: Float32Array, out: Float32Array, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = -Infinity;
      for (let r = 0; r < n; r++) max = Math.max(max, x[base + r * inner]);
      let sum = 0;
      for (let r = 0; r < n; r++) sum += Math.exp(x[base + r * inner] - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let r = 0; r < n; r++) out[base + r * inner] = x[base + r * inner] - lse;
      } else {
        const inv = 1 / sum;
        for (let r = 0; r < n; r++) out[base + r * inner] = Math.exp(x[base + r * inner] - max) * inv;
      }
    }
  }
}

/**
 * softmax: dx = y ⊙ (dy − Σ dy⊙y); logSoftmax: dx = dy − exp(y) ⊙ Σ dy.
 */
export function softmaxGrad(y: Float32Array, dy: Float32Array, out: Float32Array, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      if (log) {
        for (let r = 0; r < n; r++) s += dy[base + r * inner];
        for (let r = 0; r < n; r++) out[base + r * inner] = dy[base + r * inner] - Math.exp(y[base + r * inner]) * s;
      } else {
        for (let r = 0; r < n; r++) s += dy[base + r * inner] * y[base + r * inner];
        for (let r = 0; r < n; r++) out[base + r * inner] = y[base + r * inner] * (dy[base + r * inner] - s);
      }
    }
  }
}
