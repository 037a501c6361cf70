/**
 * Converters of EinsumDense and the attention layers, written with the operators their
 * calls use:
 *  - EinsumDense: `Einsum` (its equation) with the kernel, `Add` of the bias, the activation;
 *  - MultiHeadAttention: the query/key/value projections as EinsumDense, the query scaled by
 *    1/√keyDim, the scores as `Einsum` (the layer's own equation), masked positions set to
 *    −1e9 with `Where` (an attentionMask input, [B, T, S] with the heads axis inserted, and
 *    the causal mask built from `Range`s of the two lengths), `Softmax` over the keys, the
 *    mixing `Einsum`, the output projection; returnAttentionScores adds the probabilities;
 *  - Attention (dot: `MatMul` with the key transposed, times the learned scale; concat:
 *    Σ tanh(query + key) times the learned weight) and AdditiveAttention (Σ scale·tanh(query
 *    + key)): the same masking, `Softmax`, `MatMul` with the value.
 * Not exported (refused with the reason): attention over several axes, masks from upstream
 * layers (Embedding and Masking are not exported).
 */
import { Attention } from '../../layers/attention/attention.js';
import { AdditiveAttention } from '../../layers/attention/attention.js';
import { EinsumDense } from '../../layers/attention/einsum-dense.js';
import { MultiHeadAttention } from '../../layers/attention/multi-head-attention.js';
import { emitActivation } from './activations.js';
import { type GraphBuilder, int, ints, str } from './builder.js';
import { type ConvertArgs, type Converter, type LayerClass, activationOf, weightOf, who } from './context.js';
import { OnnxValue, identityPerm } from './values.js';

/** Einsum(equation, x, kernel) + bias, then the activation; x and the result in identity layout. */
function einsumDense(b: GraphBuilder, layer: EinsumDense, x: string, outRank: number): string {
  const kernel = b.weight(layer, 'kernel', () => weightOf(layer, layer.kernel, 'kernel'));
  let y = b.node('Einsum', [x, kernel], { equation: str(layer.equation) });
  if (layer.bias !== null) y = b.node('Add', [y, b.weight(layer, 'bias', () => weightOf(layer, layer.bias, 'bias'))]);
  return emitActivation(b, activationOf(layer), y, outRank - 1, who(layer));
}

function convertEinsumDense(a: ConvertArgs): OnnxValue {
  const x = a.b.get(a.inputs[0], identityPerm(a.inputs[0].rank));
  const rank = a.outShapes[0].length;
  return new OnnxValue(a.outShapes[0]).set(identityPerm(rank), einsumDense(a.b, a.layer as EinsumDense, x, rank));
}

/** The lower-triangular [T, S] mask (key position ≤ query position) of the two sequences' lengths. */
function causalMask(b: GraphBuilder, query: string, key: string, axis: number): string {
  const scalar = (v: string): string => b.node('Squeeze', [v, b.int64Init('axes', [0])]);
  const length = (x: string): string => scalar(b.node('Gather', [b.node('Shape', [x]), b.int64Init('axis', [axis])], { axis: int(0) }));
  const range = (x: string): string => b.node('Range', [scalar(b.int64Init('start', [0])), length(x), scalar(b.int64Init('delta', [1]))]);
  const t = b.node('Unsqueeze', [range(query), b.int64Init('axes', [1])]); // [T, 1]
  const s = b.node('Unsqueeze', [range(key), b.int64Init('axes', [0])]); // [1, S]
  return b.node('GreaterOrEqual', [t, s]);
}

/** scores where `allowed` (bool), else −1e9. */
function masked(b: GraphBuilder, scores: string, allowed: string): string {
  return b.node('Where', [allowed, scores, b.scalar(-1e9)]);
}

function and(b: GraphBuilder, x: string | null, y: string): string {
  return x === null ? y : b.node('And', [x, y]);
}

function convertMultiHeadAttention(a: ConvertArgs): OnnxValue[] {
  const layer = a.layer as MultiHeadAttention;
  const b = a.b;
  const eq = layer.attentionEquations;
  if (eq === null || layer.queryDense === null || layer.keyDense === null || layer.valueDense === null || layer.outputDense === null) throw new Error(`ONNX export: ${who(layer)} has not been built`);
  if (eq.attentionAxes !== 1) throw new Error(`ONNX export: ${who(layer)}: attention over ${eq.attentionAxes} axes is not exported`);
  const nMask = a.tensorOptions.length;
  const own = a.inputs.slice(0, a.inputs.length - nMask);
  const [query, value] = own;
  const key = own[2] ?? value;
  const get = (v: OnnxValue): string => b.get(v, identityPerm(v.rank));
  const qRank = query.rank + 1;
  const q = b.node('Mul', [einsumDense(b, layer.queryDense, get(query), qRank), b.scalar(1 / Math.sqrt(layer.keyDim))]);
  const k = einsumDense(b, layer.keyDense, get(key), key.rank + 1);
  const v = einsumDense(b, layer.valueDense, get(value), value.rank + 1);
  let scores = b.node('Einsum', [k, q], { equation: str(eq.dot) });
  let allowed: string | null = null;
  const maskAt = a.tensorOptions.indexOf('attentionMask');
  if (maskAt >= 0) {
    const m = a.inputs[own.length + maskAt];
    // [B, T, S] → [B, 1, T, S]: one mask for every head; non-zero = may attend.
    const flag = b.node('Not', [b.node('Equal', [get(m), b.scalar(0)])]);
    allowed = b.node('Unsqueeze', [flag, b.int64Init('axes', [1])]);
  }
  if (a.callArgs.use_causal_mask === true) allowed = and(b, allowed, causalMask(b, get(query), get(value), 1));
  if (allowed !== null) scores = masked(b, scores, allowed);
  const probs = b.node('Softmax', [scores], { axis: int(-1) });
  const context = b.node('Einsum', [probs, v], { equation: str(eq.combine) });
  const out = einsumDense(b, layer.outputDense, context, a.outShapes[0].length);
  const result = [new OnnxValue(a.outShapes[0]).set(identityPerm(a.outShapes[0].length), out)];
  if (a.callArgs.return_attention_scores === true) result.push(new OnnxValue(a.outShapes[1]).set(identityPerm(a.outShapes[1].length), probs));
  return result;
}

function convertAttention(a: ConvertArgs): OnnxValue[] {
  const layer = a.layer as Attention;
  const b = a.b;
  const get = (v: OnnxValue): string => b.get(v, identityPerm(v.rank));
  const [query, value] = a.inputs;
  const key = a.inputs[2] ?? value;
  const q = get(query);
  const k = get(key);
  let scores: string;
  if (layer instanceof AdditiveAttention || layer.scoreMode === 'concat') {
    // Σ over the features of tanh(q[:, :, None] + k[:, None]) (times scale / concat weight).
    const sum = b.node('Add', [b.node('Unsqueeze', [q, b.int64Init('axes', [2])]), b.node('Unsqueeze', [k, b.int64Init('axes', [1])])]);
    if (layer instanceof AdditiveAttention) {
      const t = b.node('Tanh', [sum]);
      const weighted = layer.scale === null ? t : b.node('Mul', [t, b.weight(layer, 'scale', () => weightOf(layer, layer.scale, 'scale'))]);
      scores = b.node('ReduceSum', [weighted, b.int64Init('axes', [3])], { keepdims: int(0) });
    } else {
      const scaled = layer.scale === null ? sum : b.node('Mul', [sum, b.weight(layer, 'scale', () => weightOf(layer, layer.scale, 'scale'))]);
      scores = b.node('Mul', [b.node('ReduceSum', [b.node('Tanh', [scaled]), b.int64Init('axes', [3])], { keepdims: int(0) }), b.weight(layer, 'concat_score_weight', () => weightOf(layer, layer.concatScoreWeight, 'concat_score_weight'))]);
    }
  } else {
    scores = b.node('MatMul', [q, b.node('Transpose', [k], { perm: ints([0, 2, 1]) })]);
    if (layer.scale !== null) scores = b.node('Mul', [scores, b.weight(layer, 'scale', () => weightOf(layer, layer.scale, 'scale'))]);
  }
  // Keras' Attention lowers masked scores by 1e9 (scores − 1e9).
  if (a.callArgs.use_causal_mask === true) scores = b.node('Where', [causalMask(b, q, get(value), 1), scores, b.node('Sub', [scores, b.scalar(1e9)])]);
  const probs = b.node('Softmax', [scores], { axis: int(-1) });
  const out = b.node('MatMul', [probs, get(value)]);
  const result = [new OnnxValue(a.outShapes[0]).set([0, 1, 2], out)];
  if (a.callArgs.return_attention_scores === true) result.push(new OnnxValue(a.outShapes[1]).set([0, 1, 2], probs));
  return result;
}

export const ATTENTION_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [EinsumDense, convertEinsumDense],
  [MultiHeadAttention, convertMultiHeadAttention],
  [Attention, convertAttention],
  [AdditiveAttention, convertAttention],
];
