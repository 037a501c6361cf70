/**
 * The `training_config` attribute of a Keras .h5 model (tf.keras 2's form):
 * `{ loss, metrics, weighted_metrics, loss_weights, optimizer_config }`, written from a
 * compiled Neurite model and read back into compile() arguments. Losses and metrics are
 * written as the user gave them (a string identifier stays a string; a Loss or Metric
 * object becomes `{ class_name, config }`; a plain function becomes its name, which only
 * loads back if a loss/metric of that name is registered).
 */
import type { ConfigDict, ConfigValue, Serialized } from '../../utils/serialization.js';
import { type Optimizer, getOptimizer, serializeOptimizer } from '../../optimizers/index.js';
import { Loss, getLoss } from '../../losses/index.js';
import { Metric, getMetric } from '../../metrics/index.js';
import type { CompileArgs } from '../../training/index.js';

type Leaf = string | Loss | Metric | ((...args: never[]) => unknown);

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Loss) && !(v instanceof Metric);
}

function leafConfig(v: Leaf): ConfigValue {
  if (typeof v === 'string') return v;
  if (v instanceof Loss || v instanceof Metric) return { class_name: v.getClassName(), config: v.getConfig() };
  if (typeof v === 'function') return v.name || 'custom_function';
  throw new TypeError(`training_config: cannot describe ${String(v)}`);
}

/** Lists, per-output lists and by-name records of identifiers, leaf by leaf. */
function nested(v: unknown, leaf: (x: Leaf) => ConfigValue): ConfigValue {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((x) => nested(x, leaf));
  if (isDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nested(x, leaf)]));
  return leaf(v as Leaf);
}

/** The training_config of a model compiled with `args` (its optimizer instance given). */
export function trainingConfig(args: CompileArgs, optimizer: Optimizer): ConfigDict {
  const lossWeights = args.lossWeights === undefined ? null : (Array.isArray(args.lossWeights) ? [...args.lossWeights] : { ...args.lossWeights });
  return {
    loss: nested(args.loss, leafConfig),
    metrics: args.metrics === undefined ? null : nested(args.metrics, leafConfig),
    weighted_metrics: null,
    loss_weights: lossWeights as ConfigValue,
    optimizer_config: serializeOptimizer(optimizer) as unknown as ConfigValue,
  };
}

const GENERIC_METRICS = new Set(['accuracy', 'acc', 'crossentropy', 'ce']);

function lossLeaf(v: ConfigValue): string | Loss {
  if (typeof v === 'string') {
    getLoss(v); // throws, listing the known losses, if unknown
    return v;
  }
  if (isDict(v) && typeof v.class_name === 'string') return getLoss(v as unknown as Serialized);
  throw new Error(`cannot read the loss ${JSON.stringify(v)}`);
}

/** A metric entry: tf.keras 2.5+ writes compiled metrics as MeanMetricWrapper objects around a function name. */
function metricLeaf(v: ConfigValue): string | Serialized {
  if (typeof v === 'string') {
    if (!GENERIC_METRICS.has(v)) getMetric(v);
    return v;
  }
  if (isDict(v) && typeof v.class_name === 'string') {
    const config = isDict(v.config) ? (v.config as ConfigDict) : {};
    if (v.class_name === 'MeanMetricWrapper') {
      const name = typeof config.name === 'string' ? config.name : '';
      if (GENERIC_METRICS.has(name)) return name;
      const fn = typeof config.fn === 'string' ? config.fn : name;
      getMetric(fn);
      return fn;
    }
    const s: Serialized = { class_name: v.class_name, config };
    getMetric(s);
    return s;
  }
  throw new Error(`cannot read the metric ${JSON.stringify(v)}`);
}

function mapNested<T>(v: ConfigValue, leaf: (x: ConfigValue) => T): unknown {
  if (Array.isArray(v)) return v.map((x) => mapNested(x, leaf));
  if (isDict(v) && typeof v.class_name !== 'string') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapNested(x, leaf)]));
  return leaf(v);
}

/** A single-output model's metrics may come as [[...]] (one list per output). */
function flattenSingle(metrics: unknown, outputs: number): unknown {
  if (outputs === 1 && Array.isArray(metrics) && metrics.length === 1 && Array.isArray(metrics[0])) return metrics[0];
  return metrics;
}

/** What reading a training_config gives: compile arguments, and what had to be left out. */
export interface CompileFromConfig {
  readonly args: CompileArgs;
  readonly notes: string[];
}

/**
 * compile() arguments from a training_config; throws (with the reason) when the optimizer,
 * a loss or a metric is not known here.
 */
export function compileArgsFromTrainingConfig(tc: ConfigDict, outputs: number): CompileFromConfig {
  const notes: string[] = [];
  const oc = tc.optimizer_config;
  if (!isDict(oc) || typeof oc.class_name !== 'string') throw new Error('the training_config has no optimizer_config');
  const optimizer = getOptimizer({ class_name: oc.class_name, config: (isDict(oc.config) ? oc.config : {}) as ConfigDict });
  if (tc.loss === undefined || tc.loss === null) throw new Error('the training_config has no loss');
  const loss = mapNested(tc.loss, lossLeaf) as CompileArgs['loss'];
  const metrics = tc.metrics === undefined || tc.metrics === null ? undefined : (flattenSingle(mapNested(tc.metrics, metricLeaf), outputs) as CompileArgs['metrics']);
  const wm = tc.weighted_metrics;
  if (wm !== undefined && wm !== null && !(Array.isArray(wm) && wm.flat(2).length === 0)) notes.push(`weighted_metrics ${JSON.stringify(wm)} are not supported and were left out`);
  const lw = tc.loss_weights;
  const lossWeights = lw === undefined || lw === null ? undefined : (lw as unknown as CompileArgs['lossWeights']);
  return { args: { optimizer, loss, metrics, lossWeights }, notes };
}
