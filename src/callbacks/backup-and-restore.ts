import { Callback } from './callback.js';
import { ensureParentDir, nodeFs } from './monitor.js';
import { allgatherBytes, broadcastBytes, isDistributed, rank, size } from '../distributed/mpi.js';

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
 *
 * In a distributed job (nt.distributed) every rank keeps it in its callbacks: rank 0 alone
 * reads and writes the file (on its own disk; the ranks need no shared file system), the
 * others get the backup from it over MPI, and the file keeps every rank's random generators,
 * so that a job killed mid-run and started again ends as the uninterrupted job would have.
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

  private requireModel(): NonNullable<Callback['model']> & Required<Pick<NonNullable<Callback['model']>, 'saveCheckpoint' | 'loadCheckpoint' | 'rngStates'>> {
    const m = this.model;
    if (!m || !m.saveCheckpoint || !m.loadCheckpoint || !m.rngStates) throw new Error('BackupAndRestore: the model cannot save checkpoints');
    return m as ReturnType<BackupAndRestore['requireModel']>;
  }

  override async onTrainBegin(): Promise<void> {
    const model = this.requireModel();
    this.resumedFrom = null;
    const job = isDistributed();
    const writer = !job || rank() === 0;
    const fs = writer ? await nodeFs('BackupAndRestore') : null;
    const exists = fs !== null && (await fs.stat(this.path).then(() => true, () => false));
    let source: string | Uint8Array | null = exists ? this.path : null;
    // In a job, rank 0's backup (or its absence) goes to every rank.
    if (job) source = broadcastBytes(exists ? new Uint8Array(await (fs as NonNullable<typeof fs>).readFile(this.path)) : null, 0);
    if (source === null) return;
    const info = await model.loadCheckpoint(source, { rank: job ? rank() : 0 });
    const ranks = job ? size() : 1;
    if (info.ranks !== ranks && (!job || rank() === 0)) {
      console.warn(`BackupAndRestore: the backup in ${this.backupDir} was written by a job of ${info.ranks} process${info.ranks === 1 ? '' : 'es'} and this one has ${ranks}: training goes on from epoch ${info.epoch}, but the data shards and random draws differ from an uninterrupted run`);
    }
    if (model.fitState) {
      model.fitState.initialEpoch = info.epoch;
      if (info.seed !== null) model.fitState.seed = info.seed;
    }
    this.resumedFrom = info.epoch;
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const model = this.requireModel();
    const info = { epoch: epoch + 1, seed: model.fitState?.seed ?? null };
    if (!isDistributed()) {
      await ensureParentDir(this.path, 'BackupAndRestore');
      await model.saveCheckpoint(this.path, info);
      return;
    }
    // Every rank's generators go to rank 0, which writes the one backup.
    const mine = new TextEncoder().encode(JSON.stringify(model.rngStates()));
    const ranks = allgatherBytes(mine).map((b) => JSON.parse(new TextDecoder().decode(b)) as ReturnType<typeof model.rngStates>);
    if (rank() !== 0) return;
    await ensureParentDir(this.path, 'BackupAndRestore');
    await model.saveCheckpoint(this.path, { ...info, ranks });
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint || (isDistributed() && rank() !== 0)) return;
    const fs = await nodeFs('BackupAndRestore');
    await fs.rm(this.path, { force: true });
  }
}
