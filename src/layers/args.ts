/**
 * The layer contract's argument declarations: a layer declares each of its arguments once —
 * its name (camelCase, the TypeScript argument), its default, its Keras config key and how
 * its value is checked, resolved, written to a config and read back. The constructor's
 * defaults and checks, `getConfig` and `fromConfig` all follow from that one declaration:
 *
 * ```ts
 * const DENSE = declareArgs('Dense', {
 *   units: arg.int({ min: 1 }),
 *   activation: arg.activation(),
 *   useBias: arg.bool(true),
 *   ...arg.weights('kernel', 'glorot_uniform'),
 *   ...arg.weights('bias', 'zeros'),
 *   activityRegularizer: arg.regularizer(),
 * });
 * class Dense extends Layer {
 *   static override readonly args = DENSE;
 *   constructor(args: LayerArgs & ArgsIn<typeof DENSE>) {
 *     super(args);
 *     const a = this.declared(DENSE, args);   // resolved values, kept for getConfig
 *   }
 * }
 * ```
 *
 * Loading a config goes through the same declaration (`registerLayer` builds the layer with
 * `new cls({ ...baseArgs(config), ...cls.args.fromConfig(config) })`), so a config written by
 * a layer always reads back into an equal layer.
 */
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import { camelToSnake, serialize } from '../utils/serialization.js';
import { type Initializer, getInitializer } from '../initializers/index.js';
import { type Regularizer, getRegularizer } from '../regularizers/index.js';
import { type Constraint, getConstraint } from '../constraints/index.js';
import { type ResolvedActivation, getActivation } from '../activations/index.js';
import type { InitializerLike, RegularizerLike, ConstraintLike } from './weight-spec.js';

/** One declared argument: `In` what a user passes, `Out` the resolved value the layer uses. */
export interface Arg<In, Out, Required extends boolean = boolean> {
  /** Type carriers only (never set): what a user passes and what the layer gets. */
  readonly __in?: In;
  readonly __out?: Out;
  /** Whether the argument has no default (the constructor requires it). */
  readonly required: Required;
  /** The Keras config key; null: the snake_case of the argument's name. */
  readonly key: string | null;
  /** Checks a user's value (undefined: not given) and resolves it, defaults applied; errors name `where`. */
  resolve(value: In | undefined, where: string): Out;
  /** The resolved value as it appears in a Keras config. */
  toConfig(value: Out): ConfigValue;
  /** A config value back to a constructor argument (undefined: absent, so the default applies). */
  fromConfig(value: ConfigValue | undefined): In | undefined;
  /** Other config keys that hold this argument in older or newer files (read when `key` is absent). */
  readonly aliases?: readonly string[];
}

type AnyArg = Arg<unknown, unknown>;
/** A declaration: argument name → Arg. */
export type ArgDecl = Readonly<Record<string, AnyArg>>;

type InOf<A> = A extends { readonly __in?: infer I } ? I : never;
type OutOf<A> = A extends { readonly __out?: infer O } ? O : never;

/** The constructor arguments a declaration accepts (required ones without `?`). */
export type ArgsIn<D extends DeclaredArgs<ArgDecl> | ArgDecl> = D extends DeclaredArgs<infer X> ? ArgsInOf<X> : D extends ArgDecl ? ArgsInOf<D> : never;
type ArgsInOf<D extends ArgDecl> = { readonly [K in keyof D as D[K]['required'] extends true ? K : never]: InOf<D[K]> } & {
  readonly [K in keyof D as D[K]['required'] extends true ? never : K]?: InOf<D[K]>;
};
/** The resolved values of a declaration. */
export type ArgsOut<D extends DeclaredArgs<ArgDecl> | ArgDecl> = D extends DeclaredArgs<infer X> ? { readonly [K in keyof X]: OutOf<X[K]> } : D extends ArgDecl ? { readonly [K in keyof D]: OutOf<D[K]> } : never;

/** A layer's declared arguments. */
export class DeclaredArgs<D extends ArgDecl> {
  constructor(
    readonly className: string,
    readonly decl: D,
  ) {}

  /** The names of the arguments, in declaration (and config) order. */
  get names(): string[] {
    return Object.keys(this.decl);
  }

  /** Checks and resolves constructor arguments; unknown keys are left to the base layer. */
  resolve(args: object | undefined): ArgsOut<D> {
    if (args === null || (args !== undefined && typeof args !== 'object')) throw new TypeError(`${this.className}: the arguments must be an object; got ${args === null ? 'null' : typeof args}`);
    const given = (args ?? {}) as Readonly<Record<string, unknown>>;
    const out: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(this.decl)) {
      const v = given[name];
      if (v === undefined && a.required) throw new TypeError(`${this.className}: the argument ${name} is required`);
      out[name] = (a.resolve as (v: unknown, where: string) => unknown)(v, `${this.className}: ${name}`);
    }
    return out as ArgsOut<D>;
  }

  /** The Keras config entries of resolved values. */
  toConfig(values: ArgsOut<D>): ConfigDict {
    const out: ConfigDict = {};
    const vals = values as Readonly<Record<string, unknown>>;
    for (const [name, a] of Object.entries(this.decl)) out[a.key ?? camelToSnake(name)] = (a.toConfig as (v: unknown) => ConfigValue)(vals[name]);
    return out;
  }

  /** Constructor arguments from a Keras config whose keys were camelCased (as deserializeLayer passes them). */
  fromConfig(config: ConfigDict): ArgsIn<D> {
    const out: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(this.decl)) {
      const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const key = a.key === null ? name : camel(a.key);
      const found = config[key] !== undefined ? config[key] : (a.aliases ?? []).map((k) => config[camel(k)]).find((v) => v !== undefined);
      const v = a.fromConfig(found);
      if (v !== undefined) out[name] = v;
    }
    return out as ArgsIn<D>;
  }
}

/** Declares a layer's arguments (see the module comment). */
export function declareArgs<D extends ArgDecl>(className: string, decl: D): DeclaredArgs<D> {
  return new DeclaredArgs(className, decl);
}

// ---- argument kinds ------------------------------------------------------------------------

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || v === undefined) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

type Opt<T> = { readonly default?: T; readonly key?: string };

function make<In, Out, R extends boolean>(required: R, key: string | undefined, resolve: (v: In | undefined, where: string) => Out, toConfig: (v: Out) => ConfigValue, fromConfig: (v: ConfigValue | undefined) => In | undefined = (v) => (v === null || v === undefined ? undefined : (v as In))): Arg<In, Out, R> {
  return { required, key: key ?? null, resolve, toConfig, fromConfig };
}

/** Required when there is no default. */
type Req<O> = O extends { readonly default: unknown } ? false : true;

function isRequired(o: { readonly default?: unknown } | undefined): boolean {
  return o === undefined || !('default' in o);
}

/** An integer in [min, max]. */
function int<O extends Opt<number> & { readonly min?: number; readonly max?: number }>(o?: O): Arg<number, number, Req<O>> {
  const min = o?.min ?? -Infinity;
  const max = o?.max ?? Infinity;
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const n = v ?? (o?.default as number);
    if (!Number.isInteger(n) || n < min || n > max) {
      const what = max === Infinity && min === 1 ? 'a positive integer' : max === Infinity && min === 0 ? 'a non-negative integer' : `an integer${min > -Infinity ? ` ≥ ${min}` : ''}${max < Infinity ? ` ≤ ${max}` : ''}`;
      throw new RangeError(`${where} must be ${what}; got ${describe(v)}`);
    }
    return n;
  }, (v) => v);
}

/** A finite number in [min, max] (exclusive bounds with `above`/`below`). */
function number<O extends Opt<number> & { readonly min?: number; readonly max?: number; readonly above?: number; readonly below?: number }>(o?: O): Arg<number, number, Req<O>> {
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const n = v ?? (o?.default as number);
    const ok = typeof n === 'number' && Number.isFinite(n) && n >= (o?.min ?? -Infinity) && n <= (o?.max ?? Infinity) && n > (o?.above ?? -Infinity) && n < (o?.below ?? Infinity);
    if (!ok) {
      const bounds = [o?.min !== undefined ? `≥ ${o.min}` : '', o?.above !== undefined ? `> ${o.above}` : '', o?.max !== undefined ? `≤ ${o.max}` : '', o?.below !== undefined ? `< ${o.below}` : ''].filter((s) => s).join(' and ');
      throw new RangeError(`${where} must be a number${bounds ? ` ${bounds}` : ''}; got ${describe(v)}`);
    }
    return n;
  }, (v) => v);
}

/** A boolean. */
function bool(defaultValue: boolean, key?: string): Arg<boolean, boolean, false> {
  return make(false, key, (v, where) => {
    const b = v ?? defaultValue;
    if (typeof b !== 'boolean') throw new TypeError(`${where} must be true or false; got ${describe(v)}`);
    return b;
  }, (v) => v);
}

/** One of a fixed set of strings. */
function oneOf<const T extends string, O extends Opt<T>>(values: readonly T[], o?: O): Arg<T, T, Req<O>> {
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const s = v ?? (o?.default as T);
    if (!values.includes(s)) throw new RangeError(`${where} must be ${values.map((x) => `'${x}'`).join(' or ')}; got ${describe(v)}`);
    return s;
  }, (v) => v);
}

/** An integer or null (null is the default unless one is given). */
function optionalInt(o?: { readonly key?: string; readonly min?: number; readonly default?: number | null }): Arg<number | null, number | null, false> {
  const min = o?.min ?? -Infinity;
  return make(false, o?.key, (v, where) => {
    const n = v === undefined ? o?.default ?? null : v;
    if (n !== null && (!Number.isInteger(n) || n < min)) throw new RangeError(`${where} must be an integer${min > -Infinity ? ` ≥ ${min}` : ''} or null; got ${describe(v)}`);
    return n;
  }, (v) => v, (v) => (v === undefined ? undefined : (v as number | null)));
}

/** A number (bounds as `number`) or null, null by default unless given. */
function optionalNumber(o?: { readonly key?: string; readonly min?: number; readonly default?: number | null }): Arg<number | null, number | null, false> {
  return make(false, o?.key, (v, where) => {
    const n = v === undefined ? o?.default ?? null : v;
    if (n !== null && !(typeof n === 'number' && Number.isFinite(n) && n >= (o?.min ?? -Infinity))) throw new RangeError(`${where} must be a number${o?.min !== undefined ? ` ≥ ${o.min}` : ''} or null; got ${describe(v)}`);
    return n;
  }, (v) => v, (v) => (v === undefined ? undefined : (v as number | null)));
}

/** `a` read from a config under other keys too (a Keras 2 name and its Keras 3 rename). */
function aliased<A extends AnyArg>(a: A, ...keys: string[]): A {
  return { ...a, aliases: keys };
}

/** An activation by name or function (default 'linear'); the config holds its Keras name. */
function activation(defaultName = 'linear', key?: string): Arg<Parameters<typeof getActivation>[0], ResolvedActivation, false> {
  return make(false, key, (v) => getActivation(v === undefined ? defaultName : v), (v) => v.name, (v) => (v === undefined ? undefined : ((v ?? 'linear') as string)));
}

/** An initializer (identifier, object or config); the config holds `{ class_name, config }`. */
function initializer(defaultId: InitializerLike, key?: string): Arg<InitializerLike, Initializer, false> {
  return make(false, key, (v) => getInitializer(v ?? defaultId), (v) => serialize(v) as unknown as ConfigValue, (v) => (v === null || v === undefined ? undefined : (v as InitializerLike)));
}

/** An optional regularizer; null in the config when absent. */
function regularizer(key?: string): Arg<RegularizerLike, Regularizer | null, false> {
  return make(false, key, (v) => (v ? getRegularizer(v) : null), (v) => (v ? (serialize(v) as unknown as ConfigValue) : null));
}

/** An optional constraint; null in the config when absent. */
function constraint(key?: string): Arg<ConstraintLike, Constraint | null, false> {
  return make(false, key, (v) => (v ? getConstraint(v) : null), (v) => (v ? (serialize(v) as unknown as ConfigValue) : null));
}

/** `<prefix>Initializer`, `<prefix>Regularizer` and `<prefix>Constraint` (Keras' `<prefix>_initializer` …). */
function weights<P extends string>(prefix: P, defaultInitializer: InitializerLike): { readonly [K in `${P}Initializer`]: Arg<InitializerLike, Initializer, false> } & { readonly [K in `${P}Regularizer`]: Arg<RegularizerLike, Regularizer | null, false> } & { readonly [K in `${P}Constraint`]: Arg<ConstraintLike, Constraint | null, false> } {
  return { [`${prefix}Initializer`]: initializer(defaultInitializer), [`${prefix}Regularizer`]: regularizer(), [`${prefix}Constraint`]: constraint() } as never;
}

/** An integer or a tuple of n integers (a kernel size, strides); resolved to the tuple, written as a list. */
function intTuple<O extends Opt<number | readonly number[]> & { readonly min?: number }>(n: number, o?: O): Arg<number | readonly number[], number[], Req<O>> {
  const min = o?.min ?? 1;
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const given = v ?? (o?.default as number | readonly number[]);
    const list = typeof given === 'number' ? new Array<number>(n).fill(given) : Array.isArray(given) ? [...(given as readonly number[])] : null;
    if (list === null || list.length !== n || !list.every((d) => Number.isInteger(d) && d >= min)) {
      throw new RangeError(`${where} must be an integer ≥ ${min} or a list of ${n} of them; got ${describe(v)}`);
    }
    return list;
  }, (v) => [...v], (v) => (v === null || v === undefined ? undefined : (v as number | number[])));
}

/** A list of integers (a shape, dims); `nullable` lists may hold null (unknown sizes). */
function intList<O extends Opt<readonly number[] | null> & { readonly nullable?: boolean; readonly min?: number }>(o?: O): Arg<readonly (number | null)[] | null, (number | null)[] | null, Req<O>> {
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const given = v === undefined ? (o?.default ?? null) : v;
    if (given === null) return null;
    if (!Array.isArray(given) || !given.every((d) => (d === null && o?.nullable) || (Number.isInteger(d) && d >= (o?.min ?? -Infinity)))) {
      throw new RangeError(`${where} must be a list of integers${o?.nullable ? ' (or null)' : ''}; got ${describe(v)}`);
    }
    return [...given];
  }, (v) => (v === null ? null : [...v]), (v) => (v === undefined ? undefined : (v as (number | null)[] | null)));
}

/** An axis or a list of axes (resolved to a list; written as an integer when there is one). */
function axes(defaultAxes: number | readonly number[], key?: string): Arg<number | readonly number[], number[], false> {
  return make(false, key, (v, where) => {
    const given = v ?? defaultAxes;
    const list = typeof given === 'number' ? [given] : Array.isArray(given) ? [...(given as readonly number[])] : null;
    if (list === null || list.length === 0 || !list.every((d) => Number.isInteger(d))) throw new RangeError(`${where} must be an integer axis or a list of them; got ${describe(v)}`);
    return list;
  }, (v) => (v.length === 1 ? v[0] : [...v]), (v) => (v === null || v === undefined ? undefined : (v as number | number[])));
}

/** A random seed: an integer, or null (the global generator). */
function seed(key?: string): Arg<number | null, number | null, false> {
  return optionalInt({ key });
}

/** A JSON value the layer checks itself (`check` throws on a bad value). */
function json<T extends ConfigValue, O extends Opt<T> = Record<never, never>>(check: (v: unknown, where: string) => T, o?: O): Arg<T, T, Req<O>> {
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => check(v === undefined ? o?.default : v, where), (v) => v, (v) => (v === undefined ? undefined : (v as T)));
}

/** A string (non-empty unless `allowEmpty`); null allowed with `nullable`. */
function string<O extends Opt<string | null> & { readonly nullable?: boolean }>(o?: O): Arg<string | null, O extends { readonly nullable: true } ? string | null : string, Req<O>> {
  return make(isRequired(o) as Req<O>, o?.key, (v, where) => {
    const x = v === undefined ? o?.default : v;
    if (x === null && o?.nullable) return null as never;
    if (typeof x !== 'string' || x.length === 0) throw new TypeError(`${where} must be a non-empty string${o?.nullable ? ' or null' : ''}; got ${describe(v)}`);
    return x as never;
  }, (v) => v, (v) => (v === undefined ? undefined : (v as string | null)));
}

/**
 * Any argument with its own resolution and config form: `resolve` checks a user's value
 * (undefined: not given) and returns the layer's value; `toConfig` writes it.
 */
function custom<In, Out, R extends boolean = false>(spec: { readonly required?: R; readonly key?: string; readonly resolve: (v: In | undefined, where: string) => Out; readonly toConfig: (v: Out) => ConfigValue; readonly fromConfig?: (v: ConfigValue | undefined) => In | undefined }): Arg<In, Out, R> {
  return make((spec.required ?? false) as R, spec.key, spec.resolve, spec.toConfig, spec.fromConfig);
}

/**
 * The weight spec (initializer, regularizer, constraint) of `arg.weights(prefix, …)`'s
 * resolved values: `specOf(a, 'kernel')` for `addWeight('kernel', shape, spec)`.
 */
export function specOf<P extends string>(values: { readonly [K in `${P}Initializer`]: Initializer } & { readonly [K in `${P}Regularizer`]: Regularizer | null } & { readonly [K in `${P}Constraint`]: Constraint | null }, prefix: P): { readonly initializer: Initializer; readonly regularizer: Regularizer | null; readonly constraint: Constraint | null } {
  const v = values as unknown as Readonly<Record<string, unknown>>;
  return { initializer: v[`${prefix}Initializer`] as Initializer, regularizer: v[`${prefix}Regularizer`] as Regularizer | null, constraint: v[`${prefix}Constraint`] as Constraint | null };
}

/** The argument kinds of layer declarations. */
export const arg = { int, number, bool, string, custom, oneOf, optionalInt, optionalNumber, aliased, activation, initializer, regularizer, constraint, weights, intTuple, intList, axes, seed, json };
