/**
 * The ZCA whitening matrix of tf.keras' ImageDataGenerator.fit:
 * W = U · diag(√n / (s + ε)) · Uᵀ, where U, s are the left singular vectors and singular
 * values of the (centred) data Xᵀ (D×n). Equivalently, with the covariance C = XᵀX / n =
 * U diag(λ) Uᵀ and s = √(nλ). Computed from the smaller of the D×D covariance and the n×n
 * Gram matrix, in float64; only directions the data spans (at most min(n, D)) are kept.
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { matmul } from '../../ops/matmul.js';
import { noGrad } from '../../autograd/tape.js';
import { symmetricEigen } from './linalg.js';

/** Xᵀ X (transposeA) or X Xᵀ of the n×d float32 data, as float64. */
function gram(x: Float32Array, n: number, d: number, covariance: boolean): Float64Array {
  const t = tensor(x, [n, d]);
  const g = noGrad(() => (covariance ? matmul(t, t, { transposeA: true }) : matmul(t, t, { transposeB: true })));
  return Float64Array.from(g.dataSync());
}

/** The whitening matrix [d, d] for n samples of d values each (`x` row-major, already centred). */
export function zcaMatrix(x: Float32Array, n: number, d: number, epsilon: number): Tensor {
  const covariance = d <= n;
  const k = covariance ? d : n;
  const g = gram(x, n, d, covariance);
  for (let i = 0; i < g.length; i++) g[i] /= n;
  const { values, vectors } = symmetricEigen(g, k);
  const tol = Math.max(values[0], 0) * k * 1e-12;
  const keep: number[] = [];
  for (let j = 0; j < k; j++) if (values[j] > tol) keep.push(j);
  // U: d × r with the kept eigenvectors of the covariance as columns.
  const r = keep.length;
  const u = new Float64Array(d * r);
  if (covariance) {
    for (let i = 0; i < d; i++) for (let q = 0; q < r; q++) u[i * r + q] = vectors[i * k + keep[q]];
  } else {
    // Left singular vectors of Xᵀ from the right ones: u_j = Xᵀ v_j / √(n λ_j).
    for (let q = 0; q < r; q++) {
      const j = keep[q];
      const scale = 1 / Math.sqrt(n * values[j]);
      for (let s = 0; s < n; s++) {
        const vs = vectors[s * k + j] * scale;
        if (vs === 0) continue;
        const row = s * d;
        for (let i = 0; i < d; i++) u[i * r + q] += x[row + i] * vs;
      }
    }
  }
  const sInv = keep.map((j) => Math.sqrt(n) / (Math.sqrt(n * Math.max(values[j], 0)) + epsilon));
  const us = new Float32Array(d * r);
  for (let i = 0; i < d; i++) for (let q = 0; q < r; q++) us[i * r + q] = u[i * r + q] * sInv[q];
  const uf = Float32Array.from(u);
  return noGrad(() => matmul(tensor(us, [d, r]), tensor(uf, [d, r]), { transposeB: true }));
}
