/**
 * Reshaping of volumes [batch, depth, height, width, channels] (channels_first:
 * [batch, channels, depth, height, width]): ZeroPadding3D, Cropping3D and UpSampling3D,
 * with Keras' arguments and defaults.
 */
import { Tensor } from '../../tensor/tensor.js';
import { pad, reshape, slice, transpose, upsample2d } from '../../ops/index.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { type DataFormat, dataFormatArg, fromChannelsFirst } from '../conv/utils.js';
import { registerLayer } from '../registry.js';

type PairAmount = number | readonly [number, number];

/** Keras' ZeroPadding3D/Cropping3D argument: n, (d, h, w) or ((front, back), (top, bottom), (left, right)). */
export type Amount3D = number | readonly [PairAmount, PairAmount, PairAmount];

type Amounts = [[number, number], [number, number], [number, number]];

function amounts3d(v: Amount3D, where: string): Amounts {
  const bad = (): RangeError => new RangeError(`${where} must be an integer, 3 integers or 3 pairs of non-negative integers; got ${JSON.stringify(v)}`);
  if (typeof v !== 'number' && (!Array.isArray(v) || v.length !== 3)) throw bad();
  const entries: PairAmount[] = typeof v === 'number' ? [v, v, v] : [...v];
  const out = entries.map((e) => (typeof e === 'number' ? [e, e] : Array.isArray(e) && e.length === 2 ? [e[0], e[1]] : null));
  if (out.some((p) => p === null || p.some((d) => !Number.isInteger(d) || d < 0))) throw bad();
  return out as Amounts;
}

/** A 3-D padding or cropping amount (default one cell on every side), resolved to three (start, end) pairs and written so. */
function amount3dArg() {
  return arg.custom<Amount3D, Amounts>({
    resolve: (v, where) => amounts3d(v ?? 1, where),
    toConfig: (v) => v.map((p) => [...p]),
  });
}

const ZERO_PADDING_3D_ARGS = declareArgs('ZeroPadding3D', {
  /** n (all sides), (d, h, w) (symmetric) or ((front, back), (top, bottom), (left, right)); default 1. */
  padding: amount3dArg(),
  dataFormat: dataFormatArg(),
});
const CROPPING_3D_ARGS = declareArgs('Cropping3D', {
  /** n (all sides), (d, h, w) (symmetric) or ((front, back), (top, bottom), (left, right)); default 1. */
  cropping: amount3dArg(),
  dataFormat: dataFormatArg(),
});
const UP_SAMPLING_3D_ARGS = declareArgs('UpSampling3D', {
  /** Repeats along depth, height and width: an integer or one per axis; default 2. */
  size: arg.intTuple(3, { default: 2 }),
  dataFormat: dataFormatArg(),
});

/** Runs f on NDHWC data whatever the layer's data format. */
function channelsLast(x: Tensor, format: DataFormat, f: (t: Tensor) => Tensor): Tensor {
  if (format === 'channels_last') return f(x);
  const perm = fromChannelsFirst(5);
  return transpose(f(transpose(x, perm)), [0, 4, 1, 2, 3]);
}

/** The logical axes of depth, height and width. */
function spatialAxes(format: DataFormat): number[] {
  return format === 'channels_first' ? [2, 3, 4] : [1, 2, 3];
}

/** Resizes spatial axis i of a shape by f(length, i). */
function mapSpatial(s: LayerShape, format: DataFormat, f: (d: number, i: number) => number): LayerShape {
  const axes = spatialAxes(format);
  return s.map((d, k) => (d === null || !axes.includes(k) ? d : f(d, axes.indexOf(k))));
}

/** Zeros around a volume (Keras ZeroPadding3D): default one cell on every side. */
export class ZeroPadding3D extends Layer {
  static override readonly className = 'ZeroPadding3D';
  static override readonly args = ZERO_PADDING_3D_ARGS;
  readonly padding: Amounts;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof ZERO_PADDING_3D_ARGS> = {}) {
    super(args);
    ({ padding: this.padding, dataFormat: this.dataFormat } = this.declared(ZERO_PADDING_3D_ARGS, args));
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => pad(x, [[0, 0], ...this.padding, [0, 0]]));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return mapSpatial(s, this.dataFormat, (d, i) => d + this.padding[i][0] + this.padding[i][1]);
  }
}
registerLayer(ZeroPadding3D);

/** Removes cells at the borders of a volume (Keras Cropping3D): default one cell on every side. */
export class Cropping3D extends Layer {
  static override readonly className = 'Cropping3D';
  static override readonly args = CROPPING_3D_ARGS;
  readonly cropping: Amounts;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof CROPPING_3D_ARGS> = {}) {
    super(args);
    ({ cropping: this.cropping, dataFormat: this.dataFormat } = this.declared(CROPPING_3D_ARGS, args));
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => {
      const sizes = this.cropping.map(([a, b], i) => x.shape[1 + i] - a - b);
      if (sizes.some((d) => d <= 0)) throw new RangeError(`Layer ${this.name} (Cropping3D): cropping ${JSON.stringify(this.cropping)} removes the whole ${x.shape.slice(1, 4).join('×')} volume`);
      return slice(x, [0, ...this.cropping.map(([a]) => a), 0], [x.shape[0], ...sizes, x.shape[4]]);
    });
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    const out = mapSpatial(s, this.dataFormat, (d, i) => d - this.cropping[i][0] - this.cropping[i][1]);
    if (out.some((d, k) => spatialAxes(this.dataFormat).includes(k) && d !== null && d <= 0)) {
      throw new RangeError(`Layer ${this.name} (Cropping3D): cropping ${JSON.stringify(this.cropping)} must be smaller than the spatial sizes of the input ${JSON.stringify(s)}`);
    }
    return out;
  }
}
registerLayer(Cropping3D);

/** Repeats each cell size[0] times along depth, size[1] along height and size[2] along width (Keras UpSampling3D, default 2, 2, 2). */
export class UpSampling3D extends Layer {
  static override readonly className = 'UpSampling3D';
  static override readonly args = UP_SAMPLING_3D_ARGS;
  readonly size: number[];
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof UP_SAMPLING_3D_ARGS> = {}) {
    super(args);
    ({ size: this.size, dataFormat: this.dataFormat } = this.declared(UP_SAMPLING_3D_ARGS, args));
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const [sd, sh, sw] = this.size;
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => {
      const [n, d, h, w, c] = x.shape;
      const planes = upsample2d(reshape(x, [n * d, h, w, c]), [sh, sw]);
      const deep = upsample2d(reshape(planes, [n, d, h * sh * w * sw, c]), [sd, 1]);
      return reshape(deep, [n, d * sd, h * sh, w * sw, c]);
    });
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return mapSpatial(s, this.dataFormat, (d, i) => d * this.size[i]);
  }
}
registerLayer(UpSampling3D);
