import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import type { RngStates } from '../io/checkpoint.js';

/** Values reported to callbacks: loss, metrics, val_* entries, lr, ... */
export type Logs = Record<string, number>;

/** What callbacks can see and do to the model being trained. */
export interface CallbackModel {
  readonly name: string;
  /** Set to true to end fit() (checked after each batch and epoch). */
  stopTraining: boolean;
  readonly weights: Variable[];
  getWeights(): Tensor[];
  setWeights(values: readonly Tensor[]): void;
  /** The optimizer after compile (its learningRate can be read and set). */
  readonly optimizer: { learningRate: number; readonly iterations: number };
  /** Saves the weights in Neurite's native format (used by ModelCheckpoint). */
  saveWeights?(path: string): Promise<void>;
  /** Saves the whole model (when the model supports it). */
  save?(path: string): Promise<void>;
  /** The running fit's resumable state (seed, epoch, initialEpoch). */
  fitState?: { seed: number; epoch: number; initialEpoch: number } | null;
  saveCheckpoint?(path: string, info?: { epoch?: number; seed?: number | null; ranks?: readonly RngStates[] }): Promise<void>;
  loadCheckpoint?(source: string | Uint8Array, options?: { rank?: number }): Promise<{ epoch: number; seed: number | null; ranks: number }>;
  /** This process's random generator states (a checkpoint of a distributed job keeps every rank's). */
  rngStates?(): RngStates;
}

/** fit/evaluate/predict parameters passed to callbacks (Keras' callback.params). */
export interface CallbackParams {
  readonly epochs?: number;
  readonly steps?: number | null;
  readonly verbose?: number;
  readonly batchSize?: number;
  readonly samples?: number;
  readonly metrics?: readonly string[];
}

type Hook = void | Promise<void>;

/**
 * Base class with every Keras hook; override the ones you need. Hooks may be async: fit
 * awaits them in order.
 */
export class Callback {
  model: CallbackModel | null = null;
  params: CallbackParams = {};
  /**
   * In a distributed job (nt.distributed), only rank 0 runs it: callbacks that write files
   * or print (checkpoints, logs, monitors), as Horovod's scripts do by hand.
   */
  readonly rankZeroOnly: boolean = false;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: CallbackParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): Hook {}
  onTrainEnd(_logs?: Logs): Hook {}
  onEpochBegin(_epoch: number, _logs?: Logs): Hook {}
  onEpochEnd(_epoch: number, _logs?: Logs): Hook {}
  onTrainBatchBegin(_batch: number, _logs?: Logs): Hook {}
  onTrainBatchEnd(_batch: number, _logs?: Logs): Hook {}
  onTestBegin(_logs?: Logs): Hook {}
  onTestEnd(_logs?: Logs): Hook {}
  onTestBatchBegin(_batch: number, _logs?: Logs): Hook {}
  onTestBatchEnd(_batch: number, _logs?: Logs): Hook {}
  onPredictBegin(_logs?: Logs): Hook {}
  onPredictEnd(_logs?: Logs): Hook {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): Hook {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): Hook {}
}

/** The training history fit() returns: per-epoch logs (Keras History). */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    // Keras keeps accumulating across fit calls on the same History; a new one is made per fit.
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

type HookName = Exclude<keyof Callback, 'model' | 'params' | 'setModel' | 'setParams'>;

/** Calls every callback's hook in order, awaiting async ones. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: CallbackParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  async call(hook: HookName, ...args: [number, Logs?] | [Logs?]): Promise<void> {
    for (const c of this.callbacks) {
      const fn = c[hook] as (...a: unknown[]) => Hook;
      const r = fn.apply(c, args);
      if (r instanceof Promise) await r;
    }
  }
}
