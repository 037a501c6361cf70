import { readModelArtifacts, type ModelSource } from '../io/model-json.js';
import { loadModelH5, type LoadModelH5Options } from '../io/h5/index.js';
import { deserializeLayer } from '../layers/registry.js';
import type { ConfigDict, Serialized } from '../utils/serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeLayer } from '../io/h5/keras-config.js';
import { matchTfjsWeights } from '../io/tfjs.js';
import { applyKeras3Assets, loadKeras3WeightBytes, readKerasArchive, restoreKeras3Training } from '../io/keras3.js';
import { isZip } from '../io/zip.js';
import { browserStorageUrl, loadFromBrowser, readPickedFiles, type PickedFile } from '../io/browser-storage.js';
import { readFileBytes } from '../io/weights-format.js';
import { withKerasVersion } from '../activations/activations.js';
import { Model } from './model.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function isHdf5Bytes(b: Uint8Array): boolean {
  return b.length >= 8 && HDF5_SIGNATURE.every((v, i) => b[i] === v);
}

/** Keras .h5 bytes (fetched or in memory): loaded through a temporary file (Node). */
async function loadH5Bytes(bytes: Uint8Array, options: LoadModelH5Options): Promise<Model> {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'neurite-h5-'));
  try {
    await writeFile(join(dir, 'model.h5'), bytes);
    return await loadModelH5(join(dir, 'model.h5'), options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describe(source: ModelSource): string {
  if (typeof source === 'string' || source instanceof URL) return source.toString();
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return `model bytes (${source.byteLength} bytes)`;
  if (isPicked(source)) return `picked files (${Array.from(source as ArrayLike<PickedFile>, (f) => f.name).join(', ')})`;
  return 'model.json + weights';
}

/** Files the user picked: a FileList or an array of File-like objects. */
function isPicked(source: ModelSource): source is readonly PickedFile[] | FileList {
  const list = source as unknown as ArrayLike<unknown> & { item?: unknown };
  if (typeof list !== 'object' || list === null || typeof list.length !== 'number' || source instanceof Uint8Array || source instanceof ArrayBuffer) return false;
  const first = list.length > 0 ? (list[0] as { arrayBuffer?: unknown; name?: unknown }) : null;
  return (Array.isArray(source) || typeof list.item === 'function') && (first === null || (typeof first.arrayBuffer === 'function' && typeof first.name === 'string'));
}

/**
 * Loads a model saved by `model.save(...)` or by Keras: a Keras `.h5`/`.hdf5` file (path, URL
 * or bytes; `options` apply to it), or from a path or URL (a `.json` model with its
 * weights file beside it, or a single-file `.nw` model), from the bytes of a single-file model
 * (ArrayBuffer/Uint8Array), or from `{ modelJson, weights }`. The architecture comes from the
 * Keras config (classes must be registered; nothing is executed), then the weights.
 */
/** A Keras 3 .keras archive: config (read with the file's Keras version) and weights. */
async function loadKerasArchive(bytes: Uint8Array, name: string, options: LoadModelH5Options): Promise<Model> {
  const { config, raw, kerasVersion, weights, assets } = await readKerasArchive(bytes, name);
  const layer = withKerasVersion(kerasVersion ?? '3', () => deserializeLayer(config));
  if (!(layer instanceof Model)) throw new Error(`loadModel: ${name} describes a ${config.class_name}, not a model`);
  if (weights === null) throw new Error(`loadModel: ${name} has no model.weights.h5`);
  const root = await loadKeras3WeightBytes(layer, weights, name);
  applyKeras3Assets(layer.layers, assets);
  if (options.compile ?? true) restoreKeras3Training(layer, raw, root, name, options.onWarning ?? ((m: string) => console.warn(m)));
  return layer;
}

export async function loadModel(source: ModelSource, options: LoadModelH5Options = {}): Promise<Model> {
  const name = describe(source);
  if (typeof source === 'string' && browserStorageUrl(source) !== null) return loadModel(await loadFromBrowser(source), options);
  if (isPicked(source)) {
    const picked = await readPickedFiles(Array.from(source as ArrayLike<PickedFile>));
    return loadModel(picked instanceof Uint8Array ? picked : { modelJson: picked.modelJson, weights: picked.weights }, options);
  }
  if ((typeof source === 'string' || source instanceof URL) && /\.keras$/i.test(source.toString())) {
    const s = source.toString();
    const bytes = /^https?:/i.test(s) ? new Uint8Array(await (await fetch(s)).arrayBuffer()) : await readFileBytes(source instanceof URL || s.startsWith('file:') ? (await import('node:url')).fileURLToPath(source) : s);
    if (!isZip(bytes)) throw new Error(`loadModel: ${name} is not a ZIP archive, so not a Keras 3 .keras file`);
    return loadKerasArchive(bytes, name, options);
  }
  if ((source instanceof Uint8Array || source instanceof ArrayBuffer) && isZip(source instanceof Uint8Array ? source : new Uint8Array(source))) {
    return loadKerasArchive(source instanceof Uint8Array ? source : new Uint8Array(source), name, options);
  }
  if ((typeof source === 'string' || source instanceof URL) && /\.(h5|hdf5)$/i.test(source.toString()) && !/^https?:/i.test(source.toString())) {
    const path = source instanceof URL || source.startsWith('file:') ? (await import('node:url')).fileURLToPath(source) : source;
    return loadModelH5(path, options);
  }
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  if (bytes instanceof Uint8Array && isHdf5Bytes(bytes)) return loadH5Bytes(bytes, options);
  if ((typeof source === 'string' || source instanceof URL) && /\.(h5|hdf5)$/i.test(source.toString())) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`loadModel: fetching ${name} failed with HTTP ${res.status} ${res.statusText}`);
    return loadH5Bytes(new Uint8Array(await res.arrayBuffer()), options);
  }
  const { modelConfig, weights, kerasVersion } = await readModelArtifacts(bytes, name);
  // TensorFlow.js topologies are Keras configs with Python spellings (Keras 2 and 3 forms): normalized as .h5 configs are.
  const tfjs = !Array.isArray(weights);
  const layer = withKerasVersion(kerasVersion ?? null, () => deserializeLayer(tfjs ? normalizeLayer(modelConfig as unknown as ConfigDict) : (modelConfig as Serialized)));
  if (!(layer instanceof Model)) throw new Error(`loadModel: ${name} describes a ${modelConfig.class_name}, not a model`);
  layer.setWeights(Array.isArray(weights) ? weights : matchTfjsWeights(layer.weights, weights as ReadonlyMap<string, Tensor>, name));
  return layer;
}
