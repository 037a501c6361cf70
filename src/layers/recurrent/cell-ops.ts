/**
 * Pieces of the cells' computations shared by SimpleRNN, LSTM and GRU. Each gate works on
 * its own column block of the kernels, so a step never slices a [batch, gates·units]
 * product (slicing costs a full-size gradient per gate and step): the input projection of
 * gate k is one GEMM over the whole sequence, x·W_k + b_k, and the step computes h·U_k.
 *
 * Dropout follows Keras: one input mask for all gates normally (implementation 2); with
 * recurrent dropout, Keras switches to implementation 1: one input mask and one recurrent
 * mask per gate. Masks are drawn once per call and shared by all time steps.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { dense, gather, matmul, mul, reshape, slice } from '../../ops/index.js';
import { getActivation, type ActivationFn } from '../../activations/index.js';

/** Columns [k·units, (k+count)·units) of a [rows, gates·units] matrix: the block of gate k. */
export function gateBlock(w: Tensor, k: number, units: number, count = 1): Tensor {
  return slice(w, [0, k * units], [w.shape[0], count * units]);
}

/** Elements [k·units, (k+1)·units) of a [gates·units] bias. */
export function biasBlock(b: Tensor, k: number, units: number): Tensor {
  return slice(b, [k * units], [units]);
}

/** Row r of a [2, gates·units] bias (GRU with resetAfter: 0 input bias, 1 recurrent bias); a gather, whose gradient is a plain scatter. */
export function biasRow(b: Tensor, r: number): Tensor {
  return reshape(gather(b, [r], 0), [b.shape[1]]);
}

/**
 * x·W_k + b_k for every step of a time-major [time, batch, features] sequence and every
 * gate k: one GEMM per gate, [time, batch, units] each. `masks`: one input dropout mask
 * ([batch, features]) for all gates or one per gate.
 */
export function gateProjections(xT: Tensor, kernel: Tensor, bias: Tensor | null, masks: readonly Tensor[] | null, gates: number, units: number): Tensor[] {
  const shared = masks !== null && masks.length === 1 ? mul(xT, masks[0]) : xT;
  return Array.from({ length: gates }, (_, k) => {
    const x = masks !== null && masks.length > 1 ? mul(xT, masks[k]) : shared;
    const w = gates === 1 ? kernel : gateBlock(kernel, k, units);
    const b = bias === null ? null : gates === 1 ? bias : biasBlock(bias, k, units);
    return dense(x, w, b);
  });
}

/** The recurrent kernel's gate blocks U_k (the step's params). */
export function recurrentBlocks(recurrentKernel: Tensor, gates: number, units: number): Tensor[] {
  return gates === 1 ? [recurrentKernel] : Array.from({ length: gates }, (_, k) => gateBlock(recurrentKernel, k, units));
}

/** h·U_k, with gate k's recurrent dropout mask when there is one. */
export function recurrentTerm(h: Tensor, block: Tensor, masks: readonly Tensor[] | null, k: number): Tensor {
  return matmul(masks === null ? h : mul(h, masks[k]), block);
}

const TANH = getActivation('tanh').fn;
const SIGMOID = getActivation('sigmoid').fn;

/** Whether a cell uses Keras' default activations (tanh, recurrent sigmoid): the ones the fused kernels implement. */
export function defaultActivations(activation: ActivationFn, recurrentActivation: ActivationFn): boolean {
  return activation === TANH && recurrentActivation === SIGMOID;
}
