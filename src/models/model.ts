import { saveTfjs, type TfjsSaveOptions } from '../io/tfjs.js';
import { browserStorageUrl, saveToBrowser } from '../io/browser-storage.js';
import { isKeras3WeightsFile, loadKeras3Weights, saveKeras3Weights, saveKerasArchive } from '../io/keras3.js';
import { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layers/layer.js';
import { type LayerShape, type LayerNode, SymbolicTensor } from '../layers/symbolic.js';
import { InputLayer } from '../layers/core/input.js';
import { type Keras3Weight, attributeWeights, containerWeights } from '../layers/keras3-paths.js';
import type { ConfigDict } from '../utils/serialization.js';
import { noGrad } from '../autograd/tape.js';
import { zeros } from '../tensor/create.js';
import { Metric } from '../metrics/metric.js';
import { type Graph, type GraphMasks, graphOutputShapes, runGraph, traceGraph } from './graph.js';
import { summaryText, type SummaryOptions } from './summary.js';
import { functionalConfig, functionalFromConfig } from './config.js';
import { Planner } from '../engine/planner.js';
import { isDataSource, iterate, unpackBatch } from '../training/data.js';
import { concat } from '../ops/index.js';
import { Trainer, type Batch, type CompileArgs, type ComputeLossArgs, type CustomSteps, type EvaluateArgs, type FitArgs, type PredictArgs, type ModelData, type TrainableModel, type DataSource, type FitState, type StepData, type StepLogs } from '../training/index.js';
import type { History } from '../callbacks/index.js';
import { loadWeightsFile, saveModelFile, saveWeightsFile } from '../io/model-io.js';
import { loadCheckpoint, rngStates, saveCheckpoint, type LoadedCheckpoint, type RngStates, type SaveCheckpointInfo } from '../io/checkpoint.js';
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

/** Keys of a Model's own state: attributes a subclass adds after them are tracked (layers, metrics). */
const BASE_KEYS = Symbol('baseKeys');

/** Layers (or metrics) held by an attribute: the value itself, or inside an array or a plain object, two levels deep. */
function collect<T>(value: unknown, cls: abstract new (...args: never[]) => T, out: T[], depth = 2): void {
  if (value instanceof cls) {
    if (!out.includes(value)) out.push(value);
    return;
  }
  if (depth === 0 || value === null || typeof value !== 'object' || value instanceof Tensor) return;
  if (Array.isArray(value)) for (const v of value) collect(v, cls, out, depth - 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value)) collect(v, cls, out, depth - 1);
  }
}

/**
 * A model: a graph of layers from symbolic inputs to outputs (the Keras functional API),
 * trainable with compile/fit/evaluate/predict. A model is also a layer, so it can be
 * applied inside another model.
 *
 * A class that extends Model and overrides `call` is a subclassed model (Keras' model
 * subclassing, PyTorch's module style): its layers are the Layer attributes it holds, its
 * weights theirs, built on the first call. Any model may override `trainStep`, `testStep`,
 * `predictStep` and `computeLoss` to change what fit, evaluate and predict do (Keras 3).
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

  /** Outputs per call of a subclassed model, known after its first call (0 before). */
  private subclassOutputs = 0;
  declare private [BASE_KEYS]: ReadonlySet<string>;

  constructor(args: ModelArgs | (LayerArgs & { inputs?: undefined }) = {}) {
    super({ name: args.name, trainable: 'trainable' in args ? args.trainable : undefined, dtype: 'dtype' in args ? args.dtype : undefined });
    if ('outputs' in args && args.inputs !== undefined) this.setGraph(args.inputs, args.outputs);
    // The attributes that exist now are the model's own; those a subclass adds are tracked.
    Object.defineProperty(this, BASE_KEYS, { value: new Set(Object.keys(this)), enumerable: false });
  }

  /**
   * Whether this is a subclassed model: an instance of a class that extends Model, made
   * without inputs and outputs (its `call` is code; a GAN may have no call at all, only a
   * trainStep over the models it holds).
   */
  get isSubclassed(): boolean {
    return (this.graphInputs?.length ?? 0) === 0 && this.constructor !== Model;
  }

  /** Whether the class writes its own `call`. */
  private get ownCall(): boolean {
    return this.call !== Model.prototype.call;
  }

  /** A subclassed model's class name is its JavaScript class name unless the class sets `className`. */
  override getClassName(): string {
    const ctor = this.constructor as typeof Model;
    if (ctor !== Model && !Object.prototype.hasOwnProperty.call(ctor, 'className') && this.call !== Model.prototype.call) return ctor.name;
    return ctor.className;
  }

  /** The attributes a subclass added to the model (not its base state). */
  private ownAttributes(): unknown[] {
    const base = this[BASE_KEYS] ?? new Set<string>();
    return Object.keys(this).filter((k) => !base.has(k)).map((k) => (this as unknown as Record<string, unknown>)[k]);
  }

  /** The layers a subclassed model holds in its attributes (directly, or in arrays and plain objects), in attribute order. */
  protected trackedLayers(): Layer[] {
    const out: Layer[] = [];
    for (const v of this.ownAttributes()) collect(v, Layer, out);
    return out.filter((l) => l !== this);
  }

  /**
   * The metrics this model holds in its attributes (Keras tracks metric attributes, such as
   * a loss tracker `this.lossTracker = new nt.metrics.Mean({ name: 'loss' })`): fit resets
   * them at every epoch and logs them after the built-in step.
   */
  trackedMetrics(): Metric[] {
    const out: Metric[] = [];
    for (const v of this.ownAttributes()) collect(v, Metric, out);
    return out;
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

  /**
   * Keras 3's layout of the weights: a functional or Sequential model's layers (InputLayers
   * aside) under `layers/<class in snake case>[_n]/`; a subclassed model's layers under the
   * names of the attributes that hold them (public ones first, then alphabetical).
   */
  override keras3Weights(): Keras3Weight[] {
    if (!this.isSubclassed) return containerWeights('layers', this.layers.filter((l) => !(l instanceof InputLayer)));
    const seen = new Set<Variable>();
    const out: Keras3Weight[] = [];
    const key = (k: string): string => (k.startsWith('_') ? `~${k}` : k);
    const entries = Object.entries(this as unknown as Record<string, unknown>).sort(([a], [b]) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const [attribute, value] of entries) {
      const found = value instanceof Layer ? attributeWeights(attribute, value) : Array.isArray(value) && value.some((v) => v instanceof Layer) ? containerWeights(attribute, value.filter((v): v is Layer => v instanceof Layer)) : [];
      for (const w of found) {
        if (seen.has(w.variable)) continue;
        seen.add(w.variable);
        out.push(w);
      }
    }
    return out;
  }

  /** The model's layers, inputs first (InputLayers are included, as Keras functional models do). */
  get layers(): Layer[] {
    return this.isSubclassed ? this.trackedLayers() : [...this.graph.layers];
  }

  get inputNames(): string[] {
    return this.graphInputs.map((t) => t.node.layer.name);
  }

  /** Output names; a subclassed model's are Keras' output_1, output_2, … once it has run. */
  get outputNames(): string[] {
    if (this.isSubclassed) return Array.from({ length: this.subclassOutputs }, (_, i) => `output_${i + 1}`);
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
    if (this.isSubclassed) return this.callSubclass(xs, training);
    this.ensureGraph(xs);
    if (xs.length !== this.graphInputs.length) {
      throw new RangeError(`Model ${this.name}: expects ${this.graphInputs.length} input(s) (${this.inputNames.join(', ')}); got ${xs.length}`);
    }
    const masks: GraphMasks = { inputs: inputMasks };
    const outs = runGraph(this.graph, this.graphInputs, this.graphOutputs, xs, { training }, this.name, masks);
    this.lastOutputMasks = masks.outputs ?? [];
    return outs;
  }

  /** A subclassed model's own call on real tensors (its addLoss losses start empty). */
  private callSubclass(xs: readonly Tensor[], training: boolean): Tensor[] {
    if (!this.ownCall) throw new Error(`Model ${this.name} (${this.getClassName()}): a subclassed model needs a call() method to be run on inputs`);
    this.activityLosses = [];
    const out = this.call(xs.length === 1 ? xs[0] : [...xs], { training });
    const list = Array.isArray(out) ? out : [out];
    if (list.length === 0 || !list.every((t) => t instanceof Tensor)) throw new TypeError(`Model ${this.name}: call() must return a Tensor or a list of Tensors`);
    this.subclassOutputs = list.length;
    this.built = true;
    return list;
  }

  /**
   * Hook for models whose graph is built from the first data (Sequential without
   * inputShape); a subclassed model runs once on the data to create its layers' weights.
   */
  ensureGraph(xs: readonly Tensor[]): void {
    if (this.isSubclassed) {
      if (this.subclassOutputs === 0 && this.ownCall) noGrad(() => this.callSubclass(xs, false));
      return;
    }
    if (!this.isGraphBuilt) throw new Error(`Model ${this.name}: has no inputs yet (${xs.length} tensors given)`);
  }

  /**
   * Builds a subclassed model's weights by calling it on zeros of this shape (null or
   * missing batch axis: 1), as Keras' `model.build(input_shape)`.
   */
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    if (!this.isSubclassed || !this.ownCall || this.subclassOutputs > 0) return;
    const shapes = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[]) : [inputShape as LayerShape];
    noGrad(() => this.callSubclass(shapes.map((s) => zeros(s.map((d) => d ?? 1))), false));
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    if (this.isSubclassed) {
      // Traced: call on zeros (unknown sizes 1), the batch axis reported as unknown.
      const shapes = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[]) : [inputShape as LayerShape];
      const outs = noGrad(() => this.callSubclass(shapes.map((s) => zeros(s.map((d) => d ?? 1))), false));
      const traced = outs.map((t) => [shapes[0][0] ?? null, ...t.shape.slice(1)] as LayerShape);
      return traced.length === 1 ? traced[0] : traced;
    }
    if (!this.isGraphBuilt) throw new Error(`Model ${this.name}: has no graph yet, so no output shape`);
    const given = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[]) : [inputShape as LayerShape];
    const shapes = graphOutputShapes(this.graph, this.graphInputs, this.graphOutputs, given);
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  // ---- weights (union of the layers', trainable ones first, as Keras) -------------------

  private uniqueLayers(): Layer[] {
    if (this.isSubclassed) return this.trackedLayers();
    return this.graph.layers.filter((l, i, all) => all.indexOf(l) === i);
  }

  /** The model's own weights (a subclassed model's addWeight), then its layers'. */
  override get trainableWeights(): Variable[] {
    return this.trainable ? [...super.trainableWeights, ...this.uniqueLayers().flatMap((l) => l.trainableWeights)] : [];
  }

  override get nonTrainableWeights(): Variable[] {
    const layers = this.uniqueLayers();
    // Layer's own getter: when the model is frozen it already lists all of the model's own weights.
    return [...super.nonTrainableWeights, ...(this.trainable ? layers.flatMap((l) => l.nonTrainableWeights) : layers.flatMap((l) => l.weights))];
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

  /** Weight penalties and the losses added in the last call (addLoss, activity penalties): the model's own, then its layers'. */
  override get losses(): Tensor[] {
    return [...super.losses, ...this.uniqueLayers().flatMap((l) => l.losses)];
  }

  regularizationLosses(): Tensor[] {
    return this.losses;
  }

  override applyConstraints(): void {
    super.applyConstraints();
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
    if (this.isSubclassed) {
      throw new Error(`Model ${this.name} (${this.getClassName()}) is a subclassed model: its architecture is code, not a config. Save its weights with saveWeights(path), and load them into a new instance with loadWeights(path)`);
    }
    return functionalConfig(this);
  }

  // ---- training (see training/) --------------------------------------------------------

  /**
   * Configures the model for training: optimizer (default 'rmsprop'), loss(es), metrics,
   * loss weights. The loss may be left out where the model computes its own (an override of
   * computeLoss or trainStep, or losses added with addLoss).
   */
  compile(args: CompileArgs = {}): void {
    this.trainer = new Trainer(this, args);
  }

  // ---- custom steps (Keras 3's train_step, test_step, predict_step, compute_loss) ---------

  /**
   * One training step on one batch, called by fit (Keras' `train_step`). Override it to
   * train differently (a GAN's two optimizers, a VAE's own loss): compute the loss under
   * recording, take `nt.gradients`, apply them with an optimizer, update metrics, and return
   * the logs (numbers, scalar Tensors or Metric objects by name; nothing = every metric of
   * `metrics`). The default is the built-in step: forward, `computeLoss`, gradients, the
   * compiled optimizer, metrics. It runs from a plan; an override runs eagerly.
   */
  trainStep(data: StepData): StepLogs | void {
    this.requireTrainer('trainStep').defaultTrainStep(this.stepArrays(data));
  }

  /** One evaluation step (Keras' `test_step`), called by evaluate and fit's validation without recording gradients. */
  testStep(data: StepData): StepLogs | void {
    this.requireTrainer('testStep').defaultTestStep(this.stepArrays(data));
  }

  /** The outputs of one batch in predict (Keras' `predict_step`); the default runs the model in inference mode. */
  predictStep(data: StepData): Tensor | Tensor[] {
    const xs = Array.isArray(data[0]) ? data[0] : [data[0]];
    const outs = this.forward(xs, false);
    return outs.length === 1 ? outs[0] : outs;
  }

  /**
   * The total loss of a batch (Keras' `compute_loss`): the compiled losses of the outputs
   * plus the model's `losses` (weight penalties, addLoss). Override it for a loss that needs
   * more than (y, yPred); fit then uses it in the built-in step.
   */
  computeLoss(args: ComputeLossArgs): Tensor {
    const trainer = this.requireTrainer('computeLoss');
    const list = (v: Tensor | Tensor[] | undefined): Tensor[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    return trainer.compiled.totalLoss(this, list(args.y), list(args.yPred), args.sampleWeight ?? null).total;
  }

  /**
   * Updates the compiled metrics with a batch (Keras' `compute_metrics`) and returns the
   * logs of every metric of `metrics`; for a trainStep override that keeps compile's metrics.
   */
  computeMetrics(x: Tensor | Tensor[] | undefined, y: Tensor | Tensor[] | undefined, yPred: Tensor | Tensor[], sampleWeight?: Tensor): StepLogs {
    void x;
    const trainer = this.requireTrainer('computeMetrics');
    const list = (v: Tensor | Tensor[] | undefined): Tensor[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    trainer.compiled.updateMetrics(this, list(y), list(yPred), sampleWeight ?? null);
    return Object.fromEntries(this.metrics.map((m) => [m.name, m]));
  }

  /**
   * Every metric (Keras' `model.metrics`): the compiled loss tracker and metrics, then the
   * metric objects the model holds in its attributes. fit resets them at each epoch.
   */
  get metrics(): Metric[] {
    return this.trainer ? this.trainer.metrics() : this.trackedMetrics();
  }

  /** Resets every metric's state (Keras' reset_metrics). */
  resetMetrics(): void {
    if (this.trainer) this.trainer.resetMetrics();
    else for (const m of this.trackedMetrics()) m.resetState();
  }

  /** The overrides of this model's class, for the trainer (a method that is Model's own counts as none). */
  customSteps(): CustomSteps {
    const own = <K extends 'trainStep' | 'testStep' | 'predictStep' | 'computeLoss'>(k: K): Model[K] | null => (this[k] !== Model.prototype[k] ? (this[k].bind(this) as Model[K]) : null);
    return { train: own('trainStep'), test: own('testStep'), predict: own('predictStep'), computeLoss: own('computeLoss') };
  }

  /** A step's data as the trainer's lists. */
  private stepArrays(data: StepData): { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } {
    const list = (v: Tensor | Tensor[] | undefined): Tensor[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    return { xs: list(data[0]), ys: list(data[1]), sw: data[2] ?? null };
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
   * a plan after its first two calls (see `plans`), unless compiled with runEagerly. Given
   * a data source (an `nt.data.Dataset` of batches, or any (async) iterable of them: `x`,
   * `[x]`, `[x, y]` or `{ x }`), it resolves to the outputs of every batch, concatenated.
   */
  predict(x: ModelData, args?: PredictArgs): Tensor | Tensor[];
  predict(x: DataSource | AsyncIterable<ModelData> | Iterable<ModelData>, args?: PredictArgs): Promise<Tensor | Tensor[]>;
  predict(x: ModelData | DataSource | AsyncIterable<ModelData> | Iterable<ModelData>, args: PredictArgs = {}): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
    const plans = this.trainer?.runEagerly ? null : this.plans;
    if (!isDataSource(x)) return Trainer.predict(this, x as ModelData, args, plans);
    return (async () => {
      const where = `predict (model ${this.name})`;
      const parts: Tensor[][] = [];
      const it = iterate(x as DataSource);
      for (let step = 0; args.steps === undefined || step < args.steps; step++) {
        const r = await it.next();
        if (r.done) break;
        const item = r.value as unknown;
        // A batch of inputs alone, or [x, ...] / { x, ... } as fit takes them.
        const inputs = item instanceof Tensor || (Array.isArray(item) && item.every((t) => t instanceof Tensor) && item.length === this.inputs.length && this.inputs.length > 1) ? (item as ModelData) : unpackBatch(this, item as Batch, where, true).xs;
        const out = Trainer.predict(this, inputs, { batchSize: Number.MAX_SAFE_INTEGER }, plans);
        parts.push(Array.isArray(out) ? out : [out]);
      }
      if (parts.length === 0) throw new RangeError(`${where}: the data source gave no batches`);
      const outs = parts[0].map((_, o) => (parts.length === 1 ? parts[0][o] : noGrad(() => concat(parts.map((p) => p[o]), 0))));
      return outs.length === 1 ? outs[0] : outs;
    })();
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
    if (/\.weights\.h5$/i.test(path)) await saveKeras3Weights(this, path);
    else if (isH5Path(path)) await saveWeightsH5(this, path);
    else await saveWeightsFile(this, path);
  }

  /**
   * Reads weights into this (already built) model: from a Keras `.h5`/`.hdf5` weights or model
   * file (matched by layer order; `{ byName: true }` matches layer names), else a native file.
   */
  async loadWeights(path: string, options: { byName?: boolean } = {}): Promise<void> {
    if (/\.weights\.h5$/i.test(path) && !options.byName && (await isKeras3WeightsFile(path))) await loadKeras3Weights(this, path);
    else if (isH5Path(path)) await loadWeightsH5(this, path, options);
    else await loadWeightsFile(this, path);
  }

  /**
   * Writes the architecture (Keras config) and the weights; `loadModel(path)` reads them back.
   * A path ending in `.h5`/`.hdf5` writes Keras 2's HDF5 layout (with the training config and
   * optimizer state when compiled; Python's Keras loads it); `.json` the web format
   * (model.json + model.weights.bin beside it); any other path one native file.
   * `{ format: 'tfjs' }` writes a TensorFlow.js layers model instead (`path` a directory or
   * a `.json` file; `tf.loadLayersModel` reads it), with optional `shardSizeBytes` and
   * `quantize` ('uint8', 'uint16', 'float16'). A `.keras` path writes Keras 3's archive. In a
   * browser, `indexeddb://name`, `localstorage://name` and `downloads://name` store the model
   * there (as a TensorFlow.js layers model).
   */
  async save(path: string, options: { readonly format?: 'tfjs' } & TfjsSaveOptions = {}): Promise<void> {
    if (options.format !== undefined && options.format !== 'tfjs') throw new RangeError(`save: format must be 'tfjs' or left out (the path's extension decides); got ${JSON.stringify(options.format)}`);
    if (browserStorageUrl(path) !== null) await saveToBrowser(this, path, options);
    else if (options.format === 'tfjs') await saveTfjs(this, path, options);
    else if (/\.keras$/i.test(path)) await saveKerasArchive(this, path);
    else if (isH5Path(path)) await saveModelH5(this, path);
    else if (path.endsWith('.json')) await saveModelJson(this, path);
    else await saveModelFile(this, path);
  }

  /**
   * Saves a training checkpoint for exact resume: weights, optimizer state, epoch, shuffle
   * seed and random generator states (see io/checkpoint.ts). The model must be compiled.
   */
  async saveCheckpoint(path: string, info: SaveCheckpointInfo = {}): Promise<void> {
    await saveCheckpoint(this, path, info);
  }

  /** This process's random generator states (what a checkpoint keeps of them). */
  rngStates(): RngStates {
    return rngStates(this);
  }

  /**
   * Restores a checkpoint into this compiled model; returns `{ epoch, seed }` to pass to
   * `fit` as `initialEpoch` and `seed` so that training continues exactly where it stopped.
   */
  async loadCheckpoint(source: string | Uint8Array, options: { readonly rank?: number } = {}): Promise<LoadedCheckpoint> {
    return loadCheckpoint(this, source, options);
  }

  /** Rebuilds a functional model from its Keras config (layers must be registered). */
  static fromConfig(config: ConfigDict): Model {
    return functionalFromConfig(config);
  }
}
