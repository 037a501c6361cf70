import { Tensor } from '../tensor/tensor.js';
import { Variable } from '../tensor/variable.js';
import type { Rng } from '../tensor/rng.js';
import type { DataType } from '../tensor/dtype.js';
import { StringTensor } from '../tensor/string-tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { noGrad } from '../autograd/tape.js';
import { div } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import { type Initializer, getInitializer } from '../initializers/index.js';
import { type Regularizer, getRegularizer } from '../regularizers/index.js';
import { type Constraint, getConstraint } from '../constraints/index.js';
import { type LayerShape, LayerNode, SymbolicTensor, formatLayerShape } from './symbolic.js';
import { toSnakeCase, uniqueName } from './naming.js';
import type { ArgDecl, ArgsOut, DeclaredArgs } from './args.js';

export type { InitializerLike, RegularizerLike, ConstraintLike } from './weight-spec.js';
import type { InitializerLike, RegularizerLike, ConstraintLike } from './weight-spec.js';

/** Arguments every layer accepts (Keras' base Layer kwargs, camelCase). */
export interface LayerArgs {
  readonly name?: string;
  readonly trainable?: boolean;
  readonly dtype?: DataType;
  /** Shape of one sample, without the batch axis (Keras input_shape). First layer only. */
  readonly inputShape?: readonly (number | null)[];
  /** Full input shape including the batch axis (Keras batch_input_shape). */
  readonly batchInputShape?: LayerShape;
  readonly batchSize?: number;
}

/**
 * A Keras mask: a float32 tensor of 1 (keep) and 0 (masked) per time step, shape
 * [batch, time] (Keras uses booleans; Neurite has no bool dtype). Layers with several
 * inputs or outputs take and give one entry (or null) per tensor.
 */
export type Mask = Tensor | null;
export type MaskArg = Mask | readonly Mask[];

/** Per-call options. */
export interface CallOptions {
  /** Training mode (Dropout drops, BatchNormalization uses batch statistics). */
  readonly training?: boolean;
  /** The mask of the inputs (Keras' `mask` call argument); models pass it along their graph. */
  readonly mask?: MaskArg;
}

/** Keras' InputSpec: what inputs a built layer accepts. Axis keys may be negative. */
export interface InputSpec {
  readonly ndim?: number;
  readonly minNdim?: number;
  readonly axes?: Readonly<Record<number, number>>;
}

export type LayerInput = Tensor | StringTensor | SymbolicTensor | readonly (Tensor | StringTensor | SymbolicTensor)[];

interface WeightEntry {
  readonly variable: Variable;
  /** The weight's own trainability (a layer's `trainable` = false freezes all of them). */
  readonly trainable: boolean;
  readonly regularizer: Regularizer | null;
  readonly constraint: Constraint | null;
}

/**
 * The base of every layer: built lazily from the first input shape, owns named weights,
 * records graph nodes when called on symbolic tensors, and computes when called on real
 * tensors. Layers call ops, never backends.
 */
export abstract class Layer {
  /** Keras class name; every concrete layer sets it. */
  static readonly className: string = 'Layer';
  /**
   * The layer's declared arguments (see layers/args.ts): with them, `getConfig` and loading
   * from a config need no code of the layer's own. Null for a layer that writes its config itself.
   */
  static readonly args: DeclaredArgs<ArgDecl> | null = null;
  /** The resolved values of the declared arguments (set by `declared`). */
  private declaredValues: Readonly<Record<string, unknown>> | null = null;
  private declaredFor: object | null = null;

  readonly name: string;
  readonly dtype: DataType;
  built = false;
  inputSpec: InputSpec | null = null;
  /** Graph nodes where this layer was applied to symbolic tensors. */
  readonly inboundNodes: LayerNode[] = [];
  /** The batch input shape the user declared (first layer of a Sequential model). */
  readonly batchInputShape: LayerShape | null;
  /** Losses added during the last call (activity regularization). */
  protected activityLosses: Tensor[] = [];
  /** Whether the layer passes its input mask on unchanged (Keras supports_masking). */
  supportsMasking = false;
  /**
   * The name scope of weights created by build: `<scope>/<weight>` (default: the layer's
   * name). Wrappers set it before building an inner layer, as Keras' name_scope does
   * ('bidirectional/forward_lstm/...', 'time_distributed/kernel').
   */
  weightScope: string | null = null;
  private entries: WeightEntry[] = [];
  private isTrainable: boolean;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(toSnakeCase(this.getClassName()));
    this.isTrainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else this.batchInputShape = null;
    // As in Keras, calling build() marks the layer built, so weights set after an explicit
    // build survive the first call. Layers override build() without calling super, so the
    // most-derived build is wrapped here once (non-enumerable: configs never see it).
    const build = this.build;
    Object.defineProperty(this, 'build', {
      value: (inputShape: LayerShape | readonly LayerShape[]): void => {
        build.call(this, inputShape);
        this.built = true;
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  getClassName(): string {
    return (this.constructor as typeof Layer).className;
  }

  // ---- to implement --------------------------------------------------------------------

  /** Creates the weights for inputs of this shape (batch axis may be null). */
  build(inputShape: LayerShape | readonly LayerShape[]): void {
    void inputShape;
  }

  /** The computation on real tensors. */
  abstract call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[];

  /**
   * Output shape for an input shape (batch axis may be null). By default it is traced: `call`
   * runs (without recording, in inference mode) on zeros of the input shape, twice, with the
   * unknown sizes set to 2 and then to 3; an output size that differs between the two depends
   * on an unknown input size and is reported as null. A layer writes its own where tracing
   * would cost too much or cannot tell (integer inputs, sizes it must check). `options` are
   * the call options of a graph node (MultiHeadAttention's returnAttentionScores adds an
   * output).
   */
  computeOutputShape(inputShape: LayerShape | readonly LayerShape[], options: CallOptions = {}): LayerShape | LayerShape[] {
    void options;
    return traceOutputShape(this, inputShape);
  }

  /**
   * The mask of the outputs for these inputs and input mask (Keras compute_mask): by
   * default the input mask when the layer supportsMasking, else null (the mask stops).
   */
  computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    void inputs;
    return this.supportsMasking ? mask ?? null : null;
  }

  /**
   * Call options beyond `training` and `mask` that a graph node keeps (Keras' call kwargs,
   * snake_case: MultiHeadAttention's use_causal_mask); callOptionsOf turns them back into
   * options when a model runs the node. Options that cannot be kept (tensors) throw here.
   */
  protected recordCallArgs(options: CallOptions): Record<string, boolean | number | string> {
    void options;
    return {};
  }

  /**
   * Keras' names of the tensor call arguments after the first one, in input-list order
   * (MultiHeadAttention's call(query, value, key): ['value', 'key']). Keras files carry them
   * as keyword tensors of a node; a model config reads them into, and writes them from,
   * the layer's input list. Empty for layers whose inputs are one tensor or one list.
   */
  kerasTensorArgs(): readonly string[] {
    return [];
  }

  /**
   * Call options that take a tensor, option name → Keras keyword (MultiHeadAttention:
   * attentionMask → attention_mask). Given a symbolic tensor, such an option becomes an
   * extra input of the graph node (LayerNode.tensorOptions), and a Keras file carries it as
   * a keyword tensor.
   */
  tensorCallOptions(): Readonly<Record<string, string>> {
    return {};
  }

  /** The call options of a graph node's kept call arguments (see recordCallArgs). */
  callOptionsOf(callArgs: Readonly<Record<string, boolean | number | string>>): CallOptions {
    void callArgs;
    return {};
  }

  /**
   * Checks and resolves the constructor's arguments against the class's declaration and
   * keeps the values, from which `getConfig` writes the layer's config.
   */
  protected declared<D extends ArgDecl>(decl: DeclaredArgs<D>, args: object | undefined): ArgsOut<D> {
    // A base class and its subclass may both ask (each for its own fields): resolve once.
    if (this.declaredFor === decl && this.declaredValues !== null) return this.declaredValues as ArgsOut<D>;
    const values = decl.resolve(args);
    this.declaredValues = values as Readonly<Record<string, unknown>>;
    this.declaredFor = decl;
    return values;
  }

  /**
   * Layer-specific config in Keras' snake_case (merged with the base config): by default the
   * declared arguments' values (see `declared`).
   */
  protected layerConfig(): ConfigDict {
    const decl = (this.constructor as typeof Layer).args;
    return decl !== null && this.declaredValues !== null ? decl.toConfig(this.declaredValues as never) : {};
  }

  // ---- weights -------------------------------------------------------------------------

  get trainable(): boolean {
    return this.isTrainable;
  }

  /** Freezing a layer (false) stops gradients to and updates of all its weights. */
  set trainable(value: boolean) {
    // Plans record what a layer computes in training, and a frozen layer may compute
    // differently (BatchNormalization then uses its moving statistics) even when none of
    // its variables changes flag (BatchNormalization with center and scale off): the
    // structure version is what plans are validated against.
    if (value !== this.isTrainable) Variable.structureVersion++;
    this.isTrainable = value;
    for (const e of this.entries) e.variable.trainable = value && e.trainable;
  }

  /** Creates a weight `<layer>/<name>` from an initializer (Keras add_weight). */
  protected addWeight(name: string, shape: readonly number[], options: { initializer?: InitializerLike; regularizer?: RegularizerLike; constraint?: ConstraintLike; trainable?: boolean; dtype?: DataType } = {}): Variable {
    checkWeightShape(shape, `Layer ${this.name} (${this.getClassName()}): weight '${name}'`);
    const init: Initializer = getInitializer(options.initializer ?? 'glorot_uniform');
    const value = init.call(shape, options.dtype ?? this.dtype);
    const trainable = options.trainable ?? true;
    const variable = new Variable(value, shape, { name: `${this.weightScope ?? this.name}/${name}`, trainable: trainable && this.isTrainable });
    this.entries.push({
      variable,
      trainable,
      regularizer: options.regularizer ? getRegularizer(options.regularizer) : null,
      constraint: options.constraint ? getConstraint(options.constraint) : null,
    });
    return variable;
  }

  /** All weights in creation order (Keras `weights`: trainable ones first). */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): Variable[] {
    return this.isTrainable ? this.entries.filter((e) => e.trainable).map((e) => e.variable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.isTrainable ? this.entries.filter((e) => !e.trainable).map((e) => e.variable) : this.entries.map((e) => e.variable);
  }

  /**
   * The weights as Keras 3 files (`.keras`, `.weights.h5`) hold them, each with its path
   * under the layer's group: the layer's own variables as `vars/<i>` (trainable, then
   * non-trainable, in creation order); a layer made of sublayers puts theirs under the
   * attribute Keras gives them (an RNN's `cell/vars/<i>`, MultiHeadAttention's
   * `query_dense/vars/<i>`).
   */
  keras3Weights(): { readonly variable: Variable; readonly path: string }[] {
    return this.weights.map((variable, i) => ({ variable, path: `vars/${i}` }));
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  /** Overwrites the weights (same order and shapes as getWeights). */
  setWeights(values: readonly (Tensor | TypedArray)[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new RangeError(`Layer ${this.name}: setWeights expects ${ws.length} arrays (${ws.map((w) => w.name).join(', ')}); got ${values.length}`);
    }
    ws.forEach((w, i) => w.assign(values[i]));
  }

  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Regularization penalties: weight regularizers on the current weights plus activity losses of the last call. */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    for (const e of this.entries) if (e.regularizer) out.push(e.regularizer.call(e.variable));
    return [...out, ...this.activityLosses];
  }

  /**
   * Keras' `add_loss`: adds a loss computed during `call` (a KL term, an auxiliary loss) to
   * this layer's `losses`, which a model adds to its training loss. A non-scalar tensor is
   * summed, as Keras 3 does. Like activity penalties, the losses belong to the last call:
   * each call starts with none.
   */
  addLoss(loss: Tensor): void {
    if (!(loss instanceof Tensor)) {
      throw new TypeError(`Layer ${this.name}: addLoss takes a Tensor computed in call() (on real tensors; a symbolic tensor of a functional graph has no value)`);
    }
    this.activityLosses.push(loss.rank === 0 ? loss : sum(loss));
  }

  /** Adds an activity penalty on an output, divided by the batch size as tf.keras does. */
  protected addActivityLoss(regularizer: Regularizer, output: Tensor): void {
    const batch = output.rank > 0 ? output.shape[0] : 1;
    this.activityLosses.push(div(regularizer.call(output), Math.max(batch, 1)));
  }

  /** Applies weight constraints after an optimizer step (Keras does this in the optimizer). */
  applyConstraints(): void {
    noGrad(() => {
      for (const e of this.entries) if (e.constraint && e.variable.trainable) e.variable.assign(e.constraint.call(e.variable));
    });
  }

  // ---- calling -------------------------------------------------------------------------

  /**
   * Applies the layer: on symbolic tensors it records a graph node and returns symbolic
   * outputs; on real tensors it computes. Builds on first use from the input shape.
   */
  apply(inputs: SymbolicTensor, options?: CallOptions): SymbolicTensor;
  apply(inputs: readonly SymbolicTensor[], options?: CallOptions): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | StringTensor, options?: CallOptions): Tensor;
  apply(inputs: LayerInput, options?: CallOptions): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[];
  apply(inputs: LayerInput, options: CallOptions = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? [...(inputs as readonly (Tensor | StringTensor | SymbolicTensor)[])] : [inputs as Tensor | StringTensor | SymbolicTensor];
    if (list.length === 0) throw new RangeError(`Layer ${this.name}: called with no inputs`);
    const symbolic = list.every((t) => t instanceof SymbolicTensor);
    // Strings (StringTensor) reach the layers that take them (TextVectorization, StringLookup,
    // Hashing); any other layer's ops refuse them with a clear error.
    if (!symbolic && !list.every((t) => t instanceof Tensor || t instanceof StringTensor)) {
      throw new TypeError(`Layer ${this.name}: inputs must be all Tensors or all symbolic tensors (from Input())`);
    }
    const shapes: LayerShape[] = list.map((t) => t.shape);
    const single = !Array.isArray(inputs);
    try {
      this.checkInputs(shapes);
      this.ensureBuilt(single ? shapes[0] : shapes);
      if (symbolic) return this.applySymbolic(list as SymbolicTensor[], single, options);
      this.activityLosses = [];
      return this.call(single ? (list[0] as Tensor) : (list as Tensor[]), options);
    } catch (e) {
      throw this.namedError(e, shapes);
    }
  }

  /**
   * The one place where errors from building, shape inference or computing get the layer's
   * name: an error that already names a layer as `Layer <name> (<Class>)` (this one, or an
   * inner layer of a nested model) passes unchanged; `Layer <name>` without the class gets
   * it; any other error (an op's shape check inside call, a custom layer's own error) is
   * prefixed with `Layer <name> (<Class>): ` and ends with the input shape(s) received.
   * The error keeps its class (RangeError, TypeError, ...) and the original as `cause`.
   */
  private namedError(e: unknown, shapes: readonly LayerShape[]): unknown {
    if (!(e instanceof Error)) return e;
    const cls = this.getClassName();
    const full = `Layer ${this.name} (${cls})`;
    if (e.message.includes(full) || /\bLayer \S+ \([A-Za-z0-9_]+\)/.test(e.message)) return e;
    const bare = `Layer ${this.name}`;
    const at = e.message.indexOf(bare);
    const next = e.message[at + bare.length];
    const message =
      at >= 0 && (next === undefined || next === ':' || next === ' ' || next === ',')
        ? `${e.message.slice(0, at)}${full}${e.message.slice(at + bare.length)}`
        : `${full}: ${e.message} (input shape${shapes.length > 1 ? 's' : ''} ${shapes.map(formatLayerShape).join(', ')})`;
    const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
    let out: Error;
    try {
      out = new Ctor(message, { cause: e });
    } catch {
      out = new Error(message, { cause: e });
    }
    if (out.message !== message) out = new Error(message, { cause: e });
    return out;
  }

  private ensureBuilt(shape: LayerShape | LayerShape[]): void {
    if (this.built) return;
    this.build(shape);
    this.built = true;
  }

  private applySymbolic(list: SymbolicTensor[], single: boolean, options: CallOptions): SymbolicTensor | SymbolicTensor[] {
    const given = options as Record<string, unknown>;
    const tensorOptions = Object.keys(this.tensorCallOptions()).filter((k) => given[k] instanceof SymbolicTensor);
    const rest: Record<string, unknown> = { ...options };
    for (const k of tensorOptions) delete rest[k];
    const outShape = this.computeOutputShape(single ? list[0].shape : list.map((t) => t.shape), rest as CallOptions);
    const callArgs: Record<string, boolean | number | string> = { ...this.recordCallArgs(rest as CallOptions), ...(options.training === undefined ? {} : { training: options.training }) };
    const node = new LayerNode(this, [...list, ...tensorOptions.map((k) => given[k] as SymbolicTensor)], callArgs, single, tensorOptions);
    this.inboundNodes.push(node);
    const multi = outShape.length > 0 && Array.isArray(outShape[0]);
    const shapes = multi ? (outShape as LayerShape[]) : [outShape as LayerShape];
    node.outputs = shapes.map((s, i) => new SymbolicTensor(s, this.dtype, node, i, `${this.name}/out${shapes.length > 1 ? `_${i}` : ''}`));
    return multi ? node.outputs : node.outputs[0];
  }

  /** Checks inputs against the layer's InputSpec: a wrong shape names the layer and both shapes. */
  protected checkInputs(shapes: readonly LayerShape[]): void {
    const spec = this.inputSpec;
    if (spec === null) return;
    for (const shape of shapes) {
      const fail = (what: string): never => {
        throw new RangeError(`Layer ${this.name} (${this.getClassName()}): ${what}; got input shape ${formatLayerShape(shape)}`);
      };
      if (spec.ndim !== undefined && shape.length !== spec.ndim) fail(`expected input of rank ${spec.ndim}`);
      if (spec.minNdim !== undefined && shape.length < spec.minNdim) fail(`expected input of rank ≥ ${spec.minNdim}`);
      for (const [k, size] of Object.entries(spec.axes ?? {})) {
        const axis = Number(k) < 0 ? shape.length + Number(k) : Number(k);
        const d = shape[axis];
        if (d !== null && d !== size) {
          const expected = shape.map((dim, i) => (i === axis ? size : i === 0 ? null : dim));
          fail(`expected input shape ${formatLayerShape(expected)} (axis ${k} = ${size})`);
        }
      }
    }
  }

  // ---- config --------------------------------------------------------------------------

  /** Keras config: name, trainable, dtype, batch_input_shape (if declared) and the layer's own keys. */
  /** The layer's own random generator (seeded noise layers), or null. */
  protected randomGenerator(): Rng | null {
    return null;
  }

  /** The state of the layer's own random generator (for exact resume), or null. */
  getRngState(): number[] | null {
    return this.randomGenerator()?.getState() ?? null;
  }

  setRngState(state: readonly number[]): void {
    const rng = this.randomGenerator();
    if (rng === null) throw new Error(`Layer ${this.name}: it has no random generator of its own`);
    rng.setState(state);
  }

  getConfig(): ConfigDict {
    const base: ConfigDict = { name: this.name, trainable: this.isTrainable, dtype: this.dtype };
    if (this.batchInputShape) base.batch_input_shape = [...this.batchInputShape] as ConfigValue[];
    return { ...base, ...this.layerConfig() };
  }

  toString(): string {
    return `${this.getClassName()}(name=${this.name})`;
  }
}

/**
 * The most elements one weight may have: 2^28 (1 GiB of float32), several times the largest
 * layer of the classic architectures (VGG16's first Dense: 102,760,448). A config with an
 * absurd size (a damaged file, units: 1e9) fails here with a clear error instead of
 * allocating gigabytes or failing deep inside the engine.
 */
export const MAX_WEIGHT_ELEMENTS = 2 ** 28;

/** Throws unless `shape` is a list of non-negative integers whose product is at most MAX_WEIGHT_ELEMENTS. */
export function checkWeightShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${what}: the shape must be a list of non-negative integers; got ${JSON.stringify(shape)} (check the layer's size arguments)`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_WEIGHT_ELEMENTS) {
    throw new RangeError(`${what}: shape [${shape.join(', ')}] has ${size} elements, more than the ${MAX_WEIGHT_ELEMENTS} one weight may hold (check the layer's size arguments)`);
  }
}

/** Normalizes an int-or-list Keras argument. */
export function asList<T>(v: T | readonly T[]): T[] {
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

/** Reads base-layer arguments from a (camelCased) Keras config. */
export function baseArgs(config: ConfigDict): LayerArgs {
  return {
    name: config.name as string | undefined,
    trainable: config.trainable as boolean | undefined,
    dtype: config.dtype === 'float32' || config.dtype === 'int32' ? config.dtype : undefined,
    batchInputShape: Array.isArray(config.batchInputShape) ? (config.batchInputShape as (number | null)[]) : undefined,
  };
}

/**
 * A layer's output shape by tracing its `call` (Layer.computeOutputShape's default): zeros of
 * the input shape(s) with unknown sizes 2, then 3; output sizes that differ become null.
 */
export function traceOutputShape(layer: Layer, inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
  const multi = inputShape.length > 0 && Array.isArray(inputShape[0]);
  const shapes = multi ? (inputShape as readonly LayerShape[]) : [inputShape as LayerShape];
  let several = false;
  const run = (fill: number): number[][] =>
    noGrad(() => {
      const xs = shapes.map((s) => new Tensor(new Float32Array(s.reduce((n: number, d) => n * (d ?? fill), 1)), s.map((d) => d ?? fill)));
      const out = layer.call(multi ? xs : xs[0], { training: false });
      several = Array.isArray(out);
      return (Array.isArray(out) ? out : [out]).map((t) => [...t.shape]);
    });
  const a = run(2);
  const b = run(3);
  const merged: LayerShape[] = a.map((s, i) => s.map((d, k) => (d === b[i][k] ? d : null)));
  return several ? merged : merged[0];
}

