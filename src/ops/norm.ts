import { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { run, run1 } from '../engine/launch.js';
import { batchNormGradK, batchNormK, layerNormGradK, layerNormK } from './kernels.js';
import { checkTensor, requireFloat } from './util.js';
import { squaredDifference } from './elementwise.js';
import { type Axis, mean as reduceMean } from './reduce.js';
import { reshape } from './shape.js';

/** Mean and (biased) variance over `axes`, as tf.nn.moments. Differentiable. */
export function moments(x: Tensor, axes: Axis, keepDims = false): { mean: Tensor; variance: Tensor } {
  const m = reduceMean(x, axes, true);
  const variance = reduceMean(squaredDifference(x, m), axes, keepDims);
  return { mean: keepDims ? m : reshape(m, variance.shape), variance };
}

function channelParam(p: Tensor | null | undefined, c: number, name: string): Tensor | null {
  if (p === null || p === undefined) return null;
  checkTensor(p, 'batchNorm', name);
  requireFloat(p, 'batchNorm', name);
  if (p.size !== c) throw new RangeError(`batchNorm: ${name} must hold one value per channel (${c}); got shape ${formatShape(p.shape)}`);
  return p;
}

/**
 * (x − mean) / sqrt(variance + epsilon) · scale + offset, with per-channel parameters
 * along `axis` (default the last, NHWC). All five inputs are differentiable, so batch
 * statistics computed by `moments` get their gradient too.
 */
export function batchNorm(x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor | null, scale?: Tensor | null, epsilon = 1e-3, axis = -1): Tensor {
  const op = 'batchNorm';
  checkTensor(x, op);
  requireFloat(x, op);
  const ax = normalizeAxis(axis, x.rank, op);
  const c = x.shape[ax];
  const m = channelParam(mean, c, 'mean') as Tensor;
  const v = channelParam(variance, c, 'variance') as Tensor;
  const o = channelParam(offset, c, 'offset');
  const s = channelParam(scale, c, 'scale');
  if (!(epsilon >= 0)) throw new RangeError(`${op}: epsilon must be ≥ 0; got ${epsilon}`);
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const inputs = [x, m, v, ...(o ? [o] : []), ...(s ? [s] : [])];
  const y = run1(batchNormK(epsilon, outer, c, inner, o !== null, s !== null), inputs, x.shape, 'float32');
  return record(op, inputs, y, (dy) => {
    const param = (t: Tensor): { shape: readonly number[]; dtype: 'float32' } => ({ shape: t.shape, dtype: 'float32' });
    const [dx, dMean, dVariance, dScale, dOffset] = run(batchNormGradK(epsilon, outer, c, inner, s !== null), s ? [x, m, v, dy, s] : [x, m, v, dy], [
      param(x), param(m), param(v), { shape: s ? s.shape : [c], dtype: 'float32' }, { shape: o ? o.shape : [c], dtype: 'float32' },
    ]);
    return [dx, dMean, dVariance, ...(o ? [dOffset] : []), ...(s ? [dScale] : [])];
  });
}

/**
 * Layer normalization: each slice over the axes from `axis` to the last is normalized with
 * its own mean and (biased) variance, then scaled by `gamma` and shifted by `beta` (shaped
 * like those axes, or holding as many values):
 *   y = (x − mean) / √(variance + epsilon) · gamma + beta.
 * One kernel each way (the statistics are kept for the gradient), where the composition
 * with `moments` takes a dozen. x, gamma and beta are differentiable.
 */
export function layerNorm(x: Tensor, gamma?: Tensor | null, beta?: Tensor | null, epsilon = 1e-3, axis = -1): Tensor {
  const op = 'layerNorm';
  checkTensor(x, op);
  requireFloat(x, op);
  const ax = normalizeAxis(axis, x.rank, op);
  const c = x.shape.slice(ax).reduce((a, b) => a * b, 1);
  const rows = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const param = (p: Tensor | null | undefined, name: string): Tensor | null => {
    if (p === null || p === undefined) return null;
    checkTensor(p, op, name);
    requireFloat(p, op, name);
    if (p.size !== c) throw new RangeError(`${op}: ${name} must hold one value per normalized element (${c}); got shape ${formatShape(p.shape)}`);
    return p;
  };
  const g = param(gamma, 'gamma');
  const b = param(beta, 'beta');
  if (!(epsilon >= 0)) throw new RangeError(`${op}: epsilon must be ≥ 0; got ${epsilon}`);
  const inputs = [x, ...(g ? [g] : []), ...(b ? [b] : [])];
  const [y, mean, rstd] = run(layerNormK(epsilon, rows, c, g !== null, b !== null), inputs, [
    { shape: x.shape, dtype: 'float32' },
    { shape: [rows], dtype: 'float32' },
    { shape: [rows], dtype: 'float32' },
  ]);
  return record(op, inputs, y, (dy) => {
    const outs = [{ shape: x.shape, dtype: 'float32' as const }, ...(g ? [{ shape: g.shape, dtype: 'float32' as const }] : []), ...(b ? [{ shape: b.shape, dtype: 'float32' as const }] : [])];
    return run(layerNormGradK(rows, c, g !== null, g !== null, b !== null), g ? [x, mean, rstd, dy, g] : [x, mean, rstd, dy], outs);
  });
}
