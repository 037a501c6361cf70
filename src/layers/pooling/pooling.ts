import { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, div, expandDims, max, maxPool2d, mean, mul, reshape, sum, transpose } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type DataFormat, checkDataFormat, convLength, fromChannelsFirst, tuple } from '../conv/utils.js';

export interface PoolArgs extends LayerArgs {
  /** Window size (Keras default 2). */
  readonly poolSize?: number | readonly number[];
  /** Default: the pool size. */
  readonly strides?: number | readonly number[] | null;
  readonly padding?: 'valid' | 'same';
  readonly dataFormat?: DataFormat;
}

/** Max/average pooling over 1 or 2 spatial axes (1-D runs as 2-D with height 1). */
abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(readonly rank: 1 | 2, readonly mode: 'max' | 'avg', args: PoolArgs) {
    super(args);
    const cls = this.getClassName();
    this.poolSize = tuple(args.poolSize ?? 2, rank, 'poolSize', cls);
    this.strides = args.strides === undefined || args.strides === null ? [...this.poolSize] : tuple(args.strides, rank, 'strides', cls);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new RangeError(`${cls}: padding must be 'valid' or 'same'; got '${String(args.padding)}'`);
    this.dataFormat = checkDataFormat(args.dataFormat, cls);
    this.inputSpec = { ndim: rank + 2 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, fromChannelsFirst(x.rank));
    const two = this.rank === 1 ? reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]]) : x;
    const k: [number, number] = this.rank === 1 ? [1, this.poolSize[0]] : [this.poolSize[0], this.poolSize[1]];
    const s: [number, number] = this.rank === 1 ? [1, this.strides[0]] : [this.strides[0], this.strides[1]];
    const opts = { poolSize: k, strides: s, padding: this.padding };
    let y = this.mode === 'max' ? maxPool2d(two, opts) : avgPool2d(two, opts);
    if (this.rank === 1) y = reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
    if (cf) y = transpose(y, fromChannelsFirst(y.rank).map((_, i, p) => p.indexOf(i)));
    return y;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((d, i) => convLength(d, this.poolSize[i], this.padding, this.strides[i]));
    return cf ? [inputShape[0], inputShape[1], ...out] : [inputShape[0], ...out, inputShape[inputShape.length - 1]];
  }

  protected override layerConfig(): ConfigDict {
    return { pool_size: [...this.poolSize], padding: this.padding, strides: [...this.strides], data_format: this.dataFormat };
  }
}

function poolArgs(c: ConfigDict): PoolArgs {
  return {
    ...baseArgs(c),
    poolSize: (c.poolSize ?? undefined) as number | number[] | undefined,
    strides: (c.strides ?? undefined) as number | number[] | undefined,
    padding: (c.padding ?? undefined) as 'valid' | 'same' | undefined,
    dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined,
  };
}

export class MaxPooling2D extends Pooling {
  static override readonly className = 'MaxPooling2D';
  constructor(args: PoolArgs = {}) {
    super(2, 'max', args);
  }
  static fromConfig(c: ConfigDict): MaxPooling2D {
    return new MaxPooling2D(poolArgs(c));
  }
}

/** Average pooling; with 'same' padding the divisor counts only real pixels (Keras). */
export class AveragePooling2D extends Pooling {
  static override readonly className = 'AveragePooling2D';
  constructor(args: PoolArgs = {}) {
    super(2, 'avg', args);
  }
  static fromConfig(c: ConfigDict): AveragePooling2D {
    return new AveragePooling2D(poolArgs(c));
  }
}

export class MaxPooling1D extends Pooling {
  static override readonly className = 'MaxPooling1D';
  constructor(args: PoolArgs = {}) {
    super(1, 'max', args);
  }
  static fromConfig(c: ConfigDict): MaxPooling1D {
    return new MaxPooling1D(poolArgs(c));
  }
}

export class AveragePooling1D extends Pooling {
  static override readonly className = 'AveragePooling1D';
  constructor(args: PoolArgs = {}) {
    super(1, 'avg', args);
  }
  static fromConfig(c: ConfigDict): AveragePooling1D {
    return new AveragePooling1D(poolArgs(c));
  }
}

/** Mean or max over all spatial axes: [N, ...spatial, C] → [N, C] (or kept as size 1 with keepdims). */
abstract class GlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(readonly rank: 1 | 2, readonly mode: 'max' | 'avg', args: LayerArgs & { dataFormat?: DataFormat; keepdims?: boolean }) {
    super(args);
    this.dataFormat = checkDataFormat(args.dataFormat, this.getClassName());
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: rank + 2 };
  }

  private axes(rank: number): number[] {
    return this.dataFormat === 'channels_first' ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : Array.from({ length: rank - 2 }, (_, i) => i + 1);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions = {}): Tensor {
    const x = inputs as Tensor;
    const mask = Array.isArray(options.mask) ? null : ((options.mask as Mask | undefined) ?? null);
    if (this.rank === 1 && this.mode === 'avg' && mask !== null) return this.maskedMean(x, mask);
    return this.mode === 'max' ? max(x, this.axes(x.rank), this.keepdims) : mean(x, this.axes(x.rank), this.keepdims);
  }

  /** Keras GlobalAveragePooling1D with a (batch, steps) mask: the mean over the unmasked steps. */
  private maskedMean(x: Tensor, mask: Tensor): Tensor {
    const axis = this.dataFormat === 'channels_first' ? 2 : 1;
    const m = expandDims(mask, this.dataFormat === 'channels_first' ? 1 : 2);
    return div(sum(mul(x, m), axis, this.keepdims), sum(m, axis, this.keepdims));
  }

  /** The mask is consumed (the time axis is gone). */
  override computeMask(_inputs: Tensor | Tensor[], _mask?: MaskArg): MaskArg {
    return null;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const axes = this.axes(inputShape.length);
    return this.keepdims ? inputShape.map((d, i) => (axes.includes(i) ? 1 : d)) : inputShape.filter((_, i) => !axes.includes(i));
  }

  protected override layerConfig(): ConfigDict {
    return { data_format: this.dataFormat, keepdims: this.keepdims };
  }
}

type GlobalArgs = LayerArgs & { dataFormat?: DataFormat; keepdims?: boolean };
const globalArgs = (c: ConfigDict): GlobalArgs => ({ ...baseArgs(c), dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined, keepdims: (c.keepdims ?? undefined) as boolean | undefined });

export class GlobalAveragePooling2D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalArgs = {}) {
    super(2, 'avg', args);
  }
  static fromConfig(c: ConfigDict): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(globalArgs(c));
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalArgs = {}) {
    super(2, 'max', args);
  }
  static fromConfig(c: ConfigDict): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(globalArgs(c));
  }
}

/** Mean over the steps; with a mask (e.g. from Embedding maskZero) only over the unmasked steps, as Keras. */
export class GlobalAveragePooling1D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling1D';
  override supportsMasking = true;
  constructor(args: GlobalArgs = {}) {
    super(1, 'avg', args);
  }
  static fromConfig(c: ConfigDict): GlobalAveragePooling1D {
    return new GlobalAveragePooling1D(globalArgs(c));
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling1D';
  constructor(args: GlobalArgs = {}) {
    super(1, 'max', args);
  }
  static fromConfig(c: ConfigDict): GlobalMaxPooling1D {
    return new GlobalMaxPooling1D(globalArgs(c));
  }
}

