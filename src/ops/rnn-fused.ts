/**
 * `fusedRnn`: a whole LSTM or GRU sequence as ONE op (backend rnnForward / rnnBackward),
 * for the cells' default activations (tanh, recurrent sigmoid). The input projection
 * x·W + b of every step comes in precomputed (`xw`, one big GEMM by `dense`), so autograd
 * handles W and b; this op's gradient rule is backpropagation through time in one kernel
 * call, giving d(xw), the recurrent kernel's gradient (one GEMM over all steps), the GRU
 * recurrent bias's gradient and the initial states' gradients.
 *
 * Same semantics as `scan` with the cell written as ops (layers/recurrent/lstm.ts, gru.ts):
 * Keras gate orders, masks as Keras' backend.rnn (masked steps keep the states and repeat
 * the previous output, zeros before the first step, or zeros with zeroOutputForMask),
 * goBackwards reads the steps last to first and returns the outputs in step order.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { RnnCell, RnnInfo } from '../backends/interface.js';
import { rnnGates, rnnOutputSize, rnnReserveSize } from '../backends/js/rnn.js';

export type { RnnCell } from '../backends/interface.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { type OutSpec, run } from '../engine/launch.js';
import { rnnBackwardK, rnnForwardK } from './kernels.js';
import { checkTensor, requireFloat } from './util.js';
import { cast } from './elementwise.js';
import { gather, reshape } from './shape.js';

export interface FusedRnnOptions {
  /** 'lstm' (gates i, f, c, o), 'gru' (z, r, h; resetAfter) or 'gruResetBefore' (resetAfter false). */
  readonly cell: RnnCell;
  /** Read the steps last to first (outputs are returned in step order, as Keras). */
  readonly goBackwards?: boolean;
  /** Shape `[batch, time]`: 1 runs the step, 0 keeps the states and repeats the previous output. */
  readonly mask?: Tensor | null;
  /** Masked steps output zeros instead of repeating the previous output. */
  readonly zeroOutputForMask?: boolean;
  /** Keep every step's output (default true); false returns only the last output. */
  readonly sequence?: boolean;
}

export interface FusedRnnResult {
  /** Shape `[batch, time, units]` in step order, or null with `sequence: false`. */
  readonly outputs: Tensor | null;
  /** Shape `[batch, units]`: the output of the last step (after masking). */
  readonly lastOutput: Tensor;
  /** The final states: [h] (GRU) or [h, c] (LSTM), [batch, units] each. */
  readonly states: Tensor[];
}

const OP = 'fusedRnn';

function expectShape(t: Tensor, shape: readonly number[], name: string): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${OP}: ${name} must have shape ${formatShape(shape)}; got ${formatShape(t.shape)}`);
  }
}

function checkArgs(xw: Tensor, kernel: Tensor, bias: Tensor | null, states: readonly Tensor[], o: FusedRnnOptions): RnnInfo {
  checkTensor(xw, OP, 'xw');
  checkTensor(kernel, OP, 'kernel');
  requireFloat(xw, OP, 'xw');
  requireFloat(kernel, OP, 'kernel');
  if (o.cell !== 'lstm' && o.cell !== 'gru' && o.cell !== 'gruResetBefore') {
    throw new RangeError(`${OP}: cell must be 'lstm', 'gru' or 'gruResetBefore'; got '${String(o.cell)}'`);
  }
  const gates = o.cell === 'lstm' ? 4 : 3;
  if (kernel.rank !== 2 || kernel.shape[1] !== gates * kernel.shape[0] || kernel.shape[0] === 0) {
    throw new RangeError(`${OP}: the recurrent kernel must have shape [units, ${gates}·units]; got ${formatShape(kernel.shape)}`);
  }
  const units = kernel.shape[0];
  if (xw.rank !== 3 || xw.shape[2] !== gates * units || xw.shape[1] === 0) {
    throw new RangeError(`${OP}: xw must have shape [batch, time ≥ 1, ${gates * units}]; got ${formatShape(xw.shape)}`);
  }
  const [batch, time] = xw.shape;
  if (bias !== null) {
    if (o.cell !== 'gru') throw new RangeError(`${OP}: only the 'gru' cell takes a recurrent bias (the others' biases belong in xw)`);
    checkTensor(bias, OP, 'bias');
    requireFloat(bias, OP, 'bias');
    expectShape(bias, [gates * units], 'bias');
  }
  const count = o.cell === 'lstm' ? 2 : 1;
  if (states.length !== count) throw new RangeError(`${OP}: the '${o.cell}' cell needs ${count} initial state(s); got ${states.length}`);
  states.forEach((s, i) => {
    checkTensor(s, OP, `initialStates[${i}]`);
    requireFloat(s, OP, `initialStates[${i}]`);
    expectShape(s, [batch, units], `initialStates[${i}]`);
  });
  if (o.mask) {
    checkTensor(o.mask, OP, 'mask');
    expectShape(o.mask, [batch, time], 'mask');
  }
  return { cell: o.cell, batch, time, units, goBackwards: o.goBackwards ?? false, sequence: o.sequence ?? true, zeroOutputForMask: o.zeroOutputForMask ?? false };
}

/**
 * Runs an LSTM or GRU over a whole sequence. `xw` = x·W + b for every step, [batch, time,
 * gates·units]; `kernel` the recurrent kernel [units, gates·units]; `bias` the recurrent
 * bias [3·units] of a 'gru' cell (null otherwise); `initialStates` [h] or [h, c]. Gradients
 * reach xw, kernel, bias and the initial states (not the mask).
 */
export function fusedRnn(xw: Tensor, kernel: Tensor, bias: Tensor | null, initialStates: readonly Tensor[], options: FusedRnnOptions): FusedRnnResult {
  const info = checkArgs(xw, kernel, bias, initialStates, options);
  const mask = options.mask ? (options.mask.dtype === 'float32' ? options.mask : cast(options.mask, 'float32')) : null;
  const inputs = bias ? [xw, kernel, bias, ...initialStates] : [xw, kernel, ...initialStates];
  const train = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const lstm = info.cell === 'lstm';
  const launchInputs = [xw, kernel, initialStates[0], ...(bias ? [bias] : []), ...(lstm ? [initialStates[1]] : []), ...(mask ? [mask] : [])];
  const outs: OutSpec[] = [{ shape: [rnnOutputSize(info)], dtype: 'float32' }];
  if (train) outs.push({ shape: [rnnReserveSize(info)], dtype: 'float32' });
  const [flat, reserve] = run(rnnForwardK(info, { bias: bias !== null, c0: lstm, mask: mask !== null, reserve: train }), launchInputs, outs);
  const y = !train ? flat : record(OP, inputs, flat, (dy, needs) => {
    const gu = rnnGates(info.cell) * info.units;
    const bu = [info.batch, info.units];
    const gradOuts: OutSpec[] = [{ shape: xw.shape, dtype: 'float32' }, { shape: kernel.shape, dtype: 'float32' }, { shape: bu, dtype: 'float32' }];
    if (info.cell === 'gru') gradOuts.push({ shape: [gu], dtype: 'float32' });
    if (lstm) gradOuts.push({ shape: bu, dtype: 'float32' });
    const g = run(rnnBackwardK(info, { mask: mask !== null, bias: info.cell === 'gru', c0: lstm }), mask ? [dy, kernel, reserve, mask] : [dy, kernel, reserve], gradOuts);
    const [dxw, dKernel, dh0] = g;
    let i = 3;
    const dBias = info.cell === 'gru' ? g[i++] : null;
    const dc0 = lstm ? g[i++] : null;
    const grads: (Tensor | null)[] = [needs[0] ? dxw : null, needs[1] ? dKernel : null];
    if (bias) grads.push(needs[2] && dBias ? dBias.reshape(bias.shape) : null);
    const s0 = bias ? 3 : 2;
    grads.push(needs[s0] ? dh0.reshape(initialStates[0].shape) : null);
    if (lstm) grads.push(needs[s0 + 1] && dc0 ? dc0.reshape(initialStates[1].shape) : null);
    return grads;
  });
  return unpack(y, info);
}

/**
 * Splits the packed result [outputs | last output | h | c] into tensors (differentiably).
 * Every piece is a whole number of [batch·units] rows, so the result is viewed as rows and
 * each piece gathered (its gradient is a scatter: plain copies, no per-element padding).
 */
function unpack(y: Tensor, info: RnnInfo): FusedRnnResult {
  const { batch, time, units } = info;
  const per = batch * units;
  const rows = reshape(y, [y.size / per, per]);
  let at = 0;
  const take = (count: number, shape: readonly number[]): Tensor => {
    const piece = reshape(gather(rows, Array.from({ length: count }, (_, i) => at + i), 0), shape);
    at += count;
    return piece;
  };
  const outputs = info.sequence ? take(time, [batch, time, units]) : null;
  const lastOutput = take(1, [batch, units]);
  const states = Array.from({ length: info.cell === 'lstm' ? 2 : 1 }, () => take(1, [batch, units]));
  return { outputs, lastOutput, states };
}
