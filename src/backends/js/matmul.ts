import { type TypedArray, allocFloat32 } from '../../tensor/dtype.js';
import type { Epilogue, MatmulSpec } from '../interface.js';
import { applyEpilogue } from './conv.js';

const KB = 128; // rows of B kept hot per pass
const NB = 512; // columns of B/C per pass

/**
 * C[m×n] += A[m×k] · B[k×n], all row-major at the given offsets. Blocked over k and n so
 * the B panel stays in cache; four rows of B are combined per C update.
 */
export function gemmNN(a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(p0 + KB, k);
    for (let j0 = 0; j0 < n; j0 += NB) {
      const j1 = Math.min(j0 + NB, n);
      for (let i = 0; i < m; i++) {
        const aRow = aOff + i * k;
        const cRow = cOff + i * n;
        let p = p0;
        for (; p + 3 < p1; p += 4) {
          const a0 = a[aRow + p];
          const a1 = a[aRow + p + 1];
          const a2 = a[aRow + p + 2];
          const a3 = a[aRow + p + 3];
          const b0 = bOff + p * n;
          const b1 = b0 + n;
          const b2 = b1 + n;
          const b3 = b2 + n;
          for (let j = j0; j < j1; j++) c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
        }
        for (; p < p1; p++) {
          const av = a[aRow + p];
          if (av === 0) continue;
          const b0 = bOff + p * n;
          for (let j = j0; j < j1; j++) c[cRow + j] += av * b[b0 + j];
        }
      }
    }
  }
}

/** C[m×n] += A[k×m]ᵀ · B[k×n]: a sum of rank-1 updates, no transposed copy needed. */
export function gemmTN(a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  for (let p = 0; p < k; p++) {
    const aRow = aOff + p * m;
    const bRow = bOff + p * n;
    for (let i = 0; i < m; i++) {
      const av = a[aRow + i];
      if (av === 0) continue;
      const cRow = cOff + i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}

/** C[m×n] += A[m×k] · B[n×k]ᵀ: dot products of contiguous rows. */
export function gemmNT(a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const bRow = bOff + j * k;
      let s0 = 0;
      let s1 = 0;
      let p = 0;
      for (; p + 1 < k; p += 2) {
        s0 += a[aRow + p] * b[bRow + p];
        s1 += a[aRow + p + 1] * b[bRow + p + 1];
      }
      if (p < k) s0 += a[aRow + p] * b[bRow + p];
      c[cOff + i * n + j] += s0 + s1;
    }
  }
}

function transposed(x: Float32Array, off: number, rows: number, cols: number): Float32Array {
  const out = allocFloat32(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[off + r * cols + c];
  return out;
}

/**
 * Batched C = op(A)·op(B) into `c` `[max(batchA, batchB), m, n]`; batchA/batchB of 1
 * broadcast against the other. The epilogue, if any, applies act(C + bias) over C's rows.
 */
export function matmul(a: Float32Array, b: Float32Array, c: Float32Array, spec: MatmulSpec, epilogue?: Epilogue<TypedArray>): void {
  product(a, b, c, spec);
  applyEpilogue(c, spec.n, epilogue);
}

/** c = op(A)·op(B): zeroed first, since the gemm kernels accumulate. */
function product(a: Float32Array, b: Float32Array, out: Float32Array, spec: MatmulSpec): void {
  const { batchA, batchB, m, k, n, transA, transB } = spec;
  const batch = Math.max(batchA, batchB);
  out.fill(0, 0, batch * m * n);
  for (let t = 0; t < batch; t++) {
    const aOff = (batchA === 1 ? 0 : t) * m * k;
    const bOff = (batchB === 1 ? 0 : t) * k * n;
    const cOff = t * m * n;
    if (!transA && !transB) gemmNN(a, aOff, b, bOff, out, cOff, m, k, n);
    else if (transA && !transB) gemmTN(a, aOff, b, bOff, out, cOff, m, k, n);
    else if (!transA && transB) gemmNT(a, aOff, b, bOff, out, cOff, m, k, n);
    else gemmNN(transposed(a, aOff, k, m), 0, transposed(b, bOff, n, k), 0, out, cOff, m, k, n);
  }
}
