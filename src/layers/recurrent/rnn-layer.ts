/**
 * Keras' RNN layer around a cell (or a list of cells) and StackedRNNCells. RNN runs its cell
 * with the machinery of SimpleRNN/LSTM/GRU (rnn.ts: `scan`, masks, goBackwards, the fused
 * kernels): a built-in cell projects every step's input at once and runs its step in
 * `scan`, or runs as the fused LSTM/GRU kernel when its configuration allows (RNN(LSTMCell)
 * with the default activations computes what LSTM does, at the same speed); a user-written
 * cell's own call is the step. A stack runs cell by cell over the sequence (the same values
 * as step by step: each cell sees only its own states and the previous cell's outputs), so
 * every cell of a stack gets its fast path.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Variable } from '../../tensor/variable.js';
import { formatShape } from '../../tensor/shape.js';
import { cast, gather, type ScanStep } from '../../ops/index.js';
import { noGrad } from '../../autograd/tape.js';
import { type ConfigDict, type ConfigValue, type Serialized, serialize } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { CompositeLayer } from '../composite.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import { type DeclaredArgs, declareArgs } from '../args.js';
import { type CellRun, type RNNArgs, type SequenceOptions, type SequenceResult, fusedSequence, recurrentFusionEnabled, scanSequence, sequenceMaskOf } from './rnn.js';
import { type CellProtocol, type RecurrentCell, RNNCell, cellOutputShape, cellStateShapes, initialStatesOf, isRecurrentCell, splitStepInputs } from './cells.js';
import { rnnArgs } from './rnn-args.js';
import { deserializeLayer, registerLayer } from '../registry.js';
import { type Keras3Weight, attributeWeights, containerWeights } from '../keras3-paths.js';

// ---- StackedRNNCells --------------------------------------------------------------------

export interface StackedRNNCellsArgs extends LayerArgs {
  /** The cells, first to last: each one's output is the next one's input. */
  readonly cells: readonly RecurrentCell[];
}

/**
 * A stack of cells behaving as one cell (Keras StackedRNNCells): a step runs the cells in
 * order, each on the previous one's output. Its states are the cells' states one after the
 * other, flat (`stateSize` [4, 4, 3] for LSTMCell(4) then GRUCell(3)); weights are named
 * `rnn/stacked_rnn_cells/lstm_cell/kernel` etc. as tf.keras 2.
 */
export class StackedRNNCells extends CompositeLayer implements CellProtocol {
  /** Keras 3 keeps each cell under `cells/<class in snake case>[_n]`. */
  override keras3Weights(): Keras3Weight[] {
    return containerWeights('cells', this.cells as unknown as Layer[]);
  }

  static override readonly className = 'StackedRNNCells';
  readonly cells: readonly RecurrentCell[];

  constructor(args: StackedRNNCellsArgs) {
    super(args);
    if (!Array.isArray(args.cells) || args.cells.length === 0) throw new TypeError('StackedRNNCells: cells must be a non-empty list of cells');
    args.cells.forEach((c, i) => {
      if (!isRecurrentCell(c)) throw new TypeError(`StackedRNNCells: cells[${i}] must be a Layer with a stateSize (a recurrent cell); got ${c instanceof Layer ? c.getClassName() : typeof c}`);
    });
    this.cells = [...args.cells];
  }

  protected innerLayers(): Layer[] {
    return [...this.cells];
  }

  get stateSize(): number[] {
    return this.cells.flatMap((c) => cellStateShapes(c).map((s) => s.reduce((a, b) => a * b, 1)));
  }

  get outputSize(): number {
    const s = cellOutputShape(this.cells[this.cells.length - 1]);
    return s[s.length - 1];
  }

  stateShapes(): number[][] {
    return this.cells.flatMap((c) => cellStateShapes(c));
  }

  outputShape(): number[] {
    return cellOutputShape(this.cells[this.cells.length - 1]);
  }

  /** How many states each cell has, in order. */
  stateCounts(): number[] {
    return this.cells.map((c) => cellStateShapes(c).length);
  }

  getInitialState(batchSize: number): Tensor[] {
    return this.cells.flatMap((c) => initialStatesOf(c, batchSize));
  }

  protected override checkInputs(shapes: readonly LayerShape[]): void {
    super.checkInputs(shapes.slice(0, 1));
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    let shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const scope = this.weightScope ?? this.name;
    for (const cell of this.cells) {
      this.buildInner(cell, shape, `${scope}/${cell.name}`);
      shape = [shape[0], ...cellOutputShape(cell)];
    }
  }

  /** One step of every cell: `call([x, ...states])` → `[output, ...newStates]`. */
  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor[] {
    const { x, states } = splitStepInputs(inputs, this);
    let at = 0;
    let out = x;
    const next: Tensor[] = [];
    this.cells.forEach((cell, i) => {
      const n = this.stateCounts()[i];
      const res = cellStep(cell, out, states.slice(at, at + n), options);
      at += n;
      out = res[0];
      next.push(...res.slice(1));
    });
    return [out, ...next];
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    return [[shape[0], ...this.outputShape()], ...this.stateShapes().map((s) => [shape[0], ...s])];
  }

  override computeMask(): MaskArg {
    return [null, ...this.stateShapes().map((): Mask => null)];
  }

  protected override layerConfig(): ConfigDict {
    return { cells: this.cells.map((c) => serialize(c) as unknown as ConfigValue) };
  }

  static fromConfig(config: ConfigDict, deserialize: (s: Serialized) => Layer): StackedRNNCells {
    const list = (config.cells ?? []) as unknown as Serialized[];
    if (!Array.isArray(list)) throw new TypeError('StackedRNNCells: the config\'s cells must be a list of layer configs');
    const cells = list.map((c) => deserialize(c));
    return new StackedRNNCells({ ...baseArgs(config), cells: cells as RecurrentCell[] });
  }
}
registerLayer({ className: StackedRNNCells.className, fromConfig: (config) => StackedRNNCells.fromConfig(config, deserializeLayer) });

/** One step of any cell: its call's `[output, ...newStates]`, checked. */
function cellStep(cell: RecurrentCell, x: Tensor, states: readonly Tensor[], options: CallOptions): Tensor[] {
  const res = cell.call([x, ...states], { training: options.training });
  const list = Array.isArray(res) ? res : [res];
  if (list.length !== states.length + 1 || !list.every((t) => t instanceof Tensor)) {
    throw new TypeError(`Layer ${cell.name} (${cell.getClassName()}): a cell's call([x, ...states]) must return [output, ...newStates] (${states.length + 1} tensors); got ${list.length}`);
  }
  return list;
}

// ---- user-written cells inside scan -------------------------------------------------------

/**
 * Runs `body` with the cell's weights (found in its own properties, arrays of them and
 * nested layers) replaced by the given tensors, then puts them back: inside `scan` a step
 * must compute from scan's copies of its params, and a user-written cell reads its weights
 * from its properties, as Keras cells do (`this.kernel`).
 */
function withWeights<T>(cell: Layer, swap: ReadonlyMap<Tensor, Tensor>, body: () => T): T {
  const undo: (() => void)[] = [];
  const seen = new Set<object>();
  const visit = (obj: object, depth: number): void => {
    if (seen.has(obj) || depth > 4) return;
    seen.add(obj);
    const rec = obj as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = rec[key];
      const replace = (value: unknown): void => {
        rec[key] = value;
        undo.push(() => {
          rec[key] = v;
        });
      };
      if (v instanceof Tensor) {
        const to = swap.get(v);
        if (to !== undefined && to !== v) replace(to);
      } else if (Array.isArray(v) && v.some((e) => e instanceof Tensor && swap.has(e))) {
        replace(v.map((e: unknown) => (e instanceof Tensor ? swap.get(e) ?? e : e)));
      } else if (v instanceof Layer) {
        visit(v, depth + 1);
      } else if (Array.isArray(v)) {
        for (const e of v) if (e instanceof Layer) visit(e, depth + 1);
      }
    }
  };
  visit(cell, 0);
  try {
    return body();
  } finally {
    for (const u of undo.reverse()) u();
  }
}

/** A user-written cell over a time-major sequence: its call is the step, its weights the params. */
function userCellRun(cell: RecurrentCell, xT: Tensor, training: boolean): CellRun {
  const params: Tensor[] = cell.weights;
  const step: ScanStep = ([x], states, ps) => {
    const swap = new Map<Tensor, Tensor>(params.map((p, k) => [p, ps[k]]));
    const res = withWeights(cell, swap, () => cellStep(cell, x, states, { training }));
    return { output: res[0], states: res.slice(1) };
  };
  return { projected: [xT], step, params };
}

// ---- RNN ----------------------------------------------------------------------------------

/** RNN's declared arguments: Keras' RNN options (the cell is rebuilt by RNN.fromConfig). */
const RNN_ARGS = declareArgs('RNN', rnnArgs());

/** RNN's arguments: Keras' RNN arguments and the cell. */
export type RNNLayerArgs = RNNArgs & {
  /** A cell, or a list of cells (stacked with StackedRNNCells). */
  readonly cell: RecurrentCell | readonly RecurrentCell[];
};

/**
 * Keras' RNN layer: runs a cell over the time axis of [batch, time, ...] inputs, with
 * returnSequences, returnState, goBackwards, stateful, masks and initial states
 * (`rnn.apply([x, ...states])`) as SimpleRNN/LSTM/GRU. The weights are the cell's, named
 * `rnn/lstm_cell/kernel` as tf.keras 2; the config holds the cell's config (`cell`).
 * LSTMCell and GRUCell with the default activations run as the fused kernels (RNN(LSTMCell)
 * is LSTM); any Layer with a `stateSize` and a one-step `call([x, ...states])` works too.
 */
export class RNN extends CompositeLayer {
  /** Keras 3 keeps the cell's state under `cell/`. */
  override keras3Weights(): Keras3Weight[] {
    return attributeWeights('cell', this.cell as unknown as Layer);
  }

  static override readonly className: string = 'RNN';
  /** The declared arguments (a subclass may declare more: ConvLSTM2D). */
  static override readonly args: DeclaredArgs<ReturnType<typeof rnnArgs>> = RNN_ARGS;
  readonly cell: RecurrentCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  zeroOutputForMask: boolean;
  /** The states a stateful layer carries between calls. */
  private carried: Variable[] | null = null;

  constructor(args: RNNLayerArgs) {
    super(args);
    const cls = this.getClassName();
    const cell: unknown = Array.isArray(args.cell) ? new StackedRNNCells({ cells: args.cell as readonly RecurrentCell[] }) : args.cell;
    if (!isRecurrentCell(cell)) {
      throw new TypeError(`${cls}: cell must be a Layer with a stateSize (a number or a list of numbers) and a one-step call([x, ...states]); got ${cell instanceof Layer ? cell.getClassName() : typeof cell}`);
    }
    if (args.timeMajor) throw new RangeError(`${cls}: timeMajor must be false (inputs [batch, time, ...]); timeMajor=true is not supported`);
    this.cell = cell;
    const a = this.declared((this.constructor as typeof RNN).args, args);
    this.returnSequences = a.returnSequences;
    this.returnState = a.returnState;
    this.goBackwards = a.goBackwards;
    this.stateful = a.stateful;
    this.unroll = a.unroll;
    this.zeroOutputForMask = a.zeroOutputForMask;
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 3 };
  }

  protected innerLayers(): Layer[] {
    return [this.cell];
  }

  /** The number of state tensors. */
  get stateSize(): number {
    return cellStateShapes(this.cell).length;
  }

  protected override checkInputs(shapes: readonly LayerShape[]): void {
    super.checkInputs(shapes.slice(0, 1));
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    if (shape.length < 3) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected input [batch, time, ...]; got ${formatLayerShape(shape)}`);
    this.buildInner(this.cell, [shape[0], ...shape.slice(2)], `${this.name}/${this.cell.name}`);
    if (this.stateful && shape[0] !== null) this.carry(initialStatesOf(this.cell, shape[0]));
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const step = cellOutputShape(this.cell);
    const out: LayerShape = this.returnSequences ? [shape[0], shape[1], ...step] : [shape[0], ...step];
    if (!this.returnState) return out;
    return [out, ...cellStateShapes(this.cell).map((s): LayerShape => [shape[0], ...s])];
  }

  /** Keras: the output keeps the input mask when it is a sequence; states have none. */
  override computeMask(_inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    const m = Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...cellStateShapes(this.cell).map((): Mask => null)] : out;
  }

  // ---- states --------------------------------------------------------------------------

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

  /** Resets the carried states of a stateful layer: to the cell's initial states, or to the given values. */
  resetStates(states?: readonly Tensor[]): void {
    if (!this.stateful) throw new Error(`Layer ${this.name} (${this.getClassName()}): resetStates() needs a stateful layer (stateful: true)`);
    if (states) {
      this.carry(this.checkStates(states, states[0]?.shape[0] ?? 0, 'resetStates'));
      return;
    }
    const batch = this.batchInputShape?.[0] ?? this.carried?.[0].shape[0] ?? null;
    if (batch === null) this.carried = null;
    else this.carry(initialStatesOf(this.cell, batch));
  }

  private checkStates(states: readonly Tensor[], batch: number, where: string): Tensor[] {
    const want = cellStateShapes(this.cell).map((s) => [batch, ...s]);
    const bad = states.length !== want.length || states.some((s, i) => s.rank !== want[i].length || want[i].some((d, k) => s.shape[k] !== d));
    if (bad) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): ${where} needs ${want.length} state tensor(s) of shape ${want.map(formatShape).join(', ')}; got ${states.map((s) => formatShape(s.shape)).join(', ') || 'none'}`);
    }
    return states.map((s) => (s.dtype === 'float32' ? s : cast(s, 'float32')));
  }

  private initialStates(given: readonly Tensor[], batch: number): Tensor[] {
    if (given.length > 0) return this.checkStates(given, batch, 'the initial state');
    if (!this.stateful) return initialStatesOf(this.cell, batch);
    if (this.carried === null) this.carry(initialStatesOf(this.cell, batch));
    const carried = this.carried as unknown as Variable[];
    if (carried[0].shape[0] !== batch) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}): a stateful layer keeps states for batches of ${carried[0].shape[0]}; got a batch of ${batch} (use one batch size, or resetStates())`);
    }
    return carried.map((v) => v.read());
  }

  // ---- running -------------------------------------------------------------------------

  /** One cell over a whole sequence: its fused kernel, its `scan` form, or (user cells) its call inside `scan`. */
  private runCell(cell: RecurrentCell, x: Tensor, init: readonly Tensor[], mask: Tensor | null, o: SequenceOptions, training: boolean): SequenceResult {
    if (cell instanceof RNNCell) {
      const fused = recurrentFusionEnabled() && x.rank === 3 ? cell.fusedRun(x.shape[0], training) : null;
      if (fused) return fusedSequence(fused.fused, fused.kernel, fused.recurrentKernel, x, init, mask, fused.inputMask, o);
      return scanSequence((xT) => cell.prepareSequence(xT, training), x, init, mask, o);
    }
    return scanSequence((xT) => userCellRun(cell, xT, training), x, init, mask, o);
  }

  /** A stack runs cell by cell over the sequence (reversed once for goBackwards). */
  private runStack(stack: StackedRNNCells, x: Tensor, init: readonly Tensor[], mask: Tensor | null, training: boolean): SequenceResult {
    let seq = x;
    let m = mask;
    if (this.goBackwards) {
      const time = x.shape[1];
      const rev = Array.from({ length: time }, (_, i) => time - 1 - i);
      seq = gather(seq, rev, 1);
      if (m) m = gather(m, rev, 1);
    }
    const counts = stack.stateCounts();
    const states: Tensor[] = [];
    let at = 0;
    stack.cells.forEach((cell, i) => {
      const last = i === stack.cells.length - 1;
      const o = { goBackwards: false, zeroOutputForMask: this.zeroOutputForMask, returnSequences: last ? this.returnSequences : true };
      const res = this.runCell(cell, seq, init.slice(at, at + counts[i]), m, o, training);
      at += counts[i];
      seq = res.output;
      states.push(...res.states);
    });
    return { output: seq, states };
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0].dtype === 'float32' ? list[0] : cast(list[0], 'float32');
    if (x.rank < 3) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): expected input [batch, time, ...]; got ${formatShape(x.shape)}`);
    const [batch, time] = x.shape;
    if (time === 0) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): the input sequence has no time steps (shape ${formatShape(x.shape)})`);
    const init = this.initialStates(list.slice(1), batch);
    const mask = sequenceMaskOf(options.mask, batch, time, `Layer ${this.name} (${this.getClassName()})`);
    const training = options.training ?? false;
    const res = this.cell instanceof StackedRNNCells ? this.runStack(this.cell, x, init, mask, training) : this.runCell(this.cell, x, init, mask, this, training);
    if (this.stateful) this.carry(res.states);
    this.afterCall(res.output);
    return this.returnState ? [res.output, ...res.states] : res.output;
  }

  /** A hook for subclasses (ConvLSTM2D's activity regularizer). */
  protected afterCall(output: Tensor): void {
    void output;
  }

  // ---- config --------------------------------------------------------------------------

  /** The declared arguments (zero_output_for_mask as it is now: Bidirectional may set it) and the cell. */
  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), zero_output_for_mask: this.zeroOutputForMask, ...this.cellConfig() };
  }

  /** The config's `cell` entry; ConvLSTM2D, whose config holds its cell's arguments flat, has none. */
  protected cellConfig(): ConfigDict {
    return { cell: serialize(this.cell) as unknown as ConfigValue };
  }

  static fromConfig(config: ConfigDict, deserialize: (s: Serialized) => Layer): RNN {
    const raw = config.cell as unknown;
    const cell = Array.isArray(raw) ? (raw as Serialized[]).map((c) => deserialize(c)) : deserialize(raw as Serialized);
    return new RNN({ ...baseArgs(config), ...RNN_ARGS.fromConfig(config), timeMajor: config.timeMajor as boolean | undefined, cell: cell as RecurrentCell | RecurrentCell[] });
  }
}
registerLayer({ className: RNN.className, fromConfig: (config) => RNN.fromConfig(config, deserializeLayer) });
