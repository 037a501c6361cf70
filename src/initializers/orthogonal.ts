/**
 * The Orthogonal initializer (Keras' definition): the Q factor of the QR decomposition of
 * a standard normal matrix, with Keras' sign correction, so that the result is uniformly
 * (Haar) distributed over matrices with orthonormal rows or columns.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { DataType } from '../tensor/dtype.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { rngFor } from '../tensor/rng.js';
import type { ConfigDict } from '../utils/serialization.js';
import { RandomInitializer } from './initializer.js';
import { numberArg, seedArg } from './config.js';

export interface OrthogonalArgs {
  /** Factor applied to the orthogonal matrix. Default 1. */
  readonly gain?: number;
  /** Seed: the same seed gives the same tensor on every call; omitted, the global generator is used. */
  readonly seed?: number;
}

/**
 * An orthogonal matrix (`'orthogonal'`). A shape [d₀, …, dₖ₋₁, c] is treated as a matrix
 * with r = d₀·…·dₖ₋₁ rows and c columns: with r ≥ c its columns are orthonormal (WᵀW = I),
 * otherwise its rows are (WWᵀ = I); the result is reshaped back and multiplied by `gain`.
 *
 * As in Keras: draw A ~ N(0, 1) of shape [max(r, c), min(r, c)], factor A = QR, multiply
 * each column of Q by the sign of the matching diagonal entry of R (which makes the factor
 * unique and its distribution uniform), and transpose when r < c.
 */
export class Orthogonal extends RandomInitializer {
  readonly gain: number;

  constructor(args: OrthogonalArgs = {}) {
    super(seedArg(args.seed, 'Orthogonal'));
    this.gain = numberArg(args.gain, 1, 'gain', 'Orthogonal');
  }

  call(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    this.checkCall(shape, dtype, true);
    if (shape.length < 2) {
      throw new RangeError(`Orthogonal: the tensor to initialize must be at least 2-D; got shape ${formatShape(shape)} of rank ${shape.length}`);
    }
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const out = new Float32Array(rows * cols);
    if (n === 0) return tensor(out, shape);
    // The draws randomNormal([m, n], { seed }) makes, taken on the host (the factorization
    // runs here, and a GPU tensor could not be read back synchronously).
    const a = new Float32Array(m * n);
    const rng = rngFor(this.seed);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    // Column-major copy: the factorization walks down columns.
    const colMajor = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) colMajor[j * m + i] = a[i * n + j];
    const q = orthonormalFactor(colMajor, m, n);
    if (rows >= cols) {
      // W = Q (m × n), row-major.
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = this.gain * q[j * m + i];
    } else {
      // W = Qᵀ (n × m): Q's column-major storage is Qᵀ in row-major order.
      for (let k = 0; k < m * n; k++) out[k] = this.gain * q[k];
    }
    return tensor(out, shape);
  }

  getClassName(): string {
    return 'Orthogonal';
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), gain: this.gain };
  }
}

/**
 * The Q factor (m × n, column-major) of the thin QR decomposition A = QR of an m × n
 * matrix (m ≥ n, column-major), normalized so that R's diagonal is non-negative: Keras'
 * `q *= sign(diag(r))`. Householder reflections in float64; for a full-rank A this Q is
 * unique, so it does not depend on how the factorization was computed.
 */
export function orthonormalFactor(a: Float64Array, m: number, n: number): Float64Array {
  const work = a.slice();
  const reflectors: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const { v, alpha } = householderVector(work, m, k);
    rDiag[k] = alpha;
    reflectors.push(v);
    for (let j = k + 1; j < n; j++) reflect(work, m, j, k, v);
  }
  // Q = H₀·H₁·…·Hₙ₋₁ applied to the first n columns of the identity, last reflector first;
  // Hₖ leaves columns j < k of the identity alone.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    for (let j = k; j < n; j++) reflect(q, m, j, k, reflectors[k]);
  }
  // Sign correction (a zero diagonal entry, which has probability 0, keeps its column).
  for (let j = 0; j < n; j++) {
    if (rDiag[j] < 0) for (let i = 0; i < m; i++) q[j * m + i] = -q[j * m + i];
  }
  return q;
}

/**
 * The unit Householder vector v (over rows k…m−1) with (I − 2vvᵀ)x = αe₁ for x the part
 * of column k from row k down, choosing α = −sign(x₀)‖x‖ to avoid cancellation. A zero
 * column gives v = 0 (no reflection) and α = 0.
 */
function householderVector(a: Float64Array, m: number, k: number): { v: Float64Array; alpha: number } {
  const base = k * m;
  let norm = 0;
  for (let i = k; i < m; i++) norm += a[base + i] * a[base + i];
  norm = Math.sqrt(norm);
  const v = new Float64Array(m - k);
  if (norm === 0) return { v, alpha: 0 };
  const alpha = a[base + k] >= 0 ? -norm : norm;
  for (let i = k; i < m; i++) v[i - k] = a[base + i];
  v[0] -= alpha;
  let vNorm = 0;
  for (let i = 0; i < v.length; i++) vNorm += v[i] * v[i];
  vNorm = Math.sqrt(vNorm);
  for (let i = 0; i < v.length; i++) v[i] /= vNorm;
  return { v, alpha };
}

/** Applies I − 2vvᵀ (v over rows k…m−1) to column j of the column-major matrix a, in place. */
function reflect(a: Float64Array, m: number, j: number, k: number, v: Float64Array): void {
  const base = j * m + k;
  const len = v.length;
  const end4 = len - (len % 4);
  // Four partial sums: independent chains run faster than one serial sum.
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  for (let i = 0; i < end4; i += 4) {
    d0 += v[i] * a[base + i];
    d1 += v[i + 1] * a[base + i + 1];
    d2 += v[i + 2] * a[base + i + 2];
    d3 += v[i + 3] * a[base + i + 3];
  }
  for (let i = end4; i < len; i++) d0 += v[i] * a[base + i];
  const dot = d0 + d1 + d2 + d3;
  if (dot === 0) return;
  const s = 2 * dot;
  for (let i = 0; i < len; i++) a[base + i] -= s * v[i];
}
