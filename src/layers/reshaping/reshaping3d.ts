/**
 * Reshaping of volumes [batch, depth, height, width, channels] (channels_first:
 * [batch, channels, depth, height, width]): ZeroPadding3D, Cropping3D and UpSampling3D,
 * with Keras' arguments and defaults.
 */
import { Tensor } from '../../tensor/tensor.js';
import { pad, reshape, slice, transpose, upsample2d } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { Layer, baseArgs, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type DataFormat, checkDataFormat, fromChannelsFirst, tuple } from '../conv/utils.js';

type PairAmount = number | readonly [number, number];

/** Keras' ZeroPadding3D/Cropping3D argument: n, (d, h, w) or ((front, back), (top, bottom), (left, right)). */
export type Amount3D = number | readonly [PairAmount, PairAmount, PairAmount];

type Amounts = [[number, number], [number, number], [number, number]];

function amounts3d(v: Amount3D, name: string, cls: string): Amounts {
  const bad = (): RangeError => new RangeError(`${cls}: ${name} must be an integer, 3 integers or 3 pairs of non-negative integers; got ${JSON.stringify(v)}`);
  if (typeof v !== 'number' && (!Array.isArray(v) || v.length !== 3)) throw bad();
  const entries: PairAmount[] = typeof v === 'number' ? [v, v, v] : [...v];
  const out = entries.map((e) => (typeof e === 'number' ? [e, e] : Array.isArray(e) && e.length === 2 ? [e[0], e[1]] : null));
  if (out.some((p) => p === null || p.some((d) => !Number.isInteger(d) || d < 0))) throw bad();
  return out as Amounts;
}

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
  readonly padding: Amounts;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { padding?: Amount3D; dataFormat?: DataFormat } = {}) {
    super(args);
    this.padding = amounts3d(args.padding ?? 1, 'padding', 'ZeroPadding3D');
    this.dataFormat = checkDataFormat(args.dataFormat, 'ZeroPadding3D');
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => pad(x, [[0, 0], ...this.padding, [0, 0]]));
  }

  computeOutputShape(s: LayerShape): LayerShape {
    return mapSpatial(s, this.dataFormat, (d, i) => d + this.padding[i][0] + this.padding[i][1]);
  }

  protected override layerConfig(): ConfigDict {
    return { padding: this.padding as unknown as ConfigValue[], data_format: this.dataFormat };
  }

  static fromConfig(c: ConfigDict): ZeroPadding3D {
    return new ZeroPadding3D({ ...baseArgs(c), padding: (c.padding ?? undefined) as unknown as Amount3D | undefined, dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined });
  }
}

/** Removes cells at the borders of a volume (Keras Cropping3D): default one cell on every side. */
export class Cropping3D extends Layer {
  static override readonly className = 'Cropping3D';
  readonly cropping: Amounts;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { cropping?: Amount3D; dataFormat?: DataFormat } = {}) {
    super(args);
    this.cropping = amounts3d(args.cropping ?? 1, 'cropping', 'Cropping3D');
    this.dataFormat = checkDataFormat(args.dataFormat, 'Cropping3D');
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => {
      const sizes = this.cropping.map(([a, b], i) => x.shape[1 + i] - a - b);
      if (sizes.some((d) => d <= 0)) throw new RangeError(`Layer ${this.name} (Cropping3D): cropping ${JSON.stringify(this.cropping)} removes the whole ${x.shape.slice(1, 4).join('×')} volume`);
      return slice(x, [0, ...this.cropping.map(([a]) => a), 0], [x.shape[0], ...sizes, x.shape[4]]);
    });
  }

  computeOutputShape(s: LayerShape): LayerShape {
    const out = mapSpatial(s, this.dataFormat, (d, i) => d - this.cropping[i][0] - this.cropping[i][1]);
    if (out.some((d, k) => spatialAxes(this.dataFormat).includes(k) && d !== null && d <= 0)) {
      throw new RangeError(`Layer ${this.name} (Cropping3D): cropping ${JSON.stringify(this.cropping)} must be smaller than the spatial sizes of the input ${JSON.stringify(s)}`);
    }
    return out;
  }

  protected override layerConfig(): ConfigDict {
    return { cropping: this.cropping as unknown as ConfigValue[], data_format: this.dataFormat };
  }

  static fromConfig(c: ConfigDict): Cropping3D {
    return new Cropping3D({ ...baseArgs(c), cropping: (c.cropping ?? undefined) as unknown as Amount3D | undefined, dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined });
  }
}

/** Repeats each cell size[0] times along depth, size[1] along height and size[2] along width (Keras UpSampling3D, default 2, 2, 2). */
export class UpSampling3D extends Layer {
  static override readonly className = 'UpSampling3D';
  readonly size: number[];
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { size?: number | readonly number[]; dataFormat?: DataFormat } = {}) {
    super(args);
    this.size = tuple(args.size ?? 2, 3, 'size', 'UpSampling3D');
    this.dataFormat = checkDataFormat(args.dataFormat, 'UpSampling3D');
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

  computeOutputShape(s: LayerShape): LayerShape {
    return mapSpatial(s, this.dataFormat, (d, i) => d * this.size[i]);
  }

  protected override layerConfig(): ConfigDict {
    return { size: [...this.size], data_format: this.dataFormat };
  }

  static fromConfig(c: ConfigDict): UpSampling3D {
    return new UpSampling3D({ ...baseArgs(c), size: (c.size ?? undefined) as number[] | undefined, dataFormat: (c.dataFormat ?? undefined) as DataFormat | undefined });
  }
}
