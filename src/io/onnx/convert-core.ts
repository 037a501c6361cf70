/**
 * Converters of the core and activation layers: Dense, Activation, the advanced
 * activations, the training-only layers (identities at inference), Flatten, Reshape,
 * Permute and RepeatVector.
 */
import { Dense } from '../../layers/core/dense.js';
import { Activation, ActivityRegularization, Dropout, Flatten, Permute, RepeatVector, Reshape } from '../../layers/core/simple.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU } from '../../layers/advanced-activations/index.js';
import { GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from '../../layers/noise/index.js';
import { float, int } from './builder.js';
import { emitActivation } from './activations.js';
import { type ConvertArgs, type Converter, type LayerClass, activationOf, configValue, elementwise, normalizeAxis, weightOf, who } from './context.js';
import { OnnxValue, identityPerm, transposeData } from './values.js';

/** Dense: Gemm (rank-2 input with bias) or MatMul + Add, then the activation. */
function convertDense(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Dense;
  const x = a.inputs[0];
  const rank = x.rank;
  const xn = a.b.get(x, identityPerm(rank));
  const w = a.b.weight(layer.kernel ?? layer, 'kernel', () => weightOf(layer, layer.kernel, 'kernel'));
  const bias = layer.bias ? a.b.weight(layer.bias, 'bias', () => weightOf(layer, layer.bias, 'bias')) : null;
  let y: string;
  if (rank === 2 && bias !== null) y = a.b.node('Gemm', [xn, w, bias]);
  else {
    y = a.b.node('MatMul', [xn, w]);
    if (bias !== null) y = a.b.node('Add', [y, bias]);
  }
  y = emitActivation(a.b, activationOf(layer), y, rank - 1, who(layer));
  return new OnnxValue(a.outShapes[0]).set(identityPerm(rank), y);
}

/** Activation: the named activation along the logical last axis for softmax. */
function convertActivation(a: ConvertArgs): OnnxValue {
  return elementwise(a, (x, perm) => emitActivation(a.b, activationOf(a.layer), x, perm.indexOf(perm.length - 1), who(a.layer)));
}

/**
 * Keras ReLU: maxValue where x ≥ maxValue, x for threshold ≤ x, negativeSlope·(x − threshold)
 * below. Relu / Clip / LeakyRelu where they express it exactly, else Where(x ≥ t, …).
 */
function convertReLU(a: ConvertArgs): OnnxValue {
  const layer = a.layer as ReLU;
  const { maxValue, negativeSlope: slope, threshold } = layer;
  const b = a.b;
  return elementwise(a, (x) => {
    if (slope === 0 && threshold === 0) return maxValue === null ? b.node('Relu', [x]) : b.node('Clip', [x, b.scalar(0), b.scalar(maxValue)]);
    let y: string;
    if (threshold === 0) y = b.node('LeakyRelu', [x], { alpha: float(slope) });
    else {
      const below = slope === 0 ? b.scalar(0) : b.node('Mul', [b.node('Sub', [x, b.scalar(threshold)]), b.scalar(slope)]);
      y = b.node('Where', [b.node('GreaterOrEqual', [x, b.scalar(threshold)]), x, below]);
    }
    return maxValue === null ? y : b.node('Min', [y, b.scalar(maxValue)]);
  });
}

/** PReLU: the learned slope, shaped like one sample, permuted into the input's layout. */
function convertPReLU(a: ConvertArgs): OnnxValue {
  const layer = a.layer as PReLU;
  return elementwise(a, (x, perm) => {
    const sample = perm.slice(1).map((p) => p - 1);
    const slope = a.b.weight(layer.alpha ?? layer, `alpha[${sample.join(',')}]`, () => {
      const { data, dims } = weightOf(layer, layer.alpha, 'alpha');
      return { data: transposeData(data, dims, sample), dims: sample.map((p) => dims[p]) };
    });
    return a.b.node('PRelu', [x, slope]);
  });
}

function convertSoftmax(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Softmax;
  const axis = normalizeAxis(layer.axis, a.inputs[0].rank, layer);
  return elementwise(a, (x, perm) => a.b.node('Softmax', [x], { axis: int(perm.indexOf(axis)) }));
}

/** Training-only layers: the identity at inference (the same value flows on). */
function convertIdentity(a: ConvertArgs): OnnxValue {
  return a.inputs[0];
}

/** Flatten: ONNX Flatten of the NHWC tensor, so values come out in Neurite's order. */
function convertFlatten(a: ConvertArgs): OnnxValue {
  const x = a.inputs[0];
  if (x.rank <= 2) return x;
  // channels_first: Keras flattens the channels-last view, i.e. logical axes [0, 2, …, r−1, 1].
  const cf = configValue(a.layer, 'data_format') === 'channels_first';
  const perm = cf ? [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1] : identityPerm(x.rank);
  const y = a.b.node('Flatten', [a.b.get(x, perm)], { axis: int(1) });
  return new OnnxValue(a.outShapes[0]).set([0, 1], y);
}

/** Reshape to [batch, ...targetShape] (0 copies the batch dimension). */
function convertReshape(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Reshape;
  const shape = a.b.int64Init('shape', [0, ...layer.targetShape]);
  const y = a.b.node('Reshape', [a.b.get(a.inputs[0], identityPerm(a.inputs[0].rank)), shape]);
  return new OnnxValue(a.outShapes[0]).set(identityPerm(a.outShapes[0].length), y);
}

/**
 * Permute adds no node: the input tensor in layout P is the output in layout
 * P.map(p → Q⁻¹(p)) where Q = [0, ...dims] (a Transpose appears only where a consumer
 * needs another layout).
 */
function convertPermute(a: ConvertArgs): OnnxValue {
  const q = [0, ...(a.layer as Permute).dims];
  const out = new OnnxValue(a.outShapes[0]);
  for (const { perm, name } of a.inputs[0].layouts) out.set(perm.map((p) => q.indexOf(p)), name);
  return out;
}

/** RepeatVector: [N, F] → Unsqueeze → [N, 1, F] → Expand to [N, n, F]. */
function convertRepeatVector(a: ConvertArgs): OnnxValue {
  const b = a.b;
  const x = b.get(a.inputs[0], [0, 1]);
  const unsqueezed = b.node('Unsqueeze', [x, b.int64Init('axes', [1])]);
  const y = b.node('Expand', [unsqueezed, b.int64Init('shape', [1, (a.layer as RepeatVector).n, 1])]);
  return new OnnxValue(a.outShapes[0]).set([0, 1, 2], y);
}

export const CORE_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [Dense, convertDense],
  [Activation, convertActivation],
  [ReLU, convertReLU],
  [LeakyReLU, (a) => elementwise(a, (x) => a.b.node('LeakyRelu', [x], { alpha: float((a.layer as LeakyReLU).alpha) }))],
  [PReLU, convertPReLU],
  [ELU, (a) => elementwise(a, (x) => a.b.node('Elu', [x], { alpha: float((a.layer as ELU).alpha) }))],
  [Softmax, convertSoftmax],
  [ThresholdedReLU, (a) => elementwise(a, (x) => a.b.node('ThresholdedRelu', [x], { alpha: float((a.layer as ThresholdedReLU).theta) }))],
  [Dropout, convertIdentity],
  [SpatialDropout1D, convertIdentity],
  [SpatialDropout2D, convertIdentity],
  [GaussianNoise, convertIdentity],
  [GaussianDropout, convertIdentity],
  [ActivityRegularization, convertIdentity],
  [Flatten, convertFlatten],
  [Reshape, convertReshape],
  [Permute, convertPermute],
  [RepeatVector, convertRepeatVector],
];
