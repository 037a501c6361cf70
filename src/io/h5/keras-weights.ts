/**
 * Keras' HDF5 weight layout, both ways. A weights group (the file root for save_weights,
 * `model_weights` in a saved model) has attributes `layer_names`, `backend` and
 * `keras_version`, and one group per layer with attribute `weight_names` (['dense/kernel:0',
 * 'dense/bias:0']) and one dataset per weight at that relative path. Reading follows
 * Keras: the layers of the file that hold weights are matched, in order, with the model's
 * layers that have weights (or by name, on request); weights inside a layer in order.
 * Optimizer state lives in `optimizer_weights` with its own `weight_names`.
 */
import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { formatShape } from '../../tensor/shape.js';
import type { Layer } from '../../layers/layer.js';
import type { Optimizer } from '../../optimizers/index.js';
import type { H5Array, H5AttrValue, H5Dataset, H5Group, H5WriteOp } from './protocol.js';

/** The Keras version written into files: the tf.keras 2 layout written here is that of 2.10 (optimizer state included). */
export const KERAS_VERSION = '2.10.0';
export const BACKEND = 'tensorflow';

/** What reading and writing weights needs from a model. */
export interface WeightedModel {
  readonly name: string;
  readonly layers: Layer[];
  readonly weights: Variable[];
  readonly trainableWeights: Variable[];
}

// ---- writing --------------------------------------------------------------------------

/** Collects write operations, creating each group once (parents first). */
export class OpList {
  readonly ops: H5WriteOp[] = [];
  private readonly groups = new Set<string>(['/']);

  group(path: string): void {
    if (this.groups.has(path)) return;
    const parent = path.slice(0, Math.max(path.lastIndexOf('/'), 1));
    this.group(parent);
    this.groups.add(path);
    this.ops.push({ op: 'group', path });
  }

  attr(path: string, name: string, value: string | readonly string[]): void {
    this.ops.push(typeof value !== 'string' && value.length === 0 ? { op: 'empty-attr', path, name } : { op: 'attr', path, name, value });
  }

  dataset(path: string, tensor: Tensor | BigInt64Array): void {
    this.group(path.slice(0, path.lastIndexOf('/')) || '/');
    if (tensor instanceof BigInt64Array) {
      this.ops.push({ op: 'dataset', path, shape: [], data: tensor });
      return;
    }
    // An own copy: tensor storage may be shared, and the copy is moved to the worker.
    const values = tensor.dataSync();
    const data = values instanceof Int32Array ? new Int32Array(values) : new Float32Array(values);
    this.ops.push({ op: 'dataset', path, shape: [...tensor.shape], data });
  }
}

/** 'dense/kernel' → 'dense/kernel:0' (TensorFlow's variable names, which Keras 2 writes). */
export function tfName(name: string): string {
  return /:\d+$/.test(name) ? name : `${name}:0`;
}

function checkName(name: string, what: string): void {
  if (name.length === 0 || name === '.' || name.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`${what} '${name}' cannot be an HDF5 path (empty parts, '.' or '..')`);
  }
}

/** Writes `model`'s weights as Keras' weights group at `base` ('/' or '/model_weights'). */
export function writeModelWeights(list: OpList, base: string, model: WeightedModel): void {
  const at = (p: string): string => (base === '/' ? `/${p}` : `${base}/${p}`);
  list.group(base);
  const layers = model.layers;
  list.attr(base, 'layer_names', layers.map((l) => l.name));
  list.attr(base, 'backend', BACKEND);
  list.attr(base, 'keras_version', KERAS_VERSION);
  const seen = new Set<string>();
  for (const layer of [...layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    checkName(layer.name, 'layer name');
    if (seen.has(layer.name)) throw new Error(`two layers are named '${layer.name}'; Keras files need unique layer names`);
    seen.add(layer.name);
    list.group(at(layer.name));
    const names = layer.weights.map((w) => tfName(w.name));
    list.attr(at(layer.name), 'weight_names', names);
    layer.weights.forEach((w, i) => {
      checkName(names[i], `weight name (layer ${layer.name})`);
      list.dataset(`${at(layer.name)}/${names[i]}`, w);
    });
  }
}

/** Writes the optimizer state (tf.keras 2 order: iterations, extra scalars, then slots) as `optimizer_weights`. */
export function writeOptimizerWeights(list: OpList, optimizer: Optimizer, values: readonly Tensor[] = optimizer.getWeights()): boolean {
  const slots = optimizer.variables();
  if (slots.length === 0 && optimizer.realIterations === 0) return false;
  const extra = values.length - 1 - slots.length;
  const names = [
    `${optimizer.name}/iter:0`,
    ...Array.from({ length: extra }, (_, i) => (extra === 1 ? `${optimizer.name}/momentum_cache:0` : `${optimizer.name}/extra_${i}:0`)),
    ...slots.map((s) => tfName(s.name)),
  ];
  list.group('/optimizer_weights');
  list.attr('/optimizer_weights', 'weight_names', names);
  names.forEach((name, i) => {
    checkName(name, 'optimizer weight name');
    list.dataset(`/optimizer_weights/${name}`, i === 0 ? new BigInt64Array([BigInt(optimizer.realIterations)]) : values[i]);
  });
  return true;
}

// ---- reading --------------------------------------------------------------------------

/** A string attribute (null if absent or not a string). */
export function stringAttr(g: H5Group, name: string): string | null {
  const v = g.attrs[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return null;
}

/** A list-of-strings attribute, also when Keras split it into `name0`, `name1`, … (null if absent). */
export function stringListAttr(g: H5Group, name: string): string[] | null {
  const flat = (v: H5AttrValue): string[] => (Array.isArray(v) ? v.flatMap(flat) : [String(v)]);
  if (name in g.attrs) {
    const v = g.attrs[name];
    return typeof v === 'string' ? [v] : flat(v);
  }
  if (!(`${name}0` in g.attrs)) return null;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in g.attrs; i++) out.push(...flat(g.attrs[`${name}${i}`]));
  return out;
}

/** The member at a relative path ('dense/kernel:0'), or null. */
export function member(g: H5Group, path: string): H5Group | H5Dataset | null {
  let node: H5Group | H5Dataset = g;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    if (node.kind !== 'group') return null;
    const next: H5Group | H5Dataset | undefined = node.children.get(part);
    if (next === undefined) return null;
    node = next;
  }
  return node;
}

function toFloat32(data: H5Array): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** A dataset's values as a float32 tensor (int32 when `int`). */
export function datasetTensor(ds: H5Dataset, where: string, int = false): Tensor {
  if (ds.data === null) throw new Error(`${where} is not a numeric dataset (${ds.dtype})`);
  const data = int ? Int32Array.from(ds.data as ArrayLike<number | bigint>, (x) => Number(x)) : toFloat32(ds.data);
  return new Tensor(data, ds.shape);
}

/** One layer's saved weights: names as in the file, values in that order. */
interface SavedLayer {
  readonly names: string[];
  readonly values: Tensor[];
}

/** The weight arrays of one layer group, in its `weight_names` order. */
function layerValues(g: H5Group, layerName: string): SavedLayer {
  const names = stringListAttr(g, 'weight_names') ?? [];
  const values = names.map((n) => {
    const ds = member(g, n);
    if (ds === null || ds.kind !== 'dataset') throw new Error(`layer '${layerName}' lists weight '${n}' but the file has no such dataset`);
    return datasetTensor(ds, `weight '${n}' of layer '${layerName}'`);
  });
  return { names, values };
}

/** The weights group of a file: `model_weights` for a saved model, the root for save_weights. */
export function weightsGroup(root: H5Group): H5Group | null {
  const mw = root.children.get('model_weights');
  if (mw?.kind === 'group') return mw;
  return stringListAttr(root, 'layer_names') !== null ? root : null;
}

/** Why `saved` does not fit `layer` (null when it does). */
function mismatch(layer: Layer, fileLayer: string, saved: SavedLayer): string | null {
  const ws = layer.weights;
  if (saved.values.length !== ws.length) {
    return `layer '${layer.name}' (${layer.getClassName()}) has ${ws.length} weights (${ws.map((w) => w.name).join(', ')}) but layer '${fileLayer}' in the file has ${saved.values.length} (${saved.names.join(', ')})`;
  }
  const i = saved.values.findIndex((v, k) => v.shape.join(',') !== ws[k].shape.join(','));
  if (i < 0) return null;
  return `layer '${layer.name}' (${layer.getClassName()}): weight '${ws[i].name}' has shape ${formatShape(ws[i].shape)} in the model but '${saved.names[i]}' has shape ${formatShape(saved.values[i].shape)} in the file (layer '${fileLayer}')`;
}

function assignLayer(layer: Layer, saved: SavedLayer): void {
  layer.weights.forEach((w, i) => {
    const v = saved.values[i];
    w.assign(w.dtype === 'int32' ? new Tensor(Int32Array.from(v.dataSync()), v.shape) : v);
  });
}

/** Loads a Keras weights group into `model`: by layer order (Keras' default) or by layer name. */
export function readModelWeights(g: H5Group, model: WeightedModel, byName: boolean): void {
  const fileLayers = (stringListAttr(g, 'layer_names') ?? []).map((name) => {
    const lg = member(g, name);
    if (lg === null || lg.kind !== 'group') throw new Error(`layer_names lists '${name}' but the file has no group of that name`);
    return { name, group: lg };
  });
  const withWeights = fileLayers.filter((l) => (stringListAttr(l.group, 'weight_names') ?? []).length > 0);
  const modelLayers = model.layers.filter((l) => l.weights.length > 0);
  // Validate everything before assigning anything: a failed load leaves the model as it was.
  const plan: { layer: Layer; fileLayer: string; saved: SavedLayer }[] = [];
  if (byName) {
    for (const l of withWeights) {
      const layer = modelLayers.find((m) => m.name === l.name);
      if (layer) plan.push({ layer, fileLayer: l.name, saved: layerValues(l.group, l.name) });
    }
  } else {
    if (withWeights.length !== modelLayers.length) {
      throw new Error(`the model has ${modelLayers.length} layers with weights (${modelLayers.map((l) => l.name).join(', ')}) but the file has ${withWeights.length} (${withWeights.map((l) => l.name).join(', ')})`);
    }
    withWeights.forEach((l, i) => plan.push({ layer: modelLayers[i], fileLayer: l.name, saved: layerValues(l.group, l.name) }));
  }
  const top = g.children.get('top_level_model_weights');
  if (top?.kind === 'group' && (stringListAttr(top, 'weight_names') ?? []).length > 0) {
    throw new Error(`the file holds top-level model weights (${(stringListAttr(top, 'weight_names') ?? []).join(', ')}), which Neurite models do not have`);
  }
  for (const p of plan) {
    const problem = mismatch(p.layer, p.fileLayer, p.saved);
    if (problem !== null) throw new Error(problem);
  }
  for (const p of plan) assignLayer(p.layer, p.saved);
}

/** The optimizer state arrays in their `weight_names` order (iterations as an int32 scalar first), with those names. */
export function readOptimizerValues(root: H5Group): { names: string[]; values: Tensor[] } | null {
  const g = root.children.get('optimizer_weights');
  if (g?.kind !== 'group') return null;
  const names = stringListAttr(g, 'weight_names') ?? [];
  const values = names.map((n) => {
    const ds = member(g, n);
    if (ds === null || ds.kind !== 'dataset') throw new Error(`optimizer_weights lists '${n}' but the file has no such dataset`);
    return datasetTensor(ds, `optimizer weight '${n}'`, ITERATIONS.test(n));
  });
  return { names, values };
}

const ITERATIONS = /(^|\/)iter(ation|ations)?(:\d+)?$/;

/**
 * The optimizer state of a file in `optimizer.getWeights()` order, matched by name: tf.keras
 * 2.11+ optimizers (the default from 2.11) save [iteration, then the slots of each variable
 * in turn], named `Adam/m/<variable>` (slot first), where tf.keras 2's legacy optimizers and
 * Neurite save [iterations, then every variable's m, then every v], named
 * `Adam/<variable>/m`. Each of the optimizer's slots `<prefix>/<variable>/<slot>` takes the
 * file's array named `<slot>/<variable>` or `<variable>/<slot>` (the optimizer's name and
 * `:0` and recurrent cell scopes aside); null when some slot has no match (the caller then
 * tries positions).
 */
export function optimizerValuesByName(optimizer: Optimizer, names: readonly string[], values: readonly Tensor[]): Tensor[] | null {
  // ':0' aside, and a recurrent cell's scope, whose number depends on how many cells a process made ('lstm/lstm_cell_1/kernel').
  const strip = (n: string): string => n.replace(/:\d+$/, '').split('/').filter((p, i, all) => i === 0 || i === all.length - 1 || !/_cell(_\d+)?$/.test(p)).join('/');
  const byKey = new Map<string, Tensor>();
  let iterations: Tensor | null = null;
  names.forEach((n, i) => {
    const s = strip(n);
    if (ITERATIONS.test(s)) iterations = values[i];
    const parts = s.split('/');
    // With and without a leading optimizer name ('Adam/m/dense/kernel' and 'm/dense/kernel').
    byKey.set(parts.join('/'), values[i]);
    if (parts.length > 2) byKey.set(parts.slice(1).join('/'), values[i]);
  });
  if (iterations === null || optimizer.getWeights().length !== 1 + optimizer.variables().length) return null;
  const out: Tensor[] = [iterations];
  for (const slot of optimizer.variables()) {
    const parts = strip(slot.name).split('/').slice(1); // without Neurite's optimizer-name prefix
    const kind = parts[parts.length - 1];
    const variable = parts.slice(0, -1).join('/');
    const found = byKey.get(`${kind}/${variable}`) ?? byKey.get(`${variable}/${kind}`);
    if (found === undefined || found.shape.join(',') !== slot.shape.join(',')) return null;
    out.push(found);
  }
  return out;
}
