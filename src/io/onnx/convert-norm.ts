/**
 * Converters of the normalization layers. BatchNormalization exports its inference form
 * (moving statistics): the ONNX BatchNormalization op where its axis is the channel axis 1
 * of the layout at hand, else Mul/Add with the folded per-channel constants
 * scale = γ/√(var + ε), shift = β − mean·scale. LayerNormalization is decomposed
 * (opset 13 has no LayerNormalization op).
 */
import { BatchNormalization, LayerNormalization } from '../../layers/normalization/index.js';
import type { Layer } from '../../layers/layer.js';
import type { Tensor } from '../../tensor/tensor.js';
import { float } from './builder.js';
import { type ConvertArgs, type Converter, type LayerClass, configValue, normalizeAxis, weightOf, who } from './context.js';
import { OnnxValue, identityPerm } from './values.js';

/** The layer's normalized axes (config `axis`: a number or a list), for inputs of this rank. */
function axesOf(layer: Layer, rank: number): number[] {
  const raw = configValue(layer, 'axis');
  const list = Array.isArray(raw) ? (raw as number[]) : [typeof raw === 'number' ? raw : -1];
  return [...new Set(list.map((a) => normalizeAxis(a, rank, layer)))].sort((x, y) => x - y);
}

/** A per-channel parameter, or `fill` when the layer has none (center/scale false). */
function channelParam(layer: Layer, w: Tensor | null, what: string, channels: number, fill: number): Float32Array {
  return w === null ? new Float32Array(channels).fill(fill) : weightOf(layer, w, what).data;
}

function convertBatchNorm(a: ConvertArgs): OnnxValue {
  const layer = a.layer as BatchNormalization;
  const { perm, name } = a.inputs[0].primary;
  const [axis] = axesOf(layer, perm.length);
  const mean = weightOf(layer, layer.movingMean, 'moving_mean').data;
  const variance = weightOf(layer, layer.movingVariance, 'moving_variance').data;
  const c = mean.length;
  const gamma = channelParam(layer, layer.gamma, 'gamma', c, 1);
  const beta = channelParam(layer, layer.beta, 'beta', c, 0);
  const physical = perm.indexOf(axis);
  const b = a.b;
  let y: string;
  if (physical === 1) {
    const source = layer.movingMean ?? layer;
    const init = (what: string, data: Float32Array): string => b.weight(source, what, () => ({ data, dims: [c] }));
    y = b.node('BatchNormalization', [name, init('gamma', gamma), init('beta', beta), init('moving_mean', mean), init('moving_variance', variance)], { epsilon: float(layer.epsilon) });
  } else {
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      scale[i] = gamma[i] / Math.sqrt(variance[i] + layer.epsilon);
      shift[i] = beta[i] - mean[i] * scale[i];
    }
    // Shaped [C, 1, …] so it broadcasts along the physical axis.
    const dims = [c, ...new Array<number>(perm.length - 1 - physical).fill(1)];
    y = b.node('Add', [b.node('Mul', [name, b.floatInit('scale', scale, dims)]), b.floatInit('shift', shift, dims)]);
  }
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

/**
 * LayerNormalization as Neurite computes it: d = x − mean(x), y = d·(mean(d²) + ε)^−½,
 * then ·γ + β (shaped like the normalized axes, 1 elsewhere), in Neurite's own layout.
 */
function convertLayerNorm(a: ConvertArgs): OnnxValue {
  const layer = a.layer as LayerNormalization;
  const b = a.b;
  const rank = a.inputs[0].rank;
  const axes = axesOf(layer, rank);
  const x = b.get(a.inputs[0], identityPerm(rank));
  const d = b.node('Sub', [x, b.reduce('ReduceMean', x, axes, true)]);
  const variance = b.reduce('ReduceMean', b.node('Mul', [d, d]), axes, true);
  let y = b.node('Mul', [d, b.node('Reciprocal', [b.node('Sqrt', [b.node('Add', [variance, b.scalar(layer.epsilon)])])])]);
  const shape = a.inShapes[0].map((dim, i) => (axes.includes(i) ? dim : 1)).slice(1) as number[];
  if (shape.some((dim) => dim === null)) throw new Error(`ONNX export: ${who(layer)}: the normalized axes must have known sizes`);
  if (layer.gamma) y = b.node('Mul', [y, b.weight(layer.gamma, 'gamma', () => ({ data: weightOf(layer, layer.gamma, 'gamma').data, dims: shape }))]);
  if (layer.beta) y = b.node('Add', [y, b.weight(layer.beta, 'beta', () => ({ data: weightOf(layer, layer.beta, 'beta').data, dims: shape }))]);
  return new OnnxValue(a.outShapes[0]).set(identityPerm(rank), y);
}

export const NORM_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [BatchNormalization, convertBatchNorm],
  [LayerNormalization, convertLayerNorm],
];
