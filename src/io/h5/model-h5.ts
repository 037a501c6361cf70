/**
 * Keras HDF5 (.h5) models and weights: `saveModelH5` writes what tf.keras 2's
 * `model.save('m.h5')` writes (root attributes keras_version, backend, model_config,
 * training_config; groups model_weights and optimizer_weights); `loadModelH5` reads such
 * files from Keras 2.x and Keras 3's legacy .h5 writer; `saveWeightsH5`/`loadWeightsH5`
 * are `model.save_weights('w.h5')`/`load_weights` (the weights group at the file root).
 * Files are written atomically (temporary file, then rename).
 */
import { fetchValues } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CompileArgs } from '../../training/index.js';
import type { Optimizer } from '../../optimizers/index.js';
import { checkHdf5File } from './hdf5-check.js';
import { readH5, writeH5Atomic } from './client.js';
import type { H5Group } from './protocol.js';
import { parseModelConfig, parsePythonJson, pythonJson } from './keras-config.js';
import { compileArgsFromTrainingConfig, trainingConfig } from './training-config.js';
import { withKerasVersion } from '../../activations/activations.js';
import { BACKEND, KERAS_VERSION, OpList, optimizerValuesByName, readModelWeights, readOptimizerValues, stringAttr, stringListAttr, weightsGroup, writeModelWeights, writeOptimizerWeights } from './keras-weights.js';

export interface SaveModelH5Options {
  /** Also write the optimizer state of a compiled model (Keras' include_optimizer). Default true. */
  readonly includeOptimizer?: boolean;
}

export interface LoadModelH5Options {
  /** Compile the model from the file's training_config when there is one (Keras' compile). Default true. */
  readonly compile?: boolean;
  /** Where warnings go (training config or optimizer state that could not be used). Default console.warn. */
  readonly onWarning?: (message: string) => void;
  /** Stop reading after this many ms (a damaged file can make the HDF5 library loop). Default 30 s + 1 s per 10 MB. */
  readonly timeoutMs?: number;
}

export interface LoadWeightsH5Options {
  /** Match layers by name instead of by order (Keras' by_name); layers missing on either side are skipped. Default false. */
  readonly byName?: boolean;
  /** Stop reading after this many ms. Default 30 s + 1 s per 10 MB. */
  readonly timeoutMs?: number;
}

/** The compile() arguments and optimizer of a compiled model, or null. */
function compiledState(model: Model): { args: CompileArgs; optimizer: Optimizer } | null {
  const args = model.compileArgs;
  return args ? { args, optimizer: model.optimizer } : null;
}

function requireBuilt(model: Model, who: string): void {
  // A subclassed model has no graph; its weights exist once it has run (or build()).
  if (!model.isGraphBuilt && !(model.isSubclassed && model.built)) {
    throw new Error(`${who}: model ${model.name} has not been built yet; give the first layer an inputShape, call build([null, ...]) or run it on data first`);
  }
}

function prefixed<T>(who: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${who}: ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes `model` as a Keras 2 .h5 file: architecture, weights and, when compiled, training config and optimizer state. */
export async function saveModelH5(model: Model, path: string, options: SaveModelH5Options = {}): Promise<void> {
  const who = 'saveModelH5';
  requireBuilt(model, who);
  const state = compiledState(model);
  // The optimizer's values are copies (getWeights): fetched once and written as fetched, so
  // memories without synchronous reads (webgpu) can be saved too.
  const optimizerValues = state && (options.includeOptimizer ?? true) ? state.optimizer.getWeights() : [];
  await fetchValues([...model.weights, ...optimizerValues]);
  const list = prefixed(who, path, () => {
    const ops = new OpList();
    ops.attr('/', 'keras_version', KERAS_VERSION);
    ops.attr('/', 'backend', BACKEND);
    ops.attr('/', 'model_config', pythonJson({ class_name: model.getClassName(), config: model.getConfig() }));
    if (state) ops.attr('/', 'training_config', pythonJson(trainingConfig(state.args, state.optimizer)));
    writeModelWeights(ops, '/model_weights', model);
    if (state && (options.includeOptimizer ?? true)) writeOptimizerWeights(ops, state.optimizer, optimizerValues);
    return ops;
  });
  await writeH5Atomic(path, list.ops, who);
}

/** Writes the weights of `model` in Keras' save_weights .h5 layout. */
export async function saveWeightsH5(model: Model, path: string): Promise<void> {
  const who = 'saveWeightsH5';
  requireBuilt(model, who);
  await fetchValues(model.weights);
  const list = prefixed(who, path, () => {
    const ops = new OpList();
    writeModelWeights(ops, '/', model);
    return ops;
  });
  await writeH5Atomic(path, list.ops, who);
}

/** Loads Keras .h5 weights (a save_weights file or a whole saved model) into a built `model`. */
export async function loadWeightsH5(model: Model, path: string, options: LoadWeightsH5Options = {}): Promise<void> {
  const who = 'loadWeightsH5';
  requireBuilt(model, who);
  await checkHdf5File(path, who);
  const root = await readH5(path, who, ['/optimizer_weights'], options.timeoutMs);
  prefixed(who, path, () => {
    const g = weightsGroup(root);
    if (g === null) throw new Error('no Keras weights in the file (neither a model_weights group nor a layer_names attribute)');
    readModelWeights(g, model, options.byName ?? false);
  });
}

function kerasMajor(root: H5Group): number {
  const v = stringAttr(root, 'keras_version') ?? '2';
  const major = Number.parseInt(v, 10);
  return Number.isFinite(major) ? major : 2;
}

/** Compiles from training_config and restores the optimizer state; problems become warnings (Keras does the same). */
function restoreTraining(model: Model, root: H5Group, path: string, warn: (m: string) => void): void {
  const text = stringAttr(root, 'training_config');
  if (text === null) return;
  try {
    const tc = parsePythonJson(text, 'training_config');
    if (typeof tc !== 'object' || tc === null || Array.isArray(tc)) throw new Error('the training_config is not an object');
    const { args, notes } = compileArgsFromTrainingConfig(tc, model.outputs.length);
    model.compile(args);
    for (const n of notes) warn(`loadModelH5: ${path}: ${n}`);
  } catch (e) {
    warn(`loadModelH5: ${path}: the model was loaded without compiling it (${(e as Error).message}); call compile() yourself`);
    return;
  }
  let saved: { names: string[]; values: Tensor[] } | null;
  try {
    saved = readOptimizerValues(root);
  } catch (e) {
    warn(`loadModelH5: ${path}: the optimizer state was not restored (${(e as Error).message})`);
    return;
  }
  if (saved === null || saved.values.length === 0) return;
  if (kerasMajor(root) >= 3) {
    warn(`loadModelH5: ${path}: the optimizer state of a Keras ${stringAttr(root, 'keras_version')} file is laid out differently; the optimizer starts fresh`);
    return;
  }
  model.optimizer.build(model.trainableWeights);
  // By name first (tf.keras 2.11+ orders its optimizer variables differently), else by position.
  const byName = optimizerValuesByName(model.optimizer, saved.names, saved.values);
  try {
    model.optimizer.setWeights(byName ?? saved.values);
  } catch (e) {
    warn(`loadModelH5: ${path}: the optimizer state was not restored (${(e as Error).message}); the optimizer starts fresh`);
  }
}

/** Loads a Keras .h5 model (architecture, weights and, when possible, compile settings and optimizer state). */
export async function loadModelH5(path: string, options: LoadModelH5Options = {}): Promise<Model> {
  const who = 'loadModelH5';
  const compile = options.compile ?? true;
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  await checkHdf5File(path, who);
  const root = await readH5(path, who, compile ? [] : ['/optimizer_weights'], options.timeoutMs);
  const { Model: ModelClass } = await import('../../models/index.js');
  const { deserializeLayer } = await import('../../layers/registry.js');
  const model = prefixed(who, path, () => {
    const text = stringAttr(root, 'model_config');
    if (text === null) {
      if (stringListAttr(root, 'layer_names') !== null) throw new Error('the file holds weights only (saved with save_weights); build the model in code and call loadWeightsH5');
      throw new Error('no model_config attribute: not a Keras model file');
    }
    // Activation names are read as the file's Keras version defines them ('hard_sigmoid').
    const layer = withKerasVersion(stringAttr(root, 'keras_version'), () => deserializeLayer(parseModelConfig(text)));
    if (!(layer instanceof ModelClass)) throw new Error(`the model_config describes a ${layer.getClassName()}, not a model`);
    const g = weightsGroup(root);
    if (g === null) throw new Error('the file has no model_weights group');
    readModelWeights(g, layer, false);
    return layer;
  });
  if (compile) restoreTraining(model, root, path, warn);
  return model;
}
