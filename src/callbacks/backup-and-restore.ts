import { Callback } from './callback.js';
import { ensureParentDir, nodeFs } from './monitor.js';

export interface BackupAndRestoreArgs {
  /** Folder of the backup checkpoint (created when missing). */
  readonly backupDir: string;
  /** Delete the backup when fit completes (default true, as Keras). */
  readonly deleteCheckpoint?: boolean;
}

/**
 * Keras' BackupAndRestore: saves a training checkpoint (weights, optimizer state, epoch,
 * shuffle seed, random generator states) at the end of every epoch; when fit starts and a
 * backup exists (the previous run was interrupted), restores it and continues from the next
 * epoch, so that the finished run equals one that was never interrupted. The backup is
 * removed when fit completes.
 */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  /** The epoch training resumed from in the last fit (null when it started fresh). */
  resumedFrom: number | null = null;

  constructor(args: BackupAndRestoreArgs) {
    super();
    if (typeof args?.backupDir !== 'string' || args.backupDir === '') throw new TypeError('BackupAndRestore: backupDir must be a non-empty path');
    this.backupDir = args.backupDir.replace(/\/+$/, '');
    this.deleteCheckpoint = args.deleteCheckpoint ?? true;
  }

  get path(): string {
    return `${this.backupDir}/checkpoint.nw`;
  }

  private requireModel(): NonNullable<Callback['model']> & Required<Pick<NonNullable<Callback['model']>, 'saveCheckpoint' | 'loadCheckpoint'>> {
    const m = this.model;
    if (!m || !m.saveCheckpoint || !m.loadCheckpoint) throw new Error('BackupAndRestore: the model cannot save checkpoints');
    return m as ReturnType<BackupAndRestore['requireModel']>;
  }

  override async onTrainBegin(): Promise<void> {
    const model = this.requireModel();
    const fs = await nodeFs('BackupAndRestore');
    this.resumedFrom = null;
    const exists = await fs.stat(this.path).then(() => true, () => false);
    if (!exists) return;
    const info = await model.loadCheckpoint(this.path);
    if (model.fitState) {
      model.fitState.initialEpoch = info.epoch;
      if (info.seed !== null) model.fitState.seed = info.seed;
    }
    this.resumedFrom = info.epoch;
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const model = this.requireModel();
    await ensureParentDir(this.path, 'BackupAndRestore');
    await model.saveCheckpoint(this.path, { epoch: epoch + 1, seed: model.fitState?.seed ?? null });
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    const fs = await nodeFs('BackupAndRestore');
    await fs.rm(this.path, { force: true });
  }
}
