/**
 * Keras model configs as they arrive in .h5 files, brought to the one form Neurite's
 * registry reads (tf.keras 2's `{ class_name, config }` with snake_case keys):
 *  - Keras 2.0/2.1 Sequential configs that are a bare list of layers;
 *  - Keras 3 (legacy .h5) details: InputLayer `batch_shape`, dtype policies as objects,
 *    inbound nodes as `{ args, kwargs }` with `__keras_tensor__` references, extra keys
 *    (`module`, `registered_name`, `build_config`);
 *  - functional `input_layers`/`output_layers` given as one [name, node, tensor] triple.
 * Also writes JSON the way Python's json.dumps does (', ' and ': ' separators, ASCII).
 */
import type { ConfigDict, ConfigValue, Serialized } from '../../utils/serialization.js';

function isDict(v: ConfigValue | undefined): v is ConfigDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A dtype written as a Keras 3 DTypePolicy object → its name ('float32'). */
function dtypeName(v: ConfigValue | undefined): ConfigValue | undefined {
  if (isDict(v) && isDict(v.config) && typeof v.config.name === 'string') return v.config.name;
  return v;
}

/** One layer's own config: Keras 3 spellings mapped to Keras 2's. */
function layerConfig(className: string, config: ConfigDict): ConfigDict {
  const out: ConfigDict = { ...config };
  if ('dtype' in out) out.dtype = dtypeName(out.dtype) ?? null;
  if (className === 'InputLayer') {
    if (out.batch_input_shape === undefined && Array.isArray(out.batch_shape)) out.batch_input_shape = out.batch_shape;
    if (out.batch_input_shape === undefined && Array.isArray(out.shape)) out.batch_input_shape = [null, ...out.shape];
    delete out.batch_shape;
    delete out.shape;
  }
  return out;
}

/** A `__keras_tensor__` reference (Keras 3) or a [name, node, tensor(, kwargs)] list (Keras 2) → Keras 2's list. */
function tensorRef(v: ConfigValue, kwargs: ConfigDict): ConfigValue[] | null {
  if (isDict(v) && v.class_name === '__keras_tensor__' && isDict(v.config) && Array.isArray(v.config.keras_history)) {
    const [name, node, index] = v.config.keras_history;
    return [name, node ?? 0, index ?? 0, kwargs];
  }
  return null;
}

/** Keras 3's `{ args, kwargs }` node → Keras 2's list of [name, node, tensor, kwargs]. */
function inboundNode(node: ConfigValue): ConfigValue {
  if (!isDict(node) || !('args' in node)) return node;
  const kwargs: ConfigDict = {};
  // Keyword tensors (MultiHeadAttention's value) stay keywords, as Keras 2's [name, node, tensor].
  if (isDict(node.kwargs)) for (const [k, v] of Object.entries(node.kwargs)) kwargs[k] = tensorRef(v, {})?.slice(0, 3) ?? v;
  const args = Array.isArray(node.args) ? node.args : [];
  const first = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  const refs = first.map((a) => tensorRef(a, kwargs)).filter((r): r is ConfigValue[] => r !== null);
  if (refs.length === 0) throw new Error(`Model config: cannot read the inbound node ${JSON.stringify(node).slice(0, 200)}`);
  return refs;
}

/** A single [name, node, tensor] triple → a list of one; a list of triples stays. */
function refList(v: ConfigValue | undefined): ConfigValue | undefined {
  if (Array.isArray(v) && typeof v[0] === 'string') return [v];
  if (isDict(v)) return Object.values(v).map((t) => (Array.isArray(t) ? t : tensorRef(t, {})?.slice(0, 3) ?? t));
  return v;
}

function functionalConfig(config: ConfigDict): ConfigDict {
  const layers = (Array.isArray(config.layers) ? config.layers : []).map((spec) => {
    if (!isDict(spec)) return spec;
    const inner = normalizeLayer(spec);
    const out: ConfigDict = { class_name: inner.class_name, config: inner.config };
    out.name = typeof spec.name === 'string' ? spec.name : (inner.config.name ?? null);
    out.inbound_nodes = (Array.isArray(spec.inbound_nodes) ? spec.inbound_nodes : []).map(inboundNode);
    return out;
  });
  const out: ConfigDict = { ...config, layers };
  const ins = refList(config.input_layers);
  const outs = refList(config.output_layers);
  if (ins !== undefined) out.input_layers = ins;
  if (outs !== undefined) out.output_layers = outs;
  return out;
}

function sequentialConfig(config: ConfigValue): ConfigDict {
  const dict: ConfigDict = Array.isArray(config) ? { name: 'sequential', layers: config } : isDict(config) ? config : { layers: [] };
  const layers = (Array.isArray(dict.layers) ? dict.layers : []).map((l) => (isDict(l) ? (normalizeLayer(l) as unknown as ConfigValue) : l));
  const out: ConfigDict = { ...dict, layers };
  if ('dtype' in out) out.dtype = dtypeName(out.dtype) ?? null;
  return out;
}

/** Any serialized layer (models included) in the form Neurite's registry reads. */
export function normalizeLayer(spec: ConfigDict): Serialized {
  const className = typeof spec.class_name === 'string' ? spec.class_name : '';
  if (className === '') throw new Error(`Model config: a layer entry has no class_name: ${JSON.stringify(spec).slice(0, 200)}`);
  const raw = spec.config ?? {};
  if (className === 'Sequential') return { class_name: className, config: sequentialConfig(raw) };
  if (!isDict(raw)) throw new Error(`Model config: layer class ${className} has a config that is not an object`);
  if (className === 'Functional' || className === 'Model') return { class_name: className, config: functionalConfig(raw) };
  return { class_name: className, config: layerConfig(className, raw) };
}

/**
 * Parses JSON as Python's json module writes it: bare NaN / Infinity / -Infinity (outside
 * strings) are read as null / ±Infinity. Errors name the attribute `what`.
 */
export function parsePythonJson(text: string, what: string): ConfigValue {
  try {
    return JSON.parse(text) as ConfigValue;
  } catch (e) {
    const fixed = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m === 'NaN' ? 'null' : m === 'Infinity' ? '1e999' : m === '-Infinity' ? '-1e999' : m));
    try {
      return JSON.parse(fixed) as ConfigValue;
    } catch {
      throw new Error(`the ${what} attribute is not valid JSON (${(e as Error).message})`);
    }
  }
}

/** Parses the `model_config` attribute and normalizes it. */
export function parseModelConfig(text: string): Serialized {
  const parsed = parsePythonJson(text, 'model_config');
  if (!isDict(parsed)) throw new Error('the model_config attribute is not a { class_name, config } object');
  return normalizeLayer(parsed);
}

/** A string as Python's json.dumps writes it (ensure_ascii: non-ASCII as \uXXXX). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text with Python json.dumps' default separators and ASCII escaping (what Keras writes). */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pyString(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  throw new TypeError(`pythonJson: cannot write a ${typeof value}`);
}
