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

export interface ModelJson {
  readonly format: 'neurite-model';
  readonly version: 1;
  readonly model_config: { class_name: string; config: ConfigDict };
  readonly weights_manifest: { readonly path: string; readonly weights: WeightEntry[] };
}

/** What a model file yields: its config and its weights in order. */
export interface ModelArtifacts {
  readonly modelConfig: { class_name: string; config: ConfigDict };
  readonly weights: Tensor[];
}

/** Where a model comes from: a path or URL, the bytes of a single-file model, or the JSON + weights pair. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array | { readonly modelJson: ModelJson | string; readonly weights: ArrayBuffer | Uint8Array };

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

function parseModelJson(text: string, source: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (json?.format !== 'neurite-model' || !json.model_config || !Array.isArray(json.weights_manifest?.weights)) {
    throw new Error(`${source}: not a Neurite model.json (expected format 'neurite-model' with model_config and weights_manifest)`);
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
export async function readModelArtifacts(source: Exclude<ModelSource, Uint8Array | ArrayBuffer> | Uint8Array, name: string): Promise<ModelArtifacts> {
  if (source instanceof Uint8Array) return fromSingleFile(source, name);
  if (typeof source === 'object' && !(source instanceof URL)) {
    const json = typeof source.modelJson === 'string' ? parseModelJson(source.modelJson, name) : source.modelJson;
    if (typeof source.modelJson !== 'string') parseModelJson(JSON.stringify(json), name);
    const bin = source.weights instanceof Uint8Array ? source.weights : new Uint8Array(source.weights);
    return { modelConfig: json.model_config, weights: weightsFromManifest(json, bin, name) };
  }
  const s = source.toString();
  if (!s.endsWith('.json')) return fromSingleFile(await readSource(s), s);
  const json = parseModelJson(new TextDecoder().decode(await readSource(s)), s);
  const binRef = json.weights_manifest.path;
  const binLocation = isUrl(s) ? new URL(binRef, s).toString() : s.replace(/[^/\\]*$/, '') + binRef;
  let bin: Uint8Array;
  try {
    bin = await readSource(binLocation);
  } catch (e) {
    throw new Error(`loadModel: ${s} refers to the weights file ${binLocation}, which cannot be read (${(e as Error).message})`);
  }
  return { modelConfig: json.model_config, weights: weightsFromManifest(json, bin, binLocation) };
}
