import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Layer, CallOptions, Mask, MaskArg } from '../layers/layer.js';
import { type LayerNode, type LayerShape, type SymbolicTensor, formatLayerShape } from '../layers/symbolic.js';
import { InputLayer } from '../layers/core/input.js';

/** The layers and nodes between a model's inputs and outputs, inputs before consumers. */
export interface Graph {
  readonly nodes: LayerNode[];
  readonly layers: Layer[];
}

/** Walks back from the outputs (iteratively) and checks every path starts at an input. */
export function traceGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Graph {
  const inputIds = new Set(inputs.map((t) => t.id));
  const nodes: LayerNode[] = [];
  const seen = new Set<LayerNode>();
  const stack: { node: LayerNode; next: number }[] = [];
  for (const out of outputs) {
    if (seen.has(out.node)) continue;
    seen.add(out.node);
    stack.push({ node: out.node, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const t = top.node.inputs[top.next++];
        if (!seen.has(t.node)) {
          seen.add(t.node);
          stack.push({ node: t.node, next: 0 });
        }
      } else {
        if (top.node.layer instanceof InputLayer && !top.node.layer.inboundNodes[0].outputs.some((o) => inputIds.has(o.id))) {
          throw new Error(`Model: the graph reaches the input '${top.node.layer.name}', which is not among the model's inputs (${inputs.map((i) => i.name).join(', ')})`);
        }
        nodes.push(top.node);
        stack.pop();
      }
    }
  }
  const layers: Layer[] = [];
  for (const n of nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
  // Inputs come first even when unused by some branch order.
  for (const t of inputs) if (!layers.includes(t.node.layer)) layers.unshift(t.node.layer);
  return { nodes, layers };
}

/** Checks a real input against its symbolic declaration (rank and known dimensions). */
export function checkInput(t: Tensor, s: SymbolicTensor, modelName: string): void {
  const ok = t.rank === s.rank && s.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    throw new RangeError(`Model ${modelName}: input '${s.name}' expects shape ${formatLayerShape(s.shape)}; got ${formatShape(t.shape)}`);
  }
}

/** Masks flowing through a graph run: the inputs' (given) and the outputs' (filled in). */
export interface GraphMasks {
  readonly inputs?: readonly Mask[];
  outputs?: Mask[];
}

/**
 * Runs the graph on real tensors. Keras masks travel with the tensors: each layer gets its
 * inputs' masks as `mask` and its computeMask gives the masks of its outputs.
 */
export function runGraph(graph: Graph, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], values: readonly Tensor[], options: CallOptions, modelName: string, masks: GraphMasks = {}): Tensor[] {
  const computed = new Map<number, Tensor>();
  const maskOf = new Map<number, Mask>();
  inputs.forEach((s, i) => {
    checkInput(values[i], s, modelName);
    computed.set(s.id, values[i]);
    maskOf.set(s.id, masks.inputs?.[i] ?? null);
  });
  for (const node of graph.nodes) {
    if (node.layer instanceof InputLayer) continue;
    const own = node.layerInputs;
    const args = own.map((s) => computed.get(s.id) as Tensor);
    const inMasks = own.map((s) => maskOf.get(s.id) ?? null);
    const tensorOptions: Record<string, Tensor> = {};
    node.tensorOptions.forEach((k, i) => (tensorOptions[k] = computed.get(node.inputs[own.length + i].id) as Tensor));
    const mask: MaskArg | undefined = inMasks.every((m) => m === null) ? undefined : node.single ? inMasks[0] : inMasks;
    const training = typeof node.callArgs.training === 'boolean' ? node.callArgs.training : options.training;
    const x = node.single ? args[0] : args;
    const kept = { ...node.layer.callOptionsOf(node.callArgs), ...tensorOptions };
    const out = node.layer.apply(x, mask === undefined ? { ...kept, training } : { ...kept, training, mask });
    const list = Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
    const outMask = node.layer.computeMask(x, mask);
    node.outputs.forEach((s, i) => {
      computed.set(s.id, list[i]);
      maskOf.set(s.id, Array.isArray(outMask) ? (outMask as readonly Mask[])[i] ?? null : i === 0 ? (outMask as Mask) : null);
    });
  }
  masks.outputs = outputs.map((s) => maskOf.get(s.id) ?? null);
  return outputs.map((s) => computed.get(s.id) as Tensor);
}

/**
 * The output shapes of the graph for these input shapes (Keras' compute_output_shape of a
 * functional model): each node's layer computes its outputs' shapes from its inputs'. A
 * known batch size travels through; sizes a layer cannot tell stay null.
 */
export function graphOutputShapes(graph: Graph, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], inputShapes: readonly LayerShape[]): LayerShape[] {
  const shapes = new Map<number, LayerShape>();
  inputs.forEach((s, i) => shapes.set(s.id, inputShapes[i] ?? s.shape));
  for (const node of graph.nodes) {
    if (node.layer instanceof InputLayer) continue;
    const ins = node.layerInputs.map((s) => shapes.get(s.id) ?? s.shape);
    const out = node.layer.computeOutputShape(node.single ? ins[0] : ins, node.layer.callOptionsOf(node.callArgs));
    const list = out.length > 0 && Array.isArray(out[0]) ? (out as LayerShape[]) : [out as LayerShape];
    node.outputs.forEach((s, i) => shapes.set(s.id, list[i] ?? s.shape));
  }
  return outputs.map((s) => shapes.get(s.id) ?? s.shape);
}

