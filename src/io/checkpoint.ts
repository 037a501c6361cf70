/**
 * Training checkpoints for exact resume: the weights, the optimizer state (iterations and
 * slots, in tf.keras 2's order), the epoch reached, the fit's shuffle seed and every random
 * generator's state (the global one and the seeded noise layers'), in one native-format file
 * written atomically. Loading one and continuing `fit` from the saved epoch with the saved
 * seed reproduces an uninterrupted run exactly (same backend).
 */
import { Tensor, fetchValues } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { getGlobalRngState, setGlobalRngState } from '../tensor/rng.js';
import { decodeWeights, encodeWeights, readFileBytes, writeFileAtomic } from './weights-format.js';

/** What a checkpoint needs from a model. */
export interface CheckpointModel {
  readonly name: string;
  readonly weights: Variable[];
  readonly trainableWeights: Variable[];
  readonly layers: readonly { readonly name: string; getRngState(): number[] | null; setRngState(s: readonly number[]): void }[];
  /** The compiled optimizer (throws when the model is not compiled). */
  readonly optimizer: { getClassName(): string; getWeights(): Tensor[]; setWeights(ws: readonly Tensor[]): void; build(vars: readonly Variable[]): void };
  readonly fitState: { seed: number; epoch: number } | null;
}

export interface CheckpointInfo {
  /** The number of epochs completed (pass it as `initialEpoch`). */
  readonly epoch: number;
  /** The fit's shuffle seed (pass it as `seed`). */
  readonly seed: number | null;
}

/** One process's random generators: the global one and the seeded layers' (by layer index). */
export interface RngStates {
  readonly global: number[];
  readonly layers: Record<string, number[]>;
}

/** What saveCheckpoint takes besides the model. */
export interface SaveCheckpointInfo extends Partial<CheckpointInfo> {
  /**
   * In a distributed job: every rank's generators, in rank order (BackupAndRestore gathers
   * them), so that each rank of a resumed job draws what it would have drawn.
   */
  readonly ranks?: readonly RngStates[];
}

/** What loadCheckpoint returns: the info, and how many ranks' generators the file holds (1 for one process). */
export interface LoadedCheckpoint extends CheckpointInfo {
  readonly ranks: number;
}

interface CheckpointHeader {
  readonly epoch: number;
  readonly seed: number | null;
  readonly optimizer: string;
  readonly optimizerArrays: number;
  /** The global generator; the seeded layers' generators by layer index (rank 0's in a job). */
  readonly rng: RngStates;
  /** In a checkpoint of a distributed job: every rank's generators. */
  readonly rngRanks?: readonly RngStates[];
  readonly weightNames: string[];
}

/**
 * Saves a checkpoint. `epoch` is the number of completed epochs (default: the running fit's
 * epoch + 1, else 0); `seed` the fit's shuffle seed (default: the running fit's).
 */
export async function saveCheckpoint(model: CheckpointModel, path: string, info: SaveCheckpointInfo = {}): Promise<void> {
  const opt = model.optimizer;
  const optWeights = opt.getWeights();
  await fetchValues([...(model.weights as Tensor[]), ...optWeights]);
  const checkpoint: CheckpointHeader = {
    epoch: info.epoch ?? (model.fitState ? model.fitState.epoch + 1 : 0),
    seed: info.seed ?? model.fitState?.seed ?? null,
    optimizer: opt.getClassName(),
    optimizerArrays: optWeights.length,
    rng: info.ranks?.[0] ?? rngStates(model),
    ...(info.ranks !== undefined && info.ranks.length > 1 ? { rngRanks: info.ranks } : {}),
    weightNames: model.weights.map((w) => w.name),
  };
  // Arrays are matched by position on load (layer names are numbered per process).
  const named = [
    ...model.weights.map((w, i) => ({ name: `model/${i}`, tensor: w as Tensor })),
    ...optWeights.map((t, i) => ({ name: `optimizer/${i}`, tensor: t })),
  ];
  await writeFileAtomic(path, encodeWeights(named, { model: model.name, checkpoint }));
}

/** This process's generator states: the global one and each seeded layer's. */
export function rngStates(model: Pick<CheckpointModel, 'layers'>): RngStates {
  const layers: Record<string, number[]> = {};
  model.layers.forEach((l, i) => {
    const st = l.getRngState();
    if (st !== null) layers[String(i)] = st;
  });
  return { global: getGlobalRngState(), layers };
}

/**
 * Restores a checkpoint (a file, or its bytes) into a model built and compiled like the one
 * that saved it. `rank` picks that rank's generators in a checkpoint of a distributed job
 * (rank 0's when the file holds fewer ranks).
 */
export async function loadCheckpoint(model: CheckpointModel, source: string | Uint8Array, options: { readonly rank?: number } = {}): Promise<LoadedCheckpoint> {
  const path = typeof source === 'string' ? source : 'checkpoint bytes';
  const { header, tensors } = decodeWeights(typeof source === 'string' ? await readFileBytes(source) : source, path);
  const cp = header.checkpoint as CheckpointHeader | undefined;
  if (!cp) throw new Error(`loadCheckpoint: ${path} is not a training checkpoint (no checkpoint header); use loadWeights for a weights file`);
  const where = `loadCheckpoint(${path})`;
  const rank = options.rank ?? 0;
  const rng = cp.rngRanks?.[rank] ?? cp.rng;
  if (cp.weightNames.length !== model.weights.length) {
    throw new Error(`${where}: the checkpoint holds ${cp.weightNames.length} weights but model ${model.name} has ${model.weights.length}`);
  }
  const values = model.weights.map((w, i) => {
    const t = tensors.get(`model/${i}`) as Tensor;
    if (t.shape.join(',') !== w.shape.join(',')) {
      throw new Error(`${where}: weight ${i} ('${cp.weightNames[i]}' in the file, '${w.name}' in the model) has shape [${t.shape.join(', ')}] in the file but [${w.shape.join(', ')}] in the model`);
    }
    return t;
  });
  const opt = model.optimizer;
  if (opt.getClassName() !== cp.optimizer) throw new Error(`${where}: the checkpoint was saved with optimizer ${cp.optimizer}; the model is compiled with ${opt.getClassName()}`);
  const optValues = Array.from({ length: cp.optimizerArrays }, (_, i) => tensors.get(`optimizer/${i}`) as Tensor);
  for (const i of Object.keys(rng.layers)) {
    if (model.layers[Number(i)]?.getRngState() == null) throw new Error(`${where}: the checkpoint has a random state for layer ${i}, which has no generator of its own in model ${model.name}`);
  }
  // Everything checked: now change the model.
  values.forEach((t, i) => model.weights[i].assign(t));
  opt.build(model.trainableWeights);
  opt.setWeights(optValues);
  setGlobalRngState(rng.global);
  for (const [i, st] of Object.entries(rng.layers)) model.layers[Number(i)].setRngState(st);
  return { epoch: cp.epoch, seed: cp.seed, ranks: cp.rngRanks?.length ?? 1 };
}
