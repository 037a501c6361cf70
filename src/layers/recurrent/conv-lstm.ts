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
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { type Initializer } from '../../initializers/index.js';
import type { InitializerLike, RegularizerLike, ConstraintLike, LayerArgs } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import { type WeightSpec, serializeOptional, weightSpec, weightSpecArgs, weightSpecConfig } from '../weight-spec.js';
import type { ActivationLike } from '../core/dense.js';
import { convLength, tuple } from '../conv/utils.js';
import { type CellRun, type RNNArgs, dropoutRate } from './rnn.js';
import { RNNCell, UnitForgetBias } from './cells.js';
import { RNN, rnnArgsFromConfig } from './rnn-layer.js';

/** ConvLSTM2D's arguments (Keras' names, camelCase; defaults as Keras). */
export interface ConvLSTM2DArgs extends RNNArgs {
  /** The number of output filters (the channels of the output and of both states). */
  readonly filters: number;
  /** The convolution window: one integer or [rows, cols]. */
  readonly kernelSize: number | readonly number[];
  /** Of the input convolution (default 1); the recurrent convolution has stride 1. */
  readonly strides?: number | readonly number[];
  /** Of the input convolution: 'valid' (default) or 'same'; the recurrent convolution uses 'same'. */
  readonly padding?: 'valid' | 'same';
  /** Only 'channels_last' ([batch, time, rows, cols, channels]) is supported. */
  readonly dataFormat?: 'channels_last' | 'channels_first' | null;
  /** Of the input convolution (default 1; not together with strides > 1, as Keras). */
  readonly dilationRate?: number | readonly number[];
  /** Default 'tanh'. */
  readonly activation?: ActivationLike;
  /** The gates' activation (default 'sigmoid'). */
  readonly recurrentActivation?: ActivationLike;
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerLike;
  readonly recurrentInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  /** Initialize the forget gate's bias to 1 (default true). */
  readonly unitForgetBias?: boolean;
  readonly kernelRegularizer?: RegularizerLike;
  readonly recurrentRegularizer?: RegularizerLike;
  readonly biasRegularizer?: RegularizerLike;
  readonly activityRegularizer?: RegularizerLike;
  readonly kernelConstraint?: ConstraintLike;
  readonly recurrentConstraint?: ConstraintLike;
  readonly biasConstraint?: ConstraintLike;
  /** Fraction of the input dropped (training only; one mask per gate and call, as Keras). */
  readonly dropout?: number;
  /** Fraction of the recurrent state dropped (training only; one mask per gate and call). */
  readonly recurrentDropout?: number;
  /** Seed of the dropout masks (null: the global generator). */
  readonly seed?: number | null;
}

type CellArgs = Omit<ConvLSTM2DArgs, keyof RNNArgs> & LayerArgs;

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
  readonly activation: ReturnType<typeof getActivation>;
  readonly recurrentActivation: ReturnType<typeof getActivation>;
  readonly kernelSpec: WeightSpec;
  readonly recurrentSpec: WeightSpec;
  readonly biasSpec: WeightSpec;
  private readonly rng: Rng | null;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** [rows, cols, channels] of the input, [rows′, cols′] of the output (set by build). */
  private inputDims: number[] = [];
  private outDims: number[] = [];

  constructor(args: CellArgs, owner: string) {
    super({ name: 'conv_lstm_cell', dtype: args.dtype });
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`${owner}: filters must be a positive integer; got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = tuple(args.kernelSize, 2, 'kernelSize', owner);
    this.strides = tuple(args.strides ?? 1, 2, 'strides', owner);
    this.dilationRate = tuple(args.dilationRate ?? 1, 2, 'dilationRate', owner);
    const padding = typeof args.padding === 'string' ? args.padding.toLowerCase() : 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${owner}: padding must be 'valid' or 'same'; got '${String(args.padding)}'`);
    this.padding = padding;
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) throw new RangeError(`${owner}: strides > 1 together with dilationRate > 1 is not supported (as in Keras)`);
    if (args.dataFormat === 'channels_first') throw new RangeError(`${owner}: dataFormat 'channels_first' is not supported; transpose the input to [batch, time, rows, cols, channels] (channels_last)`);
    if (args.dataFormat !== undefined && args.dataFormat !== null && args.dataFormat !== 'channels_last') throw new RangeError(`${owner}: dataFormat must be 'channels_last'; got '${String(args.dataFormat)}'`);
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation);
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.useBias = args.useBias ?? true;
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.kernelSpec = weightSpec(args, 'kernel', 'glorot_uniform');
    this.recurrentSpec = weightSpec(args, 'recurrent', 'orthogonal');
    this.biasSpec = weightSpec(args, 'bias', 'zeros');
    this.dropout = dropoutRate(args.dropout, 'dropout', owner);
    this.recurrentDropout = dropoutRate(args.recurrentDropout, 'recurrentDropout', owner);
    this.seed = args.seed ?? null;
    this.rng = this.seed === null ? null : new Rng(this.seed);
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

  /** Keras ConvLSTM's cell keys (ConvLSTM2D's config holds them flat). */
  cellConfig(): ConfigDict {
    return {
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation.name,
      recurrent_activation: this.recurrentActivation.name,
      use_bias: this.useBias,
      ...weightSpecConfig('kernel', this.kernelSpec),
      ...weightSpecConfig('recurrent', this.recurrentSpec),
      ...weightSpecConfig('bias', this.biasSpec),
      unit_forget_bias: this.unitForgetBias,
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
      seed: this.seed,
    };
  }

  protected override layerConfig(): ConfigDict {
    return this.cellConfig();
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
  private readonly activityRegularizer: Regularizer | null;

  constructor(args: ConvLSTM2DArgs) {
    super({ ...args, cell: new ConvLSTMCell(args, 'ConvLSTM2D') });
    this.activityRegularizer = args.activityRegularizer ? getRegularizer(args.activityRegularizer) : null;
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

  protected override layerConfig(): ConfigDict {
    return { ...this.rnnConfig(), ...this.convCell.cellConfig(), activity_regularizer: serializeOptional(this.activityRegularizer) as ConfigValue };
  }

  static override fromConfig(config: ConfigDict): ConvLSTM2D {
    return new ConvLSTM2D({
      ...rnnArgsFromConfig(config),
      filters: config.filters as number,
      kernelSize: config.kernelSize as number | number[],
      strides: (config.strides ?? undefined) as number | number[] | undefined,
      padding: (config.padding ?? undefined) as 'valid' | 'same' | undefined,
      dataFormat: (config.dataFormat ?? undefined) as 'channels_last' | undefined,
      dilationRate: (config.dilationRate ?? undefined) as number | number[] | undefined,
      activation: config.activation === undefined ? undefined : ((config.activation as string | null) ?? null),
      recurrentActivation: config.recurrentActivation === undefined ? undefined : ((config.recurrentActivation as string | null) ?? null),
      useBias: config.useBias as boolean | undefined,
      unitForgetBias: config.unitForgetBias as boolean | undefined,
      ...weightSpecArgs(config, 'kernel'),
      ...weightSpecArgs(config, 'recurrent'),
      ...weightSpecArgs(config, 'bias'),
      activityRegularizer: (config.activityRegularizer ?? undefined) as RegularizerLike,
      dropout: config.dropout as number | undefined,
      recurrentDropout: config.recurrentDropout as number | undefined,
      seed: (config.seed ?? null) as number | null,
    });
  }
}
