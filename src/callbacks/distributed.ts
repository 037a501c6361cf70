/**
 * Horovod's Keras callbacks for nt.distributed jobs. `fit` already starts every rank from
 * rank 0's weights and averages the epoch logs; these are for what fit cannot guess:
 *  - BroadcastGlobalVariablesCallback: rank `rootRank`'s weights and optimizer state to every
 *    rank when training begins (after restoring a checkpoint on rank 0 only, say);
 *  - LearningRateWarmupCallback: the learning rate ramps from lr/size to lr over the first
 *    `warmupEpochs` epochs, per batch (Horovod's lr · (epoch·(size − 1)/warmup + 1)/size, the
 *    epoch fractional), for the scaled rate of a large global batch (Goyal et al. 2017).
 */
import { Callback } from './callback.js';
import type { Logs } from './callback.js';
import { isDistributed, size } from '../distributed/mpi.js';
import { broadcastModel } from '../distributed/model.js';
import type { Variable } from '../tensor/variable.js';
import type { Tensor } from '../tensor/tensor.js';

interface BroadcastableModel {
  readonly weights: readonly Variable[];
  readonly optimizer?: { getWeights(): Tensor[]; setWeights(ws: readonly Tensor[]): void };
}

export class BroadcastGlobalVariablesCallback extends Callback {
  constructor(readonly rootRank = 0) {
    super();
    if (!Number.isInteger(rootRank) || rootRank < 0) throw new RangeError(`BroadcastGlobalVariablesCallback: rootRank must be a non-negative integer; got ${rootRank}`);
  }

  override async onTrainBegin(): Promise<void> {
    const model = this.model as unknown as BroadcastableModel | null;
    if (model === null) return;
    await broadcastModel(model, model.optimizer ?? null, this.rootRank);
  }
}

export interface LearningRateWarmupArgs {
  /** The learning rate after the warm-up (usually scaleLearningRate(base)). */
  readonly initialLr: number;
  readonly warmupEpochs?: number;
  /** Batches per epoch (default: fit's steps). */
  readonly stepsPerEpoch?: number;
  readonly verbose?: 0 | 1;
}

export class LearningRateWarmupCallback extends Callback {
  readonly initialLr: number;
  readonly warmupEpochs: number;
  private readonly stepsArg: number | undefined;
  private readonly verbose: 0 | 1;
  private epoch = 0;

  constructor(args: LearningRateWarmupArgs) {
    super();
    if (!(args.initialLr > 0)) throw new RangeError(`LearningRateWarmupCallback: initialLr must be positive; got ${args.initialLr}`);
    this.initialLr = args.initialLr;
    this.warmupEpochs = args.warmupEpochs ?? 5;
    if (!(this.warmupEpochs > 0)) throw new RangeError(`LearningRateWarmupCallback: warmupEpochs must be positive; got ${this.warmupEpochs}`);
    this.stepsArg = args.stepsPerEpoch;
    this.verbose = args.verbose ?? 0;
  }

  /** The rate at a fractional epoch. */
  rateAt(epoch: number): number {
    const n = isDistributed() ? size() : 1;
    if (epoch >= this.warmupEpochs) return this.initialLr;
    return (this.initialLr * ((epoch * (n - 1)) / this.warmupEpochs + 1)) / n;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onTrainBatchBegin(batch: number): void {
    if (this.epoch >= this.warmupEpochs) return;
    const steps = this.stepsArg ?? (typeof this.params.steps === 'number' ? this.params.steps : null);
    const fraction = steps ? batch / steps : 0;
    this.setRate(this.rateAt(this.epoch + fraction));
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    if (epoch + 1 === this.warmupEpochs) {
      this.setRate(this.initialLr);
      if (this.verbose) console.log(`Epoch ${epoch + 1}: finished the learning-rate warm-up to ${this.initialLr}.`);
    }
    if (logs) logs.lr = this.currentRate();
  }

  private optimizer(): { learningRate: number } {
    const opt = (this.model as unknown as { optimizer?: { learningRate: number } } | null)?.optimizer;
    if (!opt) throw new Error('LearningRateWarmupCallback: the model has no compiled optimizer');
    return opt;
  }

  private setRate(lr: number): void {
    this.optimizer().learningRate = lr;
  }

  private currentRate(): number {
    return this.optimizer().learningRate;
  }
}
