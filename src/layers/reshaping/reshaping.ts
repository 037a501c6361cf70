import { Tensor } from '../../tensor/tensor.js';
import { pad, slice, transpose, upsample2d, reshape } from '../../ops/index.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { type DataFormat, dataFormatArg, fromChannelsFirst } from '../conv/utils.js';
import { registerLayer } from '../registry.js';

/** Keras' ZeroPadding2D/Cropping2D argument: n, (sym_h, sym_w) or ((top, bottom), (left, right)). */
export type Amount2D = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

type Amounts2D = [[number, number], [number, number]];

/** Keras' padding/cropping argument: n, (sym_h, sym_w) or ((top, bottom), (left, right)); errors name `where`. */
function amounts2d(v: Amount2D, where: string): Amounts2D {
  const bad = (): RangeError => new RangeError(`${where} must be non-negative integers; got ${JSON.stringify(v)}`);
  let out: Amounts2D;
  if (typeof v === 'number') out = [[v, v], [v, v]];
  else if (!Array.isArray(v) || v.length !== 2) throw bad();
  else if (typeof v[0] === 'number') out = [[v[0] as number, v[0] as number], [v[1] as number, v[1] as number]];
  else if (Array.isArray(v[0]) && Array.isArray(v[1])) out = [[...(v[0] as [number, number])], [...(v[1] as [number, number])]] as Amounts2D;
  else throw bad();
  if (out.flat().some((d) => !Number.isInteger(d) || d < 0)) throw bad();
  return out;
}

function amounts1d(v: number | readonly [number, number], where: string): [number, number] {
  const out: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (out.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`${where} must be non-negative integers; got ${JSON.stringify(v)}`);
  return out;
}

/** A 2-D padding or cropping amount, resolved to ((top, bottom), (left, right)) and written so. */
function amount2dArg(defaultValue: Amount2D) {
  return arg.custom<Amount2D, Amounts2D>({
    resolve: (v, where) => amounts2d(v ?? defaultValue, where),
    toConfig: (v) => v.map((p) => [...p]),
  });
}

/** A 1-D padding or cropping amount, resolved to (start, end) and written so. */
function amount1dArg(defaultValue: number | readonly [number, number]) {
  return arg.custom<number | readonly [number, number], [number, number]>({
    resolve: (v, where) => amounts1d(v ?? defaultValue, where),
    toConfig: (v) => [...v],
  });
}

const ZERO_PADDING_2D_ARGS = declareArgs('ZeroPadding2D', {
  /** n (all sides), (h, w) (symmetric) or ((top, bottom), (left, right)); default 1. */
  padding: amount2dArg(1),
  dataFormat: dataFormatArg(),
});
const CROPPING_2D_ARGS = declareArgs('Cropping2D', {
  /** n (all sides), (h, w) (symmetric) or ((top, bottom), (left, right)); default 0. */
  cropping: amount2dArg(0),
  dataFormat: dataFormatArg(),
});
const UP_SAMPLING_2D_ARGS = declareArgs('UpSampling2D', {
  /** Repeats of rows and of columns: an integer or (rows, columns); default 2. */
  size: arg.intTuple(2, { default: 2 }),
  dataFormat: dataFormatArg(),
  /** 'nearest' (repeat) or 'bilinear' (TF2's half-pixel sampling). */
  interpolation: arg.oneOf(['nearest', 'bilinear'] as const, { default: 'nearest' }),
});
const ZERO_PADDING_1D_ARGS = declareArgs('ZeroPadding1D', {
  /** n (both ends) or (start, end); default 1. */
  padding: amount1dArg(1),
});
const CROPPING_1D_ARGS = declareArgs('Cropping1D', {
  /** n (both ends) or (start, end); default (1, 1). */
  cropping: amount1dArg([1, 1]),
});
const UP_SAMPLING_1D_ARGS = declareArgs('UpSampling1D', {
  /** Repeats of each step; default 2. */
  size: arg.int({ default: 2, min: 1 }),
});

/** Runs f on NHWC data whatever the layer's data format. */
function channelsLast(x: Tensor, format: DataFormat, f: (t: Tensor) => Tensor): Tensor {
  if (format === 'channels_last') return f(x);
  const perm = fromChannelsFirst(x.rank);
  const y = f(transpose(x, perm));
  return transpose(y, perm.map((_, i) => perm.indexOf(i)));
}

function spatial(shape: LayerShape, format: DataFormat): number[] {
  return format === 'channels_first' ? shape.slice(2).map((_, i) => i + 2) : shape.slice(1, -1).map((_, i) => i + 1);
}

/** Zeros around the image (Keras ZeroPadding2D): 32×32×3 with (2, 2) → 36×36×3. */
export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  static override readonly args = ZERO_PADDING_2D_ARGS;
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof ZERO_PADDING_2D_ARGS> = {}) {
    super(args);
    ({ padding: this.padding, dataFormat: this.dataFormat } = this.declared(ZERO_PADDING_2D_ARGS, args));
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    const [h, w] = spatial(s, this.dataFormat);
    return s.map((d, i) => (d === null ? null : i === h ? d + this.padding[0][0] + this.padding[0][1] : i === w ? d + this.padding[1][0] + this.padding[1][1] : d));
  }
}
registerLayer(ZeroPadding2D);

/** Removes rows/columns at the borders (Keras Cropping2D). */
export class Cropping2D extends Layer {
  static override readonly className = 'Cropping2D';
  static override readonly args = CROPPING_2D_ARGS;
  readonly cropping: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & ArgsIn<typeof CROPPING_2D_ARGS> = {}) {
    super(args);
    ({ cropping: this.cropping, dataFormat: this.dataFormat } = this.declared(CROPPING_2D_ARGS, args));
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => {
      const [[t, b], [l, r]] = this.cropping;
      if (x.shape[1] - t - b <= 0 || x.shape[2] - l - r <= 0) throw new RangeError(`Layer ${this.name} (Cropping2D): cropping ${JSON.stringify(this.cropping)} removes the whole ${x.shape[1]}×${x.shape[2]} image`);
      return slice(x, [0, t, l, 0], [x.shape[0], x.shape[1] - t - b, x.shape[2] - l - r, x.shape[3]]);
    });
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    const [h, w] = spatial(s, this.dataFormat);
    return s.map((d, i) => (d === null ? null : i === h ? d - this.cropping[0][0] - this.cropping[0][1] : i === w ? d - this.cropping[1][0] - this.cropping[1][1] : d));
  }
}
registerLayer(Cropping2D);

/** Repeats rows and columns (nearest) or interpolates (bilinear, TF2's half-pixel sampling). */
export class UpSampling2D extends Layer {
  static override readonly className = 'UpSampling2D';
  static override readonly args = UP_SAMPLING_2D_ARGS;
  readonly size: number[];
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: LayerArgs & ArgsIn<typeof UP_SAMPLING_2D_ARGS> = {}) {
    super(args);
    ({ size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation } = this.declared(UP_SAMPLING_2D_ARGS, args));
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return channelsLast(inputs as Tensor, this.dataFormat, (x) => upsample2d(x, [this.size[0], this.size[1]], this.interpolation));
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    const [h, w] = spatial(s, this.dataFormat);
    return s.map((d, i) => (d === null ? null : i === h ? d * this.size[0] : i === w ? d * this.size[1] : d));
  }
}
registerLayer(UpSampling2D);

/** Zeros at the start and end of the steps axis of [batch, steps, features]. */
export class ZeroPadding1D extends Layer {
  static override readonly className = 'ZeroPadding1D';
  static override readonly args = ZERO_PADDING_1D_ARGS;
  readonly padding: [number, number];

  constructor(args: LayerArgs & ArgsIn<typeof ZERO_PADDING_1D_ARGS> = {}) {
    super(args);
    this.padding = this.declared(ZERO_PADDING_1D_ARGS, args).padding;
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return pad(inputs as Tensor, [[0, 0], this.padding, [0, 0]]);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], s[1] === null ? null : s[1] + this.padding[0] + this.padding[1], s[2]];
  }
}
registerLayer(ZeroPadding1D);

/** Removes steps at the start and end of [batch, steps, features]. */
export class Cropping1D extends Layer {
  static override readonly className = 'Cropping1D';
  static override readonly args = CROPPING_1D_ARGS;
  readonly cropping: [number, number];

  constructor(args: LayerArgs & ArgsIn<typeof CROPPING_1D_ARGS> = {}) {
    super(args);
    this.cropping = this.declared(CROPPING_1D_ARGS, args).cropping;
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [a, b] = this.cropping;
    if (x.shape[1] - a - b <= 0) throw new RangeError(`Layer ${this.name} (Cropping1D): cropping [${a}, ${b}] removes all ${x.shape[1]} steps`);
    return slice(x, [0, a, 0], [x.shape[0], x.shape[1] - a - b, x.shape[2]]);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], s[1] === null ? null : s[1] - this.cropping[0] - this.cropping[1], s[2]];
  }
}
registerLayer(Cropping1D);

/** Repeats each step `size` times. */
export class UpSampling1D extends Layer {
  static override readonly className = 'UpSampling1D';
  static override readonly args = UP_SAMPLING_1D_ARGS;
  readonly size: number;

  constructor(args: LayerArgs & ArgsIn<typeof UP_SAMPLING_1D_ARGS> = {}) {
    super(args);
    this.size = this.declared(UP_SAMPLING_1D_ARGS, args).size;
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const y = upsample2d(reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]]), [1, this.size]);
    return reshape(y, [x.shape[0], x.shape[1] * this.size, x.shape[2]]);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], s[1] === null ? null : s[1] * this.size, s[2]];
  }
}
registerLayer(UpSampling1D);
