/**
 * The shared machinery of SimpleRNN, LSTM and GRU (Keras' RNN layer around a cell): input
 * checks, initial and stateful states, dropout masks, masking, goBackwards, the output
 * (last step or whole sequence, plus states), config and weights.
 *
 * Speed: the input projection x·W (+ bias) of every time step is ONE matrix product over
 * the whole [batch·time, features] sequence; only h·U runs per step. LSTM and GRU with their
 * default activations (tanh, recurrent sigmoid) and no recurrent dropout run the whole
 * recurrence as one fused op (ops/rnn-fused.ts: one backend kernel forward, one for
 * backpropagation through time); every other configuration runs the cell's step as ops
 * inside the `scan` op, recorded on the tape as one node (see ops/recurrent.ts). Both give
 * the same results up to float32 rounding; setRecurrentFusion(false) forces `scan`.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Variable } from '../../tensor/variable.js';
import { ones, zeros } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { cast, dense, dropout, fusedRnn, gather, mul, reshape, scan, transpose, type RnnCell, type ScanStep } from '../../ops/index.js';
import { noGrad } from '../../autograd/tape.js';
import type { ConfigDict } from '../../utils/serialization.js';
import type { ActivationFn, ResolvedActivation } from '../../activations/index.js';
import type { Initializer } from '../../initializers/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import type { ArgsIn, DeclaredArgs } from '../args.js';
import { uniqueName } from '../naming.js';
import { cellSpecs, recurrentLayerArgs, type rnnArgs } from './rnn-args.js';

/** Keras' RNN arguments (the options every recurrent layer shares; timeMajor must be false). */
export type RNNArgs = LayerArgs & ArgsIn<ReturnType<typeof rnnArgs>> & {
  /** Only false ([batch, time, features] inputs) is supported. */
  readonly timeMajor?: boolean;
};

type RecurrentLayerDecl = ReturnType<typeof recurrentLayerArgs>;

/** The arguments of SimpleRNN, LSTM and GRU (LSTM and GRU add their own). */
export type RecurrentArgs = LayerArgs & ArgsIn<RecurrentLayerDecl> & {
  /** Keras' implementation 1 or 2: accepted; both compute the same. */
  readonly implementation?: number;
};

/** What a cell needs for one call: the projected inputs (one [time, batch, units] per gate), its step and the step's params. */
export interface CellRun {
  readonly projected: Tensor[];
  readonly step: ScanStep;
  readonly params: Tensor[];
}

/**
 * A cell's fused form (ops/rnn-fused.ts): the whole sequence in one backend kernel, for the
 * default activations. `inputBias` goes into the input projection x·W + b; `recurrentBias`
 * is GRU's (resetAfter) recurrent bias.
 */
export interface FusedCell {
  readonly cell: RnnCell;
  readonly inputBias: Tensor | null;
  readonly recurrentBias: Tensor | null;
}

let fusionEnabled = true;

/**
 * Switches the fused LSTM/GRU kernels on (default) or off (every recurrent layer then runs
 * its cell step by step as ops inside `scan`; the results agree to float32 rounding).
 * Returns the previous setting.
 */
export function setRecurrentFusion(enabled: boolean): boolean {
  const was = fusionEnabled;
  fusionEnabled = enabled;
  return was;
}

/** Dropout masks for one call: on the inputs ([batch, features]) and on the recurrent state ([batch, units]). */
export interface DropoutMasks {
  /** One mask (all gates) or one per gate (when recurrent dropout is on: Keras' implementation 1). */
  readonly input: Tensor[] | null;
  /** One mask per gate, or null. */
  readonly recurrent: Tensor[] | null;
}

/** Whether the fused LSTM/GRU kernels are on (setRecurrentFusion). */
export function recurrentFusionEnabled(): boolean {
  return fusionEnabled;
}

/** Base of SimpleRNN, LSTM and GRU. */
export abstract class RecurrentLayer extends Layer {
  /** Keras 3 keeps the cell's variables under `cell/vars`. */
  override keras3Weights(): { readonly variable: Variable; readonly path: string }[] {
    return this.weights.map((variable, i) => ({ variable, path: `cell/vars/${i}` }));
  }

  readonly units: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  readonly timeMajor = false;
  /** Set by Bidirectional to its returnSequences, as Keras does. */
  zeroOutputForMask: boolean;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly implementation: number;
  /** The cell's name: weights are `<layer>/<cell>/kernel` ('lstm/lstm_cell/kernel'), as tf.keras 2. */
  readonly cellName: string;
  protected readonly activation: ResolvedActivation;
  protected readonly kernelSpec: WeightSpec;
  protected readonly recurrentSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** The states a stateful layer carries between calls (null until the first call or after a reset without batch size). */
  private carried: Variable[] | null = null;
  private inputDim = 0;

  /** Number of gate blocks in the kernels (SimpleRNN 1, GRU 3, LSTM 4). */
  protected abstract readonly gates: number;
  /** Number of states (LSTM 2: h and c; the others 1). */
  protected abstract readonly stateCount: number;

  /**
   * `decl` is the subclass's declaration (recurrentLayerArgs and its own arguments); the
   * values are resolved once, here, and the subclass reads its own from `this.declared`.
   */
  constructor(args: RecurrentArgs, decl: DeclaredArgs<RecurrentLayerDecl>, cellBase: string) {
    super(args);
    const a = this.declared(decl, args);
    this.units = a.units;
    this.returnSequences = a.returnSequences;
    this.returnState = a.returnState;
    this.goBackwards = a.goBackwards;
    this.stateful = a.stateful;
    this.unroll = a.unroll;
    this.zeroOutputForMask = a.zeroOutputForMask;
    this.useBias = a.useBias;
    this.dropout = a.dropout;
    this.recurrentDropout = a.recurrentDropout;
    // LSTM and GRU declare implementation; SimpleRNN accepts it and, as tf.keras 2, leaves it out of its config.
    this.implementation = (a as Partial<Readonly<Record<'implementation', number>>>).implementation ?? args.implementation ?? 2;
    this.activation = a.activation;
    ({ kernel: this.kernelSpec, recurrent: this.recurrentSpec, bias: this.biasSpec } = cellSpecs(a));
    this.activityRegularizer = a.activityRegularizer;
    this.cellName = uniqueName(cellBase);
    this.supportsMasking = true;
    this.inputSpec = { ndim: 3 };
  }

  /** The number of state tensors (LSTM 2: [h, c]; SimpleRNN and GRU 1). */
  get stateSize(): number {
    return this.stateCount;
  }

  // ---- cell hooks ------------------------------------------------------------------------

  /** The bias shape (GRU with resetAfter: [2, 3·units]). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** The bias initializer (LSTM's unitForgetBias wraps it). */
  protected biasInitializer(): Initializer {
    return this.biasSpec.initializer;
  }

  /** The projections, step and params of one call. */
  protected abstract prepare(xT: Tensor, masks: DropoutMasks): CellRun;

  /**
   * The cell's fused form when its configuration allows one (LSTM and GRU with tanh and a
   * sigmoid recurrent activation), else null: the call then runs the step through `scan`.
   */
  protected fusedCell(): FusedCell | null {
    return null;
  }

  protected get act(): ActivationFn {
    return this.activation.fn;
  }

  // ---- building --------------------------------------------------------------------------

  /** Only the sequence (the first input) is checked; the rest are initial states. */
  protected override checkInputs(shapes: readonly LayerShape[]): void {
    super.checkInputs(shapes.slice(0, 1));
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const dim = shape[2];
    if (shape.length !== 3 || dim === null) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected input [batch, time, features] with known features; got ${formatLayerShape(shape)}`);
    }
    this.inputDim = dim;
    const cell = this.cellName;
    this.kernel = this.addWeight(`${cell}/kernel`, [dim, this.gates * this.units], this.kernelSpec);
    this.recurrentKernel = this.addWeight(`${cell}/recurrent_kernel`, [this.units, this.gates * this.units], this.recurrentSpec);
    if (this.useBias) this.bias = this.addWeight(`${cell}/bias`, this.biasShape(), { ...this.biasSpec, initializer: this.biasInitializer() });
    this.inputSpec = { ndim: 3, axes: { [-1]: dim } };
    if (this.stateful && shape[0] !== null) this.carry(this.zeroStates(shape[0]));
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const out: LayerShape = this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
    if (!this.returnState) return out;
    return [out, ...new Array<LayerShape>(this.stateCount).fill([shape[0], this.units])];
  }

  /** Keras: the output keeps the input mask when it is a sequence; states have none. */
  override computeMask(_inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    const m = Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...new Array<Mask>(this.stateCount).fill(null)] : out;
  }

  // ---- states ----------------------------------------------------------------------------

  private zeroStates(batch: number): Tensor[] {
    return Array.from({ length: this.stateCount }, () => zeros([batch, this.units]));
  }

  /**
   * Sets the carried states of a stateful layer. They live in non-trainable Variables
   * (as Keras keeps them in tf.Variables), written in place, so a planned model carries
   * them from call to call too; a new batch size makes new variables.
   */
  private carry(values: readonly Tensor[]): void {
    const c = this.carried;
    if (c !== null && c.length === values.length && c.every((v, i) => v.shape[0] === values[i].shape[0])) {
      noGrad(() => c.forEach((v, i) => v.assign(values[i])));
      return;
    }
    this.carried = values.map((t, i) => new Variable(t.detach(), undefined, { name: `${this.name}/state_${i}`, trainable: false }));
  }

  /** The carried states of a stateful layer (copies), or null. */
  get states(): Tensor[] | null {
    return this.carried ? this.carried.map((s) => s.read()) : null;
  }

  /**
   * Resets the carried states of a stateful layer: to zeros (batch size from the declared
   * input shape or the last call), or to the given values.
   */
  resetStates(states?: readonly Tensor[]): void {
    if (!this.stateful) throw new Error(`Layer ${this.name} (${this.getClassName()}): resetStates() needs a stateful layer (stateful: true)`);
    if (states) {
      this.carry(this.checkStates(states, states[0]?.shape[0] ?? 0, 'resetStates'));
      return;
    }
    const batch = this.batchInputShape?.[0] ?? this.carried?.[0].shape[0] ?? null;
    if (batch === null) this.carried = null;
    else this.carry(this.zeroStates(batch));
  }

  private checkStates(states: readonly Tensor[], batch: number, where: string): readonly Tensor[] {
    if (states.length !== this.stateCount) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): ${where} needs ${this.stateCount} state tensor(s) of shape (${batch}, ${this.units}); got ${states.length}`);
    }
    for (const s of states) {
      if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units) {
        throw new RangeError(`Layer ${this.name} (${this.getClassName()}): ${where} expects states of shape (${batch}, ${this.units}); got ${formatShape(s.shape)}`);
      }
    }
    return states.map((s) => (s.dtype === 'float32' ? s : cast(s, 'float32')));
  }

  private initialStates(given: readonly Tensor[], batch: number): readonly Tensor[] {
    if (given.length > 0) return this.checkStates(given, batch, 'the initial state');
    if (!this.stateful) return this.zeroStates(batch);
    if (this.carried === null) this.carry(this.zeroStates(batch));
    const carried = this.carried as unknown as Variable[];
    if (carried[0].shape[0] !== batch) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): a stateful layer keeps states for batches of ${carried[0].shape[0]}; got a batch of ${batch} (use one batch size, or resetStates())`);
    }
    // Copies: the variables are overwritten after this call, and the step records of a
    // training pass must keep the values they started from.
    return carried.map((v) => v.read());
  }

  // ---- running ---------------------------------------------------------------------------

  private dropoutMasks(batch: number, training: boolean): DropoutMasks {
    return drawDropoutMasks(batch, this.inputDim, this.units, this.gates, this.dropout, this.recurrentDropout, training);
  }

  /** The input mask as float32 [batch, time], or null. */
  private sequenceMask(mask: MaskArg | undefined, batch: number, time: number): Tensor | null {
    return sequenceMaskOf(mask, batch, time, `Layer ${this.name} (${this.getClassName()})`);
  }

  /** The whole sequence through the cell's fused kernel: one GEMM for x·W + b, one op for the recurrence. */
  private runFused(fused: FusedCell, x: Tensor, init: readonly Tensor[], mask: Tensor | null, masks: DropoutMasks): SequenceResult {
    return fusedSequence(fused, this.kernel as Tensor, this.recurrentKernel as Tensor, x, init, mask, masks.input ? masks.input[0] : null, this);
  }

  /** The cell step by step inside `scan` (time-major). */
  private runScan(x: Tensor, init: readonly Tensor[], mask: Tensor | null, masks: DropoutMasks): SequenceResult {
    return scanSequence((xT) => this.prepare(xT, masks), x, init, mask, this);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0].dtype === 'float32' ? list[0] : cast(list[0], 'float32');
    if (x.rank !== 3 || x.shape[2] !== this.inputDim) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected input of shape (batch, time, ${this.inputDim}); got ${formatShape(x.shape)}`);
    }
    const [batch, time] = x.shape;
    if (time === 0) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the input sequence has no time steps (shape ${formatShape(x.shape)})`);
    const init = this.initialStates(list.slice(1), batch);
    const mask = this.sequenceMask(options.mask, batch, time);
    const masks = this.dropoutMasks(batch, options.training ?? false);
    const fused = fusionEnabled && masks.recurrent === null ? this.fusedCell() : null;
    const res = fused ? this.runFused(fused, x, init, mask, masks) : this.runScan(x, init, mask, masks);
    if (this.stateful) this.carry(res.states);
    const output = res.output;
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, output);
    return this.returnState ? [output, ...res.states] : output;
  }

  // ---- config ----------------------------------------------------------------------------

  /** The declared arguments, but zero_output_for_mask only when set (as tf.keras 2; Bidirectional sets it on its two copies). */
  protected override layerConfig(): ConfigDict {
    const { zero_output_for_mask: _zero, ...config } = super.layerConfig();
    void _zero;
    return this.zeroOutputForMask ? { ...config, zero_output_for_mask: true } : config;
  }
}

// ---- the sequence machinery, shared with RNN(cell) and ConvLSTM2D (cells.ts, conv-lstm.ts) ----

/** How a sequence runs: Keras' RNN arguments that shape the loop and its result. */
export interface SequenceOptions {
  readonly goBackwards: boolean;
  readonly zeroOutputForMask: boolean;
  readonly returnSequences: boolean;
}

/** The result of a whole sequence: the output (last step, or the sequence [batch, time, ...]) and the final states. */
export interface SequenceResult {
  readonly output: Tensor;
  readonly states: Tensor[];
}

/**
 * Dropout masks for one call (Keras: drawn once per call, shared by all steps): one input
 * mask [batch, inputDim] for all gates, or one per gate when recurrent dropout is on (then
 * also one recurrent mask [batch, units] per gate). Null entries outside training. `seed`
 * draws the masks' seeds (a seeded cell), else the global generator does.
 */
export function drawDropoutMasks(batch: number, inputDim: number, units: number, gates: number, inputRate: number, recurrentRate: number, training: boolean, seed?: () => number): DropoutMasks {
  const perGate = recurrentRate > 0 && recurrentRate < 1;
  const draw = (n: number, width: number, r: number): Tensor[] => Array.from({ length: n }, () => dropout(ones([batch, width]), r, seed ? { seed } : {}));
  const useIn = training && inputRate > 0 && inputRate < 1;
  const useRec = training && perGate;
  return {
    input: useIn ? draw(perGate ? gates : 1, inputDim, inputRate) : null,
    recurrent: useRec ? draw(gates, units, recurrentRate) : null,
  };
}

/** The input mask of a recurrent call as float32 [batch, time], or null; `who` names the layer in the error. */
export function sequenceMaskOf(mask: MaskArg | undefined, batch: number, time: number, who: string): Tensor | null {
  const m = Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
  if (m === null) return null;
  if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== time) {
    throw new RangeError(`${who}: the mask must have shape (${batch}, ${time}) (batch, time); got ${formatShape(m.shape)}`);
  }
  return m.dtype === 'float32' ? m : cast(m, 'float32');
}

/**
 * A whole [batch, time, features] sequence through a fused LSTM/GRU kernel: one GEMM for
 * x·W + b (the input dropout mask [batch, features] applied first), one op for the recurrence.
 */
export function fusedSequence(fused: FusedCell, kernel: Tensor, recurrentKernel: Tensor, x: Tensor, init: readonly Tensor[], mask: Tensor | null, inputMask: Tensor | null, o: SequenceOptions): SequenceResult {
  const [batch, , features] = x.shape;
  const xIn = inputMask ? mul(x, reshape(inputMask, [batch, 1, features])) : x;
  const xw = dense(xIn, kernel, fused.inputBias);
  const res = fusedRnn(xw, recurrentKernel, fused.recurrentBias, init, {
    cell: fused.cell,
    goBackwards: o.goBackwards,
    mask,
    zeroOutputForMask: o.zeroOutputForMask,
    sequence: o.returnSequences,
  });
  return { output: res.outputs ?? res.lastOutput, states: res.states };
}

/**
 * A whole [batch, time, ...] sequence step by step inside `scan`: the sequence is made
 * time-major (and reversed for goBackwards), `prepare` gives the cell's projections, step and
 * params, and the outputs come back batch-major.
 */
export function scanSequence(prepare: (xT: Tensor) => CellRun, x: Tensor, init: readonly Tensor[], mask: Tensor | null, o: SequenceOptions): SequenceResult {
  const time = x.shape[1];
  const perm = [1, 0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
  let xT = transpose(x, perm);
  let maskT = mask ? transpose(mask, [1, 0]) : null;
  if (o.goBackwards) {
    const rev = Array.from({ length: time }, (_, i) => time - 1 - i);
    xT = gather(xT, rev, 0);
    if (maskT) maskT = gather(maskT, rev, 0);
  }
  const cell = prepare(xT);
  const res = scan(cell.step, cell.projected, init, cell.params, { mask: maskT, zeroOutputForMask: o.zeroOutputForMask, sequence: o.returnSequences });
  const outputs = res.outputs;
  return { output: outputs ? transpose(outputs, [1, 0, ...Array.from({ length: outputs.rank - 2 }, (_, i) => i + 2)]) : res.lastOutput, states: res.states };
}
