/**
 * Converters of the recurrent layers: SimpleRNN, LSTM and GRU to ONNX's RNN, LSTM and GRU
 * operators, and Bidirectional around them to the same operators with
 * direction='bidirectional'.
 *
 * Mapping (the inverse of test/layers-recurrent-onnx.test.ts's):
 *  - ONNX W[d] is (G·hidden, input), one row block per gate; Keras' kernel (input, G·hidden)
 *    one column block per gate: W[d] = kernelᵀ with the blocks in ONNX's order. ONNX LSTM
 *    stacks i, o, f, c; Keras i, f, c, o: ONNX block j is Keras block (0, 3, 1, 2)[j]. GRU
 *    z, r, h and RNN's one block are the same on both sides. R likewise from
 *    recurrent_kernel.
 *  - B[d] = [Wb, Rb]: Keras' one bias as Wb with Rb = 0; GRU with resetAfter (bias rows
 *    [input; recurrent]) as Wb, Rb with linear_before_reset=1.
 *  - Activations: LSTM [recurrent_activation, activation, activation], GRU
 *    [recurrent_activation, activation], RNN [activation]; hard_sigmoid as HardSigmoid with
 *    Keras 2's (0.2, 0.5) or Keras 3's (1/6, 0.5).
 *  - X goes in time-major (seq, batch, input) (opset 13 has no layout attribute); Y
 *    (seq, dirs, batch, hidden) is the output sequence, Y_h (dirs, batch, hidden) the last
 *    output. Keras' goBackwards returns its sequence in processing order (reversed), ONNX's
 *    reverse direction in input order: the sequence is reversed back. Bidirectional's
 *    backward outputs are aligned with the input in both.
 *  - Initial states given as extra inputs become initial_h / initial_c.
 * Not exported (refused with the reason): stateful layers, masks (no converter produces
 * one: Embedding and Masking are not exported), activations ONNX's recurrent operators
 * lack.
 */
import { Bidirectional } from '../../layers/recurrent/bidirectional.js';
import { GRU } from '../../layers/recurrent/gru.js';
import { LSTM } from '../../layers/recurrent/lstm.js';
import { SimpleRNN } from '../../layers/recurrent/simple-rnn.js';
import type { RecurrentLayer } from '../../layers/recurrent/rnn.js';
import type { Layer } from '../../layers/layer.js';
import { type Attr, floats, int, ints, str, strs } from './builder.js';
import { type ConvertArgs, type Converter, type LayerClass, configValue, weightOf, who } from './context.js';
import { OnnxValue } from './values.js';

type Kind = 'RNN' | 'LSTM' | 'GRU';

function kindOf(layer: Layer): Kind {
  if (layer instanceof LSTM) return 'LSTM';
  if (layer instanceof GRU) return 'GRU';
  return 'RNN';
}

const GATES: Record<Kind, number> = { RNN: 1, LSTM: 4, GRU: 3 };
/** For each ONNX gate block, the Keras block it comes from. */
const ORDER: Record<Kind, readonly number[]> = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [0, 1, 2] };

/** A Keras activation as an ONNX recurrent activation (name, alpha, beta). */
function rnnActivation(name: string, layer: Layer): { op: string; alpha?: number; beta?: number } {
  switch (name) {
    case 'tanh':
      return { op: 'Tanh' };
    case 'sigmoid':
      return { op: 'Sigmoid' };
    case 'relu':
      return { op: 'Relu' };
    case 'hard_sigmoid':
      return { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'hard_sigmoid_keras3':
      return { op: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
    case 'softsign':
      return { op: 'Softsign' };
    case 'softplus':
      return { op: 'Softplus' };
    case 'elu':
      return { op: 'Elu', alpha: 1 };
    default:
      throw new Error(`ONNX export: ${who(layer)} uses the activation '${name}', which ONNX's recurrent operators do not offer (tanh, sigmoid, relu, hard_sigmoid, softsign, softplus, elu)`);
  }
}

function activationName(layer: Layer, key: string, fallback: string): string {
  const v = configValue(layer, key);
  return typeof v === 'string' ? v : fallback;
}

/** The activations attribute list of one direction. */
function activationsOf(layer: RecurrentLayer, kind: Kind): { op: string; alpha?: number; beta?: number }[] {
  const act = rnnActivation(activationName(layer, 'activation', 'tanh'), layer);
  if (kind === 'RNN') return [act];
  const gate = rnnActivation(activationName(layer, 'recurrent_activation', 'sigmoid'), layer);
  return kind === 'LSTM' ? [gate, act, act] : [gate, act];
}

/** W, R (G·H rows) and B (2·G·H) of one direction, in ONNX's layout and gate order. */
function directionWeights(layer: RecurrentLayer, kind: Kind): { w: Float32Array; r: Float32Array; bias: Float32Array; input: number } {
  const g = GATES[kind];
  const h = layer.units;
  const kernel = weightOf(layer, layer.kernel, 'kernel');
  const recurrent = weightOf(layer, layer.recurrentKernel, 'recurrent_kernel');
  const input = kernel.dims[0];
  const w = new Float32Array(g * h * input);
  const r = new Float32Array(g * h * h);
  const bias = new Float32Array(2 * g * h);
  ORDER[kind].forEach((kb, j) => {
    for (let u = 0; u < h; u++) {
      const row = j * h + u;
      const col = kb * h + u;
      for (let i = 0; i < input; i++) w[row * input + i] = kernel.data[i * g * h + col];
      for (let i = 0; i < h; i++) r[row * h + i] = recurrent.data[i * g * h + col];
    }
  });
  if (layer.bias !== null) {
    const b = weightOf(layer, layer.bias, 'bias');
    const rows = b.dims.length === 2 ? b.dims[0] : 1; // GRU resetAfter: [input; recurrent]
    ORDER[kind].forEach((kb, j) => {
      for (let u = 0; u < h; u++) {
        bias[j * h + u] = b.data[kb * h + u];
        if (rows === 2) bias[g * h + j * h + u] = b.data[g * h + kb * h + u];
      }
    });
  }
  return { w, r, bias, input };
}

/** The ONNX operator's attributes for these directions (activations repeated per direction). */
function attributes(layers: readonly RecurrentLayer[], kind: Kind, direction: string): Record<string, Attr> {
  const acts = layers.flatMap((l) => activationsOf(l, kind));
  const attrs: Record<string, Attr> = { hidden_size: int(layers[0].units), direction: str(direction), activations: strs(acts.map((a) => a.op)) };
  const alphas = acts.filter((a) => a.alpha !== undefined).map((a) => a.alpha as number);
  const betas = acts.filter((a) => a.beta !== undefined).map((a) => a.beta as number);
  if (alphas.length > 0) attrs.activation_alpha = floats(alphas);
  if (betas.length > 0) attrs.activation_beta = floats(betas);
  if (kind === 'GRU') attrs.linear_before_reset = int(configValue(layers[0], 'reset_after') === false ? 0 : 1);
  return attrs;
}

function checkExportable(layer: RecurrentLayer): void {
  if (layer.stateful) throw new Error(`ONNX export: ${who(layer)} is stateful (it carries states between calls), which an ONNX graph cannot`);
}

/** Runs the ONNX operator for these directions on time-major x; returns [Y, Y_h, Y_c?]. */
function emitOperator(a: ConvertArgs, layers: readonly RecurrentLayer[], kind: Kind, direction: string, states: readonly string[]): string[] {
  const b = a.b;
  const dirs = layers.map((l) => directionWeights(l, kind));
  const g = GATES[kind];
  const h = layers[0].units;
  const input = dirs[0].input;
  const n = dirs.length;
  const cat = (part: 'w' | 'r' | 'bias'): Float32Array => {
    const size = dirs[0][part].length;
    const out = new Float32Array(n * size);
    dirs.forEach((d, i) => out.set(d[part], i * size));
    return out;
  };
  const w = b.weight(a.layer, `W:${direction}`, () => ({ data: cat('w'), dims: [n, g * h, input] }));
  const r = b.weight(a.layer, `R:${direction}`, () => ({ data: cat('r'), dims: [n, g * h, h] }));
  const bias = b.weight(a.layer, `B:${direction}`, () => ({ data: cat('bias'), dims: [n, 2 * g * h] }));
  const x = b.get(a.inputs[0], [1, 0, 2]);
  const inputs = [x, w, r, bias];
  if (states.length > 0) inputs.push('', ...states);
  return b.nodeN(kind, inputs, attributes(layers, kind, direction), kind === 'LSTM' ? 3 : 2);
}

/** Initial states (Keras [x, h0, c0]) as ONNX (dirs, batch, hidden) tensors. */
function initialStates(a: ConvertArgs, from: number, count: number): string[] {
  return a.inputs.slice(from, from + count).map((s) => a.b.node('Unsqueeze', [a.b.get(s, [0, 1]), a.b.int64Init('axes', [0])]));
}

function squeeze(a: ConvertArgs, x: string, axis: number): string {
  return a.b.node('Squeeze', [x, a.b.int64Init('axes', [axis])]);
}

/** The sequence Y (seq, 1, batch, hidden) as Keras' [batch, seq, hidden] value (reversed for goBackwards). */
function sequenceOut(a: ConvertArgs, y: string, reverse: boolean, shape: OnnxValue['shape']): OnnxValue {
  let seq = squeeze(a, y, 1);
  if (reverse) seq = a.b.node('Slice', [seq, a.b.int64Init('starts', [-1]), a.b.int64Init('ends', [-(2 ** 53)]), a.b.int64Init('axes', [0]), a.b.int64Init('steps', [-1])]);
  return new OnnxValue(shape).set([1, 0, 2], seq);
}

function convertRecurrent(a: ConvertArgs): OnnxValue[] {
  const layer = a.layer as RecurrentLayer;
  checkExportable(layer);
  const kind = kindOf(layer);
  const nStates = kind === 'LSTM' ? 2 : 1;
  const given = a.inputs.length > 1 ? initialStates(a, 1, nStates) : [];
  const outs = emitOperator(a, [layer], kind, layer.goBackwards ? 'reverse' : 'forward', given);
  const first = layer.returnSequences ? sequenceOut(a, outs[0], layer.goBackwards, a.outShapes[0]) : new OnnxValue(a.outShapes[0]).set([0, 1], squeeze(a, outs[1], 0));
  if (!layer.returnState) return [first];
  const states = [squeeze(a, outs[1], 0), ...(kind === 'LSTM' ? [squeeze(a, outs[2], 0)] : [])];
  return [first, ...states.map((s, i) => new OnnxValue(a.outShapes[1 + i]).set([0, 1], s))];
}

/** Bidirectional around SimpleRNN/LSTM/GRU: one operator with direction='bidirectional', then the merge. */
function convertBidirectional(a: ConvertArgs): OnnxValue[] {
  const layer = a.layer as Bidirectional;
  const [f, bw] = [layer.forwardLayer, layer.backwardLayer];
  for (const l of [f, bw]) checkExportable(l);
  const kind = kindOf(f);
  const same = (key: string): boolean => JSON.stringify(configValue(f, key)) === JSON.stringify(configValue(bw, key));
  if (kindOf(bw) !== kind || f.units !== bw.units || !['activation', 'recurrent_activation', 'reset_after', 'use_bias', 'return_sequences'].every(same)) {
    throw new Error(`ONNX export: ${who(layer)}: its two directions differ (class, units, activations or bias); ONNX's bidirectional operator runs one configuration`);
  }
  if (f.goBackwards || !bw.goBackwards) throw new Error(`ONNX export: ${who(layer)}: only the usual directions (forward, then backward) are exported`);
  const mode = configValue(layer, 'merge_mode');
  if (mode === null) throw new Error(`ONNX export: ${who(layer)}: merge_mode None (two outputs) is not exported`);
  if (layer.returnState) throw new Error(`ONNX export: ${who(layer)}: returnState is not exported`);
  if (a.inputs.length > 1) throw new Error(`ONNX export: ${who(layer)}: initial states are not exported`);
  const outs = emitOperator(a, [f, bw], kind, 'bidirectional', []);
  const b = a.b;
  const h = f.units;
  // Y (seq, 2, batch, h) or Y_h (2, batch, h): the direction axis.
  const seq = f.returnSequences;
  const both = seq ? outs[0] : outs[1];
  const dirAxis = seq ? 1 : 0;
  const part = (d: number): string => squeeze(a, b.node('Slice', [both, b.int64Init('starts', [d]), b.int64Init('ends', [d + 1]), b.int64Init('axes', [dirAxis])]), dirAxis);
  let y: string;
  if (mode === 'concat' || mode === undefined) {
    // (…, 2, batch, h) → (…, batch, 2, h) → (…, batch, 2h): forward features first, as Keras.
    const t = b.node('Transpose', [both], { perm: ints(seq ? [0, 2, 1, 3] : [1, 0, 2]) });
    y = b.node('Reshape', [t, b.int64Init('shape', seq ? [0, 0, 2 * h] : [0, 2 * h])]);
  } else if (mode === 'sum') y = b.node('Add', [part(0), part(1)]);
  else if (mode === 'mul') y = b.node('Mul', [part(0), part(1)]);
  else if (mode === 'ave') y = b.node('Mul', [b.node('Add', [part(0), part(1)]), b.scalar(0.5)]);
  else throw new Error(`ONNX export: ${who(layer)}: merge_mode '${String(mode)}' is not exported`);
  return [new OnnxValue(a.outShapes[0]).set(seq ? [1, 0, 2] : [0, 1], y)];
}

export const RECURRENT_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [SimpleRNN, convertRecurrent],
  [LSTM, convertRecurrent],
  [GRU, convertRecurrent],
  [Bidirectional, convertBidirectional],
];

