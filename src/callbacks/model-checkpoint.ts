import { Callback, type Logs } from './callback.js';
import { formatTemplate, FormatKeyError, type FormatValue } from './format.js';
import { ensureParentDir, modeArg, monitorDirection, MonitorReader, nodeFs, type MonitorMode } from './monitor.js';

export interface ModelCheckpointArgs {
  /**
   * Where to save: a path, optionally a Python str.format template filled with `epoch`
   * (1-based), `batch` (1-based, batch-level saving) and the epoch's logs, e.g.
   * `ckpt/weights.{epoch:02d}-{val_loss:.2f}.nw`.
   */
  readonly filepath: string;
  /** The quantity compared when `saveBestOnly`. Default 'val_loss'. */
  readonly monitor?: string;
  /** 0 silent, 1 one line per save decision. Default 0. */
  readonly verbose?: 0 | 1;
  /** Save only when the monitored quantity improves on the best so far. Default false. */
  readonly saveBestOnly?: boolean;
  /** `model.saveWeights(path)` instead of `model.save(path)`. Default false. */
  readonly saveWeightsOnly?: boolean;
  /** 'min', 'max', or 'auto' (from the monitored name: max for accuracies, AUC, precision, recall…). Default 'auto'. */
  readonly mode?: MonitorMode;
  /** 'epoch' (at each epoch end) or every this many training batches. Default 'epoch'. */
  readonly saveFreq?: 'epoch' | number;
  /** The best value to beat at the start (saveBestOnly). Default: ±Infinity. */
  readonly initialValueThreshold?: number;
}

function pad5(epoch: number): string {
  return String(epoch + 1).padStart(5, '0');
}

function f5(v: number): string {
  return formatTemplate('{v:.5f}', { v });
}

/**
 * Saves the model or its weights during training (Keras ModelCheckpoint, tf.keras 2
 * semantics): at every epoch end, or every `saveFreq` batches; with `saveBestOnly`, only
 * when the monitored value beats the best so far (strictly, in the mode's direction;
 * `best` persists across fit calls on the same instance, as Keras). A monitored value
 * missing from the logs skips the save with one warning per fit. Missing directories are
 * created; saves are atomic (see io/). Messages (verbose 1) follow tf.keras 2:
 * `Epoch 00003: val_loss improved from 0.41000 to 0.38000, saving model to ckpt/m.nw`.
 */
export class ModelCheckpoint extends Callback {
  /** Rank 0 alone writes in a distributed job. */
  override readonly rankZeroOnly = true;
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: 0 | 1;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: MonitorMode;
  readonly saveFreq: 'epoch' | number;
  /** The best monitored value seen (or the initial threshold). */
  best: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly reader: MonitorReader;
  private currentEpoch = 0;
  private batchesSinceLastSave = 0;
  private lastBatchSeen = 0;

  constructor(args: ModelCheckpointArgs) {
    super();
    const where = 'ModelCheckpoint';
    if (typeof args?.filepath !== 'string' || args.filepath === '') throw new TypeError(`${where}: filepath must be a non-empty string; got ${String(args?.filepath)}`);
    this.filepath = args.filepath;
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    if (this.verbose !== 0 && this.verbose !== 1) throw new RangeError(`${where}: verbose must be 0 or 1; got ${String(args.verbose)}`);
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? false;
    this.mode = modeArg(args.mode, where);
    const freq = args.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && freq > 0)) {
      throw new RangeError(`${where}: saveFreq must be 'epoch' or a positive integer (a number of batches); got ${String(args.saveFreq)}`);
    }
    this.saveFreq = freq;
    const max = monitorDirection(this.monitor, this.mode) === 'max';
    this.better = max ? (a, b) => a > b : (a, b) => a < b;
    if (args.initialValueThreshold !== undefined && !Number.isFinite(args.initialValueThreshold)) {
      throw new RangeError(`${where}: initialValueThreshold must be a finite number; got ${String(args.initialValueThreshold)}`);
    }
    this.best = args.initialValueThreshold ?? (max ? -Infinity : Infinity);
    this.reader = new MonitorReader(this.monitor, () => `Can save best model only with ${this.monitor} available, skipping.`);
  }

  override onTrainBegin(): void {
    this.reader.reset();
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onTrainBatchEnd(batch: number, logs?: Logs): Promise<void> {
    if (this.shouldSaveOnBatch(batch)) await this.saveModel(this.currentEpoch, batch, logs ?? {});
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.saveModel(epoch, null, logs ?? {});
  }

  /** Counts batches (a batch index not above the last one seen starts a new epoch). */
  private shouldSaveOnBatch(batch: number): boolean {
    if (this.saveFreq === 'epoch') return false;
    this.batchesSinceLastSave += batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.lastBatchSeen = batch;
    if (this.batchesSinceLastSave >= this.saveFreq) {
      this.batchesSinceLastSave = 0;
      return true;
    }
    return false;
  }

  /** The file path for this save: the template filled with epoch + 1, batch + 1 and the logs. */
  filePath(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, FormatValue> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatTemplate(this.filepath, values, { integerKeys: ['epoch', 'batch'] });
    } catch (e) {
      if (e instanceof FormatKeyError) {
        throw new Error(`ModelCheckpoint: cannot fill filepath "${this.filepath}": {${e.key}} is not available at ${batch === null ? 'epoch end' : 'batch end'}; available: ${e.available.join(', ')}`);
      }
      throw new Error(`ModelCheckpoint: cannot fill filepath "${this.filepath}": ${(e as Error).message}`);
    }
  }

  private async saveModel(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const path = this.filePath(epoch, batch, logs);
    if (!this.saveBestOnly) {
      if (this.verbose > 0) console.log(`Epoch ${pad5(epoch)}: saving model to ${path}`);
      await this.write(path);
      return;
    }
    const current = this.reader.read(logs);
    if (current === undefined) return;
    if (this.better(current, this.best)) {
      if (this.verbose > 0) console.log(`Epoch ${pad5(epoch)}: ${this.monitor} improved from ${f5(this.best)} to ${f5(current)}, saving model to ${path}`);
      this.best = current;
      await this.write(path);
    } else if (this.verbose > 0) {
      console.log(`Epoch ${pad5(epoch)}: ${this.monitor} did not improve from ${f5(this.best)}`);
    }
  }

  private async write(path: string): Promise<void> {
    const model = this.model;
    if (!model) throw new Error('ModelCheckpoint: no model is set (pass the callback to fit, or call setModel)');
    const fs = await nodeFs('ModelCheckpoint');
    const stat = await fs.stat(path).catch(() => null);
    if (stat?.isDirectory()) throw new Error(`ModelCheckpoint: please specify a non-directory filepath; the filepath used is an existing directory: ${path}`);
    await ensureParentDir(path, 'ModelCheckpoint');
    if (this.saveWeightsOnly) {
      if (!model.saveWeights) throw new Error(`ModelCheckpoint: model ${model.name} cannot save its weights (no saveWeights method)`);
      await model.saveWeights(path);
    } else {
      if (!model.save) throw new Error(`ModelCheckpoint: model ${model.name} cannot be saved whole (no save method); pass saveWeightsOnly: true`);
      await model.save(path);
    }
  }
}
