import { Tensor } from '../tensor/tensor.js';
import { normalizeAxis } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { run1 } from '../engine/launch.js';
import { unaryOp } from './elementwise.js';
import { softmaxGradK, softmaxK } from './kernels.js';
import { checkTensor, requireFloat } from './util.js';

/** max(x, 0). */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** min(max(x, 0), 6). */
export const relu6 = (x: Tensor): Tensor => unaryOp('relu6', x);
/** x for x > 0, alpha·x otherwise (tf.nn.leaky_relu's default alpha 0.2; Keras' LeakyReLU layer passes 0.3). */
export const leakyRelu = (x: Tensor, alpha = 0.2): Tensor => unaryOp('leakyRelu', x, { alpha, beta: 0 });
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp('elu', x, { alpha, beta: 0 });
/** Scaled ELU with the self-normalizing constants (α ≈ 1.67326, λ ≈ 1.05070). */
export const selu = (x: Tensor): Tensor => unaryOp('selu', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** clip(alpha·x + beta, 0, 1); Keras 2's hard_sigmoid is alpha 0.2, beta 0.5. */
export const hardSigmoid = (x: Tensor, alpha = 0.2, beta = 0.5): Tensor => unaryOp('hardSigmoid', x, { alpha, beta });
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** log(1 + eˣ), computed stably. */
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
/** x / (1 + |x|). */
export const softsign = (x: Tensor): Tensor => unaryOp('softsign', x);
/** x·sigmoid(x) (also called SiLU). */
export const swish = (x: Tensor): Tensor => unaryOp('swish', x);
/** Gaussian error linear unit; exact (erf) by default as in Keras, or the tanh approximation. */
export const gelu = (x: Tensor, approximate = false): Tensor => unaryOp(approximate ? 'geluTanh' : 'gelu', x);
/** 1 where x > 0, alpha elsewhere (gradient zero). */
/** x·tanh(softplus(x)) (Keras 3's mish). */
export const mish = (x: Tensor): Tensor => unaryOp('mish', x);
/** x·relu6(x + 3)/6 (Keras 3's hard_silu / hard_swish). */
export const hardSwish = (x: Tensor): Tensor => unaryOp('hardSwish', x);
export const step = (x: Tensor, alpha = 0): Tensor => unaryOp('step', x, { alpha, beta: 0 });
/** x where x > theta, 0 elsewhere (Keras ThresholdedReLU; theta defaults to 1). */
export const thresholdedRelu = (x: Tensor, theta = 1): Tensor => unaryOp('thresholdedRelu', x, { alpha: theta, beta: 0 });

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  checkTensor(x, op);
  requireFloat(x, op);
  if (x.rank === 0) throw new RangeError(`${op}: needs a tensor of rank ≥ 1; got a scalar`);
  const ax = normalizeAxis(axis, x.rank, op);
  const n = x.shape[ax];
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const y = run1(softmaxK(outer, n, inner, log), [x], x.shape, 'float32');
  return record(op, [x], y, (dy) => [run1(softmaxGradK(outer, n, inner, log), [y, dy], x.shape, 'float32')]);
}

/** exp(x) / Σ exp(x) along `axis` (default the last). */
export const softmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, false);
/** x − logΣexp(x) along `axis`, computed stably. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, true);
