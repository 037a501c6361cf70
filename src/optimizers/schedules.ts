/**
 * Learning-rate schedules (Keras `keras.optimizers.schedules`): a schedule maps the
 * optimizer's step count — `iterations`, the number of updates applied so far — to the
 * learning rate of the next update. Pass one as an optimizer's `learningRate`.
 */
import { ClassRegistry, type ConfigDict, type ConfigValue, type Serialized, camelKeys } from '../utils/serialization.js';
import { booleanArg, checkKeys, describe, integerArg, numberArg } from './args.js';

/** Base class: `call(step)` is the learning rate at that step (a number ≥ 0). */
export abstract class LearningRateSchedule {
  /** The schedule's name (Keras' `name` argument; only recorded in the config). */
  readonly name: string | null;

  constructor(name: unknown, className: string) {
    if (name !== undefined && name !== null && typeof name !== 'string') {
      throw new TypeError(`${className}: name must be a string; got ${describe(name)}`);
    }
    this.name = name ?? null;
  }

  /** The learning rate after `step` updates. */
  abstract call(step: number): number;

  /** The Keras class name ('ExponentialDecay'). */
  abstract getClassName(): string;

  /** The Keras config (snake_case keys). */
  abstract getConfig(): ConfigDict;
}

export interface ExponentialDecayOptions {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  /** Decay in discrete steps: floor(step / decaySteps). Default false. */
  readonly staircase?: boolean;
  readonly name?: string;
}

/** initialLearningRate · decayRate ^ (step / decaySteps) (the exponent floored with `staircase`). */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: ExponentialDecayOptions) {
    super(options?.name, 'ExponentialDecay');
    checkKeys(options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'], 'ExponentialDecay');
    this.initialLearningRate = required(options.initialLearningRate, 'initialLearningRate', 'ExponentialDecay', 0);
    this.decaySteps = positive(options.decaySteps, 'decaySteps', 'ExponentialDecay');
    this.decayRate = required(options.decayRate, 'decayRate', 'ExponentialDecay', 0);
    this.staircase = booleanArg(options.staircase, false, 'staircase', 'ExponentialDecay');
  }

  call(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * Math.pow(this.decayRate, this.staircase ? Math.floor(p) : p);
  }

  getClassName(): string {
    return 'ExponentialDecay';
  }

  getConfig(): ConfigDict {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate, staircase: this.staircase, name: this.name };
  }
}

export interface PiecewiseConstantDecayOptions {
  /** Increasing step boundaries. */
  readonly boundaries: readonly number[];
  /** One more value than boundaries: values[i] applies while boundaries[i-1] < step ≤ boundaries[i]. */
  readonly values: readonly number[];
  readonly name?: string;
}

/** values[0] for step ≤ boundaries[0], values[i] for boundaries[i-1] < step ≤ boundaries[i], values[n] after. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(options: PiecewiseConstantDecayOptions) {
    super(options?.name, 'PiecewiseConstantDecay');
    checkKeys(options, ['boundaries', 'values', 'name'], 'PiecewiseConstantDecay');
    const { boundaries, values } = options;
    if (!Array.isArray(boundaries) || !boundaries.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      throw new TypeError(`PiecewiseConstantDecay: boundaries must be an array of finite numbers; got ${describe(boundaries)}`);
    }
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i] > boundaries[i - 1])) throw new RangeError(`PiecewiseConstantDecay: boundaries must be increasing; got ${describe(boundaries)}`);
    }
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new TypeError(`PiecewiseConstantDecay: values must be an array of non-negative numbers; got ${describe(values)}`);
    }
    if (values.length !== boundaries.length + 1) {
      throw new RangeError(`PiecewiseConstantDecay: values must have one more element than boundaries; got ${values.length} values and ${boundaries.length} boundaries`);
    }
    this.boundaries = Object.freeze([...boundaries]);
    this.values = Object.freeze([...values]);
  }

  call(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]) return this.values[i];
    return this.values[this.values.length - 1];
  }

  getClassName(): string {
    return 'PiecewiseConstantDecay';
  }

  getConfig(): ConfigDict {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

export interface CosineDecayOptions {
  readonly initialLearningRate: number;
  /** Steps over which to decay (after the warm-up, if any). */
  readonly decaySteps: number;
  /** The final learning rate as a fraction of the initial (or warm-up target) one. Default 0. */
  readonly alpha?: number;
  /** With warm-up: the rate reached linearly after `warmupSteps`; null (default) for none. */
  readonly warmupTarget?: number | null;
  readonly warmupSteps?: number;
  readonly name?: string;
}

/**
 * Cosine decay (Loshchilov & Hutter): with s = min(step, decaySteps),
 * lr0 · ((1 − alpha) · ½(1 + cos(π s / decaySteps)) + alpha). With a warm-up target, the
 * rate first rises linearly from lr0 to warmupTarget over warmupSteps, then decays from
 * warmupTarget over the next decaySteps.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor(options: CosineDecayOptions) {
    super(options?.name, 'CosineDecay');
    checkKeys(options, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name'], 'CosineDecay');
    this.initialLearningRate = required(options.initialLearningRate, 'initialLearningRate', 'CosineDecay', 0);
    this.decaySteps = positive(options.decaySteps, 'decaySteps', 'CosineDecay');
    this.alpha = numberArg(options.alpha, 0, 'alpha', 'CosineDecay', { min: 0, max: 1 });
    this.warmupTarget = options.warmupTarget === undefined || options.warmupTarget === null ? null : numberArg(options.warmupTarget, 0, 'warmupTarget', 'CosineDecay', { min: 0 });
    this.warmupSteps = integerArg(options.warmupSteps, 0, 'warmupSteps', 'CosineDecay');
  }

  private decayed(step: number, from: number): number {
    const s = Math.min(step, this.decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * s) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    if (this.warmupTarget === null) return this.decayed(step, this.initialLearningRate);
    if (step < this.warmupSteps) {
      return this.initialLearningRate + ((this.warmupTarget - this.initialLearningRate) * step) / this.warmupSteps;
    }
    return this.decayed(step - this.warmupSteps, this.warmupTarget);
  }

  getClassName(): string {
    return 'CosineDecay';
  }

  getConfig(): ConfigDict {
    return {
      initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, alpha: this.alpha, name: this.name,
      warmup_target: this.warmupTarget, warmup_steps: this.warmupSteps,
    };
  }
}

export interface InverseTimeDecayOptions {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  /** Decay in discrete steps: floor(step / decaySteps). Default false. */
  readonly staircase?: boolean;
  readonly name?: string;
}

/** initialLearningRate / (1 + decayRate · step / decaySteps) (the ratio floored with `staircase`). */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: InverseTimeDecayOptions) {
    super(options?.name, 'InverseTimeDecay');
    checkKeys(options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'], 'InverseTimeDecay');
    this.initialLearningRate = required(options.initialLearningRate, 'initialLearningRate', 'InverseTimeDecay', 0);
    this.decaySteps = positive(options.decaySteps, 'decaySteps', 'InverseTimeDecay');
    this.decayRate = required(options.decayRate, 'decayRate', 'InverseTimeDecay', 0);
    this.staircase = booleanArg(options.staircase, false, 'staircase', 'InverseTimeDecay');
  }

  call(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate / (1 + this.decayRate * (this.staircase ? Math.floor(p) : p));
  }

  getClassName(): string {
    return 'InverseTimeDecay';
  }

  getConfig(): ConfigDict {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, decay_rate: this.decayRate, staircase: this.staircase, name: this.name };
  }
}

export interface PolynomialDecayOptions {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  /** Default 1e-4. */
  readonly endLearningRate?: number;
  /** Default 1 (linear). */
  readonly power?: number;
  /** Start again past decaySteps, over the next multiple of decaySteps. Default false. */
  readonly cycle?: boolean;
  readonly name?: string;
}

/**
 * (lr0 − lrEnd)·(1 − s/d)^power + lrEnd with s = min(step, decaySteps) and d = decaySteps;
 * with `cycle`, d = decaySteps·ceil(step / decaySteps) (1 at step 0) and s = step.
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;

  constructor(options: PolynomialDecayOptions) {
    super(options?.name, 'PolynomialDecay');
    const c = 'PolynomialDecay';
    checkKeys(options, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name'], c);
    this.initialLearningRate = required(options.initialLearningRate, 'initialLearningRate', c, 0);
    this.decaySteps = positive(options.decaySteps, 'decaySteps', c);
    this.endLearningRate = numberArg(options.endLearningRate, 1e-4, 'endLearningRate', c, { min: 0 });
    this.power = numberArg(options.power, 1, 'power', c, { min: 0 });
    this.cycle = booleanArg(options.cycle, false, 'cycle', c);
  }

  call(step: number): number {
    let d = this.decaySteps;
    let s = step;
    if (this.cycle) d *= step === 0 ? 1 : Math.ceil(step / this.decaySteps);
    else s = Math.min(step, d);
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - s / d, this.power) + this.endLearningRate;
  }

  getClassName(): string {
    return 'PolynomialDecay';
  }

  getConfig(): ConfigDict {
    return { initial_learning_rate: this.initialLearningRate, decay_steps: this.decaySteps, end_learning_rate: this.endLearningRate, power: this.power, cycle: this.cycle, name: this.name };
  }
}

export interface CosineDecayRestartsOptions {
  readonly initialLearningRate: number;
  /** Length of the first period. */
  readonly firstDecaySteps: number;
  /** Each period is tMul times longer than the one before. Default 2. */
  readonly tMul?: number;
  /** Each restart starts from mMul times the last one's rate. Default 1. */
  readonly mMul?: number;
  /** The floor, as a fraction of the rate. Default 0. */
  readonly alpha?: number;
  readonly name?: string;
}

/**
 * Cosine decay with warm restarts (SGDR, Loshchilov & Hutter): within restart i (periods of
 * firstDecaySteps·tMulⁱ steps) the rate is lr0·((1 − alpha)·½·mMulⁱ·(1 + cos(π·f)) + alpha),
 * f the fraction of the period done.
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;

  constructor(options: CosineDecayRestartsOptions) {
    super(options?.name, 'CosineDecayRestarts');
    const c = 'CosineDecayRestarts';
    checkKeys(options, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha', 'name'], c);
    this.initialLearningRate = required(options.initialLearningRate, 'initialLearningRate', c, 0);
    this.firstDecaySteps = positive(options.firstDecaySteps, 'firstDecaySteps', c);
    this.tMul = numberArg(options.tMul, 2, 'tMul', c, { min: 0, minOpen: true });
    this.mMul = numberArg(options.mMul, 1, 'mMul', c, { min: 0 });
    this.alpha = numberArg(options.alpha, 0, 'alpha', c, { min: 0, max: 1 });
  }

  call(step: number): number {
    let f = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(f);
      f -= restart;
    } else {
      restart = Math.floor(Math.log(1 - f * (1 - this.tMul)) / Math.log(this.tMul));
      const done = (1 - Math.pow(this.tMul, restart)) / (1 - this.tMul);
      f = (f - done) / Math.pow(this.tMul, restart);
    }
    const cosine = 0.5 * Math.pow(this.mMul, restart) * (1 + Math.cos(Math.PI * f));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }

  getClassName(): string {
    return 'CosineDecayRestarts';
  }

  getConfig(): ConfigDict {
    return { initial_learning_rate: this.initialLearningRate, first_decay_steps: this.firstDecaySteps, t_mul: this.tMul, m_mul: this.mMul, alpha: this.alpha, name: this.name };
  }
}

function required(value: unknown, name: string, className: string, min: number): number {
  if (value === undefined) throw new TypeError(`${className}: ${name} is required`);
  return numberArg(value, 0, name, className, { min });
}

function positive(value: unknown, name: string, className: string): number {
  if (value === undefined) throw new TypeError(`${className}: ${name} is required`);
  return numberArg(value, 0, name, className, { min: 0, minOpen: true });
}

/** The registry of schedule classes, by Keras class name. */
export const scheduleRegistry = new ClassRegistry<LearningRateSchedule>('learning rate schedule');

/** A Keras config as constructor options: camelCase keys, nulls dropped. */
function options<T>(config: ConfigDict): T {
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(camelKeys(config))) if (v !== null) out[k] = v;
  return out as T;
}

scheduleRegistry.register('ExponentialDecay', (c) => new ExponentialDecay(options(c)));
scheduleRegistry.register('PiecewiseConstantDecay', (c) => new PiecewiseConstantDecay(options(c)));
scheduleRegistry.register('CosineDecay', (c) => new CosineDecay(options(c)));
scheduleRegistry.register('InverseTimeDecay', (c) => new InverseTimeDecay(options(c)));
scheduleRegistry.register('PolynomialDecay', (c) => new PolynomialDecay(options(c)));
scheduleRegistry.register('CosineDecayRestarts', (c) => new CosineDecayRestarts(options(c)));

/** `{ class_name, config }` of a schedule. */
export function serializeSchedule(schedule: LearningRateSchedule): { class_name: string; config: ConfigDict } {
  return { class_name: schedule.getClassName(), config: schedule.getConfig() };
}

/** A schedule from a schedule instance or its `{ class_name, config }` form. */
export function getSchedule(identifier: LearningRateSchedule | Serialized): LearningRateSchedule {
  if (identifier instanceof LearningRateSchedule) return identifier;
  return scheduleRegistry.create(identifier);
}
