/**
 * Horovod's DistributedOptimizer: the gradients of every step are averaged across the ranks
 * (one fused allreduce for all of them) before the wrapped optimizer applies them, so every
 * rank takes the same step on the same weights. In a job of one process it changes nothing.
 */
import { Tensor } from '../tensor/tensor.js';
import type { GradAndVar, Optimizer } from '../optimizers/optimizer.js';
import { allreduceBuffer, isDistributed } from './mpi.js';

const WRAPPED = Symbol('neurite.distributed');

/** Whether `optimizer` averages its gradients across the ranks (DistributedOptimizer). */
export function isDistributedOptimizer(optimizer: Optimizer): boolean {
  return (optimizer as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

/**
 * Makes `optimizer` average (or sum, `op: 'sum'`) its gradients across the job's ranks before
 * each update, and returns it (the same object: its class, config and saved state stay the
 * wrapped optimizer's, as Horovod's). Gradients must be in host memory (native or js backend).
 */
export function DistributedOptimizer<O extends Optimizer>(optimizer: O, options: { readonly op?: 'average' | 'sum' } = {}): O {
  const op = options.op ?? 'average';
  if (op !== 'average' && op !== 'sum') throw new RangeError(`DistributedOptimizer: op must be 'average' or 'sum'; got ${JSON.stringify(op)}`);
  if (isDistributedOptimizer(optimizer)) return optimizer;
  const apply = optimizer.applyGradients.bind(optimizer);
  // One fused buffer, kept from step to step: a fresh one would cost its page faults at
  // every step (about 1 ms per MB on a VM), more than the allreduce itself on one machine.
  let fused = new Float32Array(0);
  optimizer.applyGradients = (gradsAndVars: ReadonlyArray<GradAndVar>): void => {
    if (!isDistributed()) {
      apply(gradsAndVars);
      return;
    }
    const length = gradsAndVars.reduce((n, [, v]) => n + v.size, 0);
    if (fused.length !== length) fused = new Float32Array(length);
    // Null gradients (variables the loss does not reach) travel as zeros: every rank must
    // send the same layout.
    let at = 0;
    for (const [g, v] of gradsAndVars) {
      if (g === null) fused.fill(0, at, at + v.size);
      else {
        const host = g.storage.peek();
        if (host === null) throw new Error(`DistributedOptimizer: gradients in ${g.storage.memory.name} memory; distributed training runs on the native or js backend`);
        fused.set(host as Float32Array, at);
      }
      at += v.size;
    }
    allreduceBuffer(fused, op);
    // The averaged gradients are views of the buffer, which the update reads now, before
    // the next step refills it. (Not written back into the gradients' own storages: a plan
    // may hand out a constant's, an input's or a kept buffer as a gradient.)
    at = 0;
    apply(
      gradsAndVars.map(([g, v]) => {
        const mine = fused.subarray(at, at + v.size);
        at += v.size;
        return [g === null ? null : new Tensor(mine, [...v.shape]), v] as const;
      }),
    );
  };
  (optimizer as unknown as Record<symbol, unknown>)[WRAPPED] = true;
  return optimizer;
}
