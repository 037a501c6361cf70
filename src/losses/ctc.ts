/**
 * CTC (Connectionist Temporal Classification) loss, as Keras 3 defines it
 * (`keras.ops.ctc_loss`, `keras.losses.ctc`, `keras.losses.CTC`): the negative log
 * likelihood of a label sequence summed over every alignment of it to the time steps,
 * with blanks between and around the labels and repeats merged.
 *
 * The forward (alpha) recursion runs in log space over the extended label sequence
 * (blank, l₁, blank, l₂, …, blank; S = 2L + 1 states) one time step at a time, each step
 * a handful of ops on [batch, S] tensors (pad, gather of the three predecessor states,
 * add, logSumExp), so autograd gives the gradient and every backend runs it unchanged.
 * Unreachable states hold −1e30 instead of −∞, so no step produces NaN; a label sequence
 * that cannot be aligned (it needs more time steps than there are) gets a loss of about
 * 1e30 (PyTorch gives inf, Keras' JAX/NumPy backends a value near 1e5).
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import {
  add, cast, checkValues, concat, equal, expandDims, gather, greater, less, logSoftmax, logSumExp, matmul, mul, neg, notEqual, oneHot, pad, reshape, slice, sum, unstack, where,
} from '../ops/index.js';
import { type LossArgs, Loss, checkTensorArg } from './loss.js';
import { describe } from './args.js';

/** The log-probability given to states no path reaches (finite, so sums and gradients stay finite). */
const NEG = -1e30;

/** An int32 [batch] vector of lengths from a tensor of shape [batch] or [batch, 1], or a list. */
function lengthVector(v: Tensor | readonly number[], batch: number, who: string, arg: string): Tensor {
  const t = Array.isArray(v) ? tensor(v as number[], [v.length], 'int32') : checkTensorArg(v, who, arg);
  if (t.size !== batch || t.rank > 2 || (t.rank === 2 && t.shape[1] !== 1)) {
    throw new RangeError(`${who}: ${arg} must have one length per sample, shape [${batch}]; got ${formatShape(t.shape)}`);
  }
  return reshape(cast(t, 'int32'), [batch]);
}

/** A constant [rows, cols] float32 tensor from a function of (row, col). */
function table(rows: number, cols: number, f: (r: number, c: number) => number): Tensor {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = f(r, c);
  return tensor(data, [rows, cols]);
}

/** Checks labels (within their lengths) and lengths as a launch, so it runs inside plans too. */
function checkCtcValues(who: string, labels: Tensor, labelLen: Tensor, outLen: Tensor | null, classes: number, frames: number): void {
  const L = labels.shape[1];
  checkValues(outLen === null ? [labels, labelLen] : [labels, labelLen, outLen], ([lab, len, out]) => {
    for (let b = 0; b < len.length; b++) {
      if (len[b] < 0 || len[b] > L) return `${who}: label length ${len[b]} of sample ${b} is outside [0, ${L}]`;
      if (out !== undefined && (out[b] < 1 || out[b] > frames)) return `${who}: output length ${out[b]} of sample ${b} is outside [1, ${frames}]`;
      for (let i = 0; i < len[b]; i++) {
        const l = lab[b * L + i];
        if (l < 0 || l >= classes) return `${who}: label ${l} (sample ${b}, position ${i}) is outside [0, ${classes})`;
      }
    }
    return null;
  });
}

/**
 * Per-sample CTC losses −log p(target | output), shape [batch] (Keras 3's
 * `keras.ops.ctc_loss(target, output, target_length, output_length, mask_index)`).
 *
 * @param target  labels [batch, maxLabelLength] (int32 or float32 holding integers); entries
 *                past a sample's length are ignored.
 * @param output  logits [batch, time, classes]; a log-softmax over the classes is applied,
 *                as Keras does (pass logits, not probabilities).
 * @param targetLength  the number of labels of each sample, [batch].
 * @param outputLength  the number of valid time steps of each sample, [batch] (in [1, time]);
 *                null: every time step of every sample (skips the per-step masking).
 * @param maskIndex  the blank class (Keras' default 0).
 */
export function ctcLoss(target: Tensor, output: Tensor, targetLength: Tensor | readonly number[], outputLength: Tensor | readonly number[] | null, maskIndex = 0): Tensor {
  const who = 'ctcLoss';
  checkTensorArg(target, who, 'target');
  checkTensorArg(output, who, 'output');
  if (target.rank !== 2) throw new RangeError(`${who}: target must have shape [batch, maxLabelLength] (integer labels); got ${formatShape(target.shape)}`);
  if (output.rank !== 3) throw new RangeError(`${who}: output must have shape [batch, time, classes] (logits); got ${formatShape(output.shape)}`);
  const [B, T, K] = output.shape;
  const L = target.shape[1];
  if (target.shape[0] !== B) throw new RangeError(`${who}: target ${formatShape(target.shape)} and output ${formatShape(output.shape)} have different batch sizes`);
  if (T === 0) throw new RangeError(`${who}: output has no time steps (${formatShape(output.shape)})`);
  if (!Number.isInteger(maskIndex) || maskIndex < 0 || maskIndex >= K) throw new RangeError(`${who}: maskIndex must be an integer in [0, ${K}); got ${describe(maskIndex)}`);
  const labels = cast(target, 'int32');
  const labelLen = lengthVector(targetLength, B, who, 'targetLength');
  const outLen = outputLength === null ? null : lengthVector(outputLength, B, who, 'outputLength');
  checkCtcValues(who, labels, labelLen, outLen, K, T);

  const S = 2 * L + 1;
  // Extended labels [B, S]: blank, l1, blank, l2, …, blank (states past a sample's length are never read out).
  const blank = (n: number): Tensor => tensor(new Int32Array(B * n).fill(maskIndex), [B, n], 'int32');
  const extended = L === 0 ? blank(1) : concat([reshape(concat([expandDims(blank(L), -1), expandDims(labels, -1)], 2), [B, 2 * L]), blank(1)], 1);
  // log p(ext[s] at t), [B, T, S].
  const logProbs = logSoftmax(cast(output, 'float32'), -1);
  const emit = matmul(logProbs, oneHot(extended, K), { transposeB: true });
  // A path may skip the blank between two labels that differ: state s ← s − 2 for odd s ≥ 3.
  const extF = cast(extended, 'float32');
  const twoBack = S >= 3 ? pad(gather(extF, Array.from({ length: S - 2 }, (_, s) => s), 1), [[0, 0], [2, 0]], 'constant', -1) : null;
  const odd = table(1, S, (_, s) => (s % 2 === 1 && s >= 3 ? 1 : 0));
  const skip = twoBack === null ? tensor(new Float32Array(B * S).fill(NEG), [B, S]) : where(greater(mul(notEqual(extF, twoBack), odd), 0), 0, NEG);
  // Per-step additions to the three predecessors (s, s − 1, s − 2) of each state: [B, T, S, 3].
  const zeros = tensor(new Float32Array(B * S), [B, S, 1]);
  const moves = expandDims(concat([zeros, zeros, expandDims(skip, -1)], 2), 1);
  const steps = unstack(add(expandDims(emit, -1), moves), 1);
  // Predecessor s − j of state s sits at column s + 2 − j of alpha padded with two NEG columns.
  const preds = tensor(Int32Array.from({ length: S * 3 }, (_, i) => Math.floor(i / 3) + 2 - (i % 3)), [S, 3], 'int32');
  let alpha = add(reshape(slice(emit, [0, 0, 0], [B, 1, S]), [B, S]), table(1, S, (_, s) => (s < 2 ? 0 : NEG)));
  // With output lengths, a sample's alpha stops changing after its last step.
  const frames = outLen === null ? null : reshape(cast(outLen, 'float32'), [B, 1]);
  for (let t = 1; t < T; t++) {
    const padded = pad(alpha, [[0, 0], [2, 0]], 'constant', NEG);
    const next = logSumExp(add(gather(padded, preds, 1), steps[t]), -1);
    alpha = frames === null ? next : where(less(t, frames), next, alpha);
  }
  // The sequence ends in its last label (s = 2·len − 1) or the blank after it (s = 2·len).
  const ends = mul(cast(labelLen, 'float32'), 2);
  const col = table(1, S, (_, s) => s);
  const isEnd = add(equal(col, reshape(ends, [B, 1])), equal(col, reshape(add(ends, -1), [B, 1])));
  return neg(logSumExp(add(alpha, where(greater(isEnd, 0), 0, NEG)), -1));
}

/**
 * Keras 3's `keras.losses.ctc(y_true, y_pred)`: per-sample CTC losses with blank class 0,
 * every time step of `yPred` used, and each label sequence's length the number of its
 * non-zero entries (0 pads, so labels are 1 … classes − 1).
 *
 * @param yTrue  [batch, maxLabelLength] integer labels, 0-padded.
 * @param yPred  [batch, time, classes] logits (not softmax outputs: a log-softmax is applied).
 */
export function ctc(yTrue: Tensor, yPred: Tensor): Tensor {
  checkTensorArg(yTrue, 'ctc', 'yTrue');
  checkTensorArg(yPred, 'ctc', 'yPred');
  if (yTrue.rank !== 2) throw new RangeError(`ctc: y_true must have shape [batch, maxLabelLength] (integer labels); got ${formatShape(yTrue.shape)}`);
  if (yPred.rank !== 3) throw new RangeError(`ctc: y_pred must have shape [batch, time, classes] (logits); got ${formatShape(yPred.shape)}`);
  const labels = cast(yTrue, 'int32');
  return ctcLoss(labels, yPred, sum(cast(notEqual(labels, 0), 'int32'), -1), null, 0);
}

/**
 * CTC loss (Keras 3's `keras.losses.CTC`, identifier 'ctc'): yTrue [batch, maxLabelLength]
 * integer labels padded with 0 (0 is the blank and never a label), yPred [batch, time,
 * classes] logits. The per-sample losses are those of `ctc`; reduction and sample weights
 * as every loss ('sum_over_batch_size': the mean over the batch).
 */
export class CTC extends Loss {
  constructor(args: LossArgs = {}) {
    super(args ?? {}, 'ctc');
  }

  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return ctc(yTrue, yPred);
  }

  getClassName(): string {
    return 'CTC';
  }
}
