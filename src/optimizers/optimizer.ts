/**
 * The Optimizer base class (tf.keras 2's OptimizerV2 contract): learning rate (constant or
 * schedule, with the legacy inverse-time `decay`), gradient clipping, per-variable state
 * slots created lazily, the step counter, weights in tf.keras 2's order, and config.
 * Subclasses only name their slots and turn the step's scalars into the `hyper` list of
 * their fused update kernel (see src/backends/js/optimizers.ts): each step runs ONE
 * in-place kernel per variable.
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
import { checkKeys, describe, numberArg, optionalPositive, snake, stringArg } from './args.js';

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

const BASE_KEYS = ['learningRate', 'lr', 'decay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'name'];

interface SlotState {
  readonly slots: Variable[];
}

/** A (gradient, variable) pair; a null gradient means the variable is skipped this step. */
export type GradAndVar = readonly [Tensor | null, Variable];

/**
 * The base of every optimizer (tf.keras 2's OptimizerV2): learning rate or schedule with
 * the legacy `decay`, clipnorm/clipvalue/globalClipnorm, lazily created slots, the
 * `iterations` counter, getWeights/setWeights in tf.keras 2's order, and config. Each step
 * runs one fused in-place update kernel per variable.
 */
export abstract class Optimizer implements Serializable {
  /** Number of steps applied (`applyGradients` calls); schedules and bias corrections read it. */
  iterations = 0;
  /** Prefix of slot names ('Adam' → 'Adam/dense/kernel/m'). */
  readonly name: string;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  /** The `decay` argument (legacy inverse-time decay of the learning rate; Nadam: schedule decay). */
  readonly decay: number;
  private lr: number | LearningRateSchedule;
  private readonly order: Variable[] = [];
  private readonly state = new Map<Variable, SlotState>();
  private kinds: readonly string[] | null = null;
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
  }

  // ---- what subclasses define -----------------------------------------------------------
  /** The fused kernel this optimizer runs. */
  protected abstract readonly rule: UpdateRule;
  /** The Keras class name ('Adam'). */
  abstract getClassName(): string;
  /** Slot kinds in tf.keras 2's order ('m', 'v', 'vhat'); fixed by the constructor arguments. */
  protected abstract slotKinds(): readonly string[];
  /**
   * The kernel's `hyper` list for step t = iterations + 1 with learning rate `lr`. Called
   * once per step before the updates: it may advance per-step state (Nadam's cache).
   */
  protected abstract prepareStep(lr: number, t: number): UpdateHyper;
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
  /** The learning rate of the next step: schedule at `iterations`, then legacy decay. */
  get learningRate(): number {
    const base = typeof this.lr === 'number' ? this.lr : this.lr.call(this.iterations);
    return this.legacyDecay() && this.decay > 0 ? base / (1 + this.decay * this.iterations) : base;
  }

  /**
   * Makes the next step use `value` (replacing a schedule by a constant). With legacy
   * decay the stored base rate becomes value · (1 + decay · iterations), so that reading
   * `learningRate` back gives `value` and later steps keep decaying from it.
   */
  set learningRate(value: number) {
    const v = numberArg(value, 0, 'learningRate', this.className, { min: 0 });
    this.lr = this.legacyDecay() && this.decay > 0 ? v * (1 + this.decay * this.iterations) : v;
  }

  /** The schedule in use, or null for a constant learning rate. */
  get schedule(): LearningRateSchedule | null {
    return typeof this.lr === 'number' ? null : this.lr;
  }

  // ---- the step --------------------------------------------------------------------------
  /**
   * One optimization step: clips the gradients (clipvalue, then clipnorm, then
   * globalClipnorm, as tf.keras 2), creates missing slots, runs one fused in-place kernel
   * per variable, and increments `iterations`. Non-trainable variables and null gradients
   * are skipped.
   */
  applyGradients(gradsAndVars: ReadonlyArray<GradAndVar>): void {
    const pairs = this.collect(gradsAndVars);
    const grads = this.clipGradients(pairs.map((p) => p[0]));
    for (const [, v] of pairs) this.ensureSlots(v);
    const hyper = this.prepareStep(this.learningRate, this.iterations + 1);
    const update = applyUpdateK(this.rule, () => hyper);
    for (let i = 0; i < pairs.length; i++) {
      const v = pairs[i][1];
      const slots = this.state.get(v) as SlotState;
      runInPlace(update, [grads[i]], [v, ...slots.slots]);
    }
    this.iterations++;
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
  private slotKindList(): readonly string[] {
    if (this.kinds === null) this.kinds = Object.freeze([...this.slotKinds()]);
    return this.kinds;
  }

  private ensureSlots(v: Variable): void {
    if (this.state.has(v)) return;
    if (v.dtype !== 'float32') throw new TypeError(`${this.className}: variable ${v.name} is ${v.dtype}; only float32 variables can be trained`);
    const base = v.name.replace(/:\d+$/, '');
    const slots = this.slotKindList().map(
      (kind) => new Variable(fill(v.shape, this.slotInitialValue(kind)), undefined, { name: `${this.name}/${base}/${kind}`, trainable: false }),
    );
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
   * Copies of the state in tf.keras 2's order: [iterations (int32 scalar), extra scalars
   * (Nadam: momentum_cache), then for each slot kind that slot of every variable in the
   * order the variables were first seen].
   */
  getWeights(): Tensor[] {
    return [scalar(this.iterations, 'int32'), ...this.extraWeights(), ...this.variables().map((s) => s.read())];
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
    this.iterations = it;
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

  /** Keras config: name, clipping (when set), learning_rate (or its schedule), decay, then the optimizer's own. */
  getConfig(): ConfigDict {
    const c: ConfigDict = { name: this.name };
    if (this.clipnorm !== null) c.clipnorm = this.clipnorm;
    if (this.clipvalue !== null) c.clipvalue = this.clipvalue;
    if (this.globalClipnorm !== null) c.global_clipnorm = this.globalClipnorm;
    c.learning_rate = typeof this.lr === 'number' ? this.lr : serializeSchedule(this.lr);
    if (this.decayInConfig()) c.decay = this.decay;
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
const IGNORED_KEYS = new Set(['isLegacyOptimizer', 'jitCompile', 'emaMomentum', 'emaOverwriteFrequency']);
/** Keys of newer Keras configs accepted only with their default ("off") value. */
const OFF_KEYS = new Set(['useEma', 'lossScaleFactor', 'gradientAccumulationSteps']);

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
