/**
 * `flow(x, y)`: batches of augmented, standardised images from in-memory arrays
 * (Keras' NumpyArrayIterator), with `subset` for the generator's validationSplit.
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { pickRows } from '../utils.js';
import { ImageIterator, type ImageBatch, type IteratorArgs } from './iterator.js';
import type { ImageDataGenerator } from './generator.js';

export interface FlowArgs extends IteratorArgs {
  /** Per-sample weights [n]; batches become [x, y, sampleWeight]. */
  readonly sampleWeight?: Tensor;
  /** 'training' or 'validation' when the generator has a validationSplit. */
  readonly subset?: 'training' | 'validation';
  /** Skip the check that both subsets hold the same classes. */
  readonly ignoreClassSplit?: boolean;
}

const WHERE = 'ImageDataGenerator.flow';

/** Rows [start, end) of a tensor (a copy). */
function rows(t: Tensor, start: number, end: number): Tensor {
  const per = t.size / Math.max(t.shape[0], 1);
  return tensor(t.dataSync().slice(start * per, end * per), [end - start, ...t.shape.slice(1)], t.dtype);
}

function classSet(y: Tensor, start: number, end: number): string {
  const per = y.size / Math.max(y.shape[0], 1);
  const seen = new Set<string>();
  for (let i = start; i < end; i++) seen.add(Array.from(y.dataSync().subarray(i * per, (i + 1) * per)).join(','));
  return [...seen].sort().join('|');
}

export class NumpyArrayIterator<B extends ImageBatch = ImageBatch> extends ImageIterator<B> {
  readonly x: Tensor;
  readonly y: Tensor | null;
  readonly sampleWeight: Tensor | null;
  private readonly imageShape: [number, number, number];

  constructor(x: Tensor, y: Tensor | null, readonly generator: ImageDataGenerator, args: FlowArgs = {}) {
    if (!(x instanceof Tensor) || x.rank !== 4) throw new RangeError(`${WHERE}: x must be a rank-4 tensor of images [n, h, w, c]; got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
    if (y !== null && (!(y instanceof Tensor) || y.shape[0] !== x.shape[0])) {
      throw new RangeError(`${WHERE}: x and y must have the same number of samples; got x ${formatShape(x.shape)} and y ${y instanceof Tensor ? formatShape(y.shape) : typeof y}`);
    }
    const sw = args.sampleWeight ?? null;
    if (sw !== null && sw.shape[0] !== x.shape[0]) throw new RangeError(`${WHERE}: sampleWeight has ${sw.shape[0]} entries for ${x.shape[0]} samples`);
    let [xs, ys, ws] = [x, y, sw];
    if (args.subset !== undefined) {
      if (args.subset !== 'training' && args.subset !== 'validation') throw new RangeError(`${WHERE}: subset must be 'training' or 'validation'; got '${String(args.subset)}'`);
      const split = generator.settings.validationSplit;
      if (split === 0) throw new RangeError(`${WHERE}: subset '${args.subset}' needs a validationSplit in the ImageDataGenerator`);
      // Keras keeps the first fraction for validation.
      const at = Math.floor(x.shape[0] * split);
      if (y !== null && !args.ignoreClassSplit && classSet(y, 0, at) !== classSet(y, at, y.shape[0])) {
        throw new RangeError(`${WHERE}: the training and validation subsets hold different classes after the split; if the arrays are sorted by label, shuffle them first (or pass ignoreClassSplit)`);
      }
      const [s, e] = args.subset === 'validation' ? [0, at] : [at, x.shape[0]];
      xs = rows(x, s, e);
      ys = y && rows(y, s, e);
      ws = sw && rows(sw, s, e);
    }
    super(xs.shape[0], args, WHERE);
    if (![1, 3, 4].includes(x.shape[3])) console.warn(`${WHERE}: expected 1, 3 or 4 channels on the last axis (channels_last); got shape ${formatShape(x.shape)}`);
    this.x = xs;
    this.y = ys;
    this.sampleWeight = ws;
    this.imageShape = [x.shape[1], x.shape[2], x.shape[3]];
  }

  protected async batchFor(indices: Int32Array): Promise<B> {
    return this.batchSync(indices) as B;
  }

  /** Builds a batch synchronously (the work is in-memory). */
  batchSync(indices: Int32Array): ImageBatch {
    const shape = this.imageShape;
    const per = shape[0] * shape[1] * shape[2];
    const n = indices.length;
    let out: Float32Array = new Float32Array(n * per);
    const src = this.x.dataSync();
    const tmp = src instanceof Float32Array ? null : new Float32Array(per);
    for (let b = 0; b < n; b++) {
      const j = indices[b];
      let image = src.subarray(j * per, (j + 1) * per) as Float32Array;
      if (tmp !== null) {
        tmp.set(image);
        image = tmp;
      }
      this.generator.transformInto(image, out.subarray(b * per, (b + 1) * per), shape, this.generator.getRandomTransform(shape, this.rng));
    }
    out = this.generator.standardizeBatch(out, [n, ...shape]);
    const bx = tensor(out, [n, ...shape]);
    if (this.y === null) return bx;
    const by = pickRows(this.y, indices);
    return this.sampleWeight === null ? [bx, by] : [bx, by, pickRows(this.sampleWeight, indices)];
  }
}
