/**
 * Keras' recurrent cells as layers of their own (SimpleRNNCell, LSTMCell, GRUCell) and the
 * cell protocol; StackedRNNCells and the RNN layer that runs cells are in rnn-layer.ts.
 *
 * A cell's `call([x, ...states])` runs ONE step: x [batch, features] and the states, giving
 * `[output, ...newStates]` (Keras returns `(output, new_states)`). RNN runs a cell over a
 * whole sequence with the machinery of SimpleRNN/LSTM/GRU (rnn.ts): the built-in cells
 * project every step's input in one GEMM and run their step inside the `scan` op, and an
 * LSTMCell or GRUCell with the default activations runs as the fused LSTM/GRU kernel, so
 * RNN(LSTMCell) computes what LSTM does at the same speed. A stack of cells runs cell by
 * cell over the sequence (the same values as step by step: each cell sees only its own
 * states and the previous cell's outputs), so each cell of a stack gets its fast path too.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Variable } from '../../tensor/variable.js';
import { ones, zeros } from '../../tensor/create.js';
import type { DataType } from '../../tensor/dtype.js';
import { Rng } from '../../tensor/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { add, cast, concat, mul, sub, type ScanStep } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import { Initializer } from '../../initializers/index.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, type DeclaredArgs, arg, declareArgs } from '../args.js';
import { type CellRun, type DropoutMasks, type FusedCell, drawDropoutMasks } from './rnn.js';
import { cellArgs, cellSpecs, implementation, positiveInt, recurrentActivation } from './rnn-args.js';
import { biasBlock, biasRow, defaultActivations, gateProjections, recurrentBlocks, recurrentTerm } from './cell-ops.js';
import { registerLayer } from '../registry.js';

// ---- the cell protocol ------------------------------------------------------------------

/**
 * What RNN needs of a cell, as Keras: a Layer whose `call([x, ...states], options)` runs one
 * step and returns `[output, ...newStates]`, with `stateSize` (one number per state, each
 * state [batch, size]; a single number for one state), optionally `outputSize` (default: the
 * first state's size) and `getInitialState(batchSize)` (default: zeros).
 */
export interface CellProtocol {
  readonly stateSize: number | readonly number[];
  readonly outputSize?: number;
  getInitialState?(batchSize: number): Tensor[];
  /** The shapes (without batch) of the states, for states that are not vectors (ConvLSTM2D's cell); default from stateSize. */
  stateShapes?(): number[][];
  /** The shape (without batch) of one step's output, for outputs that are not vectors; default [outputSize]. */
  outputShape?(): number[];
}

/** A recurrent cell: any Layer with the cell protocol (the built-in cells, StackedRNNCells, user-written cells). */
export type RecurrentCell = Layer & CellProtocol;

/** Whether `v` is a Layer with a `stateSize` (a cell RNN can run). */
export function isRecurrentCell(v: unknown): v is RecurrentCell {
  if (!(v instanceof Layer)) return false;
  const s = (v as Partial<CellProtocol>).stateSize;
  return typeof s === 'number' || (Array.isArray(s) && s.length > 0 && s.every((d) => typeof d === 'number'));
}

function sizes(s: number | readonly number[]): number[] {
  return typeof s === 'number' ? [s] : [...s];
}

/** The shapes (without batch) of a cell's states. */
export function cellStateShapes(cell: RecurrentCell): number[][] {
  if (typeof cell.stateShapes === 'function') return cell.stateShapes();
  return sizes(cell.stateSize).map((d) => [d]);
}

/** The shape (without batch) of a cell's output at one step. */
export function cellOutputShape(cell: RecurrentCell): number[] {
  if (typeof cell.outputShape === 'function') return cell.outputShape();
  return [cell.outputSize ?? sizes(cell.stateSize)[0]];
}

/** A cell's initial states for a batch: its getInitialState, else zeros. */
export function initialStatesOf(cell: RecurrentCell, batch: number): Tensor[] {
  if (typeof cell.getInitialState === 'function') return cell.getInitialState(batch);
  return cellStateShapes(cell).map((s) => zeros([batch, ...s]));
}

/** The first tensor of a call's inputs and the rest (the states). */
export function splitStepInputs(inputs: Tensor | Tensor[], cell: RecurrentCell): { x: Tensor; states: Tensor[] } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const x = list[0].dtype === 'float32' ? list[0] : cast(list[0], 'float32');
  const states = list.length > 1 ? list.slice(1) : initialStatesOf(cell, x.shape[0]);
  const want = cellStateShapes(cell);
  if (states.length !== want.length || states.some((s, i) => s.rank !== want[i].length + 1 || s.shape[0] !== x.shape[0] || want[i].some((d, k) => s.shape[k + 1] !== d))) {
    const expected = want.map((s) => formatShape([x.shape[0], ...s])).join(', ');
    throw new RangeError(`Layer ${cell.name} (${cell.getClassName()}): call([x, ...states]) needs ${want.length} state(s) of shape ${expected}; got ${states.map((s) => formatShape(s.shape)).join(', ') || 'none'}`);
  }
  return { x, states: states.map((s) => (s.dtype === 'float32' ? s : cast(s, 'float32'))) };
}

// ---- built-in cells ---------------------------------------------------------------------

/** A cell's fused form for one call: the kernel's cell kind, weights and input dropout mask. */
export interface FusedCellRun {
  readonly fused: FusedCell;
  readonly kernel: Tensor;
  readonly recurrentKernel: Tensor;
  readonly inputMask: Tensor | null;
}

/**
 * Base of the built-in cells. Besides the one-step `call`, a cell gives RNN its whole-sequence
 * form (`prepareSequence`: the projections of every step at once, the step, its params) and,
 * when its configuration allows, its fused-kernel form (`fusedRun`).
 */
export abstract class RNNCell extends Layer implements CellProtocol {
  abstract readonly stateSize: number | readonly number[];
  abstract readonly outputSize: number;

  /** The shapes (without batch) of the states. */
  stateShapes(): number[][] {
    return sizes(this.stateSize).map((d) => [d]);
  }

  /** The shape (without batch) of one step's output. */
  outputShape(): number[] {
    return [this.outputSize];
  }

  /** Zero states for a batch (Keras get_initial_state). */
  getInitialState(batchSize: number): Tensor[] {
    return this.stateShapes().map((s) => zeros([batchSize, ...s]));
  }

  /**
   * The cell over a time-major sequence `xT` [time, batch, ...] (or one step [batch, ...]):
   * its input projections for every step, the step and the step's params. Dropout masks are
   * drawn here, once per call (training only).
   */
  abstract prepareSequence(xT: Tensor, training: boolean): CellRun;

  /** The fused-kernel form for inputs of this batch, or null (the sequence then runs through `scan`). */
  fusedRun(batch: number, training: boolean): FusedCellRun | null {
    void batch;
    void training;
    return null;
  }

  /** Only the step input (the first input) is checked; the others are states. */
  protected override checkInputs(shapes: readonly LayerShape[]): void {
    super.checkInputs(shapes.slice(0, 1));
  }

  /** One step: `call([x, ...states])` → `[output, ...newStates]` (states default to zeros). */
  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor[] {
    const { x, states } = splitStepInputs(inputs, this);
    const run = this.prepareSequence(x, options.training ?? false);
    const res = run.step(run.projected, states, run.params, 0);
    return [res.output, ...res.states];
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    return [[shape[0], ...this.outputShape()], ...this.stateShapes().map((s) => [shape[0], ...s])];
  }

  override computeMask(): MaskArg {
    return [null, ...this.stateShapes().map((): Mask => null)];
  }
}

/** The arguments of SimpleRNNCell, LSTMCell and GRUCell (Keras' names and defaults). */
function denseCellArgs() {
  return {
    /** The size of the output and of each state. */
    units: positiveInt(),
    ...cellArgs(),
    /** Seed of the dropout masks (null: the global generator). */
    seed: arg.seed(),
  };
}

/** LSTMCell's and GRUCell's arguments beyond SimpleRNNCell's. */
function gatedCellArgs() {
  return {
    ...denseCellArgs(),
    /** The gates' activation (default 'sigmoid'). */
    recurrentActivation: recurrentActivation(),
    implementation: implementation(),
  };
}

type DenseCellDecl = ReturnType<typeof denseCellArgs>;

const SIMPLE_RNN_CELL_ARGS = declareArgs('SimpleRNNCell', denseCellArgs());
const LSTM_CELL_ARGS = declareArgs('LSTMCell', {
  ...gatedCellArgs(),
  /** Initialize the forget gate's bias to 1 (default true). */
  unitForgetBias: arg.bool(true),
});
const GRU_CELL_ARGS = declareArgs('GRUCell', {
  ...gatedCellArgs(),
  /** Apply the reset gate after the recurrent product (default true: Keras' and cuDNN's; PyTorch's GRU). */
  resetAfter: arg.bool(true),
});

/** The arguments of SimpleRNNCell, LSTMCell and GRUCell (Keras' names, camelCase). */
export type DenseCellArgs = LayerArgs & ArgsIn<DenseCellDecl>;
/** LSTMCell's and GRUCell's arguments: DenseCellArgs, recurrentActivation and implementation. */
export type GatedCellArgs = LayerArgs & ArgsIn<ReturnType<typeof gatedCellArgs>>;

/** Keras' unit_forget_bias initializer: [init(n), ones(n), init(2n)] for the i, f, c, o gate blocks of n units. */
export class UnitForgetBias extends Initializer {
  constructor(private readonly base: Initializer, private readonly n: number) {
    super();
  }

  call(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    void shape;
    return concat([this.base.call([this.n], dtype), ones([this.n], dtype), this.base.call([2 * this.n], dtype)], 0);
  }

  getClassName(): string {
    return this.base.getClassName();
  }
}

/** Base of the matrix cells: kernel [in, gates·units], recurrent_kernel [units, gates·units], bias, dropout. */
abstract class DenseCell extends RNNCell {
  readonly units: number;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  protected readonly activation: ResolvedActivation;
  protected readonly kernelSpec: WeightSpec;
  protected readonly recurrentSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  private readonly rng: Rng | null;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  protected inputDim = 0;
  /** Number of gate blocks (SimpleRNN 1, GRU 3, LSTM 4). */
  protected abstract readonly gates: number;

  /** `decl` is the subclass's declaration (its arguments resolve once, here; the subclass reads its own from `this.declared`). */
  constructor(args: DenseCellArgs, decl: DeclaredArgs<DenseCellDecl>) {
    super(args);
    const a = this.declared(decl, args);
    this.units = a.units;
    this.useBias = a.useBias;
    this.dropout = a.dropout;
    this.recurrentDropout = a.recurrentDropout;
    this.seed = a.seed;
    this.rng = this.seed === null ? null : new Rng(this.seed);
    this.activation = a.activation;
    ({ kernel: this.kernelSpec, recurrent: this.recurrentSpec, bias: this.biasSpec } = cellSpecs(a));
  }

  get outputSize(): number {
    return this.units;
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInitializer(): Initializer {
    return this.biasSpec.initializer;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const dim = shape[shape.length - 1];
    if (shape.length !== 2 || dim === null) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected step inputs [batch, features] with known features; got ${formatLayerShape(shape)}`);
    }
    this.inputDim = dim;
    const g = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [dim, g], this.kernelSpec);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, g], this.recurrentSpec);
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), { ...this.biasSpec, initializer: this.biasInitializer() });
  }

  protected override randomGenerator(): Rng | null {
    return this.rng;
  }

  /** This call's dropout masks for a batch (Keras: one input mask, or one per gate with recurrent dropout). */
  protected masks(batch: number, training: boolean): DropoutMasks {
    const rng = this.rng;
    return drawDropoutMasks(batch, this.inputDim, this.units, this.gates, this.dropout, this.recurrentDropout, training, rng ? () => rng.nextUint32() : undefined);
  }

  /** The projections x·W_k + b_k of every step and the recurrent blocks, with this call's masks. */
  protected project(xT: Tensor, masks: DropoutMasks, bias: Tensor | null): Tensor[] {
    if (xT.shape[xT.rank - 1] !== this.inputDim) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected inputs with ${this.inputDim} features; got shape ${formatShape(xT.shape)}`);
    }
    return gateProjections(xT, this.kernel as Tensor, bias, masks.input, this.gates, this.units);
  }

  /** The fused form when the activations and dropout allow (LSTMCell, GRUCell). */
  protected fusedWith(fused: FusedCell, batch: number, training: boolean): FusedCellRun | null {
    const masks = this.masks(batch, training);
    if (masks.recurrent !== null) return null;
    return { fused, kernel: this.kernel as Tensor, recurrentKernel: this.recurrentKernel as Tensor, inputMask: masks.input ? masks.input[0] : null };
  }
}

/**
 * The cell of SimpleRNN (Keras SimpleRNNCell): h = activation(x·W + h₋₁·U + b). Weights
 * `kernel` [in, units], `recurrent_kernel` [units, units], `bias` [units]; one state.
 */
export class SimpleRNNCell extends DenseCell {
  static override readonly className = 'SimpleRNNCell';
  static override readonly args = SIMPLE_RNN_CELL_ARGS;
  protected readonly gates = 1;

  constructor(args: DenseCellArgs) {
    super(args, SIMPLE_RNN_CELL_ARGS);
  }

  get stateSize(): number {
    return this.units;
  }

  prepareSequence(xT: Tensor, training: boolean): CellRun {
    const masks = this.masks(xT.shape[xT.rank - 2], training);
    const projected = this.project(xT, masks, this.bias);
    const rm = masks.recurrent;
    const act = this.activation.fn;
    const step: ScanStep = ([xp], [h], [u]) => {
      const next = act(add(xp, recurrentTerm(h, u, rm, 0)));
      return { output: next, states: [next] };
    };
    return { projected, step, params: [this.recurrentKernel as Tensor] };
  }

}
registerLayer(SimpleRNNCell);

/** LSTMCell's arguments. */
export type LSTMCellArgs = LayerArgs & ArgsIn<typeof LSTM_CELL_ARGS>;

/**
 * The cell of LSTM (Keras LSTMCell): z = x·W + h₋₁·U + b split into gates i, f, c, o;
 * c = σ(z_f)·c₋₁ + σ(z_i)·act(z_c), h = σ(z_o)·act(c) (σ = recurrentActivation). Weights
 * `kernel` [in, 4u], `recurrent_kernel` [u, 4u], `bias` [4u]; states [h, c]. Inside RNN with
 * the default activations it runs as the fused LSTM kernel.
 */
export class LSTMCell extends DenseCell {
  static override readonly className = 'LSTMCell';
  static override readonly args = LSTM_CELL_ARGS;
  protected readonly gates = 4;
  readonly unitForgetBias: boolean;
  readonly implementation: number;
  private readonly recurrentActivation: ResolvedActivation;

  constructor(args: LSTMCellArgs) {
    super(args, LSTM_CELL_ARGS);
    const a = this.declared(LSTM_CELL_ARGS, args);
    this.recurrentActivation = a.recurrentActivation;
    this.unitForgetBias = a.unitForgetBias;
    this.implementation = a.implementation;
  }

  get stateSize(): number[] {
    return [this.units, this.units];
  }

  protected override biasInitializer(): Initializer {
    return this.unitForgetBias ? new UnitForgetBias(this.biasSpec.initializer, this.units) : this.biasSpec.initializer;
  }

  prepareSequence(xT: Tensor, training: boolean): CellRun {
    const masks = this.masks(xT.shape[xT.rank - 2], training);
    const projected = this.project(xT, masks, this.bias);
    const rm = masks.recurrent;
    const [act, ract] = [this.activation.fn, this.recurrentActivation.fn];
    const step: ScanStep = ([xi, xf, xc, xo], [h, c], [ui, uf, uc, uo]) => {
      const i = ract(add(xi, recurrentTerm(h, ui, rm, 0)));
      const f = ract(add(xf, recurrentTerm(h, uf, rm, 1)));
      const g = act(add(xc, recurrentTerm(h, uc, rm, 2)));
      const o = ract(add(xo, recurrentTerm(h, uo, rm, 3)));
      const cNext = add(mul(f, c), mul(i, g));
      const hNext = mul(o, act(cNext));
      return { output: hNext, states: [hNext, cNext] };
    };
    return { projected, step, params: recurrentBlocks(this.recurrentKernel as Tensor, 4, this.units) };
  }

  override fusedRun(batch: number, training: boolean): FusedCellRun | null {
    if (!defaultActivations(this.activation.fn, this.recurrentActivation.fn)) return null;
    return this.fusedWith({ cell: 'lstm', inputBias: this.bias, recurrentBias: null }, batch, training);
  }

}
registerLayer(LSTMCell);

/** GRUCell's arguments. */
export type GRUCellArgs = LayerArgs & ArgsIn<typeof GRU_CELL_ARGS>;

/**
 * The cell of GRU (Keras GRUCell), gates z, r, h: resetAfter (default) x = x·W + b_in,
 * m = h₋₁·U + b_rec, z = σ(x_z + m_z), r = σ(x_r + m_r), hh = act(x_h + r·m_h); resetAfter
 * false: one bias, hh = act(x_h + (r·h₋₁)·U_h); h = z·h₋₁ + (1 − z)·hh. Weights `kernel`
 * [in, 3u], `recurrent_kernel` [u, 3u], `bias` [2, 3u] (resetAfter) or [3u]; one state.
 * Inside RNN with the default activations it runs as the fused GRU kernel.
 */
export class GRUCell extends DenseCell {
  static override readonly className = 'GRUCell';
  static override readonly args = GRU_CELL_ARGS;
  protected readonly gates = 3;
  readonly resetAfter: boolean;
  readonly implementation: number;
  private readonly recurrentActivation: ResolvedActivation;

  constructor(args: GRUCellArgs) {
    super(args, GRU_CELL_ARGS);
    const a = this.declared(GRU_CELL_ARGS, args);
    this.recurrentActivation = a.recurrentActivation;
    this.resetAfter = a.resetAfter;
    this.implementation = a.implementation;
  }

  get stateSize(): number {
    return this.units;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  prepareSequence(xT: Tensor, training: boolean): CellRun {
    const u = this.units;
    const bias = this.bias;
    const masks = this.masks(xT.shape[xT.rank - 2], training);
    const projected = this.project(xT, masks, bias && this.resetAfter ? biasRow(bias, 0) : bias);
    const blocks = recurrentBlocks(this.recurrentKernel as Tensor, 3, u);
    const recBias = bias && this.resetAfter ? biasRow(bias, 1) : null;
    const params = recBias ? [...blocks, biasBlock(recBias, 0, u), biasBlock(recBias, 1, u), biasBlock(recBias, 2, u)] : blocks;
    const rm = masks.recurrent;
    const [act, ract] = [this.activation.fn, this.recurrentActivation.fn];
    const mix = (z: Tensor, h: Tensor, hh: Tensor): Tensor => add(hh, mul(z, sub(h, hh)));
    const step: ScanStep = this.resetAfter
      ? ([xz, xr, xh], [h], ps) => {
        const m = [0, 1, 2].map((k) => (ps.length > 3 ? add(recurrentTerm(h, ps[k], rm, k), ps[3 + k]) : recurrentTerm(h, ps[k], rm, k)));
        const z = ract(add(xz, m[0]));
        const r = ract(add(xr, m[1]));
        const next = mix(z, h, act(add(xh, mul(r, m[2]))));
        return { output: next, states: [next] };
      }
      : ([xz, xr, xh], [h], [uz, ur, uh]) => {
        const z = ract(add(xz, recurrentTerm(h, uz, rm, 0)));
        const r = ract(add(xr, recurrentTerm(h, ur, rm, 1)));
        const next = mix(z, h, act(add(xh, recurrentTerm(mul(r, h), uh, rm, 2))));
        return { output: next, states: [next] };
      };
    return { projected, step, params };
  }

  override fusedRun(batch: number, training: boolean): FusedCellRun | null {
    if (!defaultActivations(this.activation.fn, this.recurrentActivation.fn)) return null;
    const bias = this.bias;
    const fused: FusedCell = this.resetAfter
      ? { cell: 'gru', inputBias: bias ? biasRow(bias, 0) : null, recurrentBias: bias ? biasRow(bias, 1) : null }
      : { cell: 'gruResetBefore', inputBias: bias, recurrentBias: null };
    return this.fusedWith(fused, batch, training);
  }

}
registerLayer(GRUCell);
