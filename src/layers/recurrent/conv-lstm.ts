/**
 * ConvLSTM2D (Keras ConvLSTM2D, Shi et al. 2015): an LSTM whose input and recurrent
 * transformations are 2-D convolutions, over [batch, time, rows, cols, channels] inputs
 * (channels_last). It is Keras' RNN around a ConvLSTM cell: the RNN machinery (cells.ts,
 * rnn.ts) runs it, so masks, goBackwards, returnState, stateful and initial states work as
 * for every recurrent layer. The input convolutions of all steps run at once (time folded
 * into the batch); only the recurrent convolutions run per step, inside `scan`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { ones } from '../../tensor/create.js';
import { Rng } from '../../tensor/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { add, conv2d, dropout, mul, reshape, slice, type ScanStep } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import type { Initializer } from '../../initializers/index.js';
import { baseArgs, type LayerArgs } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type ArgsOut, arg, declareArgs } from '../args.js';
import { convLength } from '../conv/utils.js';
import type { CellRun } from './rnn.js';
import { RNNCell, UnitForgetBias } from './cells.js';
import { RNN } from './rnn-layer.js';
import { cellArgs, cellSpecs, positiveInt, recurrentActivation, rnnArgs } from './rnn-args.js';
import { registerLayer } from '../registry.js';

/** The input convolution's padding: 'valid' or 'same' (any case in a config), default 'valid'. */
function padding() {
  return arg.custom<'valid' | 'same', 'valid' | 'same'>({
    resolve: (v, where) => {
      const p = v === undefined || v === null ? 'valid' : typeof v === 'string' ? v.toLowerCase() : v;
      if (p !== 'valid' && p !== 'same') throw new RangeError(`${where} must be 'valid' or 'same'; got '${String(v)}'`);
      return p;
    },
    toConfig: (v) => v,
  });
}

/** Only channels_last is supported (null and absent mean it); the config holds 'channels_last'. */
function dataFormat() {
  return arg.custom<'channels_last' | 'channels_first' | null, 'channels_last'>({
    resolve: (v, where) => {
      if (v === 'channels_first') throw new RangeError(`${where} 'channels_first' is not supported; transpose the input to [batch, time, rows, cols, channels] (channels_last)`);
      if (v !== undefined && v !== null && v !== 'channels_last') throw new RangeError(`${where} must be 'channels_last'; got '${String(v)}'`);
      return 'channels_last';
    },
    toConfig: (v) => v,
  });
}

/** The arguments of Keras' ConvLSTMCell (rank 2), which ConvLSTM2D's config holds flat. */
function convLstmCellArgs() {
  return {
    /** The number of output filters (the channels of the output and of both states). */
    filters: positiveInt(),
    /** The convolution window: one integer or [rows, cols]. */
    kernelSize: arg.intTuple(2),
    /** Of the input convolution (default 1); the recurrent convolution has stride 1. */
    strides: arg.intTuple(2, { default: 1 }),
    /** Of the input convolution: 'valid' (default) or 'same'; the recurrent convolution uses 'same'. */
    padding: padding(),
    /** Only 'channels_last' ([batch, time, rows, cols, channels]) is supported. */
    dataFormat: dataFormat(),
    /** Of the input convolution (default 1; not together with strides > 1, as Keras). */
    dilationRate: arg.intTuple(2, { default: 1 }),
    ...cellArgs(),
    /** The gates' activation (default 'sigmoid'). */
    recurrentActivation: recurrentActivation(),
    /** Initialize the forget gate's bias to 1 (default true). */
    unitForgetBias: arg.bool(true),
    /** Seed of the dropout masks (null: the global generator). */
    seed: arg.seed(),
  };
}

/** ConvLSTM2D's arguments, declared once (layers/args.ts): Keras' RNN options, the cell's and the activity regularizer. */
const CONV_LSTM2D_ARGS = declareArgs('ConvLSTM2D', {
  ...rnnArgs(),
  ...convLstmCellArgs(),
  /** Applied to the layer's output. */
  activityRegularizer: arg.regularizer(),
});

/** ConvLSTM2D's arguments (Keras' names, camelCase; defaults as Keras). timeMajor must be false. */
export type ConvLSTM2DArgs = LayerArgs & ArgsIn<typeof CONV_LSTM2D_ARGS> & {
  /** Only false ([batch, time, rows, cols, channels] inputs) is supported. */
  readonly timeMajor?: boolean;
};

/** Keras ConvLSTMCell's arguments (the cell's own config: ConvLSTM2D's cell keys). */
const CONV_LSTM_CELL_ARGS = declareArgs('ConvLSTMCell', convLstmCellArgs());
type CellValues = ArgsOut<typeof CONV_LSTM_CELL_ARGS>;

/**
 * The cell of ConvLSTM2D (Keras ConvLSTMCell, rank 2): gates i, f, c, o from
 * conv(x, W_k, strides, padding, dilation) + b_k + conv(h₋₁, U_k, 'same'); c and h as LSTM.
 * Weights `kernel` [kH, kW, in, 4·filters], `recurrent_kernel` [kH, kW, filters, 4·filters],
 * `bias` [4·filters]; states [h, c], each [rows′, cols′, filters].
 */
class ConvLSTMCell extends RNNCell {
  static override readonly className = 'ConvLSTMCell';
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: number[];
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly activation: ResolvedActivation;
  readonly recurrentActivation: ResolvedActivation;
  readonly kernelSpec: WeightSpec;
  readonly recurrentSpec: WeightSpec;
  readonly biasSpec: WeightSpec;
  private readonly rng: Rng | null;
  private readonly values: CellValues;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** [rows, cols, channels] of the input, [rows′, cols′] of the output (set by build). */
  private inputDims: number[] = [];
  private outDims: number[] = [];

  /** From ConvLSTM2D's resolved arguments; errors name `owner`. */
  constructor(a: CellValues, dtype: LayerArgs['dtype'], owner: string) {
    super({ name: 'conv_lstm_cell', dtype });
    if (a.strides.some((s) => s > 1) && a.dilationRate.some((d) => d > 1)) throw new RangeError(`${owner}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    this.filters = a.filters;
    this.kernelSize = a.kernelSize;
    this.strides = a.strides;
    this.padding = a.padding;
    this.dilationRate = a.dilationRate;
    this.activation = a.activation;
    this.recurrentActivation = a.recurrentActivation;
    this.useBias = a.useBias;
    this.unitForgetBias = a.unitForgetBias;
    ({ kernel: this.kernelSpec, recurrent: this.recurrentSpec, bias: this.biasSpec } = cellSpecs(a));
    this.dropout = a.dropout;
    this.recurrentDropout = a.recurrentDropout;
    this.seed = a.seed;
    this.rng = this.seed === null ? null : new Rng(this.seed);
    this.values = a;
  }

  /** Keras ConvLSTMCell's keys, from the resolved arguments it was built with. */
  protected override layerConfig(): ConfigDict {
    return CONV_LSTM_CELL_ARGS.toConfig(this.values);
  }

  get stateSize(): number[] {
    return [this.filters, this.filters];
  }

  get outputSize(): number {
    return this.filters;
  }

  override stateShapes(): number[][] {
    return [this.outputShape(), this.outputShape()];
  }

  override outputShape(): number[] {
    return [...this.outDims, this.filters];
  }

  /** The output rows and cols for input rows and cols (Keras' conv output length). */
  outputDims(rows: number | null, cols: number | null): [number | null, number | null] {
    return [
      convLength(rows, this.kernelSize[0], this.padding, this.strides[0], this.dilationRate[0]),
      convLength(cols, this.kernelSize[1], this.padding, this.strides[1], this.dilationRate[1]),
    ];
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const [, rows, cols, ch] = shape;
    if (shape.length !== 4 || rows === null || cols === null || ch === null) {
      throw new RangeError(`Layer ${this.name} (ConvLSTMCell): expected step inputs [batch, rows, cols, channels] with known rows, cols and channels; got ${formatLayerShape(shape)}`);
    }
    const [oh, ow] = this.outputDims(rows, cols) as [number, number];
    if (oh <= 0 || ow <= 0) throw new RangeError(`Layer ${this.name} (ConvLSTMCell): the input ${formatLayerShape(shape)} is smaller than the kernel ${this.kernelSize.join('×')} (output ${oh}×${ow})`);
    this.inputDims = [rows, cols, ch];
    this.outDims = [oh, ow];
    const [kh, kw] = this.kernelSize;
    const f = this.filters;
    this.kernel = this.addWeight('kernel', [kh, kw, ch, 4 * f], this.kernelSpec);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [kh, kw, f, 4 * f], this.recurrentSpec);
    const biasInit: Initializer = this.unitForgetBias ? new UnitForgetBias(this.biasSpec.initializer, f) : this.biasSpec.initializer;
    if (this.useBias) this.bias = this.addWeight('bias', [4 * f], { ...this.biasSpec, initializer: biasInit });
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }

  /** Four dropout masks of shape [batch, ...dims] (one per gate), or null. */
  private masks(batch: number, dims: readonly number[], r: number, training: boolean): Tensor[] | null {
    if (!training || !(r > 0 && r < 1)) return null;
    const rng = this.rng;
    return Array.from({ length: 4 }, () => dropout(ones([batch, ...dims]), r, rng ? { seed: () => rng.nextUint32() } : {}));
  }

  /** Filter block k (the last axis' k-th quarter) of a [kH, kW, in, 4·filters] kernel. */
  private block(w: Tensor, k: number): Tensor {
    const f = this.filters;
    return slice(w, [0, 0, 0, k * f], [w.shape[0], w.shape[1], w.shape[2], f]);
  }

  prepareSequence(xT: Tensor, training: boolean): CellRun {
    const [rows, cols, ch] = this.inputDims;
    if (xT.rank < 4 || xT.shape[xT.rank - 3] !== rows || xT.shape[xT.rank - 2] !== cols || xT.shape[xT.rank - 1] !== ch) {
      throw new RangeError(`Layer ${this.name} (ConvLSTMCell): expected steps of shape (batch, ${rows}, ${cols}, ${ch}); got ${formatShape(xT.shape)}`);
    }
    const lead = xT.shape.slice(0, -3);
    const batch = lead[lead.length - 1];
    const n = lead.reduce((a, b) => a * b, 1);
    const inMasks = this.masks(batch, this.inputDims, this.dropout, training);
    const recMasks = this.masks(batch, this.outputShape(), this.recurrentDropout, training);
    const kernel = this.kernel as Tensor;
    const strides: [number, number] = [this.strides[0], this.strides[1]];
    const dilations: [number, number] = [this.dilationRate[0], this.dilationRate[1]];
    const projected = [0, 1, 2, 3].map((k) => {
      const x = inMasks ? mul(xT, inMasks[k]) : xT;
      const bias = this.bias ? slice(this.bias, [k * this.filters], [this.filters]) : null;
      const y = conv2d(reshape(x, [n, rows, cols, ch]), this.block(kernel, k), { strides, padding: this.padding, dilations, bias });
      return reshape(y, [...lead, ...this.outputShape()]);
    });
    const [act, ract] = [this.activation.fn, this.recurrentActivation.fn];
    const rconv = (h: Tensor, u: Tensor, k: number): Tensor => conv2d(recMasks ? mul(h, recMasks[k]) : h, u, { padding: 'same' });
    const step: ScanStep = ([xi, xf, xc, xo], [h, c], [ui, uf, uc, uo]) => {
      const i = ract(add(xi, rconv(h, ui, 0)));
      const f = ract(add(xf, rconv(h, uf, 1)));
      const g = act(add(xc, rconv(h, uc, 2)));
      const o = ract(add(xo, rconv(h, uo, 3)));
      const cNext = add(mul(f, c), mul(i, g));
      const hNext = mul(o, act(cNext));
      return { output: hNext, states: [hNext, cNext] };
    };
    const rk = this.recurrentKernel as Tensor;
    return { projected, step, params: [0, 1, 2, 3].map((k) => this.block(rk, k)) };
  }
}

/**
 * 2-D convolutional LSTM (Keras ConvLSTM2D), channels_last: inputs [batch, time, rows,
 * cols, channels], output [batch, rows′, cols′, filters] (or [batch, time, rows′, cols′,
 * filters] with returnSequences; plus the final [h, c] with returnState). Per step, for gates
 * k = i, f, c, o: z_k = conv(x_t, W_k; strides, padding, dilationRate) + b_k +
 * conv(h_{t−1}, U_k; 'same'); i, f, o = σ(z), c_t = f·c_{t−1} + i·tanh(z_c), h_t = o·tanh(c_t).
 * Weights `conv_lstm2d/conv_lstm_cell/kernel` [kH, kW, channels, 4·filters],
 * `recurrent_kernel` [kH, kW, filters, 4·filters], `bias` [4·filters], as Keras.
 */
export class ConvLSTM2D extends RNN {
  static override readonly className: string = 'ConvLSTM2D';
  static override readonly args = CONV_LSTM2D_ARGS;
  private readonly activityRegularizer: Regularizer | null;

  constructor(args: ConvLSTM2DArgs) {
    // The cell is built from the arguments resolved here (errors name ConvLSTM2D); RNN's
    // constructor resolves them again as this layer's declared values, which its config writes.
    super({ ...args, cell: new ConvLSTMCell(CONV_LSTM2D_ARGS.resolve(args), args.dtype, 'ConvLSTM2D') });
    this.activityRegularizer = this.declared(CONV_LSTM2D_ARGS, args).activityRegularizer;
    this.inputSpec = { ndim: 5 };
  }

  private get convCell(): ConvLSTMCell {
    return this.cell as ConvLSTMCell;
  }

  get filters(): number {
    return this.convCell.filters;
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    if (shape.length !== 5) throw new RangeError(`Layer ${this.name} (ConvLSTM2D): expected input [batch, time, rows, cols, channels]; got ${formatLayerShape(shape)}`);
    const step: LayerShape = [...this.convCell.outputDims(shape[2], shape[3]), this.filters];
    const out: LayerShape = this.returnSequences ? [shape[0], shape[1], ...step] : [shape[0], ...step];
    return this.returnState ? [out, [shape[0], ...step], [shape[0], ...step]] : out;
  }

  protected override afterCall(output: Tensor): void {
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, output);
  }

  /** The cell's arguments are this layer's own (flat in the config): no `cell` entry. */
  protected override cellConfig(): ConfigDict {
    return {};
  }

  /** Built from the declared arguments (RNN's static fromConfig, inherited, would look for a `cell`). */
  static override fromConfig(config: ConfigDict): ConvLSTM2D {
    return new ConvLSTM2D({ ...baseArgs(config), ...CONV_LSTM2D_ARGS.fromConfig(config), timeMajor: config.timeMajor as boolean | undefined });
  }
}
registerLayer(ConvLSTM2D);
