import { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, div, expandDims, max, maxPool2d, mean, mul, reshape, sum, transpose } from '../../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, type DeclaredArgs, arg, declareArgs } from '../args.js';
import { type DataFormat, convLength, dataFormatArg, fromChannelsFirst } from '../conv/utils.js';
import { registerLayer } from '../registry.js';

/** The arguments of max and average pooling over `rank` spatial axes (Keras' BasePooling names, defaults and config keys). */
export function poolingArgs(rank: 1 | 2 | 3) {
  return {
    /** Window size: an integer (the same along every spatial axis) or one per axis (default 2). */
    poolSize: arg.intTuple(rank, { default: 2 }),
    /**
     * Step of the window: an integer or one per axis. Default (or null): the pool size, as
     * in Keras, whose config then holds the pool size.
     */
    strides: arg.intTuple(rank, { default: 2 }),
    /** 'valid' (windows inside the input) or 'same' (the output has ceil(size / stride) cells). */
    padding: arg.oneOf(['valid', 'same'] as const, { default: 'valid' }),
    /** 'channels_last' (default) or 'channels_first' (transposed at the boundary). */
    dataFormat: dataFormatArg(),
  };
}

/** The arguments of global pooling (Keras' BaseGlobalPooling). */
export function globalPoolingArgs() {
  return {
    /** 'channels_last' (default) or 'channels_first'. */
    dataFormat: dataFormatArg(),
    /** Keep the pooled axes with size 1 (default: drop them). */
    keepdims: arg.bool(false),
  };
}

/** The declaration every pooling layer reads. */
export type PoolingDecl = ReturnType<typeof poolingArgs>;

/** The pooling arguments with Keras' strides default: strides not given (or null) are the pool size. */
export function withPoolStrides<T extends { readonly poolSize?: number | readonly number[]; readonly strides?: number | readonly number[] | null }>(args: T): T & { readonly strides?: number | readonly number[] } {
  return { ...args, strides: args.strides ?? args.poolSize };
}

const MAX_POOL_1D_ARGS = declareArgs('MaxPooling1D', poolingArgs(1));
const AVG_POOL_1D_ARGS = declareArgs('AveragePooling1D', poolingArgs(1));
const MAX_POOL_2D_ARGS = declareArgs('MaxPooling2D', poolingArgs(2));
const AVG_POOL_2D_ARGS = declareArgs('AveragePooling2D', poolingArgs(2));
const GLOBAL_AVG_1D_ARGS = declareArgs('GlobalAveragePooling1D', globalPoolingArgs());
const GLOBAL_MAX_1D_ARGS = declareArgs('GlobalMaxPooling1D', globalPoolingArgs());
const GLOBAL_AVG_2D_ARGS = declareArgs('GlobalAveragePooling2D', globalPoolingArgs());
const GLOBAL_MAX_2D_ARGS = declareArgs('GlobalMaxPooling2D', globalPoolingArgs());

/** Arguments of the max and average pooling layers (1-D, 2-D and 3-D). */
export type PoolArgs = LayerArgs & Omit<ArgsIn<PoolingDecl>, 'strides'> & {
  /** Step of the window; default (or null): the pool size. */
  readonly strides?: number | readonly number[] | null;
};

/** Arguments of the global pooling layers. */
export type GlobalPoolingArgs = LayerArgs & ArgsIn<ReturnType<typeof globalPoolingArgs>>;

/** Max/average pooling over 1 or 2 spatial axes (1-D runs as 2-D with height 1). */
abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(readonly rank: 1 | 2, readonly mode: 'max' | 'avg', args: PoolArgs, decl: DeclaredArgs<PoolingDecl>) {
    super(args);
    ({ poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat } = this.declared(decl, withPoolStrides(args)));
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((d, i) => convLength(d, this.poolSize[i], this.padding, this.strides[i]));
    return cf ? [inputShape[0], inputShape[1], ...out] : [inputShape[0], ...out, inputShape[inputShape.length - 1]];
  }
}

export class MaxPooling2D extends Pooling {
  static override readonly className = 'MaxPooling2D';
  static override readonly args = MAX_POOL_2D_ARGS;
  constructor(args: PoolArgs = {}) {
    super(2, 'max', args, MAX_POOL_2D_ARGS);
  }
}
registerLayer(MaxPooling2D, ['MaxPool2D']);

/** Average pooling; with 'same' padding the divisor counts only real pixels (Keras). */
export class AveragePooling2D extends Pooling {
  static override readonly className = 'AveragePooling2D';
  static override readonly args = AVG_POOL_2D_ARGS;
  constructor(args: PoolArgs = {}) {
    super(2, 'avg', args, AVG_POOL_2D_ARGS);
  }
}
registerLayer(AveragePooling2D, ['AvgPool2D']);

export class MaxPooling1D extends Pooling {
  static override readonly className = 'MaxPooling1D';
  static override readonly args = MAX_POOL_1D_ARGS;
  constructor(args: PoolArgs = {}) {
    super(1, 'max', args, MAX_POOL_1D_ARGS);
  }
}
registerLayer(MaxPooling1D, ['MaxPool1D']);

export class AveragePooling1D extends Pooling {
  static override readonly className = 'AveragePooling1D';
  static override readonly args = AVG_POOL_1D_ARGS;
  constructor(args: PoolArgs = {}) {
    super(1, 'avg', args, AVG_POOL_1D_ARGS);
  }
}
registerLayer(AveragePooling1D, ['AvgPool1D']);

/** Mean or max over all spatial axes: [N, ...spatial, C] → [N, C] (or kept as size 1 with keepdims). */
abstract class GlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(readonly rank: 1 | 2, readonly mode: 'max' | 'avg', args: GlobalPoolingArgs, decl: DeclaredArgs<ReturnType<typeof globalPoolingArgs>>) {
    super(args);
    ({ dataFormat: this.dataFormat, keepdims: this.keepdims } = this.declared(decl, args));
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const axes = this.axes(inputShape.length);
    return this.keepdims ? inputShape.map((d, i) => (axes.includes(i) ? 1 : d)) : inputShape.filter((_, i) => !axes.includes(i));
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling2D';
  static override readonly args = GLOBAL_AVG_2D_ARGS;
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'avg', args, GLOBAL_AVG_2D_ARGS);
  }
}
registerLayer(GlobalAveragePooling2D, ['GlobalAvgPool2D']);

export class GlobalMaxPooling2D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling2D';
  static override readonly args = GLOBAL_MAX_2D_ARGS;
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'max', args, GLOBAL_MAX_2D_ARGS);
  }
}
registerLayer(GlobalMaxPooling2D, ['GlobalMaxPool2D']);

/** Mean over the steps; with a mask (e.g. from Embedding maskZero) only over the unmasked steps, as Keras. */
export class GlobalAveragePooling1D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling1D';
  static override readonly args = GLOBAL_AVG_1D_ARGS;
  override supportsMasking = true;
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'avg', args, GLOBAL_AVG_1D_ARGS);
  }
}
registerLayer(GlobalAveragePooling1D, ['GlobalAvgPool1D']);

export class GlobalMaxPooling1D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling1D';
  static override readonly args = GLOBAL_MAX_1D_ARGS;
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'max', args, GLOBAL_MAX_1D_ARGS);
  }
}
registerLayer(GlobalMaxPooling1D, ['GlobalMaxPool1D']);

