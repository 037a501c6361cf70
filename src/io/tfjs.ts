/**
 * TensorFlow.js layers models (what tfjs' `model.save` and the tfjs converter write):
 *
 *   model.json: { modelTopology, weightsManifest, format: 'layers-model', generatedBy, convertedBy }
 *   weightsManifest: [{ paths: ['group1-shard1of2.bin', ...], weights: [{ name, shape, dtype, quantization? }] }]
 *
 * `modelTopology` is a Keras model config with Python spellings (tfjs converts its own keys
 * and string values to snake_case when it saves): `{ class_name, config, keras_version,
 * backend }`, or, from the converter, `{ model_config: {...}, training_config, keras_version }`;
 * very old Sequential configs are a bare list of layers. The weights of a group are the
 * concatenation of its shard files, in manifest order, each weight `size × bytes` long:
 * float32 and int32 (4 bytes), or quantized as tfjs writes them: uint8/uint16 values q
 * read as q·scale + min (rounded for int32), float16 halves.
 *
 * Weight names are `layer/weight` (tfjs puts a recurrent cell's weights under the layer:
 * `lstm/kernel` where Neurite and Keras 2 say `lstm/lstm_cell/kernel`); they are matched
 * by name, the cell scope aside.
 */
import { Tensor, fetchValues } from '../tensor/tensor.js';
import type { ConfigDict, ConfigValue } from '../utils/serialization.js';
import type { SavableModel } from './model-io.js';

/** One weight of a tfjs weights manifest. */
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly quantization?: { readonly dtype: 'uint8' | 'uint16' | 'float16'; readonly scale?: number; readonly min?: number; readonly original_dtype?: string };
}

/** One group of a tfjs weights manifest: its shard files and the weights they hold, in order. */
export interface TfjsManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

/** A tfjs layers-model `model.json`. */
export interface TfjsModelJson {
  readonly modelTopology: ConfigDict;
  readonly weightsManifest: readonly TfjsManifestGroup[];
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
}

/** Options of `model.save(dir, { format: 'tfjs', ... })`. */
export interface TfjsSaveOptions {
  /** Largest shard file in bytes (tfjs' default: 4 MiB). */
  readonly shardSizeBytes?: number;
  /** Store float32 weights as uint8 or uint16 (q·scale + min) or float16, as tfjs-converter's quantization does. */
  readonly quantize?: 'uint8' | 'uint16' | 'float16' | null;
}

const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
const VALUE_BYTES = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 } as const;

function isDict(v: unknown): v is ConfigDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether parsed JSON is a tfjs layers model (it has a modelTopology and a weightsManifest). */
export function isTfjsModelJson(json: unknown): json is TfjsModelJson {
  return isDict(json) && 'modelTopology' in json && 'weightsManifest' in json;
}

/** The Keras model config inside a tfjs modelTopology, with the Keras version that wrote it. */
export function tfjsTopology(json: TfjsModelJson, source: string): { config: ConfigDict; kerasVersion: string | null } {
  const topology = json.modelTopology as ConfigValue;
  if (!isDict(topology)) throw new Error(`${source}: modelTopology must be an object (a Keras model config); got ${JSON.stringify(topology)?.slice(0, 100)}`);
  const version = typeof topology.keras_version === 'string' ? topology.keras_version : null;
  // The converter nests the model under model_config (beside training_config).
  const inner = isDict(topology.model_config) ? topology.model_config : topology;
  if (typeof inner.class_name !== 'string') throw new Error(`${source}: modelTopology has no class_name (not a layers model; a tfjs graph model needs the TensorFlow.js converter's graph runtime, which Neurite does not provide)`);
  return { config: { class_name: inner.class_name, config: inner.config ?? null }, kerasVersion: version };
}

/** Checks the manifest's structure, naming what is wrong. */
function checkManifest(json: TfjsModelJson, source: string): void {
  const groups = json.weightsManifest as unknown;
  if (!Array.isArray(groups)) throw new Error(`${source}: weightsManifest must be a list of { paths, weights } groups`);
  groups.forEach((group: unknown, gi) => {
    const g = group as { paths?: unknown; weights?: unknown } | null;
    if (g === null || typeof g !== 'object' || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw new Error(`${source}: weightsManifest[${gi}] must be { paths: string[], weights: [...] }`);
    }
    g.weights.forEach((weight: unknown, wi) => {
      const bad = (what: string): never => {
        throw new Error(`${source}: weightsManifest[${gi}].weights[${wi}] ${what}; got ${JSON.stringify(weight)?.slice(0, 200)}`);
      };
      const w = weight as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown } | null;
      if (w === null || typeof w !== 'object' || typeof w.name !== 'string') return bad('needs a string name');
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) bad('needs a shape of non-negative integers');
      if (w.dtype !== 'float32' && w.dtype !== 'int32') bad(`has dtype ${JSON.stringify(w.dtype)}; Neurite reads float32 and int32 weights`);
      const q = w.quantization as { dtype?: unknown; scale?: unknown; min?: unknown } | undefined | null;
      if (q !== undefined) {
        if (q === null || typeof q !== 'object' || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) return bad("has a quantization other than 'uint8', 'uint16' or 'float16'");
        if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number')) bad(`is quantized to ${String(q.dtype)} without its scale and min`);
        if (q.dtype === 'float16' && w.dtype !== 'float32') bad('is int32 quantized to float16 (tfjs allows float16 for float32 only)');
      }
    });
  });
}

/** float16 bits → float32 value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 value → float16 bits, rounded to nearest even (overflow to ±Infinity). */
function floatToHalf(v: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = v;
  const x = u[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

/** One weight's values from its bytes (dequantized as tfjs does). */
function decodeWeight(spec: TfjsWeightSpec, bytes: Uint8Array): Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  const q = spec.quantization;
  if (q === undefined) {
    return new Tensor(spec.dtype === 'int32' ? new Int32Array(copy.buffer, 0, size) : new Float32Array(copy.buffer, 0, size), spec.shape);
  }
  if (q.dtype === 'float16') {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    return new Tensor(out, spec.shape);
  }
  const scale = q.scale as number;
  const min = q.min as number;
  const out = spec.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = (q.dtype === 'uint8' ? copy[i] : view.getUint16(2 * i, true)) * scale + min;
    out[i] = spec.dtype === 'int32' ? Math.round(v) : v;
  }
  return new Tensor(out, spec.shape);
}

/** Bytes of one weight in its file. */
function weightBytes(spec: TfjsWeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1) * VALUE_BYTES[spec.quantization?.dtype ?? spec.dtype];
}

/**
 * Every weight of the manifest, by name, from each group's shard bytes (`shards(group)`
 * gives the files of the group, in its `paths` order).
 */
export async function readTfjsWeights(json: TfjsModelJson, shards: (paths: readonly string[], group: number) => Promise<Uint8Array[]>, source: string): Promise<Map<string, Tensor>> {
  checkManifest(json, source);
  const out = new Map<string, Tensor>();
  for (const [gi, group] of json.weightsManifest.entries()) {
    const files = await shards(group.paths, gi);
    const total = files.reduce((a, f) => a + f.length, 0);
    const need = group.weights.reduce((a, w) => a + weightBytes(w), 0);
    if (total !== need) {
      throw new Error(`${source}: weight group ${gi + 1} (${group.paths.join(', ')}) holds ${total} bytes but its ${group.weights.length} weights take ${need}`);
    }
    const all = files.length === 1 ? files[0] : concat(files, total);
    let offset = 0;
    for (const w of group.weights) {
      const n = weightBytes(w);
      out.set(w.name, decodeWeight(w, all.subarray(offset, offset + n)));
      offset += n;
    }
  }
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A weight name as tfjs writes it: a recurrent cell's scope (`…/lstm_cell/…`) left out. */
export function tfjsWeightName(name: string): string {
  const parts = name.split('/');
  return parts.filter((p, i) => i === 0 || i === parts.length - 1 || !/_cell(_\d+)?$/.test(p)).join('/');
}

/**
 * The model's weights in its order from a tfjs manifest's named arrays: by name (the cell
 * scope aside), shapes checked; the names a model lacks or a file lacks are listed.
 */
export function matchTfjsWeights(modelWeights: readonly { name: string; shape: readonly number[] }[], named: ReadonlyMap<string, Tensor>, source: string): Tensor[] {
  const byName = new Map<string, Tensor>();
  for (const [k, t] of named) byName.set(tfjsWeightName(k), t);
  const missing = modelWeights.filter((w) => !byName.has(tfjsWeightName(w.name)));
  if (missing.length > 0) {
    throw new Error(`${source}: the weights manifest has no ${missing.map((w) => `'${tfjsWeightName(w.name)}'`).join(', ')} (it holds ${[...named.keys()].map((k) => `'${k}'`).join(', ')})`);
  }
  return modelWeights.map((w) => {
    const t = byName.get(tfjsWeightName(w.name)) as Tensor;
    if (t.shape.join(',') !== w.shape.join(',')) throw new Error(`${source}: weight '${tfjsWeightName(w.name)}' has shape [${t.shape.join(', ')}] in the file but [${w.shape.join(', ')}] in the model`);
    return t;
  });
}

/** Quantizes float32 values as tfjs-converter does: an affine uint range whose min is nudged so that 0 is exact. */
function quantize(values: Float32Array, dtype: 'uint8' | 'uint16'): { bytes: Uint8Array; scale: number; min: number } {
  const top = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) lo = hi = 0;
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  const scale = hi > lo ? (hi - lo) / top : 1;
  const min = -Math.round(-lo / scale) * scale;
  const bytes = new Uint8Array(values.length * (dtype === 'uint8' ? 1 : 2));
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const q = Math.min(top, Math.max(0, Math.round((v - min) / scale)));
    if (dtype === 'uint8') bytes[i] = q;
    else view.setUint16(2 * i, q, true);
  });
  return { bytes, scale, min };
}

/** What `model.save(dir, { format: 'tfjs' })` writes: model.json and its shard files. */
export async function encodeTfjs(model: SavableModel & { readonly layers?: readonly { getClassName(): string; getConfig(): ConfigDict }[] }, options: TfjsSaveOptions = {}): Promise<{ modelJson: TfjsModelJson; shards: { name: string; bytes: Uint8Array }[] }> {
  const shardBytes = options.shardSizeBytes ?? DEFAULT_SHARD_BYTES;
  if (!(Number.isSafeInteger(shardBytes) && shardBytes > 0)) throw new RangeError(`save (tfjs): shardSizeBytes must be a positive integer; got ${shardBytes}`);
  const quant = options.quantize ?? null;
  if (quant !== null && quant !== 'uint8' && quant !== 'uint16' && quant !== 'float16') throw new RangeError(`save (tfjs): quantize must be 'uint8', 'uint16' or 'float16'; got ${String(quant)}`);
  for (const layer of model.layers ?? []) {
    if (layer.getClassName() === 'GRU' && layer.getConfig().reset_after !== false) {
      throw new Error(`save (tfjs): TensorFlow.js' GRU has no reset_after (it computes Keras' reset_after=False); this model's GRU uses resetAfter: true`);
    }
  }
  await fetchValues(model.weights as Tensor[]);
  const specs: TfjsWeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of model.weights) {
    const data = w.dataSync();
    const base = { name: tfjsWeightName(w.name), shape: [...w.shape], dtype: w.dtype as 'float32' | 'int32' };
    if (quant === null || w.dtype !== 'float32') {
      specs.push(base);
      chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    } else if (quant === 'float16') {
      const bytes = new Uint8Array(data.length * 2);
      const view = new DataView(bytes.buffer);
      data.forEach((v, i) => view.setUint16(2 * i, floatToHalf(v), true));
      specs.push({ ...base, quantization: { dtype: 'float16' } });
      chunks.push(bytes);
    } else {
      const { bytes, scale, min } = quantize(data as Float32Array, quant);
      specs.push({ ...base, quantization: { dtype: quant, scale, min } });
      chunks.push(bytes);
    }
  }
  const all = concat(chunks, chunks.reduce((a, c) => a + c.length, 0));
  const count = Math.max(1, Math.ceil(all.length / shardBytes));
  const shards = Array.from({ length: count }, (_, i) => ({ name: `group1-shard${i + 1}of${count}.bin`, bytes: all.slice(i * shardBytes, Math.min(all.length, (i + 1) * shardBytes)) }));
  const className = model.getClassName() === 'Sequential' ? 'Sequential' : 'Model';
  return {
    modelJson: {
      modelTopology: { class_name: className, config: model.getConfig(), keras_version: 'neurite 0.1.0 (Keras 2 config)', backend: 'neurite' },
      weightsManifest: [{ paths: shards.map((s) => s.name), weights: specs }],
      format: 'layers-model',
      generatedBy: 'neurite 0.1.0',
      convertedBy: null,
    },
    shards,
  };
}

/**
 * Writes a TensorFlow.js layers model: `path` is a directory (model.json and the shards go
 * in it, created if needed) or a `.json` file (the shards beside it). Shards first, then
 * model.json, each atomically: a model.json never names a shard that is not there.
 */
export async function saveTfjs(model: Parameters<typeof encodeTfjs>[0], path: string, options: TfjsSaveOptions = {}): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { join, dirname } = await import('node:path');
  const { writeFileAtomic } = await import('./weights-format.js');
  const jsonPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(jsonPath);
  await mkdir(dir, { recursive: true });
  const { modelJson, shards } = await encodeTfjs(model, options);
  for (const s of shards) await writeFileAtomic(join(dir, s.name), s.bytes);
  await writeFileAtomic(jsonPath, new TextEncoder().encode(JSON.stringify(modelJson)));
}
