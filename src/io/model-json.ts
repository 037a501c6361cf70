/**
 * Neurite's web format: `model.json` (the Keras model config + a weights manifest) beside one
 * binary file of raw little-endian arrays (`model.weights.bin`). Loadable from a path, a URL
 * (fetch; the browser's path) or in-memory buffers.
 *
 * model.json: { format: 'neurite-model', version: 1, model_config: { class_name, config },
 *               weights_manifest: { path: 'model.weights.bin', weights: [{ name, shape, dtype, offset, byteLength }] } }
 */
import { Tensor, fetchValues } from '../tensor/tensor.js';
import type { ConfigDict } from '../utils/serialization.js';
import type { SavableModel } from './model-io.js';
import { decodeWeights, readFileBytes, writeFileAtomic, type WeightEntry } from './weights-format.js';
import { isTfjsModelJson, readTfjsWeights, tfjsTopology, type TfjsModelJson } from './tfjs.js';
import type { PickedFile } from './browser-storage.js';

export interface ModelJson {
  readonly format: 'neurite-model';
  readonly version: 1;
  readonly model_config: { class_name: string; config: ConfigDict };
  readonly weights_manifest: { readonly path: string; readonly weights: WeightEntry[] };
}

/**
 * What a model file yields: its config and its weights in order, or (TensorFlow.js files)
 * its weights by name, matched to the built model's weights by the loader.
 */
export interface ModelArtifacts {
  readonly modelConfig: { class_name: string; config: ConfigDict };
  readonly weights: Tensor[] | ReadonlyMap<string, Tensor>;
  /** The keras_version the config was written with (read for version-dependent names). */
  readonly kerasVersion?: string | null;
}

/**
 * Where a model comes from: a path or URL, the bytes of a single-file model, or a model.json
 * (Neurite's or TensorFlow.js') with its weights: the bytes of the weights file, or for a
 * tfjs manifest its shard files in manifest order (or their concatenation).
 */
export type ModelSource =
  | string
  | URL
  | ArrayBuffer
  | Uint8Array
  | { readonly modelJson: ModelJson | TfjsModelJson | string; readonly weights: ArrayBuffer | Uint8Array | readonly (ArrayBuffer | Uint8Array)[] }
  /** Files the user picked (an <input type="file" multiple>'s FileList or File[]): a model.json and its weights, or one model file. */
  | readonly PickedFile[]
  | FileList;

function baseName(path: string): string {
  return path.replace(/\\/g, '/').split('/').pop() as string;
}

/** Writes `path` (.json) and the weights file beside it (same name, `.weights.bin`), each atomically. */
export async function saveModelJson(model: SavableModel, path: string): Promise<void> {
  if (!path.endsWith('.json')) throw new Error(`saveModelJson: the path must end in .json; got ${path}`);
  const binPath = path.replace(/\.json$/, '.weights.bin');
  await fetchValues(model.weights as Tensor[]);
  let offset = 0;
  const weights: WeightEntry[] = model.weights.map((w) => {
    const e = { name: w.name, shape: [...w.shape], dtype: w.dtype, offset, byteLength: w.size * 4 };
    offset += e.byteLength;
    return e;
  });
  const bin = new Uint8Array(offset);
  model.weights.forEach((w, i) => {
    const d = w.dataSync();
    bin.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), weights[i].offset);
  });
  const json: ModelJson = {
    format: 'neurite-model',
    version: 1,
    model_config: { class_name: model.getClassName(), config: model.getConfig() },
    weights_manifest: { path: baseName(binPath), weights },
  };
  // Weights first: a model.json never points at a weights file that is not there yet.
  await writeFileAtomic(binPath, bin);
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(json, null, 1)));
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
}

function parseModelJson(value: unknown, source: string): ModelJson {
  const json = value as ModelJson;
  if (json?.format !== 'neurite-model' || !json.model_config || !Array.isArray(json.weights_manifest?.weights)) {
    throw new Error(`${source}: not a Neurite model.json (format 'neurite-model' with model_config and weights_manifest), and not a TensorFlow.js layers model (modelTopology and weightsManifest)`);
  }
  checkModelJson(json, source);
  return json;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Checks the types of model_config and of every weights manifest entry (a damaged or hand-edited file). */
function checkModelJson(json: ModelJson, source: string): void {
  const mc = json.model_config as unknown as Record<string, unknown>;
  if (typeof mc !== 'object' || Array.isArray(mc) || typeof mc.class_name !== 'string' || typeof mc.config !== 'object' || mc.config === null || Array.isArray(mc.config)) {
    throw new Error(`${source}: model_config must be { class_name: string, config: object }`);
  }
  const path = json.weights_manifest.path;
  if (typeof path !== 'string' || path.length === 0) throw new Error(`${source}: weights_manifest.path must be the name of the weights file; got ${JSON.stringify(path)}`);
  json.weights_manifest.weights.forEach((w: unknown, i) => {
    const e = w as Record<string, unknown> | null;
    const bad = (what: string): never => {
      throw new Error(`${source}: weights_manifest.weights[${i}] ${what}; got ${JSON.stringify(w)?.slice(0, 200)}`);
    };
    if (e === null || typeof e !== 'object' || Array.isArray(e)) bad('must be an object');
    if (typeof e!.name !== 'string') bad('needs a string name');
    if (!Array.isArray(e!.shape) || !(e!.shape as unknown[]).every(isCount)) bad('needs a shape of non-negative integers');
    if (e!.dtype !== 'float32' && e!.dtype !== 'int32') bad("needs dtype 'float32' or 'int32'");
    if (!isCount(e!.offset) || !isCount(e!.byteLength)) bad('needs non-negative integer offset and byteLength');
  });
}

/** The arrays of a weights manifest from the raw bytes of its binary file. */
export function weightsFromManifest(json: ModelJson, bin: Uint8Array, source: string): Tensor[] {
  return json.weights_manifest.weights.map((w) => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.byteLength !== size * 4 || w.offset < 0 || w.offset + w.byteLength > bin.length) {
      throw new Error(`${source}: weight '${w.name}' (shape [${w.shape.join(', ')}], bytes ${w.offset}..${w.offset + w.byteLength}) does not fit the ${bin.length}-byte weights file`);
    }
    const copy = new Uint8Array(bin.subarray(w.offset, w.offset + w.byteLength));
    return new Tensor(w.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer), w.shape);
  });
}

function isUrl(s: string): boolean {
  return /^(https?|file|data|blob):/i.test(s);
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith('file:')) {
    const { fileURLToPath } = await import('node:url');
    return readFileBytes(fileURLToPath(url));
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`loadModel: cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`loadModel: fetching ${url} failed with HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function readSource(s: string): Promise<Uint8Array> {
  return isUrl(s) ? fetchBytes(s) : readFileBytes(s);
}

function fromSingleFile(bytes: Uint8Array, source: string): ModelArtifacts {
  const { header, tensors } = decodeWeights(bytes, source);
  const modelConfig = header.model_config as ModelArtifacts['modelConfig'] | undefined;
  if (!modelConfig) throw new Error(`loadModel: ${source} holds weights only (saved with saveWeights); build the model in code and call loadWeights`);
  return { modelConfig, weights: header.weights.map((e) => tensors.get(e.name) as Tensor) };
}

/**
 * Reads a Neurite model from any source: a `.json` path or URL (its weights file is found
 * beside it), a single-file model (path, URL or bytes), or `{ modelJson, weights }`.
 * HDF5 is handled by the caller.
 */
export async function readModelArtifacts(source: Exclude<ModelSource, Uint8Array | ArrayBuffer | readonly PickedFile[] | FileList> | Uint8Array, name: string): Promise<ModelArtifacts> {
  if (source instanceof Uint8Array) return fromSingleFile(source, name);
  if (typeof source === 'object' && !(source instanceof URL)) {
    const json = typeof source.modelJson === 'string' ? parseJson(source.modelJson, name) : source.modelJson;
    const parts = (Array.isArray(source.weights) ? source.weights : [source.weights]) as (ArrayBuffer | Uint8Array)[];
    const buffers = parts.map((b) => (b instanceof Uint8Array ? b : new Uint8Array(b)));
    if (isTfjsModelJson(json)) return tfjsArtifacts(json, name, async (paths, group) => (buffers.length === 1 ? [groupSlice(json, buffers[0], group)] : buffers.splice(0, paths.length)));
    const model = parseModelJson(JSON.parse(JSON.stringify(json)), name);
    if (buffers.length !== 1) throw new Error(`${name}: a Neurite model.json has one weights file; got ${buffers.length} buffers`);
    return { modelConfig: model.model_config, weights: weightsFromManifest(model, buffers[0], name) };
  }
  const s = source.toString();
  if (!s.endsWith('.json')) return fromSingleFile(await readSource(s), s);
  const value = parseJson(new TextDecoder().decode(await readSource(s)), s);
  const beside = (ref: string): string => (isUrl(s) ? new URL(ref, s).toString() : s.replace(/[^/\\]*$/, '') + ref.replace(/^\.\//, ''));
  if (isTfjsModelJson(value)) {
    return tfjsArtifacts(value, s, async (paths) =>
      Promise.all(
        paths.map(async (p) => {
          try {
            return await readSource(beside(p));
          } catch (e) {
            throw new Error(`loadModel: ${s} refers to the weights file ${beside(p)}, which cannot be read (${(e as Error).message})`);
          }
        }),
      ),
    );
  }
  const json = parseModelJson(value, s);
  const binLocation = beside(json.weights_manifest.path);
  let bin: Uint8Array;
  try {
    bin = await readSource(binLocation);
  } catch (e) {
    throw new Error(`loadModel: ${s} refers to the weights file ${binLocation}, which cannot be read (${(e as Error).message})`);
  }
  return { modelConfig: json.model_config, weights: weightsFromManifest(json, bin, binLocation) };
}

/** The bytes of weight group `group` inside the concatenation of every group's shards. */
function groupSlice(json: TfjsModelJson, all: Uint8Array, group: number): Uint8Array {
  const size = (g: number): number =>
    json.weightsManifest[g].weights.reduce((a, w) => a + w.shape.reduce((p, d) => p * d, 1) * (w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4), 0);
  let start = 0;
  for (let g = 0; g < group; g++) start += size(g);
  return all.subarray(start, start + size(group));
}

async function tfjsArtifacts(json: TfjsModelJson, source: string, shards: (paths: readonly string[], group: number) => Promise<Uint8Array[]>): Promise<ModelArtifacts> {
  const { config, kerasVersion } = tfjsTopology(json, source);
  return { modelConfig: config as ModelArtifacts['modelConfig'], weights: await readTfjsWeights(json, shards, source), kerasVersion };
}
