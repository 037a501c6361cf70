import type { ConfigDict, ConfigValue, Serialized } from '../utils/serialization.js';
import { serialize } from '../utils/serialization.js';
import type { Layer } from '../layers/layer.js';
import { SymbolicTensor, type LayerNode } from '../layers/symbolic.js';
import { InputLayer } from '../layers/core/input.js';
import { deserializeLayer } from '../layers/registry.js';
// Every layer module registers its classes when loaded: load them all before configs are read.
import '../layers/index.js';
import { Model } from './model.js';

/** Index of a node among the nodes of its layer that belong to this model (Keras' node conversion). */
function nodeIndex(node: LayerNode, nodes: readonly LayerNode[]): number {
  return nodes.filter((n) => n.layer === node.layer).indexOf(node);
}

function ref(t: SymbolicTensor, nodes: readonly LayerNode[]): ConfigValue[] {
  return [t.node.layer.name, Math.max(0, nodeIndex(t.node, nodes)), t.index];
}

/** Keras' functional config: layers with inbound_nodes, input_layers, output_layers. */
export function functionalConfig(model: Model): ConfigDict {
  const nodes = model.graphNodes;
  const layers = model.layers.map((layer) => {
    const named = layer.kerasTensorArgs();
    const inbound = nodes
      .filter((n) => n.layer === layer && !(layer instanceof InputLayer))
      .map((n) => {
        const own = n.layerInputs;
        const kwargs: ConfigDict = { ...n.callArgs };
        // Tensor call options (attention_mask) are keyword tensors.
        const keywords = layer.tensorCallOptions();
        n.tensorOptions.forEach((k, i) => (kwargs[keywords[k] ?? k] = ref(n.inputs[own.length + i], nodes)));
        // Keras' form for call(first, value=…, key=…): one entry, the other tensors as keywords.
        if (named.length > 0 && own.length > 1 && own.length <= named.length + 1) {
          own.slice(1).forEach((t, i) => (kwargs[named[i]] = ref(t, nodes)));
          return [[...ref(own[0], nodes), kwargs]] as ConfigValue[];
        }
        return own.map((t) => [...ref(t, nodes), { ...kwargs }] as ConfigValue[]) as ConfigValue[];
      });
    const s = serialize(layer);
    return { class_name: s.class_name, config: s.config, name: layer.name, inbound_nodes: inbound } as ConfigDict;
  });
  return {
    name: model.name,
    layers,
    input_layers: model.inputs.map((t) => ref(t, nodes)),
    output_layers: model.outputs.map((t) => ref(t, nodes)),
  };
}

interface LayerSpec {
  readonly class_name: string;
  readonly config: ConfigDict;
  readonly name?: string;
  readonly inbound_nodes?: ConfigValue[];
}

/** One inbound connection: [layerName, nodeIndex, tensorIndex, kwargs?] (Keras 2), or Keras 3's dict form. */
function parseRef(v: ConfigValue): { layer: string; node: number; tensor: number; kwargs: ConfigDict } {
  if (Array.isArray(v)) return { layer: v[0] as string, node: (v[1] as number) ?? 0, tensor: (v[2] as number) ?? 0, kwargs: (v[3] as ConfigDict) ?? {} };
  throw new Error(`Model config: cannot read the inbound connection ${JSON.stringify(v)}`);
}

/** A [layerName, nodeIndex, tensorIndex] reference among a node's keyword arguments. */
function isTensorRef(v: ConfigValue): boolean {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';
}

/** Rebuilds a functional model: creates every layer, then replays inbound nodes until all are applied. */
export function functionalFromConfig(config: ConfigDict): Model {
  const specs = (config.layers as unknown as LayerSpec[]) ?? [];
  const created = new Map<string, Layer>();
  const outputs = new Map<string, SymbolicTensor[][]>(); // layer name → per node → tensors
  for (const spec of specs) {
    const layer = deserializeLayer({ class_name: spec.class_name, config: spec.config } as Serialized);
    created.set(spec.name ?? layer.name, layer);
    if (layer instanceof InputLayer) outputs.set(spec.name ?? layer.name, [[layer.output]]);
  }
  const pending = specs.flatMap((spec) => ((spec.inbound_nodes ?? []) as ConfigValue[][]).map((node, i) => ({ name: spec.name ?? (spec.config.name as string), node, i })));
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let p = 0; p < pending.length; p++) {
      const { name, node } = pending[p];
      const refs = node.map(parseRef);
      const layer = created.get(name) as Layer;
      const kwargs = refs[0]?.kwargs ?? {};
      // Keyword tensors (MultiHeadAttention's value and key in Keras files) join the input list.
      // and tensor call options (attention_mask) become options holding the symbolic tensor.
      const extra: ({ layer: string; node: number; tensor: number } | undefined)[] = [];
      const optionRefs: [string, { layer: string; node: number; tensor: number }][] = [];
      const optionOf = new Map(Object.entries(layer.tensorCallOptions()).map(([option, keyword]) => [keyword, option]));
      for (const [k, v] of Object.entries(kwargs)) {
        if (!isTensorRef(v)) continue;
        const at = layer.kerasTensorArgs().indexOf(k);
        const option = optionOf.get(k);
        if (at >= 0) extra[at] = parseRef(v);
        else if (option !== undefined) optionRefs.push([option, parseRef(v)]);
        else throw new Error(`Model config: layer ${name} (${layer.getClassName()}) is called with a tensor for '${k}', which it does not take`);
      }
      if (extra.length > 0 && (refs.length !== 1 || extra.some((r) => r === undefined))) throw new Error(`Model config: layer ${name} (${layer.getClassName()}) has keyword tensors ${JSON.stringify(kwargs)} that do not follow its first input`);
      const all = [...refs, ...(extra as { layer: string; node: number; tensor: number }[])];
      const ins = all.map((r) => outputs.get(r.layer)?.[r.node]?.[r.tensor]);
      const tensorOptions = optionRefs.map(([option, r]) => [option, outputs.get(r.layer)?.[r.node]?.[r.tensor]] as const);
      if (ins.some((t) => t === undefined) || tensorOptions.some(([, t]) => t === undefined)) continue;
      const kept: Record<string, boolean | number | string> = {};
      for (const [k, v] of Object.entries(kwargs)) if (k !== 'training' && (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string')) kept[k] = v;
      const training = kwargs.training;
      const options = { ...layer.callOptionsOf(kept), ...Object.fromEntries(tensorOptions), ...(typeof training === 'boolean' ? { training } : {}) };
      const out = layer.apply(ins.length === 1 ? (ins[0] as SymbolicTensor) : (ins as SymbolicTensor[]), options);
      const list = Array.isArray(out) ? (out as SymbolicTensor[]) : [out as SymbolicTensor];
      outputs.set(name, [...(outputs.get(name) ?? []), list]);
      pending.splice(p--, 1);
      progress = true;
    }
  }
  if (pending.length > 0) throw new Error(`Model config: could not connect layers ${pending.map((p) => p.name).join(', ')} (their inputs never appear)`);
  const pick = (list: ConfigValue): SymbolicTensor[] =>
    (list as ConfigValue[]).map((v) => {
      const r = parseRef(v);
      const t = outputs.get(r.layer)?.[r.node]?.[r.tensor];
      if (!t) throw new Error(`Model config: unknown tensor ${JSON.stringify(v)}`);
      return t;
    });
  return new Model({ inputs: pick(config.input_layers ?? config.inputLayers), outputs: pick(config.output_layers ?? config.outputLayers), name: config.name as string | undefined });
}
