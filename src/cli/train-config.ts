/**
 * The training config of `neurite train config.json`: its checked form (every bad field is an
 * error that names it, exit code 4) and how it becomes a model, data, compile and fit
 * arguments and callbacks. The format is documented in docs/cli.md.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Model } from '../models/model.js';
import type { Callback } from '../callbacks/callback.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CompileArgs, FitArgs } from '../training/index.js';
import type { ConfigDict, Serialized } from '../utils/serialization.js';
import { InputInvalidError, requireReadable } from './errors.js';
import { datasetKey, DATASET_NAMES, loadDataset, loadNpyArrays, lossName, toModelInput, toModelLabels, type Arrays } from './data.js';
import { loadNeurite, messageOf, openModel } from './util.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Where the model comes from. */
export type ModelSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'application'; readonly name: string; readonly args: JsonObject }
  | { readonly kind: 'config'; readonly config: Serialized };

/** One data source: a named data set split, or .npy arrays. */
export type DataSpec =
  | { readonly kind: 'dataset'; readonly name: string; readonly split: 'train' | 'test'; readonly limit?: number; readonly rescale: number }
  | { readonly kind: 'npy'; readonly x: string; readonly y: string; readonly limit?: number; readonly rescale: number };

/** A checked training config; paths are absolute (resolved against the config's folder). */
export interface TrainPlan {
  readonly model: ModelSpec;
  readonly data: DataSpec;
  readonly validationData: DataSpec | null;
  readonly compile: JsonObject | null;
  readonly fit: JsonObject;
  readonly callbacks: readonly { readonly className: string; readonly config: JsonObject }[];
  readonly output: string | null;
}

const TOP_KEYS = ['model', 'data', 'validationData', 'compile', 'fit', 'callbacks', 'output', '$schema', 'description'];
const FIT_KEYS = ['epochs', 'batchSize', 'validationSplit', 'shuffle', 'seed', 'classWeight', 'initialEpoch', 'validationFreq', 'validationBatchSize', 'verbose'];
const COMPILE_KEYS = ['optimizer', 'loss', 'metrics', 'lossWeights'];
/** Callback arguments that are paths, resolved against the config's folder. */
const PATH_KEYS = ['filepath', 'filename', 'backupDir', 'logDir', 'toFile', 'path', 'figPath', 'jsonPath'];

/** snake_case → camelCase (Keras spellings are accepted everywhere in the config). */
export function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelKeys(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class ConfigChecker {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new InputInvalidError(`${this.file}: "${field}" ${message}`);
  }

  path(p: string): string {
    return isAbsolute(p) ? p : resolve(dirname(this.file), p);
  }

  keys(o: JsonObject, field: string, allowed: readonly string[]): JsonObject {
    const c = camelKeys(o);
    const bad = Object.keys(c).filter((k) => !allowed.includes(k));
    if (bad.length > 0) this.fail(`${field}.${bad[0]}`, `is not a known field; known: ${allowed.join(', ')}`);
    return c;
  }

  positiveInt(v: Json | undefined, field: string): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(field, `must be a positive integer; got ${JSON.stringify(v)}`);
    return v;
  }

  model(v: Json | undefined): ModelSpec {
    if (v === undefined) this.fail('model', 'is missing: a saved model path, an applications name, { "application": name, "args": {…} } or a Keras model config');
    if (typeof v === 'string') return this.modelName(v);
    if (!isObject(v)) this.fail('model', `must be a string or an object; got ${JSON.stringify(v)}`);
    if (typeof v.class_name === 'string' && isObject(v.config)) return { kind: 'config', config: { class_name: v.class_name, config: v.config as ConfigDict } };
    if (typeof v.path === 'string') return { kind: 'file', path: this.path(v.path) };
    if (typeof v.application === 'string') {
      const args = v.args ?? {};
      if (!isObject(args)) this.fail('model.args', `must be an object; got ${JSON.stringify(args)}`);
      return { kind: 'application', name: v.application, args: camelKeys(args) };
    }
    this.fail('model', 'must have "path", "application" or "class_name" + "config"');
  }

  private modelName(v: string): ModelSpec {
    if (/[/\\.]/.test(v)) return { kind: 'file', path: this.path(v) };
    return { kind: 'application', name: v, args: {} };
  }

  data(v: Json | undefined, field: string, defaultSplit: 'train' | 'test'): DataSpec {
    if (v === undefined) this.fail(field, `is missing: a data set name (${Object.keys(DATASET_NAMES).join(', ')}) or { "x": "x.npy", "y": "y.npy" }`);
    const o: JsonObject = typeof v === 'string' ? { dataset: v } : isObject(v) ? this.keys(v, field, ['dataset', 'split', 'limit', 'rescale', 'x', 'y']) : this.fail(field, `must be a string or an object; got ${JSON.stringify(v)}`);
    const limit = this.positiveInt(o.limit, `${field}.limit`);
    if (o.rescale !== undefined && (typeof o.rescale !== 'number' || !Number.isFinite(o.rescale))) this.fail(`${field}.rescale`, `must be a number; got ${JSON.stringify(o.rescale)}`);
    const rescale = o.rescale as number | undefined;
    if (typeof o.dataset === 'string') {
      if (datasetKey(o.dataset) === null) this.fail(`${field}.dataset`, `must be one of ${Object.keys(DATASET_NAMES).join(', ')}; got "${o.dataset}"`);
      const split = o.split ?? defaultSplit;
      if (split !== 'train' && split !== 'test') this.fail(`${field}.split`, `must be "train" or "test"; got ${JSON.stringify(split)}`);
      return { kind: 'dataset', name: o.dataset, split, limit, rescale: rescale ?? 1 / 255 };
    }
    if (typeof o.x === 'string' && typeof o.y === 'string') return { kind: 'npy', x: this.path(o.x), y: this.path(o.y), limit, rescale: rescale ?? 1 };
    this.fail(field, 'must name a "dataset" or both "x" and "y" .npy files');
  }

  compile(v: Json | undefined): JsonObject | null {
    if (v === undefined) return null;
    if (!isObject(v)) this.fail('compile', `must be an object; got ${JSON.stringify(v)}`);
    const c = this.keys(v, 'compile', COMPILE_KEYS);
    if (c.loss === undefined) this.fail('compile.loss', 'is missing');
    return c;
  }

  fit(v: Json | undefined): JsonObject {
    if (v === undefined) return {};
    if (!isObject(v)) this.fail('fit', `must be an object; got ${JSON.stringify(v)}`);
    const f = this.keys(v, 'fit', FIT_KEYS);
    for (const k of ['epochs', 'batchSize', 'validationFreq', 'validationBatchSize']) this.positiveInt(f[k], `fit.${k}`);
    if (f.initialEpoch !== undefined && (typeof f.initialEpoch !== 'number' || !Number.isInteger(f.initialEpoch) || f.initialEpoch < 0)) this.fail('fit.initialEpoch', `must be an integer ≥ 0; got ${JSON.stringify(f.initialEpoch)}`);
    const vs = f.validationSplit;
    if (vs !== undefined && (typeof vs !== 'number' || vs < 0 || vs >= 1)) this.fail('fit.validationSplit', `must be a number in [0, 1); got ${JSON.stringify(vs)}`);
    if (f.shuffle !== undefined && typeof f.shuffle !== 'boolean') this.fail('fit.shuffle', `must be true or false; got ${JSON.stringify(f.shuffle)}`);
    if (f.seed !== undefined && (typeof f.seed !== 'number' || !Number.isInteger(f.seed))) this.fail('fit.seed', `must be an integer; got ${JSON.stringify(f.seed)}`);
    if (f.verbose !== undefined && f.verbose !== 0 && f.verbose !== 1 && f.verbose !== 2) this.fail('fit.verbose', `must be 0, 1 or 2; got ${JSON.stringify(f.verbose)}`);
    if (f.classWeight !== undefined && !(isObject(f.classWeight) && Object.values(f.classWeight).every((w) => typeof w === 'number'))) this.fail('fit.classWeight', 'must map class indices to numbers');
    return f;
  }

  callbacks(v: Json | undefined): TrainPlan['callbacks'] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail('callbacks', `must be a list; got ${JSON.stringify(v)}`);
    return v.map((c, i) => {
      const field = `callbacks[${i}]`;
      if (typeof c === 'string') return { className: c, config: {} };
      if (!isObject(c)) this.fail(field, `must be a name or an object; got ${JSON.stringify(c)}`);
      const className = c.class_name ?? c.type;
      if (typeof className !== 'string') this.fail(`${field}.class_name`, 'is missing (e.g. "EarlyStopping")');
      const raw = c.config ?? Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'class_name' && k !== 'type'));
      if (!isObject(raw)) this.fail(`${field}.config`, `must be an object; got ${JSON.stringify(raw)}`);
      const config = camelKeys(raw);
      for (const k of PATH_KEYS) if (typeof config[k] === 'string') config[k] = this.path(config[k] as string);
      return { className, config };
    });
  }
}

/** Parses and checks a training config; `output` (from -o) overrides the file's. */
export function checkTrainConfig(raw: Json, file: string, output?: string): TrainPlan {
  const c: ConfigChecker = new ConfigChecker(file);
  if (!isObject(raw)) c.fail('(top level)', 'must be a JSON object');
  const bad = Object.keys(raw).filter((k) => !TOP_KEYS.includes(k) && !TOP_KEYS.includes(camel(k)));
  if (bad.length > 0) c.fail(bad[0], `is not a known field; known: ${TOP_KEYS.filter((k) => !k.startsWith('$')).join(', ')}`);
  const top = camelKeys(raw);
  if (top.output !== undefined && typeof top.output !== 'string') c.fail('output', `must be a path; got ${JSON.stringify(top.output)}`);
  return {
    model: c.model(top.model),
    data: c.data(top.data, 'data', 'train'),
    validationData: top.validationData === undefined ? null : c.data(top.validationData, 'validationData', 'test'),
    compile: c.compile(top.compile),
    fit: c.fit(top.fit),
    callbacks: c.callbacks(top.callbacks),
    output: output !== undefined ? resolve(output) : typeof top.output === 'string' ? c.path(top.output) : null,
  };
}

/** Reads and checks a config file: exit code 3 when missing, 4 when not JSON or invalid. */
export async function readTrainConfig(file: string, output?: string): Promise<TrainPlan> {
  await requireReadable(file, 'config file');
  let raw: Json;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Json;
  } catch (e) {
    throw new InputInvalidError(`${file}: not valid JSON (${messageOf(e)})`);
  }
  return checkTrainConfig(raw, file, output);
}

/** The builders of `nt.applications` by lower-case name. */
async function applications(): Promise<Map<string, [string, (args: object) => Promise<Model>]>> {
  const nt = await loadNeurite();
  const entries = Object.entries(nt.applications).filter(([k, v]) => typeof v === 'function' && /^[A-Z]/.test(k));
  return new Map(entries.map(([k, v]) => [k.toLowerCase(), [k, v as (args: object) => Promise<Model>]]));
}

/** Builds or loads the model a plan names. */
export async function buildModel(spec: ModelSpec, file: string): Promise<Model> {
  const nt = await loadNeurite();
  if (spec.kind === 'file') {
    if (/\.json$/i.test(spec.path)) {
      await requireReadable(spec.path, 'model file');
      const json = JSON.parse(await readFile(spec.path, 'utf8')) as JsonObject;
      if (typeof json.class_name === 'string' && isObject(json.config)) return buildModel({ kind: 'config', config: { class_name: json.class_name, config: json.config as ConfigDict } }, file);
    }
    return openModel(spec.path);
  }
  if (spec.kind === 'config') {
    let layer;
    try {
      layer = nt.deserializeLayer(spec.config);
    } catch (e) {
      throw new InputInvalidError(`${file}: "model" is not a usable Keras model config: ${messageOf(e)}`);
    }
    if (!(layer instanceof nt.Model)) throw new InputInvalidError(`${file}: "model" describes a ${spec.config.class_name}, not a model`);
    return layer;
  }
  const apps = await applications();
  const builder = apps.get(spec.name.toLowerCase());
  if (builder === undefined) throw new InputInvalidError(`${file}: "model" names no applications builder or file: "${spec.name}"; builders: ${[...apps.values()].map(([k]) => k).join(', ')} (a path needs a / or an extension)`);
  try {
    return await builder[1](spec.args);
  } catch (e) {
    throw new InputInvalidError(`${file}: "model.args": ${messageOf(e)}`);
  }
}

/** Loads one data source and shapes it for the model and loss. */
export async function loadPlanData(spec: DataSpec, model: Model, loss: string | null): Promise<{ x: Tensor; y: Tensor }> {
  const arrays: Arrays = spec.kind === 'dataset' ? await loadDataset(spec.name, spec.split, spec.limit) : await loadNpyArrays(spec.x, spec.y, spec.limit);
  const source = spec.kind === 'dataset' ? spec.name : spec.x;
  const x = await toModelInput(arrays.x, model, spec.rescale, source);
  const y = await toModelLabels(arrays.y as Tensor, model, loss);
  return { x, y };
}

/** Compiles the model from the plan (or keeps the compile of a loaded .h5); returns the loss name. */
export async function compileFromPlan(model: Model, compile: JsonObject | null, file: string): Promise<string | null> {
  if (compile === null) {
    if (model.compileArgs === null) throw new InputInvalidError(`${file}: "compile" is missing and the model carries no training config`);
    return lossName(model.compileArgs.loss);
  }
  try {
    model.compile(compile as unknown as CompileArgs);
  } catch (e) {
    throw new InputInvalidError(`${file}: "compile": ${messageOf(e)}`);
  }
  return lossName(compile.loss);
}

/** Callbacks a JSON config cannot create: they take functions, or train adds them itself. */
const NOT_FROM_JSON = ['LambdaCallback', 'LearningRateScheduler', 'ProgbarLogger', 'History'];

/** Rows a TrainingMonitor's `"samples": n` takes its first n rows from. */
export interface SampleSource {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly classNames?: readonly string[];
}

/** A TrainingMonitor's `"samples": n` becomes the first n rows of `source` (dropped when there is none, as in --check). */
async function monitorSamples(config: JsonObject, source: SampleSource | null): Promise<object> {
  const n = config.samples;
  if (typeof n !== 'number') return config;
  const { samples: _, ...rest } = config;
  if (source === null) return rest;
  const { firstRows } = await import('./data.js');
  const count = Math.min(n, source.x.shape[0]);
  return { ...rest, samples: { x: await firstRows(source.x, count), y: await firstRows(source.y, count), ...(source.classNames ? { classNames: source.classNames } : {}) } };
}

/**
 * The callbacks of `nt.callbacks` by class name, built from their (camelCased) configs. A
 * TrainingMonitor's `"samples": n` takes the first n rows of `samples`.
 */
export async function makeCallbacks(specs: TrainPlan['callbacks'], file: string, samples: SampleSource | null): Promise<Callback[]> {
  const nt = await loadNeurite();
  const known = Object.entries(nt.callbacks).filter(([k, v]) => typeof v === 'function' && v.prototype instanceof nt.Callback && !NOT_FROM_JSON.includes(k)) as [string, new (...args: unknown[]) => Callback][];
  const out: Callback[] = [];
  for (const [i, s] of specs.entries()) {
    if (NOT_FROM_JSON.includes(s.className)) throw new InputInvalidError(`${file}: "callbacks[${i}]" ${s.className} ${s.className === 'ProgbarLogger' || s.className === 'History' ? 'is added by train itself' : 'takes a function: use it from a training script'}`);
    const cls = known.find(([k]) => k === s.className)?.[1];
    if (cls === undefined) throw new InputInvalidError(`${file}: "callbacks[${i}].class_name" "${s.className}" is not a callback; known: ${known.map(([k]) => k).join(', ')}`);
    if (s.config.samples !== undefined && typeof s.config.samples !== 'number') throw new InputInvalidError(`${file}: "callbacks[${i}].samples" must be a number of rows`);
    try {
      const config = await monitorSamples(s.config, samples);
      if (s.className === 'CSVLogger') {
        // Keras' CSVLogger(filename, separator, append): the file name comes first.
        const { filename, ...rest } = config as { filename?: unknown };
        out.push(new cls(filename, rest));
      } else {
        out.push(new cls(config));
      }
    } catch (e) {
      throw new InputInvalidError(`${file}: "callbacks[${i}]" (${s.className}): ${messageOf(e)}`);
    }
  }
  return out;
}

/** The fit arguments of the plan, with `epochs` overridden by the command line. */
export function fitArgs(plan: TrainPlan, epochs: number | undefined): FitArgs {
  const f = plan.fit as FitArgs & { classWeight?: Record<string, number> };
  return { ...f, epochs: epochs ?? f.epochs ?? 1 };
}
