/**
 * Keras 3 files: the `.keras` archive (a ZIP of metadata.json, config.json and
 * model.weights.h5) and the `.weights.h5` file of `model.save_weights`.
 *
 * config.json is the model serialized with Keras 3's schema (`module`, `class_name`,
 * `config`, `registered_name`, DTypePolicy objects, `build_config`, functional wiring through
 * `args`/`kwargs` with `keras_history`); it is read through the same normalization as Keras
 * 3 configs in .h5 files (io/h5/keras-config.ts).
 *
 * The weights are positional, not by layer name (keras/src/saving/saving_lib.py): a layer's
 * own variables are the datasets `<path>/vars/0, 1, …` (trainable, then non-trainable); a
 * model's layers live under `layers/<class in snake case>[_n]`, numbered per class in layer
 * order; sublayers under their attribute names (`cell/`, `forward_layer/`, `query_dense/`).
 * Each layer says where its variables go (Layer.keras3Weights). Names in the files (the
 * `name` attribute of each vars group, missing before Keras 3.4) are not needed.
 *
 * Neurite writes config.json as Keras 3 does at the top (module, class_name, config,
 * registered_name) with the layers in Keras 2's form inside, which Keras 3 reads through
 * its legacy path (the one it reads .h5 configs with), activation names as Keras 3 reads
 * them; the weights file as Keras 3 lays it out. A compiled model's compile_config and
 * optimizer variables (`optimizer/vars`: iterations, learning_rate, then each variable's
 * slots in turn) are written and read for the optimizers whose Keras 3 layout Neurite
 * follows (see INTERLEAVED).
 */
import { type Tensor, fetchValues } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { scalar } from '../tensor/create.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { CompileArgs } from '../training/index.js';
import { compileArgsFromTrainingConfig, trainingConfig } from './h5/training-config.js';
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import type { H5Dataset, H5Group } from './h5/protocol.js';
import { readH5, writeH5Atomic } from './h5/client.js';
import { OpList, datasetTensor, member } from './h5/keras-weights.js';
import { parseModelConfig } from './h5/keras-config.js';
import { readZip, writeZip } from './zip.js';
import { readFileBytes, writeFileAtomic } from './weights-format.js';
import type { Layer } from '../layers/layer.js';
import { containerKeys } from '../layers/keras3-paths.js';

/** What loading and saving need of a model (models/model.ts's Model). */
export interface Keras3Model {
  readonly name: string;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
  keras3Weights(): { readonly variable: { readonly name: string; readonly shape: readonly number[]; assign(v: Tensor): unknown; dataSync(): ArrayLike<number> }; readonly path: string }[];
  getClassName(): string;
  getConfig(): ConfigDict;
}

/** The Keras version Neurite writes in metadata.json (the config's form inside is Keras 2's: see the module comment). */
export const KERAS3_VERSION = '3.10.0';

/** A temporary folder for the HDF5 worker, which reads files by path. */
async function withTempFile<T>(bytes: Uint8Array, name: string, fn: (path: string) => Promise<T>): Promise<T> {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'neurite-keras3-'));
  try {
    await writeFile(join(dir, name), bytes);
    return await fn(join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every dataset path under a group (for reporting what a file holds that a model lacks). */
function datasetPaths(g: H5Group, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, child] of g.children) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    if (child.kind === 'dataset') out.push(path);
    else out.push(...datasetPaths(child, path));
  }
  return out;
}

/** Assigns the model's weights from a Keras 3 weights file's root group; `source` names the file in errors. */
export function readKeras3Weights(model: Keras3Model, root: H5Group, source: string): void {
  const wanted = model.keras3Weights();
  const values: Tensor[] = wanted.map(({ variable, path }) => {
    const ds = member(root, path);
    if (ds === null || ds.kind !== 'dataset') {
      const held = datasetPaths(root).filter((p) => !p.startsWith('optimizer/'));
      throw new Error(`${source}: no dataset ${path} for weight '${variable.name}' of model ${model.name} (the file holds ${held.length === 0 ? 'no layer weights' : held.slice(0, 12).join(', ') + (held.length > 12 ? ', …' : '')})`);
    }
    const t = datasetTensor(ds as H5Dataset, `${source}: ${path}`);
    if (t.shape.join(',') !== variable.shape.join(',')) throw new Error(`${source}: ${path} has shape [${t.shape.join(', ')}] but weight '${variable.name}' has shape [${variable.shape.join(', ')}]`);
    return t;
  });
  const used = new Set(wanted.map((w) => w.path));
  const extra = datasetPaths(root).filter((p) => !p.startsWith('optimizer/') && !used.has(p));
  if (extra.length > 0) throw new Error(`${source}: holds weights model ${model.name} has no place for: ${extra.slice(0, 12).join(', ')}${extra.length > 12 ? ', …' : ''} (a different architecture?)`);
  wanted.forEach((w, i) => w.variable.assign(values[i]));
}

/** The write operations of a Keras 3 weights file for the model. */
export function keras3WeightOps(model: Keras3Model): OpList {
  const list = new OpList();
  list.group('/vars');
  list.attr('/vars', 'name', model.name);
  for (const { variable, path } of model.keras3Weights()) {
    const group = `/${path.slice(0, path.lastIndexOf('/'))}`;
    list.group(group);
    list.dataset(`/${path}`, variable as unknown as Tensor);
  }
  return list;
}

/** The model (config only, unbuilt weights) a .keras archive describes, with its files. */
export async function readKerasArchive(bytes: Uint8Array, source: string): Promise<{ config: ReturnType<typeof parseModelConfig>; raw: ConfigDict; kerasVersion: string | null; writtenBy: string | null; weights: Uint8Array | null; assets: Map<string, Uint8Array> }> {
  const files = await readZip(bytes, source);
  const configBytes = files.get('config.json');
  if (configBytes === undefined) throw new Error(`${source}: a ZIP archive without config.json, so not a Keras 3 .keras file (it holds ${[...files.keys()].join(', ') || 'nothing'})`);
  let kerasVersion: string | null = null;
  let writtenBy: string | null = null;
  const meta = files.get('metadata.json');
  if (meta !== undefined) {
    try {
      const m = JSON.parse(new TextDecoder().decode(meta)) as { keras_version?: unknown; written_by?: unknown };
      if (typeof m.keras_version === 'string') kerasVersion = m.keras_version;
      if (typeof m.written_by === 'string') writtenBy = m.written_by;
    } catch {
      throw new Error(`${source}: metadata.json is not valid JSON`);
    }
  }
  if (files.has('model.weights.npz')) throw new Error(`${source}: the weights are in model.weights.npz (a Keras 3 option Neurite does not read); save with the default .h5 weights`);
  const text = new TextDecoder().decode(configBytes);
  const config = parseModelConfig(text);
  const assets = new Map([...files].filter(([k]) => k.startsWith('assets/')));
  return { config, raw: JSON.parse(text) as ConfigDict, kerasVersion, writtenBy, weights: files.get('model.weights.h5') ?? null, assets };
}

/** A layer whose state Keras 3 keeps as a vocabulary.txt asset (the lookup and text layers after adapt). */
interface VocabularyAssetLayer {
  loadVocabularyAsset(text: string): void;
}

/**
 * Keras 3 writes an adapted lookup or TextVectorization layer's vocabulary as
 * `assets/layers/<key>/vocabulary.txt` (one token per line, special tokens first), not in
 * its config: this gives it to the model's layers that have none yet.
 */
export function applyKeras3Assets(layers: readonly Layer[], assets: ReadonlyMap<string, Uint8Array>): void {
  if (assets.size === 0) return;
  const keys = containerKeys(layers);
  layers.forEach((layer, i) => {
    const file = assets.get(`assets/layers/${keys[i]}/vocabulary.txt`);
    const target = layer as unknown as Partial<VocabularyAssetLayer>;
    if (file !== undefined && typeof target.loadVocabularyAsset === 'function') target.loadVocabularyAsset(new TextDecoder().decode(file));
  });
}

/** Reads a weights.h5 file's bytes (from an archive or a file) into the model; returns the file's root group. */
export async function loadKeras3WeightBytes(model: Keras3Model, bytes: Uint8Array, source: string): Promise<H5Group> {
  const root = await withTempFile(bytes, 'model.weights.h5', (p) => readH5(p, source));
  readKeras3Weights(model, root, source);
  return root;
}

// ---- compile_config and optimizer state -------------------------------------------------

/**
 * Optimizers whose Keras 3 variables Neurite lays out as Keras does: [iterations,
 * learning_rate (unless a schedule), then for each model variable in turn its slots]
 * (Adam's build adds momentum and velocity per variable; the one-slot optimizers are the
 * same either way). Others (amsgrad, Nadam's u_product, EMA, gradient accumulation) are
 * neither written nor read.
 */
const INTERLEAVED = new Set(['Adam', 'AdamW', 'Adamax', 'SGD', 'RMSprop', 'Adagrad', 'Lion', 'Adadelta', 'Ftrl']);

interface TrainableKeras3 extends Keras3Model {
  readonly compileArgs: CompileArgs | null;
  readonly optimizer: Optimizer;
  readonly trainableWeights: readonly Variable[];
  readonly outputs: readonly unknown[];
  compile(args: CompileArgs): void;
}

/** How the optimizer's state maps onto Keras 3's variable list, or why it does not. */
function keras3OptimizerLayout(optimizer: Optimizer, variables: number): { slots: number } | string {
  const cls = optimizer.getClassName();
  const state = optimizer.getWeights();
  const slots = variables === 0 ? 0 : (state.length - 1) / variables;
  if (!INTERLEAVED.has(cls)) return `${cls}'s Keras 3 variables are laid out in ways Neurite does not follow`;
  if (!Number.isInteger(slots) || slots > 2 || (slots === 2 && !['Adam', 'AdamW', 'Adamax', 'Adadelta', 'Ftrl'].includes(cls))) return `${cls} with these options (amsgrad, EMA, gradient accumulation, centered) keeps state Neurite does not map to Keras 3`;
  return { slots };
}

/** Keras 3's compile_config of a compiled model. */
export function keras3CompileConfig(model: TrainableKeras3): ConfigDict | null {
  if (model.compileArgs === null) return null;
  const tc = trainingConfig(model.compileArgs, model.optimizer);
  const oc = tc.optimizer_config as ConfigDict;
  return {
    optimizer: { module: 'keras.optimizers', class_name: oc.class_name, config: oc.config, registered_name: null },
    loss: tc.loss,
    loss_weights: tc.loss_weights,
    metrics: tc.metrics,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** The optimizer variables of a Keras 3 weights file (`optimizer/vars/<i>`). */
async function keras3OptimizerOps(list: OpList, model: TrainableKeras3): Promise<void> {
  if (model.compileArgs === null) return;
  const optimizer = model.optimizer;
  const vars = model.trainableWeights.length;
  const slotState = optimizer.variables();
  if (slotState.length === 0) return; // never stepped: nothing to keep
  const layout = keras3OptimizerLayout(optimizer, vars);
  if (typeof layout === 'string') return;
  const values = optimizer.getWeights();
  await fetchValues(values);
  list.group('/optimizer/vars');
  list.attr('/optimizer/vars', 'name', optimizer.getClassName().toLowerCase());
  list.dataset('/optimizer/vars/0', new BigInt64Array([BigInt(optimizer.realIterations)]));
  list.dataset('/optimizer/vars/1', scalar(optimizer.learningRate));
  let i = 2;
  for (let v = 0; v < vars; v++) for (let k = 0; k < layout.slots; k++) list.dataset(`/optimizer/vars/${i++}`, values[1 + k * vars + v]);
}

/**
 * Compiles a loaded model from its compile_config and restores the optimizer state from
 * `optimizer/vars`; what cannot be used becomes a warning, as with .h5 files.
 */
export function restoreKeras3Training(model: TrainableKeras3, config: ConfigDict, root: H5Group, source: string, warn: (m: string) => void): void {
  const cc = config.compile_config;
  if (cc === undefined || cc === null) return;
  try {
    if (typeof cc !== 'object' || Array.isArray(cc)) throw new Error('compile_config is not an object');
    const opt = cc.optimizer as ConfigDict | string | undefined;
    const optimizerConfig = typeof opt === 'string' ? { class_name: opt, config: {} } : { class_name: (opt as ConfigDict)?.class_name ?? null, config: Object.fromEntries(Object.entries(((opt as ConfigDict)?.config ?? {}) as ConfigDict).filter(([, v]) => v !== null)) };
    const { args, notes } = compileArgsFromTrainingConfig({ optimizer_config: optimizerConfig, loss: cc.loss ?? null, metrics: cc.metrics ?? null, loss_weights: cc.loss_weights ?? null, weighted_metrics: cc.weighted_metrics ?? null } as ConfigDict, model.outputs.length);
    model.compile(args);
    for (const n of notes) warn(`loadModel: ${source}: ${n}`);
  } catch (e) {
    warn(`loadModel: ${source}: the model was loaded without compiling it (${(e as Error).message}); call compile() yourself`);
    return;
  }
  const g = member(root, 'optimizer/vars');
  if (g === null || g.kind !== 'group' || g.children.size === 0) return;
  const optimizer = model.optimizer;
  optimizer.build(model.trainableWeights as Variable[]);
  const vars = model.trainableWeights.length;
  const layout = keras3OptimizerLayout(optimizer, vars);
  if (typeof layout === 'string') {
    warn(`loadModel: ${source}: the optimizer state was not restored (${layout}); the optimizer starts fresh`);
    return;
  }
  const n = g.children.size;
  const lr = n - 1 - layout.slots * vars; // 1 with a learning_rate variable, 0 with a schedule
  if (lr !== 0 && lr !== 1) {
    warn(`loadModel: ${source}: the optimizer state was not restored (optimizer/vars holds ${n} arrays; ${optimizer.getClassName()} over ${vars} variables needs ${1 + layout.slots * vars} or ${2 + layout.slots * vars}); the optimizer starts fresh`);
    return;
  }
  try {
    const at = (i: number): Tensor => {
      const ds = member(g, String(i));
      if (ds === null || ds.kind !== 'dataset') throw new Error(`no optimizer/vars/${i}`);
      return datasetTensor(ds, `${source}: optimizer/vars/${i}`, i === 0);
    };
    const grouped: Tensor[] = [at(0)];
    for (let k = 0; k < layout.slots; k++) for (let v = 0; v < vars; v++) grouped.push(at(1 + lr + v * layout.slots + k));
    optimizer.setWeights(grouped);
  } catch (e) {
    warn(`loadModel: ${source}: the optimizer state was not restored (${(e as Error).message}); the optimizer starts fresh`);
  }
}

/** Keras 3's `model.save_weights('m.weights.h5')` / `load_weights`. */
export async function saveKeras3Weights(model: Keras3Model, path: string): Promise<void> {
  await fetchModelValues(model);
  await writeH5Atomic(path, keras3WeightOps(model).ops, 'saveWeights');
}

/** Whether an .h5 file has Keras 3's weights layout (`vars` / `layers` groups, no Keras 2 `layer_names`). */
export async function isKeras3WeightsFile(path: string): Promise<boolean> {
  const root = await readH5(path, `loadWeights: ${path}`);
  return !('layer_names' in root.attrs) && !root.children.has('model_weights') && (root.children.has('vars') || root.children.has('layers'));
}

export async function loadKeras3Weights(model: Keras3Model, path: string): Promise<void> {
  const root = await readH5(path, `loadWeights: ${path}`);
  readKeras3Weights(model, root, path);
}

/**
 * Activation names as Keras 3 reads them: Keras 3's hard sigmoid is `hard_sigmoid` there;
 * Keras 2's clip(0.2·x + 0.5) has no Keras 3 name, so a model using it is refused.
 */
function keras3Names(value: ConfigValue, where: string): ConfigValue {
  if (value === 'hard_sigmoid') throw new Error(`save (.keras): ${where} uses Keras 2's hard_sigmoid, clip(0.2·x + 0.5, 0, 1), which Keras 3 has no name for (its hard_sigmoid is relu6(x + 3)/6); save as .h5`);
  if (value === 'hard_sigmoid_keras3') return 'hard_sigmoid';
  if (Array.isArray(value)) return value.map((v) => keras3Names(v, where));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keras3Names(v, typeof (value as ConfigDict).name === 'string' ? `layer ${(value as ConfigDict).name}` : where)]));
  return value;
}

/** Keras 3's top-level form around the model's (Keras 2 form) config, with compile_config when compiled. */
function keras3Config(model: Keras3Model): ConfigDict {
  const cls = model.getClassName();
  const compile = 'compileArgs' in model ? keras3CompileConfig(model as TrainableKeras3) : null;
  return {
    module: 'keras',
    class_name: cls === 'Model' ? 'Functional' : cls,
    config: keras3Names(model.getConfig(), `model ${model.name}`) as ConfigDict,
    registered_name: null,
    ...(compile === null ? {} : { compile_config: compile }),
  };
}

/** Writes a `.keras` archive (atomically): metadata.json, config.json, model.weights.h5. */
/** Brings weights kept in GPU memory to the host for the synchronous writers (keras3OptimizerOps fetches the optimizer's). */
async function fetchModelValues(model: Keras3Model): Promise<void> {
  await fetchValues(model.keras3Weights().map((w) => w.variable as unknown as Tensor));
}

export async function saveKerasArchive(model: Keras3Model, path: string): Promise<void> {
  await fetchModelValues(model);
  const weights = await withTempFile(new Uint8Array(0), 'placeholder', async (p) => {
    const h5 = p.replace(/placeholder$/, 'model.weights.h5');
    const ops = keras3WeightOps(model);
    if ('compileArgs' in model) await keras3OptimizerOps(ops, model as TrainableKeras3);
    await writeH5Atomic(h5, ops.ops, 'save');
    return readFileBytes(h5);
  });
  const encoder = new TextEncoder();
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const saved = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}@${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  const zip = writeZip([
    { name: 'metadata.json', data: encoder.encode(JSON.stringify({ keras_version: KERAS3_VERSION, date_saved: saved, written_by: 'neurite 0.1.0' })) },
    { name: 'config.json', data: encoder.encode(JSON.stringify(keras3Config(model))) },
    { name: 'model.weights.h5', data: weights },
  ]);
  await writeFileAtomic(path, zip);
}
