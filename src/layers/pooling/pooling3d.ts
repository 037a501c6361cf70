/**
 * Pooling over volumes [batch, depth, height, width, channels] (channels_first:
 * [batch, channels, depth, height, width]): MaxPooling3D, AveragePooling3D and the global
 * forms, with Keras' arguments and aliases (MaxPool3D, AvgPool3D, GlobalMaxPool3D,
 * GlobalAvgPool3D).
 */
import { Tensor } from '../../tensor/tensor.js';
import { avgPool3d, max, maxPool3d, mean, transpose } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { Layer, baseArgs, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type DataFormat, checkDataFormat, convLength, fromChannelsFirst, tuple } from '../conv/utils.js';
import type { PoolArgs } from './pooling.js';

type Three = [number, number, number];
const three = (v: readonly number[]): Three => [v[0], v[1], v[2]];

/** Max/average pooling over three spatial axes. */
abstract class Pooling3D extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(readonly mode: 'max' | 'avg', args: PoolArgs) {
    super(args);
    const cls = this.getClassName();
    this.poolSize = tuple(args.poolSize ?? 2, 3, 'poolSize', cls);
    this.strides = args.strides === undefined || args.strides === null ? [...this.poolSize] : tuple(args.strides, 3, 'strides', cls);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new RangeError(`${cls}: padding must be 'valid' or 'same'; got '${String(args.padding)}'`);
    this.dataFormat = checkDataFormat(args.dataFormat, cls);
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channels_first';
    if (cf) x = transpose(x, fromChannelsFirst(5));
    const opts = { poolSize: three(this.poolSize), strides: three(this.strides), padding: this.padding };
    let y = this.mode === 'max' ? maxPool3d(x, opts) : avgPool3d(x, opts);
    if (cf) y = transpose(y, [0, 4, 1, 2, 3]);
    return y;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((d, i) => convLength(d, this.poolSize[i], this.padding, this.strides[i]));
    return cf ? [inputShape[0], inputShape[1], ...out] : [inputShape[0], ...out, inputShape[4]];
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

/** Max over 3-D windows (Keras MaxPooling3D, alias MaxPool3D); poolSize default (2, 2, 2), strides default poolSize. */
export class MaxPooling3D extends Pooling3D {
  static override readonly className = 'MaxPooling3D';
  constructor(args: PoolArgs = {}) {
    super('max', args);
  }
  static fromConfig(c: ConfigDict): MaxPooling3D {
    return new MaxPooling3D(poolArgs(c));
  }
}

/**
 * Average over 3-D windows (Keras AveragePooling3D, alias AvgPool3D); with 'same' padding
 * the divisor counts only real cells, as Keras. (Keras requires poolSize here; Neurite
 * defaults it to 2 like the other pooling layers.)
 */
export class AveragePooling3D extends Pooling3D {
  static override readonly className = 'AveragePooling3D';
  constructor(args: PoolArgs = {}) {
    super('avg', args);
  }
  static fromConfig(c: ConfigDict): AveragePooling3D {
    return new AveragePooling3D(poolArgs(c));
  }
}

type Global3DArgs = LayerArgs & { dataFormat?: DataFormat; keepdims?: boolean };

/** Mean or max over depth, height and width: [N, D, H, W, C] → [N, C] (or [N, 1, 1, 1, C] with keepdims). */
abstract class GlobalPooling3D extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(readonly mode: 'max' | 'avg', args: Global3DArgs) {
    super(args);
    this.dataFormat = checkDataFormat(args.dataFormat, this.getClassName());
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: 5 };
  }

  private axes(): number[] {
    return this.dataFormat === 'channels_first' ? [2, 3, 4] : [1, 2, 3];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return this.mode === 'max' ? max(x, this.axes(), this.keepdims) : mean(x, this.axes(), this.keepdims);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    const axes = this.axes();
    return this.keepdims ? inputShape.map((d, i) => (axes.includes(i) ? 1 : d)) : inputShape.filter((_, i) => !axes.includes(i));
  }

  protected override layerConfig(): ConfigDict {
    return { data_format: this.dataFormat, keepdims: this.keepdims };
  }
}

const globalArgs = (c: ConfigDict): Global3DArgs => ({ ...baseArgs(c), dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined, keepdims: (c.keepdims ?? undefined) as boolean | undefined });

/** Mean over the three spatial axes (Keras GlobalAveragePooling3D, alias GlobalAvgPool3D). */
export class GlobalAveragePooling3D extends GlobalPooling3D {
  static override readonly className = 'GlobalAveragePooling3D';
  constructor(args: Global3DArgs = {}) {
    super('avg', args);
  }
  static fromConfig(c: ConfigDict): GlobalAveragePooling3D {
    return new GlobalAveragePooling3D(globalArgs(c));
  }
}

/** Max over the three spatial axes (Keras GlobalMaxPooling3D, alias GlobalMaxPool3D). */
export class GlobalMaxPooling3D extends GlobalPooling3D {
  static override readonly className = 'GlobalMaxPooling3D';
  constructor(args: Global3DArgs = {}) {
    super('max', args);
  }
  static fromConfig(c: ConfigDict): GlobalMaxPooling3D {
    return new GlobalMaxPooling3D(globalArgs(c));
  }
}
