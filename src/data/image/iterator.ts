/**
 * The batch iterator behind `flow` and `flowFromDirectory` (Keras' Iterator, a Sequence):
 * `length` batches per pass, `getBatch(i)` by index, and endless `next()` that reshuffles at
 * the start of every pass. `fit` takes its steps per epoch from `length`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { shuffleInPlace } from '../utils.js';

/** What an image iterator yields: [x, y], [x, y, sampleWeight], or x alone (no labels). */
export type ImageBatch = LabeledBatch | Tensor;
/** A batch with targets: [x, y] or [x, y, sampleWeight]. */
export type LabeledBatch = readonly [Tensor, Tensor] | readonly [Tensor, Tensor, Tensor];

export interface IteratorArgs {
  /** Images per batch (default 32). */
  readonly batchSize?: number;
  /** Shuffle the order at the start of each pass (default true). */
  readonly shuffle?: boolean;
  /** Seed of the shuffling and of the random transforms. */
  readonly seed?: number;
}

export abstract class ImageIterator<B extends ImageBatch = ImageBatch> implements AsyncIterableIterator<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number | null;
  /** Position of the next batch within the current pass. */
  batchIndex = 0;
  totalBatchesSeen = 0;
  private indexArray: Int32Array | null = null;
  private orderRng: Rng;
  /** The generator of the random transforms (seeded from `seed`). */
  protected readonly rng: Rng;

  protected constructor(readonly n: number, args: IteratorArgs, where: string) {
    const bs = args.batchSize ?? 32;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`${where}: batchSize must be a positive integer; got ${String(args.batchSize)}`);
    if (args.seed !== undefined && !Number.isFinite(args.seed)) throw new RangeError(`${where}: seed must be a finite number; got ${args.seed}`);
    this.batchSize = bs;
    this.shuffle = args.shuffle ?? true;
    this.seed = args.seed ?? null;
    const base = args.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.orderRng = new Rng(base);
    this.rng = new Rng(base + 0x5bd1e995);
  }

  /** Batches per pass over the data (Keras' len(iterator)). */
  get length(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  /** Builds the batch of the samples at these indices. */
  protected abstract batchFor(indices: Int32Array): Promise<B>;

  private setIndexArray(): void {
    const idx = Int32Array.from({ length: this.n }, (_, i) => i);
    this.indexArray = this.shuffle ? shuffleInPlace(idx, this.orderRng) : idx;
  }

  /** The i-th batch of the current order (Keras' __getitem__). */
  async getBatch(i: number): Promise<B> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`batch index ${i} is out of range: this iterator has ${this.length} batches`);
    if (this.indexArray === null) this.setIndexArray();
    this.totalBatchesSeen++;
    return this.batchFor((this.indexArray as Int32Array).slice(this.batchSize * i, this.batchSize * (i + 1)));
  }

  /** Starts the next pass from its first batch. */
  reset(): void {
    this.batchIndex = 0;
  }

  /** Reshuffles (Keras' on_epoch_end). */
  onEpochEnd(): void {
    this.setIndexArray();
  }

  /** The next batch; endless, reshuffling at the start of every pass. */
  async next(): Promise<IteratorResult<B>> {
    if (this.n === 0) throw new RangeError('this iterator has no samples');
    if (this.batchIndex === 0 || this.indexArray === null) this.setIndexArray();
    const start = (this.batchIndex * this.batchSize) % this.n;
    const end = Math.min(this.n, start + this.batchSize);
    this.batchIndex = end >= this.n ? 0 : this.batchIndex + 1;
    this.totalBatchesSeen++;
    return { value: await this.batchFor((this.indexArray as Int32Array).slice(start, end)), done: false };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
