/**
 * Model-level collectives: rank 0's weights (and optimizer state) to every rank, the epoch
 * logs averaged across ranks, and the Horovod learning-rate helpers.
 */
import type { Variable } from '../tensor/variable.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from '../ops/index.js';
import { broadcast, isDistributed, allreduceBuffer, size } from './mpi.js';

/** The parts of a model the broadcast needs. */
interface WithWeights {
  readonly weights: readonly Variable[];
}

/** What the broadcast needs of an optimizer. */
interface WithState {
  getWeights(): Tensor[];
  setWeights(ws: readonly Tensor[]): void;
}

/**
 * Every rank takes `root`'s weights (and, when it has state, the optimizer's), so training
 * starts from one model (Horovod's broadcast_global_variables). No-op in one process.
 */
export async function broadcastModel(model: WithWeights, optimizer: WithState | null = null, root = 0): Promise<void> {
  if (!isDistributed()) return;
  const weights = model.weights;
  const values = await broadcast(weights as unknown as Tensor[], root);
  weights.forEach((w, i) => w.assign(values[i]));
  if (optimizer !== null) {
    // [iterations (int32), …, slots]: slots exist once the optimizer has stepped.
    const state = optimizer.getWeights();
    if (state.length > 1) {
      const got = await broadcast(state.map((t) => (t.dtype === 'float32' ? t : cast(t, 'float32'))), root);
      optimizer.setWeights(got.map((t, i) => (state[i].dtype === 'int32' ? cast(t, 'int32') : t)));
    }
  }
}

/**
 * The numeric entries of epoch logs averaged across the ranks (every rank passes the same
 * keys): what each rank then reports and what callbacks see (Horovod's MetricAverageCallback).
 */
export function averageLogs(logs: Record<string, number>): Record<string, number> {
  if (!isDistributed()) return logs;
  const keys = Object.keys(logs).filter((k) => typeof logs[k] === 'number' && k !== 'lr').sort();
  const buffer = Float32Array.from(keys, (k) => logs[k]);
  allreduceBuffer(buffer, 'average');
  const out = { ...logs };
  keys.forEach((k, i) => (out[k] = buffer[i]));
  return out;
}

/** Horovod's rule: the learning rate times the number of ranks (the global batch grew as much). */
export function scaleLearningRate(learningRate: number): number {
  return learningRate * (isDistributed() ? size() : 1);
}
