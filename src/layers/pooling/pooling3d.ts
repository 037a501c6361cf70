/**
 * Pooling over volumes [batch, depth, height, width, channels] (channels_first:
 * [batch, channels, depth, height, width]): MaxPooling3D, AveragePooling3D and the global
 * forms, with Keras' arguments and aliases (MaxPool3D, AvgPool3D, GlobalMaxPool3D,
 * GlobalAvgPool3D).
 */
import { Tensor } from '../../tensor/tensor.js';
import { avgPool3d, max, maxPool3d, mean, transpose } from '../../ops/index.js';
import { Layer } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type DeclaredArgs, declareArgs } from '../args.js';
import { type DataFormat, convLength, fromChannelsFirst } from '../conv/utils.js';
import { type GlobalPoolingArgs, type PoolArgs, type PoolingDecl, globalPoolingArgs, poolingArgs, withPoolStrides } from './pooling.js';
import { registerLayer } from '../registry.js';

const MAX_POOL_3D_ARGS = declareArgs('MaxPooling3D', poolingArgs(3));
const AVG_POOL_3D_ARGS = declareArgs('AveragePooling3D', poolingArgs(3));
const GLOBAL_AVG_3D_ARGS = declareArgs('GlobalAveragePooling3D', globalPoolingArgs());
const GLOBAL_MAX_3D_ARGS = declareArgs('GlobalMaxPooling3D', globalPoolingArgs());

type Three = [number, number, number];
const three = (v: readonly number[]): Three => [v[0], v[1], v[2]];

/** Max/average pooling over three spatial axes. */
abstract class Pooling3D extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(readonly mode: 'max' | 'avg', args: PoolArgs, decl: DeclaredArgs<PoolingDecl>) {
    super(args);
    ({ poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat } = this.declared(decl, withPoolStrides(args)));
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const cf = this.dataFormat === 'channels_first';
    const spatial = cf ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((d, i) => convLength(d, this.poolSize[i], this.padding, this.strides[i]));
    return cf ? [inputShape[0], inputShape[1], ...out] : [inputShape[0], ...out, inputShape[4]];
  }
}

/** Max over 3-D windows (Keras MaxPooling3D, alias MaxPool3D); poolSize default (2, 2, 2), strides default poolSize. */
export class MaxPooling3D extends Pooling3D {
  static override readonly className = 'MaxPooling3D';
  static override readonly args = MAX_POOL_3D_ARGS;
  constructor(args: PoolArgs = {}) {
    super('max', args, MAX_POOL_3D_ARGS);
  }
}
registerLayer(MaxPooling3D, ['MaxPool3D']);

/**
 * Average over 3-D windows (Keras AveragePooling3D, alias AvgPool3D); with 'same' padding
 * the divisor counts only real cells, as Keras. (Keras requires poolSize here; Neurite
 * defaults it to 2 like the other pooling layers.)
 */
export class AveragePooling3D extends Pooling3D {
  static override readonly className = 'AveragePooling3D';
  static override readonly args = AVG_POOL_3D_ARGS;
  constructor(args: PoolArgs = {}) {
    super('avg', args, AVG_POOL_3D_ARGS);
  }
}
registerLayer(AveragePooling3D, ['AvgPool3D']);

/** Mean or max over depth, height and width: [N, D, H, W, C] → [N, C] (or [N, 1, 1, 1, C] with keepdims). */
abstract class GlobalPooling3D extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(readonly mode: 'max' | 'avg', args: GlobalPoolingArgs, decl: DeclaredArgs<ReturnType<typeof globalPoolingArgs>>) {
    super(args);
    ({ dataFormat: this.dataFormat, keepdims: this.keepdims } = this.declared(decl, args));
    this.inputSpec = { ndim: 5 };
  }

  private axes(): number[] {
    return this.dataFormat === 'channels_first' ? [2, 3, 4] : [1, 2, 3];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return this.mode === 'max' ? max(x, this.axes(), this.keepdims) : mean(x, this.axes(), this.keepdims);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const axes = this.axes();
    return this.keepdims ? inputShape.map((d, i) => (axes.includes(i) ? 1 : d)) : inputShape.filter((_, i) => !axes.includes(i));
  }
}

/** Mean over the three spatial axes (Keras GlobalAveragePooling3D, alias GlobalAvgPool3D). */
export class GlobalAveragePooling3D extends GlobalPooling3D {
  static override readonly className = 'GlobalAveragePooling3D';
  static override readonly args = GLOBAL_AVG_3D_ARGS;
  constructor(args: GlobalPoolingArgs = {}) {
    super('avg', args, GLOBAL_AVG_3D_ARGS);
  }
}
registerLayer(GlobalAveragePooling3D, ['GlobalAvgPool3D']);

/** Max over the three spatial axes (Keras GlobalMaxPooling3D, alias GlobalMaxPool3D). */
export class GlobalMaxPooling3D extends GlobalPooling3D {
  static override readonly className = 'GlobalMaxPooling3D';
  static override readonly args = GLOBAL_MAX_3D_ARGS;
  constructor(args: GlobalPoolingArgs = {}) {
    super('max', args, GLOBAL_MAX_3D_ARGS);
  }
}
registerLayer(GlobalMaxPooling3D, ['GlobalMaxPool3D']);
