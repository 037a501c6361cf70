import { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layers/layer.js';
import { type LayerShape, type LayerNode, SymbolicTensor } from '../layers/symbolic.js';
import { InputLayer } from '../layers/core/input.js';
import type { ConfigDict } from '../utils/serialization.js';
import { type Graph, type GraphMasks, runGraph, traceGraph } from './graph.js';
import { summaryText, type SummaryOptions } from './summary.js';
import { functionalConfig, functionalFromConfig } from './config.js';
import { Planner } from '../engine/planner.js';
import { Trainer, type CompileArgs, type EvaluateArgs, type FitArgs, type PredictArgs, type ModelData, type TrainableModel, type DataSource, type FitState } from '../training/index.js';
import type { History } from '../callbacks/index.js';
import { loadWeightsFile, saveModelFile, saveWeightsFile } from '../io/model-io.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointInfo } from '../io/checkpoint.js';
import { saveModelJson } from '../io/model-json.js';
import { loadWeightsH5, saveModelH5, saveWeightsH5 } from '../io/h5/index.js';

function isH5Path(path: string): boolean {
  return /\.(h5|hdf5)$/i.test(path);
}

export interface ModelArgs {
  readonly inputs: SymbolicTensor | readonly SymbolicTensor[];
  readonly outputs: SymbolicTensor | readonly SymbolicTensor[];
  readonly name?: string;
}

/**
 * A model: a graph of layers from symbolic inputs to outputs (the Keras functional API),
 * trainable with compile/fit/evaluate/predict. A model is also a layer, so it can be
 * applied inside another model.
 */
export class Model extends Layer implements TrainableModel {
  static override readonly className: string = 'Functional';
  protected graphInputs: SymbolicTensor[] = [];
  protected graphOutputs: SymbolicTensor[] = [];
  protected graph: Graph = { nodes: [], layers: [] };
  /** Set by callbacks (EarlyStopping, TerminateOnNaN) to end fit() after the current batch/epoch. */
  stopTraining = false;
  /** The running (or last) fit's resumable state: shuffle seed and epochs. */
  fitState: FitState | null = null;
  protected trainer: Trainer | null = null;
  /** The output masks of the last forward pass (see computeMask). */
  private lastOutputMasks: Mask[] = [];
  /** Plans of predict, one per input signature (engine/planner.ts); the trainer keeps those of training and test steps. */
  readonly plans = new Planner();

  constructor(args: ModelArgs | (LayerArgs & { inputs?: undefined })) {
    super({ name: args.name });
    if ('outputs' in args && args.inputs !== undefined) this.setGraph(args.inputs, args.outputs);
  }

  protected setGraph(inputs: SymbolicTensor | readonly SymbolicTensor[], outputs: SymbolicTensor | readonly SymbolicTensor[]): void {
    const ins = Array.isArray(inputs) ? [...(inputs as readonly SymbolicTensor[])] : [inputs as SymbolicTensor];
    const outs = Array.isArray(outputs) ? [...(outputs as readonly SymbolicTensor[])] : [outputs as SymbolicTensor];
    for (const t of [...ins, ...outs]) {
      if (!(t instanceof SymbolicTensor)) throw new TypeError(`Model ${this.name}: inputs and outputs must be symbolic tensors (from Input() and layer calls)`);
    }
    for (const t of ins) {
      if (!(t.node.layer instanceof InputLayer)) throw new TypeError(`Model ${this.name}: every input must come from Input(); '${t.name}' comes from layer ${t.node.layer.name}`);
    }
    this.graphInputs = ins;
    this.graphOutputs = outs;
    this.graph = traceGraph(ins, outs);
    this.built = true;
  }

  /** Whether the layer graph exists yet (a Sequential model without an input shape builds on first data). */
  get isGraphBuilt(): boolean {
    return this.graphInputs.length > 0;
  }

  get inputs(): SymbolicTensor[] {
    return [...this.graphInputs];
  }

  get outputs(): SymbolicTensor[] {
    return [...this.graphOutputs];
  }

  /** The layer applications of this model's graph, inputs before consumers. */
  get graphNodes(): readonly LayerNode[] {
    return this.graph.nodes;
  }

  /** The model's layers, inputs first (InputLayers are included, as Keras functional models do). */
  get layers(): Layer[] {
    return [...this.graph.layers];
  }

  get inputNames(): string[] {
    return this.graphInputs.map((t) => t.node.layer.name);
  }

  get outputNames(): string[] {
    return this.graphOutputs.map((t) => t.node.layer.name);
  }

  get inputShapes(): LayerShape[] {
    return this.graphInputs.map((t) => t.shape);
  }

  get outputShapes(): LayerShape[] {
    return this.graphOutputs.map((t) => t.shape);
  }

  /** A layer by name or by index into `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const all = this.layers;
    const found = typeof nameOrIndex === 'number' ? all[nameOrIndex] : all.find((l) => l.name === nameOrIndex);
    if (!found) throw new RangeError(`Model ${this.name}: no layer ${typeof nameOrIndex === 'number' ? `at index ${nameOrIndex} (it has ${all.length})` : `named '${nameOrIndex}' (layers: ${all.map((l) => l.name).join(', ')})`}`);
    return found;
  }

  // ---- running -------------------------------------------------------------------------

  /** Called with real tensors by Layer.apply (also when nested inside another model). */
  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[] {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    const m = options.mask;
    const inputMasks = m === undefined || m === null ? undefined : Array.isArray(m) ? (m as readonly Mask[]) : [m as Mask];
    const outs = this.forward(xs, options.training ?? false, inputMasks);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The masks of the outputs of the last call (a nested model passes masks on, as in Keras). */
  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    void inputs;
    void mask;
    const ms = this.lastOutputMasks;
    return ms.length === 0 ? null : ms.length === 1 ? ms[0] : ms;
  }

  /** Runs the model: one tensor per input, one per output (input masks optional). */
  forward(xs: readonly Tensor[], training: boolean, inputMasks?: readonly Mask[]): Tensor[] {
    this.ensureGraph(xs);
    if (xs.length !== this.graphInputs.length) {
      throw new RangeError(`Model ${this.name}: expects ${this.graphInputs.length} input(s) (${this.inputNames.join(', ')}); got ${xs.length}`);
    }
    const masks: GraphMasks = { inputs: inputMasks };
    const outs = runGraph(this.graph, this.graphInputs, this.graphOutputs, xs, { training }, this.name, masks);
    this.lastOutputMasks = masks.outputs ?? [];
    return outs;
  }

  /** Hook for models whose graph is built from the first data (Sequential without inputShape). */
  ensureGraph(xs: readonly Tensor[]): void {
    if (!this.isGraphBuilt) throw new Error(`Model ${this.name}: has no inputs yet (${xs.length} tensors given)`);
  }

  computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    void inputShape;
    const shapes = this.outputShapes;
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  // ---- weights (union of the layers', trainable ones first, as Keras) -------------------

  private uniqueLayers(): Layer[] {
    return this.graph.layers.filter((l, i, all) => all.indexOf(l) === i);
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.uniqueLayers().flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): Variable[] {
    const layers = this.uniqueLayers();
    return this.trainable ? layers.flatMap((l) => l.nonTrainableWeights) : layers.flatMap((l) => l.weights);
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  /** Setting it on a model sets it on every layer inside (Keras). */
  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.uniqueLayers()) l.trainable = value;
  }

  override setWeights(values: readonly (Tensor | TypedArray)[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) throw new RangeError(`Model ${this.name}: setWeights expects ${ws.length} arrays; got ${values.length}`);
    ws.forEach((w, i) => w.assign(values[i]));
  }

  override get losses(): Tensor[] {
    return this.uniqueLayers().flatMap((l) => l.losses);
  }

  regularizationLosses(): Tensor[] {
    return this.losses;
  }

  override applyConstraints(): void {
    for (const l of this.uniqueLayers()) l.applyConstraints();
  }

  override countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Resets the carried states of every stateful layer, nested models included (Keras reset_states). */
  resetStates(): void {
    for (const l of this.uniqueLayers()) {
      if (l instanceof Model) l.resetStates();
      else if ('resetStates' in l && typeof l.resetStates === 'function' && 'stateful' in l && l.stateful === true) (l.resetStates as () => void).call(l);
    }
  }

  // ---- description ---------------------------------------------------------------------

  /** Keras' summary table; printed with `printFn` (default console.log) and returned. */
  summary(options: SummaryOptions = {}): string {
    const text = summaryText(this, options);
    (options.printFn ?? console.log)(text);
    return text;
  }

  override getConfig(): ConfigDict {
    return functionalConfig(this);
  }

  // ---- training (see training/) --------------------------------------------------------

  /** Configures the model for training: optimizer, loss(es), metrics, loss weights. */
  compile(args: CompileArgs): void {
    this.trainer = new Trainer(this, args);
  }

  protected requireTrainer(what: string): Trainer {
    if (this.trainer === null) throw new Error(`Model ${this.name}: call compile({ optimizer, loss }) before ${what}()`);
    return this.trainer;
  }

  /** The arguments of the last compile(), or null when the model is not compiled. */
  get compileArgs(): CompileArgs | null {
    return this.trainer?.compiled.args ?? null;
  }

  get optimizer(): Trainer['optimizer'] {
    return this.requireTrainer('optimizer').optimizer;
  }

  get metricsNames(): string[] {
    return this.requireTrainer('metricsNames').metricsNames();
  }

  /** Trains on arrays (x, y) or on a data source of batches; returns the History. */
  async fit(x: ModelData | DataSource, y?: ModelData | FitArgs, args?: FitArgs): Promise<History> {
    return this.requireTrainer('fit').fit(x, y, args);
  }

  /** Loss and metrics on data: a number without metrics, else a list (or a dict with returnDict). */
  async evaluate(x: ModelData | DataSource, y?: ModelData | EvaluateArgs, args?: EvaluateArgs): Promise<number | number[] | Record<string, number>> {
    return this.requireTrainer('evaluate').evaluate(x, y, args);
  }

  /**
   * Outputs for inputs, computed in batches (no compile needed). Each batch shape runs from
   * a plan after its first two calls (see `plans`), unless compiled with runEagerly.
   */
  predict(x: ModelData, args: PredictArgs = {}): Tensor | Tensor[] {
    return Trainer.predict(this, x, args, this.trainer?.runEagerly ? null : this.plans);
  }

  /**
   * One training step on one batch; resolves to the loss (and metrics) as tf.keras'
   * train_on_batch returns them (read asynchronously, as TensorFlow.js' trainOnBatch).
   */
  trainOnBatch(x: ModelData, y: ModelData, args: { sampleWeight?: Tensor; classWeight?: Readonly<Record<number, number>> } = {}): Promise<number | number[]> {
    return this.requireTrainer('trainOnBatch').trainOnBatch(x, y, args);
  }

  /** Loss (and metrics) on one batch, without training. */
  testOnBatch(x: ModelData, y: ModelData, args: { sampleWeight?: Tensor } = {}): Promise<number | number[]> {
    return this.requireTrainer('testOnBatch').testOnBatch(x, y, args);
  }

  predictOnBatch(x: ModelData): Tensor | Tensor[] {
    return Trainer.predict(this, x, { batchSize: Number.MAX_SAFE_INTEGER }, this.trainer?.runEagerly ? null : this.plans);
  }

  // ---- saving (native format; see io/) -------------------------------------------------

  /** Writes the weights atomically: Keras' HDF5 layout for a `.h5`/`.hdf5` path, else Neurite's native format. */
  async saveWeights(path: string): Promise<void> {
    if (isH5Path(path)) await saveWeightsH5(this, path);
    else await saveWeightsFile(this, path);
  }

  /**
   * Reads weights into this (already built) model: from a Keras `.h5`/`.hdf5` weights or model
   * file (matched by layer order; `{ byName: true }` matches layer names), else a native file.
   */
  async loadWeights(path: string, options: { byName?: boolean } = {}): Promise<void> {
    if (isH5Path(path)) await loadWeightsH5(this, path, options);
    else await loadWeightsFile(this, path);
  }

  /**
   * Writes the architecture (Keras config) and the weights; `loadModel(path)` reads them back.
   * A path ending in `.h5`/`.hdf5` writes Keras 2's HDF5 layout (with the training config and
   * optimizer state when compiled; Python's Keras loads it); `.json` the web format
   * (model.json + model.weights.bin beside it); any other path one native file.
   */
  async save(path: string): Promise<void> {
    if (isH5Path(path)) await saveModelH5(this, path);
    else if (path.endsWith('.json')) await saveModelJson(this, path);
    else await saveModelFile(this, path);
  }

  /**
   * Saves a training checkpoint for exact resume: weights, optimizer state, epoch, shuffle
   * seed and random generator states (see io/checkpoint.ts). The model must be compiled.
   */
  async saveCheckpoint(path: string, info: Partial<CheckpointInfo> = {}): Promise<void> {
    await saveCheckpoint(this, path, info);
  }

  /**
   * Restores a checkpoint into this compiled model; returns `{ epoch, seed }` to pass to
   * `fit` as `initialEpoch` and `seed` so that training continues exactly where it stopped.
   */
  async loadCheckpoint(path: string): Promise<CheckpointInfo> {
    return loadCheckpoint(this, path);
  }

  /** Rebuilds a functional model from its Keras config (layers must be registered). */
  static fromConfig(config: ConfigDict): Model {
    return functionalFromConfig(config);
  }
}
