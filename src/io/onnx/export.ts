/**
 * ONNX export: walks a Sequential or functional Model's layer graph (nested models inline)
 * and writes a ModelProto with the official onnx.proto: float32 initializers (raw_data,
 * little-endian), inputs with a dynamic batch dimension 'N', one node group per layer call.
 * Inference only: training-only layers become identities, BatchNormalization uses its
 * moving statistics.
 */
import { fetchValues } from '../../tensor/tensor.js';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Model } from '../../models/model.js';
import { InputLayer } from '../../layers/core/input.js';
import type { Layer } from '../../layers/layer.js';
import type { LayerNode, LayerShape } from '../../layers/symbolic.js';
import { GraphBuilder } from './builder.js';
import type { Converter, LayerClass } from './context.js';
import { CORE_CONVERTERS } from './convert-core.js';
import { MERGE_CONVERTERS } from './convert-merge.js';
import { CONV_CONVERTERS } from './convert-conv.js';
import { SPATIAL_CONVERTERS } from './convert-spatial.js';
import { NORM_CONVERTERS } from './convert-norm.js';
import { RECURRENT_CONVERTERS } from './convert-recurrent.js';
import { ATTENTION_CONVERTERS } from './convert-attention.js';
import { DataType, type DimMsg, type ModelMsg, type ValueInfoMsg, encodeModel, packageVersion } from './proto.js';
import { OnnxValue, identityPerm } from './values.js';

export interface OnnxExportOptions {
  /** The default-domain opset to target (13 to 21; default 13). */
  readonly opset?: number;
  /** Graph input name(s); default: the model's input layer names. */
  readonly inputName?: string | readonly string[];
  /** Graph output name(s); default: the names of the layers producing the outputs. */
  readonly outputName?: string | readonly string[];
  /** A fixed batch size; default: a dynamic batch dimension named 'N'. */
  readonly batchSize?: number;
  /** ModelProto.doc_string. */
  readonly docString?: string;
}

export const MIN_OPSET = 13;
export const MAX_OPSET = 21;

/** ONNX IR version that goes with an opset (onnx/helper.py's VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Converters by exact layer class. */
const CONVERTERS = new Map<LayerClass, Converter>([...CORE_CONVERTERS, ...MERGE_CONVERTERS, ...CONV_CONVERTERS, ...SPATIAL_CONVERTERS, ...NORM_CONVERTERS, ...RECURRENT_CONVERTERS, ...ATTENTION_CONVERTERS]);

const classNameOf = (cls: LayerClass): string => (cls as unknown as typeof Layer).className;

/** Class names of the layers the exporter converts (besides InputLayer and nested models). */
export function onnxSupportedLayers(): string[] {
  return [...CONVERTERS.keys()].map(classNameOf).sort();
}

/** Layers whose output depends on `training`; a call that forces training=true cannot be exported. */
const TRAINING_SENSITIVE = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'BatchNormalization']);

function unsupported(layer: Layer, why: string): Error {
  return new Error(`ONNX export: layer '${layer.name}' (class ${layer.getClassName()}) ${why}. Supported layers: InputLayer, Sequential/Model (nested), ${onnxSupportedLayers().join(', ')}`);
}

/** Converts one layer call; nested models are inlined. */
function convertNode(b: GraphBuilder, node: LayerNode, inputs: OnnxValue[]): OnnxValue[] {
  const layer = node.layer;
  if (node.callArgs.training === true && TRAINING_SENSITIVE.has(layer.getClassName())) {
    throw new Error(`ONNX export: layer '${layer.name}' (class ${layer.getClassName()}) is called with training=true in the graph; ONNX export is inference only`);
  }
  if (layer instanceof Model) {
    if (layer.call !== Model.prototype.call || layer.forward !== Model.prototype.forward) throw unsupported(layer, 'is a model with its own call(), which cannot be traced');
    return emitModel(b, layer, inputs);
  }
  const convert = CONVERTERS.get(layer.constructor as LayerClass);
  if (convert === undefined) {
    const base = [...CONVERTERS.keys()].find((cls) => layer instanceof cls);
    throw unsupported(layer, base ? `subclasses ${classNameOf(base)} and may compute something else, so it is not exported` : 'is not supported for ONNX export');
  }
  b.scope = layer.name;
  const out = convert({
    b,
    layer,
    inputs,
    inShapes: node.inputs.map((s) => s.shape),
    outShapes: node.outputs.map((s) => s.shape),
    callArgs: node.callArgs,
    tensorOptions: node.tensorOptions,
  });
  return Array.isArray(out) ? out : [out];
}

/** Emits a model's graph on the given input values; returns its output values. */
function emitModel(b: GraphBuilder, model: Model, inputs: readonly OnnxValue[]): OnnxValue[] {
  if (model.isSubclassed) throw new Error(`ONNX export: model '${model.name}' is a subclassed model: its computation is code, not a graph of layers, so it cannot be exported; write it as a functional or Sequential model to export it`);
  if (!model.isGraphBuilt) throw new Error(`ONNX export: model '${model.name}' has not been built; give its first layer an inputShape or call build([null, ...]) first`);
  const values = new Map<number, OnnxValue>();
  model.inputs.forEach((s, i) => values.set(s.id, inputs[i]));
  for (const node of model.graphNodes) {
    if (node.layer instanceof InputLayer) continue;
    const ins = node.inputs.map((s) => {
      const v = values.get(s.id);
      if (v === undefined) throw new Error(`ONNX export: internal error: no value for ${s.name} (input of layer '${node.layer.name}')`);
      return v;
    });
    const outs = convertNode(b, node, ins);
    node.outputs.forEach((s, i) => values.set(s.id, outs[i]));
  }
  return model.outputs.map((s) => values.get(s.id) as OnnxValue);
}

function namesFor(given: string | readonly string[] | undefined, defaults: readonly string[], what: string): string[] {
  if (given === undefined) return [...defaults];
  const list = typeof given === 'string' ? [given] : [...given];
  if (list.length !== defaults.length) throw new RangeError(`exportOnnx: ${what} gives ${list.length} name(s); the model has ${defaults.length} ${what === 'inputName' ? 'input' : 'output'}(s)`);
  if (new Set(list).size !== list.length || list.some((n) => typeof n !== 'string' || n === '')) throw new RangeError(`exportOnnx: ${what} must be distinct non-empty names; got ${JSON.stringify(list)}`);
  return list;
}

function valueInfo(name: string, shape: LayerShape, batch: number | null): ValueInfoMsg {
  const dim: DimMsg[] = shape.map((d, i) => (i === 0 ? (batch === null ? { dimParam: 'N' } : { dimValue: batch }) : d === null ? { dimParam: `${name}_d${i}` } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

function checkOptions(model: Model, opts: OnnxExportOptions): { opset: number; batch: number | null } {
  if (!(model instanceof Model)) throw new TypeError('exportOnnx: expected a Sequential or functional Model');
  const opset = opts.opset ?? 13;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new RangeError(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}; got ${opts.opset}`);
  const batch = opts.batchSize ?? null;
  if (batch !== null && (!Number.isInteger(batch) || batch < 1)) throw new RangeError(`exportOnnx: batchSize must be a positive integer; got ${opts.batchSize}`);
  if (model.isSubclassed) throw new Error(`exportOnnx: model '${model.name}' is a subclassed model: its computation is code, not a graph of layers, so it cannot be exported; write it as a functional or Sequential model to export it`);
  if (!model.isGraphBuilt) throw new Error(`exportOnnx: model '${model.name}' has not been built; give its first layer an inputShape or call build([null, ...]) first`);
  return { opset, batch };
}

/**
 * Gives each output its name: the tensor's producing node is renamed to it, else (a graph
 * input, or a tensor already named as another output) an Identity node is added.
 */
function nameOutputs(b: GraphBuilder, outs: readonly OnnxValue[], names: readonly string[], userNames: boolean): string[] {
  // Materialize every output first: renaming must come after the last node is emitted.
  const tensors = outs.map((v) => b.get(v, identityPerm(v.rank)));
  const renamed = new Map<string, string>();
  b.scope = '';
  return tensors.map((t, i) => {
    const want = names[i];
    if (b.isUsed(want) && userNames) throw new RangeError(`exportOnnx: the output name '${want}' is already the name of another tensor in the graph`);
    const name = b.isUsed(want) ? b.unique(want) : (b.reserve(want), want);
    if (b.isNodeOutput(t) && !renamed.has(t)) {
      b.rename(t, name);
      renamed.set(t, name);
    } else b.identity(renamed.get(t) ?? t, name);
    return name;
  });
}

/** Builds the ONNX ModelProto (as a plain object) for a built model. */
export function toOnnxModel(model: Model, opts: OnnxExportOptions = {}): ModelMsg {
  const { opset, batch } = checkOptions(model, opts);
  const b = new GraphBuilder(opset);
  const inputNames = namesFor(opts.inputName, model.inputNames, 'inputName');
  const inputs = model.inputs.map((s, i) => {
    if (s.dtype !== 'float32') {
      // Integer inputs feed layers such as Embedding, which have no converter yet: name them.
      const users = model.graphNodes.filter((n) => n.inputs.includes(s)).map((n) => `${n.layer.name} (${n.layer.getClassName()})`);
      throw new Error(`exportOnnx: input '${s.name}' is ${s.dtype}; only float32 inputs are exported${users.length > 0 ? `, so the layer${users.length > 1 ? 's' : ''} reading it (${users.join(', ')}) cannot be exported yet` : ''}`);
    }
    b.reserve(inputNames[i]);
    return new OnnxValue(s.shape).set(identityPerm(s.rank), inputNames[i]);
  });
  const outs = emitModel(b, model, inputs);
  const outputNames = nameOutputs(b, outs, namesFor(opts.outputName, model.outputNames, 'outputName'), opts.outputName !== undefined);
  return {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'neurite',
    producerVersion: packageVersion(),
    docString: opts.docString ?? '',
    graph: {
      name: model.name,
      node: b.nodes,
      initializer: b.initializers,
      input: model.inputs.map((s, i) => valueInfo(inputNames[i], s.shape, batch)),
      output: model.outputs.map((s, i) => valueInfo(outputNames[i], s.shape, batch)),
    },
  };
}

/** The model as ONNX bytes (a serialized ModelProto). */
export function toOnnxBytes(model: Model, opts: OnnxExportOptions = {}): Uint8Array {
  return encodeModel(toOnnxModel(model, opts));
}

/** Writes the model as an .onnx file (atomically: a temporary file renamed into place). */
export async function exportOnnx(model: Model, path: string, opts: OnnxExportOptions = {}): Promise<void> {
  await fetchValues(model.weights);
  const bytes = toOnnxBytes(model, opts);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
