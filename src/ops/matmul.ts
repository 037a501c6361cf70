import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape } from '../tensor/shape.js';
import type { EpilogueActivation } from '../backends/interface.js';
import { record } from '../autograd/tape.js';
import { run, run1 } from '../engine/launch.js';
import { biasActivationGradK, matmulK } from './kernels.js';
import { checkTensor, requireFloat, sumToShape } from './util.js';
import { broadcastTo, reshape } from './shape.js';

export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped). */
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (a) or column
 * (b) and the added axis is removed again; leading (batch) axes broadcast.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkTensor(a, 'matmul', 'a');
  checkTensor(b, 'matmul', 'b');
  requireFloat(a, 'matmul', 'a');
  requireFloat(b, 'matmul', 'b');
  if (a.rank === 0 || b.rank === 0) throw new RangeError('matmul: operands must have rank ≥ 1; use mul() for scalars');
  const ta = options.transposeA ?? false;
  const tb = options.transposeB ?? false;
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const y = matmulND(a2, b2, a.rank === 1 ? false : ta, b.rank === 1 ? false : tb);
  let outShape = [...y.shape];
  if (a.rank === 1) outShape.splice(outShape.length - 2, 1);
  if (b.rank === 1) outShape = outShape.slice(0, -1);
  return outShape.length === y.rank ? y : reshape(y, outShape);
}

function matmulND(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const kb = tb ? bc : br;
  const n = tb ? br : bc;
  if (k !== kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: a has shape ${formatShape(a.shape)}${ta ? ' (transposed)' : ''}, ` +
        `b has shape ${formatShape(b.shape)}${tb ? ' (transposed)' : ''}; ${k} ≠ ${kb}`,
    );
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = batchShape.reduce((s, d) => s * d, 1);
  const sizeA = a.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  const sizeB = b.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  // Batch broadcasting beyond "equal or 1" is materialized first.
  const aa = sizeA === batch || sizeA === 1 ? a : broadcastTo(a, [...batchShape, ...a.shape.slice(-2)]);
  const bb = sizeB === batch || sizeB === 1 ? b : broadcastTo(b, [...batchShape, ...b.shape.slice(-2)]);
  const spec = { batchA: sizeA === 1 ? 1 : batch, batchB: sizeB === 1 ? 1 : batch, m, k, n, transA: ta, transB: tb };
  const outShape = [...batchShape, m, n];
  const y = run1(matmulK(spec), [aa, bb], outShape, 'float32');
  return record('matmul', [a, b], y, (dy, needs) => {
    // y = A·B  →  dA = dy·Bᵀ, dB = Aᵀ·dy (with the transposes folded in), then batch-reduced.
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      da = ta ? matmulND(bb, dy, tb, true) : matmulND(dy, bb, false, !tb);
      da = sumToShape(da, a.shape);
    }
    if (needs[1]) {
      db = tb ? matmulND(dy, aa, true, ta) : matmulND(aa, dy, !ta, false);
      db = sumToShape(db, b.shape);
    }
    return [da, db];
  });
}

/**
 * A dense layer's computation, fused: act(x · kernel + bias) over the last axis of x
 * (leading axes are flattened), with act 'linear' or 'relu'. One matmul whose output pass
 * adds the bias and applies the activation; the backward undoes both in one pass, then
 * two matmuls.
 */
export function dense(x: Tensor, kernel: Tensor, bias: Tensor | null = null, activation: EpilogueActivation = 'linear'): Tensor {
  const op = 'dense';
  checkTensor(x, op);
  checkTensor(kernel, op, 'kernel');
  requireFloat(x, op);
  requireFloat(kernel, op, 'kernel');
  if (kernel.rank !== 2) throw new RangeError(`${op}: kernel must have shape [inputs, units]; got ${formatShape(kernel.shape)}`);
  const [inDim, units] = kernel.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== inDim) throw new RangeError(`${op}: the last axis of x ${formatShape(x.shape)} must match the kernel's ${inDim} inputs (kernel ${formatShape(kernel.shape)})`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== units)) throw new RangeError(`${op}: bias must have shape [${units}]; got ${formatShape(bias.shape)}`);
  if (activation !== 'linear' && activation !== 'relu') throw new RangeError(`${op}: activation must be 'linear' or 'relu'; got '${String(activation)}'`);
  const rows = x.size / inDim;
  const spec = { batchA: 1, batchB: 1, m: rows, k: inDim, n: units, transA: false, transB: false };
  const fused = bias !== null || activation !== 'linear';
  const outShape = [...x.shape.slice(0, -1), units];
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  const y = run1(matmulK(spec, fused ? { bias: bias !== null, activation } : undefined), inputs, outShape, 'float32');
  return record(op, inputs, y, (dy, needs) => {
    let g = dy;
    let dbias: Tensor | null = null;
    if (fused) {
      [g, dbias] = run(biasActivationGradK(units, activation), [y, dy], [{ shape: outShape, dtype: 'float32' }, { shape: [units], dtype: 'float32' }]);
    }
    return [
      needs[0] ? run1(matmulK({ batchA: 1, batchB: 1, m: rows, k: units, n: inDim, transA: false, transB: true }), [g, kernel], x.shape, 'float32') : null,
      needs[1] ? run1(matmulK({ batchA: 1, batchB: 1, m: inDim, k: rows, n: units, transA: true, transB: false }), [x, g], kernel.shape, 'float32') : null,
      ...(bias ? [needs[2] ? dbias : null] : []),
    ];
  });
}
