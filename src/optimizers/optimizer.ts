/**
 * The Optimizer base class (tf.keras 2's OptimizerV2 contract): learning rate (constant or
 * schedule, with the legacy inverse-time `decay`), gradient clipping, per-variable state
 * slots created lazily, the step counter, weights in tf.keras 2's order, and config.
 * Subclasses name their slots and either turn the step's scalars into the `hyper` list of
 * their fused update kernel (see src/backends/js/optimizers.ts: each step then runs ONE
 * in-place kernel per variable) or, with no fused rule (`rule` null), compose their update
 * from ops in `updateStep` (Lamb, Adafactor, Ftrl), which runs on every backend. Keras 3's
 * base options live here too: the moving average of the weights (`useEma`) and gradient
 * accumulation (`gradientAccumulationSteps`).
 */
import { Tensor } from '../tensor/tensor.js';
import { Variable } from '../tensor/variable.js';
import { fill, scalar } from '../tensor/create.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { noGrad } from '../autograd/index.js';
import { add, cast, clip, div, maximum, mul, sqrt, square, sum } from '../ops/index.js';
import type { UpdateHyper, UpdateRule } from '../backends/op-table.js';
import { runInPlace } from '../engine/launch.js';
import { applyUpdateK } from '../ops/kernels.js';
import { type ConfigDict, type ConfigValue, type Serializable, camelKeys, isSerialized } from '../utils/serialization.js';
import { LearningRateSchedule, getSchedule, serializeSchedule } from './schedules.js';
import { booleanArg, checkKeys, describe, integerArg, numberArg, optionalPositive, snake, stringArg } from './args.js';

/** Arguments every optimizer takes. */
export interface OptimizerOptions {
  /** The learning rate: a number ≥ 0 or a LearningRateSchedule evaluated at `iterations`. */
  readonly learningRate?: number | LearningRateSchedule;
  /** Legacy alias of `learningRate` (Keras' `lr`). */
  readonly lr?: number | LearningRateSchedule;
  /** Legacy inverse-time decay: the rate used is learningRate / (1 + decay · iterations). Default 0. */
  readonly decay?: number;
  /** Clip each gradient to this L2 norm (per variable). */
  readonly clipnorm?: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  readonly clipvalue?: number | null;
  /** Clip all gradients together to this global L2 norm. */
  readonly globalClipnorm?: number | null;
  /** Prefix of the slot variables' names. Default: the class name. */
  readonly name?: string;
  /**
   * Keras 3's `use_ema`: keep an exponential moving average of every trained weight (slot
   * 'average'), written into the weights every `emaOverwriteFrequency` steps and by
   * `finalizeVariableValues` (which fit calls when training ends). Default false.
   */
  readonly useEma?: boolean;
  /** The average's momentum, in [0, 1]: average ← m·average + (1 − m)·w. Default 0.99 (used with useEma). */
  readonly emaMomentum?: number;
  /** Overwrite the weights with their averages every this many steps (an integer ≥ 1); null (default): only at the end. */
  readonly emaOverwriteFrequency?: number | null;
  /**
   * Keras 3's `gradient_accumulation_steps`: an integer ≥ 2, or null (default: off). Each
   * call adds the gradients to accumulators (slot 'gradient_accumulator'); every N-th call
   * applies their mean (clipped) as one update and resets them. `iterations` then counts
   * updates (calls / N, floored) and learning-rate schedules read the calls (`realIterations`).
   */
  readonly gradientAccumulationSteps?: number | null;
}

/** What a subclass tells the base constructor. */
export interface OptimizerDefaults {
  readonly className: string;
  readonly learningRate: number;
  /** Default of `decay` (0 except Nadam, whose `decay` is its momentum schedule decay). */
  readonly decay?: number;
  /** The subclass's own option names (camelCase). */
  readonly ownKeys: readonly string[];
}

const BASE_KEYS = [
  'learningRate', 'lr', 'decay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'name',
  'useEma', 'emaMomentum', 'emaOverwriteFrequency', 'gradientAccumulationSteps',
];

/** Slot kinds the base class adds after the optimizer's own (Keras 3's names). */
const AVERAGE = 'average';
const ACCUMULATOR = 'gradient_accumulator';

interface SlotState {
  /** One slot per kind of `slotKindList()`: the optimizer's own first, then average, then gradient_accumulator. */
  readonly slots: Variable[];
}

/** A (gradient, variable) pair; a null gradient means the variable is skipped this step. */
export type GradAndVar = readonly [Tensor | null, Variable];

/**
 * The base of every optimizer (tf.keras 2's OptimizerV2): learning rate or schedule with
 * the legacy `decay`, clipnorm/clipvalue/globalClipnorm, lazily created slots, the
 * `iterations` counter, getWeights/setWeights in tf.keras 2's order, and config; plus
 * Keras 3's `useEma` and `gradientAccumulationSteps`. Each update runs one fused in-place
 * kernel per variable, or the subclass's composed `updateStep` when it has no fused rule.
 */
export abstract class Optimizer implements Serializable {
  /** Prefix of slot names ('Adam' → 'Adam/dense/kernel/m'). */
  readonly name: string;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  /** The `decay` argument (legacy inverse-time decay of the learning rate; Nadam: schedule decay). */
  readonly decay: number;
  /** Whether a moving average of the weights is kept (Keras 3's `use_ema`). */
  readonly useEma: boolean;
  /** Momentum of the weights' moving average. */
  readonly emaMomentum: number;
  /** Steps between overwrites of the weights by their averages (null: only `finalizeVariableValues`). */
  readonly emaOverwriteFrequency: number | null;
  /** Calls whose gradients are averaged into one update (null: every call updates). */
  readonly gradientAccumulationSteps: number | null;
  private lr: number | LearningRateSchedule;
  /** applyGradients calls so far (Keras 3's `_iterations`). */
  private calls = 0;
  private readonly order: Variable[] = [];
  private readonly state = new Map<Variable, SlotState>();
  private kinds: readonly string[] | null = null;
  private ownKinds = 0;
  protected readonly className: string;

  protected constructor(options: OptimizerOptions, defaults: OptimizerDefaults) {
    const cls = defaults.className;
    this.className = cls;
    checkKeys(options, [...BASE_KEYS, ...defaults.ownKeys], cls);
    this.lr = learningRateArg(options, defaults.learningRate, cls);
    this.decay = numberArg(options.decay, defaults.decay ?? 0, 'decay', cls, { min: 0 });
    this.clipnorm = optionalPositive(options.clipnorm, 'clipnorm', cls);
    this.clipvalue = optionalPositive(options.clipvalue, 'clipvalue', cls);
    this.globalClipnorm = optionalPositive(options.globalClipnorm, 'globalClipnorm', cls);
    if (this.clipnorm !== null && this.globalClipnorm !== null) {
      throw new RangeError(`${cls}: give clipnorm (per variable) or globalClipnorm (all variables together), not both; got clipnorm=${this.clipnorm}, globalClipnorm=${this.globalClipnorm}`);
    }
    this.name = stringArg(options.name, cls, 'name', cls);
    this.useEma = booleanArg(options.useEma, false, 'useEma', cls);
    this.emaMomentum = numberArg(options.emaMomentum, 0.99, 'emaMomentum', cls, { min: 0, max: 1 });
    const freq = options.emaOverwriteFrequency;
    this.emaOverwriteFrequency = freq === undefined || freq === null ? null : integerArg(freq, 1, 'emaOverwriteFrequency', cls, 1);
    const gas = options.gradientAccumulationSteps;
    this.gradientAccumulationSteps = gas === undefined || gas === null ? null : integerArg(gas, 2, 'gradientAccumulationSteps', cls, 2);
  }

  /**
   * Steps taken so far, as Keras' `optimizer.iterations`: applyGradients calls, or with
   * gradient accumulation the updates applied (calls / gradientAccumulationSteps, floored).
   * Bias corrections read it (t = iterations + 1). Setting it sets the call count to
   * iterations · gradientAccumulationSteps (the start of an accumulation cycle).
   */
  get iterations(): number {
    const n = this.gradientAccumulationSteps;
    return n === null ? this.calls : Math.floor(this.calls / n);
  }

  set iterations(value: number) {
    this.calls = value * (this.gradientAccumulationSteps ?? 1);
  }

  /**
   * applyGradients calls so far (Keras 3's `_iterations`, the first of its variables):
   * equal to `iterations` without gradient accumulation. Learning-rate schedules read it,
   * and it is the first entry of `getWeights()`.
   */
  get realIterations(): number {
    return this.calls;
  }

  // ---- what subclasses define -----------------------------------------------------------
  /** The fused kernel this optimizer runs; null: the update is composed of ops in `updateStep`. */
  protected abstract readonly rule: UpdateRule | null;
  /** The Keras class name ('Adam'). */
  abstract getClassName(): string;
  /** Slot kinds in tf.keras 2's order ('m', 'v', 'vhat'); fixed by the constructor arguments. */
  protected abstract slotKinds(): readonly string[];
  /**
   * The kernel's `hyper` list for step t = iterations + 1 with learning rate `lr` (null for
   * an optimizer without a fused rule). Called once per update before the variables are
   * updated: it may advance per-step state (Nadam's cache).
   */
  protected abstract prepareStep(lr: number, t: number): UpdateHyper | null;
  /**
   * The update of one variable for an optimizer whose `rule` is null, composed from ops (so
   * it runs on every backend): reads `grad`, the variable and its own slots (in
   * `slotKinds()` order) and writes them with `assign`. Runs without a tape; t =
   * iterations + 1, lr = this step's learning rate.
   */
  protected updateStep(grad: Tensor, variable: Variable, slots: readonly Variable[], lr: number, t: number): void {
    void grad;
    void variable;
    void slots;
    void lr;
    void t;
    throw new Error(`${this.className}: has no fused update rule and does not define updateStep`);
  }
  /** The shape of slot `kind` of `variable` (default: the variable's; Adafactor's factored slots differ). */
  protected slotShape(kind: string, variable: Variable): readonly number[] {
    void kind;
    return variable.shape;
  }
  /** The subclass's own config entries (snake_case). */
  protected abstract ownConfig(): ConfigDict;
  /** Initial value of a slot kind (0; Adagrad's accumulator starts higher). */
  protected slotInitialValue(kind: string): number {
    void kind;
    return 0;
  }
  /** Whether `decay` is the legacy learning-rate decay (true except for Nadam). */
  protected legacyDecay(): boolean {
    return true;
  }
  /** Scalar state saved between iterations and the slots (Nadam's momentum cache). */
  protected extraWeights(): Tensor[] {
    return [];
  }
  protected setExtraWeights(ws: readonly Tensor[]): void {
    void ws;
  }

  // ---- learning rate ---------------------------------------------------------------------
  /** The learning rate of the next step: schedule at `realIterations` (= `iterations` without accumulation), then legacy decay. */
  get learningRate(): number {
    const base = typeof this.lr === 'number' ? this.lr : this.lr.call(this.calls);
    return this.legacyDecay() && this.decay > 0 ? base / (1 + this.decay * this.calls) : base;
  }

  /**
   * Makes the next step use `value` (replacing a schedule by a constant). With legacy
   * decay the stored base rate becomes value · (1 + decay · iterations), so that reading
   * `learningRate` back gives `value` and later steps keep decaying from it.
   */
  set learningRate(value: number) {
    const v = numberArg(value, 0, 'learningRate', this.className, { min: 0 });
    this.lr = this.legacyDecay() && this.decay > 0 ? v * (1 + this.decay * this.calls) : v;
  }

  /** The schedule in use, or null for a constant learning rate. */
  get schedule(): LearningRateSchedule | null {
    return typeof this.lr === 'number' ? null : this.lr;
  }

  // ---- the step --------------------------------------------------------------------------
  /**
   * One optimization step: creates missing slots, then either adds the gradients to their
   * accumulators (gradient accumulation, not the N-th call) or updates the variables: the
   * gradients (with accumulation: (g + accumulated) / N) are clipped (clipvalue, then
   * clipnorm, then globalClipnorm, as tf.keras 2) and each variable is updated by its fused
   * in-place kernel or its composed `updateStep`. Then, with `useEma`, the moving averages
   * follow (and overwrite the weights every `emaOverwriteFrequency` steps); the call count
   * goes up by one. Non-trainable variables and null gradients are skipped.
   */
  applyGradients(gradsAndVars: ReadonlyArray<GradAndVar>): void {
    const pairs = this.collect(gradsAndVars);
    for (const [, v] of pairs) this.ensureSlots(v);
    const n = this.gradientAccumulationSteps;
    if (n !== null && (this.calls + 1) % n !== 0) this.accumulate(pairs);
    else this.update(pairs);
    if (this.useEma) this.updateAverages();
    this.calls++;
  }

  private update(pairs: ReadonlyArray<readonly [Tensor, Variable]>): void {
    const n = this.gradientAccumulationSteps;
    const acc = this.kindIndex(ACCUMULATOR);
    let grads = pairs.map((p) => p[0]);
    if (n !== null) grads = noGrad(() => pairs.map(([g, v]) => div(add(g, this.slotsOf(v)[acc]), n)));
    grads = this.clipGradients(grads);
    const lr = this.learningRate;
    const t = this.iterations + 1;
    const hyper = this.prepareStep(lr, t);
    const own = this.slotKindList().length - (this.useEma ? 1 : 0) - (n !== null ? 1 : 0);
    if (this.rule !== null && hyper !== null) {
      const update = applyUpdateK(this.rule, () => hyper);
      pairs.forEach(([, v], i) => runInPlace(update, [grads[i]], [v, ...this.slotsOf(v).slice(0, own)]));
    } else {
      noGrad(() => pairs.forEach(([, v], i) => this.updateStep(grads[i], v, this.slotsOf(v).slice(0, own), lr, t)));
    }
    if (n !== null) for (const [, v] of pairs) this.slotsOf(v)[acc].assign(fill(v.shape, 0));
  }

  /** Gradient accumulation between updates: accumulator ← accumulator + g. */
  private accumulate(pairs: ReadonlyArray<readonly [Tensor, Variable]>): void {
    const acc = this.kindIndex(ACCUMULATOR);
    noGrad(() => {
      for (const [g, v] of pairs) {
        const slot = this.slotsOf(v)[acc];
        slot.assign(add(g, slot));
      }
    });
  }

  /**
   * Keras 3's moving average, after every call (accumulating ones too): average ← w at the
   * first step (iterations 0), else m·average + (1 − m)·w; then, when (iterations + 1) is a
   * multiple of emaOverwriteFrequency, every weight ← its average.
   */
  private updateAverages(): void {
    const k = this.kindIndex(AVERAGE);
    const m = this.iterations === 0 ? 0 : this.emaMomentum;
    noGrad(() => {
      for (const v of this.order) {
        const avg = this.slotsOf(v)[k];
        avg.assign(m === 0 ? v : add(mul(avg, m), mul(v, 1 - m)));
      }
    });
    const freq = this.emaOverwriteFrequency;
    if (freq !== null && (this.iterations + 1) % freq === 0) this.overwriteWithAverages(this.order);
  }

  private overwriteWithAverages(vars: readonly Variable[]): void {
    const k = this.kindIndex(AVERAGE);
    for (const v of vars) {
      const st = this.state.get(v);
      if (st !== undefined) v.assign(st.slots[k]);
    }
  }

  /**
   * Keras' `finalize_variable_values`: with `useEma`, writes each weight's moving average
   * into it (the weights given, default every weight this optimizer has updated; weights it
   * has no average of are left alone). Does nothing without useEma or before the first
   * step. `fit` calls it when training ends, as Keras does.
   */
  finalizeVariableValues(vars?: readonly Variable[]): void {
    if (!this.useEma || this.calls === 0) return;
    if (vars !== undefined && !Array.isArray(vars)) throw new TypeError(`${this.className}.finalizeVariableValues: expected an array of Variables; got ${describe(vars)}`);
    this.overwriteWithAverages(vars ?? this.order);
  }

  private collect(gradsAndVars: ReadonlyArray<GradAndVar>): Array<[Tensor, Variable]> {
    const cls = this.className;
    if (!Array.isArray(gradsAndVars)) throw new TypeError(`${cls}.applyGradients: expected an array of [gradient, variable] pairs; got ${describe(gradsAndVars)}`);
    const out: Array<[Tensor, Variable]> = [];
    let withGrad = 0;
    for (const pair of gradsAndVars) {
      const [g, v] = Array.isArray(pair) ? pair : [undefined, undefined];
      if (!(v instanceof Variable)) throw new TypeError(`${cls}.applyGradients: each entry must be a [gradient, Variable] pair; got ${describe(pair)}`);
      if (g === null || g === undefined) continue;
      withGrad++;
      if (!(g instanceof Tensor)) throw new TypeError(`${cls}.applyGradients: the gradient of ${v.name} must be a Tensor; got ${describe(g)}`);
      if (!v.trainable) continue;
      if (v.dtype !== 'float32') throw new TypeError(`${cls}.applyGradients: variable ${v.name} is ${v.dtype}; only float32 variables can be trained`);
      if (g.dtype !== 'float32' || !shapesEqual(g.shape, v.shape)) {
        throw new RangeError(`${cls}.applyGradients: the gradient of ${v.name} has shape ${formatShape(g.shape)} (${g.dtype}); the variable has shape ${formatShape(v.shape)} (float32)`);
      }
      out.push([g, v]);
    }
    if (gradsAndVars.length > 0 && withGrad === 0) {
      throw new Error(`${cls}.applyGradients: no gradients provided for any variable (${gradsAndVars.map((p) => p[1].name).join(', ')})`);
    }
    return out;
  }

  private clipGradients(grads: Tensor[]): Tensor[] {
    const { clipvalue, clipnorm, globalClipnorm } = this;
    if (clipvalue === null && clipnorm === null && globalClipnorm === null) return grads;
    return noGrad(() => {
      let out = grads;
      if (clipvalue !== null) out = out.map((g) => clip(g, -clipvalue, clipvalue));
      // As Keras' clip_by_norm / clip_by_global_norm: g · c / max(‖g‖, c), in tensor ops so
      // that no value is read on the host (on a GPU the step never waits for a read).
      const scale = (sumSquares: Tensor, c: number): Tensor => div(c, maximum(sqrt(sumSquares), c));
      if (clipnorm !== null) out = out.map((g) => mul(g, scale(sum(square(g)), clipnorm)));
      if (globalClipnorm !== null && out.length > 0) {
        const total = out.map((g) => sum(square(g))).reduce((a, b) => add(a, b));
        const factor = scale(total, globalClipnorm);
        out = out.map((g) => mul(g, factor));
      }
      return out;
    });
  }

  // ---- slots -----------------------------------------------------------------------------
  /** The optimizer's own slot kinds, then 'average' (useEma), then 'gradient_accumulator'. */
  private slotKindList(): readonly string[] {
    if (this.kinds === null) {
      const own = [...this.slotKinds()];
      this.ownKinds = own.length;
      if (this.useEma) own.push(AVERAGE);
      if (this.gradientAccumulationSteps !== null) own.push(ACCUMULATOR);
      this.kinds = Object.freeze(own);
    }
    return this.kinds;
  }

  private kindIndex(kind: string): number {
    return this.slotKindList().indexOf(kind);
  }

  private slotsOf(v: Variable): Variable[] {
    return (this.state.get(v) as SlotState).slots;
  }

  private ensureSlots(v: Variable): void {
    if (this.state.has(v)) return;
    if (v.dtype !== 'float32') throw new TypeError(`${this.className}: variable ${v.name} is ${v.dtype}; only float32 variables can be trained`);
    const base = v.name.replace(/:\d+$/, '');
    const kinds = this.slotKindList();
    const slots = kinds.map((kind, k) => {
      const own = k < this.ownKinds;
      const shape = own ? this.slotShape(kind, v) : v.shape;
      const init = own ? this.slotInitialValue(kind) : 0;
      return new Variable(fill(shape, init), undefined, { name: `${this.name}/${base}/${kind}`, trainable: false });
    });
    this.state.set(v, { slots });
    this.order.push(v);
  }

  /**
   * Creates the slots of these variables now (non-trainable ones are skipped), in this
   * order: needed to restore saved optimizer weights before the first step.
   */
  build(vars: readonly Variable[]): void {
    for (const v of vars) {
      if (!(v instanceof Variable)) throw new TypeError(`${this.className}.build: expected Variables; got ${describe(v)}`);
      if (v.trainable) this.ensureSlots(v);
    }
  }

  /** The slot variables, in the order of `getWeights` (after `iterations`). */
  variables(): Variable[] {
    const out: Variable[] = [];
    this.slotKindList().forEach((_, k) => {
      for (const v of this.order) out.push((this.state.get(v) as SlotState).slots[k]);
    });
    return out;
  }

  /**
   * Copies of the state in tf.keras 2's order: [iterations (int32 scalar; with gradient
   * accumulation the call count, `realIterations`), extra scalars (Nadam: momentum_cache),
   * then for each slot kind that slot of every variable in the order the variables were
   * first seen]; the kinds 'average' (useEma) and 'gradient_accumulator' come last.
   */
  getWeights(): Tensor[] {
    return [scalar(this.calls, 'int32'), ...this.extraWeights(), ...this.variables().map((s) => s.read())];
  }

  /** Restores `getWeights()` output (slots must exist: train a step or call `build` first). */
  setWeights(ws: readonly Tensor[]): void {
    const cls = this.className;
    const extra = this.extraWeights().length;
    const slots = this.variables();
    const expected = 1 + extra + slots.length;
    if (!Array.isArray(ws) || ws.length !== expected) {
      const hint = this.order.length === 0 ? '; the optimizer has no slots yet: call build(variables) first' : '';
      const layout = `[iterations${extra > 0 ? ', momentum_cache' : ''}, then ${this.slotKindList().join(', ') || 'no slots'} of each of ${this.order.length} variables]`;
      throw new RangeError(`${cls}.setWeights: expected ${expected} weights ${layout}; got ${Array.isArray(ws) ? ws.length : describe(ws)}${hint}`);
    }
    ws.forEach((w, i) => {
      if (!(w instanceof Tensor)) throw new TypeError(`${cls}.setWeights: weight ${i} must be a Tensor; got ${describe(w)}`);
    });
    const it = ws[0].size === 1 ? ws[0].dataSync()[0] : NaN;
    if (!Number.isInteger(it) || it < 0) throw new RangeError(`${cls}.setWeights: weight 0 (iterations) must be one non-negative integer; got shape ${formatShape(ws[0].shape)}`);
    slots.forEach((s, i) => {
      const w = ws[1 + extra + i];
      if (!shapesEqual(w.shape, s.shape)) throw new RangeError(`${cls}.setWeights: weight ${1 + extra + i} (${s.name}) must have shape ${formatShape(s.shape)}; got ${formatShape(w.shape)}`);
    });
    this.setExtraWeights(ws.slice(1, 1 + extra));
    this.calls = it;
    // Slot values are copied by kernels (no host read: they may live on a GPU).
    slots.forEach((s, i) => {
      const w = ws[1 + extra + i];
      s.assign(w.dtype === 'float32' ? w : cast(w, 'float32'));
    });
  }

  // ---- config ----------------------------------------------------------------------------
  /** Whether `decay` appears in the config (tf.keras 2 optimizers always write it). */
  protected decayInConfig(): boolean {
    return true;
  }

  /**
   * Keras config: name, clipping (when set), learning_rate (or its schedule), decay, the
   * Keras 3 options in use (use_ema, ema_momentum, ema_overwrite_frequency,
   * gradient_accumulation_steps), then the optimizer's own.
   */
  getConfig(): ConfigDict {
    const c: ConfigDict = { name: this.name };
    if (this.clipnorm !== null) c.clipnorm = this.clipnorm;
    if (this.clipvalue !== null) c.clipvalue = this.clipvalue;
    if (this.globalClipnorm !== null) c.global_clipnorm = this.globalClipnorm;
    c.learning_rate = typeof this.lr === 'number' ? this.lr : serializeSchedule(this.lr);
    if (this.decayInConfig()) c.decay = this.decay;
    // Keras 3's base options, written when in use (tf.keras 2 configs have none).
    if (this.useEma) Object.assign(c, { use_ema: true, ema_momentum: this.emaMomentum, ema_overwrite_frequency: this.emaOverwriteFrequency });
    if (this.gradientAccumulationSteps !== null) c.gradient_accumulation_steps = this.gradientAccumulationSteps;
    return { ...c, ...this.ownConfig() };
  }
}

function learningRateArg(options: OptimizerOptions, fallback: number, cls: string): number | LearningRateSchedule {
  const { learningRate, lr } = options;
  if (learningRate !== undefined && lr !== undefined && learningRate !== lr) {
    throw new TypeError(`${cls}: give learningRate or its legacy alias lr, not both; got learningRate=${describe(learningRate)}, lr=${describe(lr)}`);
  }
  const value = learningRate ?? lr;
  if (value instanceof LearningRateSchedule) return value;
  if (value !== undefined && typeof value !== 'number') {
    throw new TypeError(`${cls}: learningRate must be a number ≥ 0 or a LearningRateSchedule; got ${describe(value)}`);
  }
  return numberArg(value, fallback, 'learningRate', cls, { min: 0 });
}

/** Keys of newer Keras configs that carry no meaning here. */
const IGNORED_KEYS = new Set(['isLegacyOptimizer', 'jitCompile']);
/**
 * Keys of newer Keras configs accepted only with their default ("off") value: loss scaling
 * needs the training step to scale the loss, which it does not.
 */
const OFF_KEYS = new Set(['lossScaleFactor']);

/**
 * A Keras optimizer config (snake_case keys, as tf.keras 2 and later write it) as
 * constructor options: camelCase keys, nulls dropped, a serialized schedule rebuilt.
 * Unknown keys stay, so that the constructor names them.
 */
export function optionsFromConfig(config: ConfigDict, className: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(camelKeys(config)) as Array<[string, ConfigValue]>) {
    if (IGNORED_KEYS.has(key)) continue;
    if (OFF_KEYS.has(key)) {
      if (value !== null && value !== false) throw new RangeError(`${className}: ${snake(key)}=${describe(value)} is not supported`);
      continue;
    }
    if (value === null) continue;
    out[key] = (key === 'learningRate' || key === 'lr') && isSerialized(value) ? getSchedule(value) : value;
  }
  return out;
}
