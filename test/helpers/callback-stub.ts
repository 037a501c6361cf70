/**
 * A stand-in for a model under fit, and a loop that calls callbacks the way the trainer
 * does (onTrainBegin; per epoch onEpochBegin, batches, onEpochEnd; stopTraining checked
 * after each batch and epoch; onTrainEnd), fed with made-up logs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../../src/index.js';
import { CallbackList, type Callback, type CallbackModel, type Logs } from '../../src/callbacks/index.js';

/** Two weights whose values the loop sets to [epoch, -epoch] and [epoch·10] during each epoch. */
export class StubModel implements CallbackModel {
  readonly name = 'stub';
  stopTraining = false;
  readonly weights: nt.Variable[] = [new nt.Variable(nt.tensor([0, 0]), undefined, { name: 'stub/w' }), new nt.Variable(nt.tensor([0]), undefined, { name: 'stub/b' })];
  readonly optimizer = { learningRate: 0.1, iterations: 0 };

  getWeights(): nt.Tensor[] {
    return this.weights.map((w) => w.read());
  }

  setWeights(values: readonly nt.Tensor[]): void {
    this.weights.forEach((w, i) => w.assign(values[i]));
  }

  /** The weights as plain numbers (for assertions). */
  values(): number[][] {
    return this.weights.map((w) => Array.from(w.dataSync()));
  }

  /** Simulated training: the weights after epoch e. */
  train(epoch: number): void {
    this.weights[0].assign(nt.tensor([epoch, -epoch]));
    this.weights[1].assign(nt.tensor([epoch * 10]));
  }

  async saveWeights(path: string): Promise<void> {
    await writeFile(path, JSON.stringify({ kind: 'weights', values: this.values() }));
  }

  async save(path: string): Promise<void> {
    await writeFile(path, JSON.stringify({ kind: 'model', values: this.values() }));
  }
}

/** What a saved stub file holds. */
export async function readSaved(path: string): Promise<{ kind: string; values: number[][] }> {
  return JSON.parse(await readFile(path, 'utf8')) as { kind: string; values: number[][] };
}

export interface LoopOptions {
  /** Logs of each epoch's batches (onTrainBatchEnd), per epoch; default none. */
  readonly batches?: readonly (readonly Logs[])[];
  readonly initialEpoch?: number;
}

/**
 * Runs the callbacks over `epochLogs.length` epochs like fit; each epoch's logs are copied
 * before onEpochEnd. Returns the epochs that ran and the logs each epoch end saw (after
 * every callback, as History would).
 */
export async function runLoop(callbacks: Callback[], model: StubModel, epochLogs: readonly Logs[], options: LoopOptions = {}): Promise<{ epochs: number[]; logs: Logs[]; batchesRun: number[][] }> {
  const list = new CallbackList(callbacks);
  list.setModel(model);
  list.setParams({ epochs: epochLogs.length, steps: options.batches?.[0]?.length ?? null, verbose: 0 });
  model.stopTraining = false;
  const epochs: number[] = [];
  const logs: Logs[] = [];
  const batchesRun: number[][] = [];
  await list.call('onTrainBegin', {});
  for (let e = options.initialEpoch ?? 0; e < epochLogs.length && !model.stopTraining; e++) {
    await list.call('onEpochBegin', e, {});
    const ran: number[] = [];
    const batches = options.batches?.[e] ?? [];
    for (let b = 0; b < batches.length && !model.stopTraining; b++) {
      await list.call('onTrainBatchBegin', b, { batch: b, size: 32 });
      model.optimizer.iterations++;
      await list.call('onTrainBatchEnd', b, { ...batches[b] });
      ran.push(b);
    }
    batchesRun.push(ran);
    model.train(e);
    const epochLog: Logs = { ...epochLogs[e] };
    await list.call('onEpochEnd', e, epochLog);
    epochs.push(e);
    logs.push(epochLog);
  }
  await list.call('onTrainEnd', {});
  return { epochs, logs, batchesRun };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'neurite-callbacks-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Epoch logs with the monitored value taken from `values`. */
export function series(key: string, values: readonly number[]): Logs[] {
  return values.map((v) => ({ loss: 1, [key]: v }));
}
