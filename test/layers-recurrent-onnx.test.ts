/**
 * SimpleRNN, LSTM and GRU forward results against ONNX's RNN, LSTM and GRU operators:
 *  1. the stored node test vectors of Debian's libonnx-testdata (test_lstm_*, test_gru_*,
 *     test_rnn_*, test_simple_rnn_*), converted to Keras weights;
 *  2. the same ONNX graphs run in onnxruntime-node with seeded random weights and inputs.
 *     The stored vectors use one constant for every weight, so they cannot tell gates
 *     apart; random weights check the gate-order mapping below.
 *
 * Mapping ONNX → Keras (one direction, num_directions = 1):
 *  - ONNX W[0] is (G·hidden, input) with one row block per gate; Keras' kernel is
 *    (input, G·hidden) with one column block per gate: kernel = W[0]ᵀ with the blocks put in
 *    Keras' order. Likewise recurrent_kernel = R[0]ᵀ (hidden, G·hidden).
 *  - Gate orders: ONNX LSTM stacks i, o, f, c; Keras LSTM i, f, c, o. So Keras block
 *    k ∈ (i, f, c, o) is ONNX block (0, 2, 3, 1)[k]. ONNX GRU z, r, h = Keras GRU z, r, h.
 *    RNN: one block.
 *  - B[0] = [Wb (G·hidden), Rb (G·hidden)]. Keras SimpleRNN and LSTM have one bias:
 *    Wb + Rb (reordered). GRU: ONNX linear_before_reset=0 ↔ Keras resetAfter=false with bias
 *    Wb + Rb (the two biases of the h gate are added outside the reset product in both);
 *    linear_before_reset=1 ↔ resetAfter=true with bias rows [Wb; Rb] (2, 3·hidden).
 *  - X is (seq, batch, input) for layout 0 and (batch, seq, input) for layout 1; Keras
 *    takes (batch, seq, input). Y is (seq, dirs, batch, hidden) / (batch, seq, dirs, hidden);
 *    Y_h (dirs, batch, hidden) / (batch, dirs, hidden).
 *  - initial_h / initial_c are Keras initial states ([x, h0, c0] as the input list).
 *  - Default activations (LSTM/GRU: sigmoid gates, tanh; RNN tanh) are Keras' defaults.
 * Cases that do not map (skipped, with the reason): peepholes (P ≠ 0; Keras' LSTM has none),
 * sequence_lens shorter than the sequence, reverse/bidirectional direction, clip, non-default
 * activations, input_forget.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as nt from '../src/index.js';
import { type AttributeProto, type NodeProto, decodeModel, loadModel, loadTensorProto, toNeurite } from './onnx/onnx.js';
import { AttributeType, DataType, type ModelMsg, type ValueInfoMsg, encodeModel } from '../src/io/onnx/proto.js';

const ROOT = '/usr/share/libonnx-testdata/data/node';
const ATOL = 1e-5;
const RTOL = 1e-4;
const rows: string[] = [];
after(() => console.log(`ONNX recurrent cases (stored vectors / onnxruntime with random weights):\n${rows.join('\n')}`));

type Op = 'LSTM' | 'GRU' | 'RNN';
const GATES: Record<Op, number> = { LSTM: 4, GRU: 3, RNN: 1 };
/** Keras gate k comes from ONNX gate block ORDER[op][k]. */
const ORDER: Record<Op, readonly number[]> = { LSTM: [0, 2, 3, 1], GRU: [0, 1, 2], RNN: [0] };

interface Case {
  readonly name: string;
  /** model.onnx's path, or the model's bytes. */
  readonly model: string | Uint8Array;
  readonly node: NodeProto;
  readonly op: Op;
  /** Node input name → stored tensor. */
  readonly inputs: Map<string, nt.Tensor>;
  readonly outputs: Map<string, nt.Tensor>;
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attributes.find((a) => a.name === name);
}

function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i === null || a?.i === undefined ? fallback : Number(a.i);
}

function loadCase(name: string): Case {
  const dir = join(ROOT, name);
  const node = loadModel(join(dir, 'model.onnx')).graph.nodes[0];
  const set = join(dir, 'test_data_set_0');
  const read = (prefix: string): Map<string, nt.Tensor> => {
    const m = new Map<string, nt.Tensor>();
    for (const f of readdirSync(set).filter((x) => x.startsWith(prefix)).sort()) {
      const tp = loadTensorProto(join(set, f));
      m.set(tp.name, toNeurite(tp));
    }
    return m;
  };
  return { name, model: join(dir, 'model.onnx'), node, op: node.opType as Op, inputs: read('input_'), outputs: read('output_') };
}

/** Why a case cannot be expressed with Keras' layers, or null. */
async function unmapped(c: Case, inputs: Map<string, nt.Tensor>): Promise<string | null> {
  const n = c.node;
  if (attr(n, 'activations')) return 'non-default activations';
  if (attr(n, 'clip')) return 'clip';
  if (intAttr(n, 'input_forget', 0) !== 0) return 'input_forget';
  const p = inputs.get('P');
  if (p && Array.from(await p.data()).some((v) => v !== 0)) return 'peepholes (P ≠ 0): Keras LSTM has none';
  const lens = inputs.get('sequence_lens');
  const x = inputs.get('X') as nt.Tensor;
  const seq = intAttr(n, 'layout', 0) === 1 ? x.shape[1] : x.shape[0];
  if (lens && Array.from(await lens.data()).some((v) => v !== seq)) return 'sequence_lens shorter than the sequence';
  return null;
}

/** Keras kernel (cols, G·H) from ONNX (G·H, cols) with gate blocks reordered. */
async function kerasMatrix(w: nt.Tensor, op: Op, hidden: number): Promise<nt.Tensor> {
  const cols = w.shape[2];
  const g = GATES[op];
  const out = new Float32Array(cols * g * hidden);
  const data = await w.data();
  for (let k = 0; k < g; k++) {
    const src = ORDER[op][k];
    for (let u = 0; u < hidden; u++) for (let j = 0; j < cols; j++) out[j * g * hidden + k * hidden + u] = data[(src * hidden + u) * cols + j];
  }
  return nt.tensor(out, [cols, g * hidden]);
}

/** Keras bias from ONNX B = [Wb, Rb]: summed (one bias) or two rows (GRU resetAfter). */
async function kerasBias(b: nt.Tensor | undefined, op: Op, hidden: number, rowsOfTwo: boolean): Promise<nt.Tensor> {
  const g = GATES[op];
  const n = g * hidden;
  const data = b ? await b.data() : new Float32Array(2 * n);
  const block = (half: number): Float32Array => {
    const out = new Float32Array(n);
    for (let k = 0; k < g; k++) for (let u = 0; u < hidden; u++) out[k * hidden + u] = data[half * n + ORDER[op][k] * hidden + u];
    return out;
  };
  const [wb, rb] = [block(0), block(1)];
  if (rowsOfTwo) return nt.tensor(Float32Array.from([...wb, ...rb]), [2, n]);
  return nt.tensor(wb.map((v, i) => v + rb[i]), [n]);
}

function direction(n: NodeProto): string {
  const d = attr(n, 'direction')?.s;
  return d ? new TextDecoder().decode(d) : 'forward';
}

/** Direction d of a (dirs, batch, H) or (batch, dirs, H) state → (batch, H). */
function dirState(t: nt.Tensor, layout: number, d: number): nt.Tensor {
  return layout === 1 ? nt.reshape(nt.slice(t, [0, d, 0], [-1, 1, -1]), [t.shape[0], t.shape[2]]) : nt.reshape(nt.slice(t, [d, 0, 0], [1, -1, -1]), [t.shape[1], t.shape[2]]);
}

/** Direction d of ONNX Y ((seq, dirs, batch, H) or (batch, seq, dirs, H)) → (batch, seq, H). */
function dirSequence(t: nt.Tensor, layout: number, d: number): nt.Tensor {
  if (layout === 1) return nt.reshape(nt.slice(t, [0, 0, d, 0], [-1, -1, 1, -1]), [t.shape[0], t.shape[1], t.shape[3]]);
  return nt.transpose(nt.reshape(nt.slice(t, [0, d, 0, 0], [-1, 1, -1, -1]), [t.shape[0], t.shape[2], t.shape[3]]), [1, 0, 2]);
}

/** Keras weights of direction d: [kernel, recurrent_kernel, bias]. */
async function weightsOf(c: Case, inputs: Map<string, nt.Tensor>, d: number, hidden: number, resetAfter: boolean): Promise<nt.Tensor[]> {
  const pick = (t: nt.Tensor): nt.Tensor => nt.slice(t, [d], [1]);
  const b = inputs.get('B');
  return [await kerasMatrix(pick(inputs.get('W') as nt.Tensor), c.op, hidden), await kerasMatrix(pick(inputs.get('R') as nt.Tensor), c.op, hidden), await kerasBias(b ? nt.reshape(pick(b), [b.shape[1]]) : undefined, c.op, hidden, c.op === 'GRU' && resetAfter)];
}

function makeLayer(op: Op, hidden: number, resetAfter: boolean, goBackwards: boolean): nt.RecurrentLayer {
  const common = { units: hidden, returnSequences: true, returnState: true, goBackwards };
  return op === 'LSTM' ? new nt.LSTM(common) : op === 'GRU' ? new nt.GRU({ ...common, resetAfter }) : new nt.SimpleRNN(common);
}

/**
 * The Keras equivalent of an ONNX node: forward → the layer; reverse → the layer with
 * goBackwards (its sequence reversed back to time order); bidirectional → Bidirectional
 * with mergeMode null. Returns per ONNX direction the sequence (batch, seq, H) and the
 * final states [h, (c)].
 */
async function runKeras(c: Case, inputs: Map<string, nt.Tensor>): Promise<{ ys: nt.Tensor[]; states: nt.Tensor[][] }> {
  const n = c.node;
  const hidden = intAttr(n, 'hidden_size', 0);
  const layout = intAttr(n, 'layout', 0);
  const resetAfter = intAttr(n, 'linear_before_reset', 0) === 1;
  const dir = direction(n);
  const dirs = dir === 'bidirectional' ? 2 : 1;
  const xIn = inputs.get('X') as nt.Tensor;
  const x = layout === 1 ? xIn : nt.transpose(xIn, [1, 0, 2]);
  const init: nt.Tensor[] = [];
  for (let d = 0; d < dirs; d++) for (const s of ['initial_h', ...(c.op === 'LSTM' ? ['initial_c'] : [])]) if (inputs.has(s)) init.push(dirState(inputs.get(s) as nt.Tensor, layout, d));
  const xs = init.length > 0 ? [x, ...init] : x;
  const base = makeLayer(c.op, hidden, resetAfter, dir === 'reverse');
  const layer: nt.Layer = dirs === 2 ? new nt.Bidirectional({ layer: base, mergeMode: null }) : base;
  layer.apply(xs);
  const weights: nt.Tensor[][] = [];
  for (let d = 0; d < dirs; d++) weights.push(await weightsOf(c, inputs, d, hidden, resetAfter));
  layer.setWeights(weights.flat());
  const out = layer.apply(xs) as nt.Tensor[];
  const reverse = (t: nt.Tensor): nt.Tensor => nt.gather(t, Array.from({ length: t.shape[1] }, (_, i) => t.shape[1] - 1 - i), 1);
  const k = c.op === 'LSTM' ? 2 : 1;
  const ys = dirs === 2 ? [out[0], out[1]] : [dir === 'reverse' ? reverse(out[0]) : out[0]];
  const rest = out.slice(dirs);
  return { ys, states: Array.from({ length: dirs }, (_, d) => rest.slice(d * k, (d + 1) * k)) };
}

async function compare(label: string, got: nt.Tensor, want: nt.Tensor): Promise<number> {
  assert.deepEqual([...got.shape], [...want.shape], `${label}: shape`);
  const g = await got.data();
  const w = await want.data();
  let worst = 0;
  for (let i = 0; i < want.size; i++) {
    const d = Math.abs(g[i] - w[i]);
    worst = Math.max(worst, d);
    assert.ok(d <= ATOL + RTOL * Math.abs(w[i]), `${label}: element ${i}: got ${g[i]}, want ${w[i]}`);
  }
  return worst;
}

/** Compares every output the node produces ('' outputs are absent): Y per direction, Y_h, Y_c. */
async function check(c: Case, inputs: Map<string, nt.Tensor>, expected: (slot: number, name: string) => nt.Tensor | undefined, label: string): Promise<number> {
  const layout = intAttr(c.node, 'layout', 0);
  const { ys, states } = await runKeras(c, inputs);
  let worst = 0;
  let compared = 0;
  for (const [slot, name] of c.node.outputs.entries()) {
    const want = name === '' ? undefined : expected(slot, name);
    if (want === undefined) continue;
    for (const [d, y] of ys.entries()) {
      const got = slot === 0 ? y : states[d][slot - 1];
      const ref = slot === 0 ? dirSequence(want, layout, d) : dirState(want, layout, d);
      worst = Math.max(worst, await compare(`${label} ${name}[direction ${d}]`, got, ref));
      compared++;
    }
  }
  assert.ok(compared > 0, `${label}: no output compared`);
  return worst;
}

const CASES = existsSync(ROOT) ? readdirSync(ROOT).filter((n) => /^test_(lstm|gru|rnn|simple_rnn)_/.test(n)).sort() : [];

test('the ONNX recurrent test cases are installed (Debian libonnx-testdata)', () => {
  assert.ok(CASES.length >= 10, `expected the LSTM/GRU/RNN node cases under ${ROOT}; found ${CASES.length}`);
});

test('stored ONNX vectors: LSTM, GRU and RNN outputs', async () => {
  for (const name of CASES) {
    const c = loadCase(name);
    const why = await unmapped(c, c.inputs);
    if (why) {
      rows.push(`  ${name.padEnd(48)} vectors: skipped (${why})`);
      continue;
    }
    const stored = [...c.outputs.values()];
    const worst = await check(c, c.inputs, (slot, out) => c.outputs.get(out) ?? stored[slot], `${name} (stored)`);
    rows.push(`  ${name.padEnd(48)} vectors: passed, max |Δ| ${worst.toExponential(2)}`);
  }
});

/** Seeded random values for the float inputs; P = 0 and full sequence_lens so every graph maps. */
function randomFeeds(c: Case, seed: number): Map<string, nt.Tensor> {
  const feeds = new Map<string, nt.Tensor>();
  let k = 0;
  for (const [name, t] of c.inputs) {
    if (name === 'P') feeds.set(name, nt.zeros(t.shape));
    else if (t.dtype === 'int32') feeds.set(name, t);
    else feeds.set(name, nt.randomUniform(t.shape, { seed: seed + k++, minval: name === 'X' ? -2 : -0.8, maxval: name === 'X' ? 2 : 0.8 }));
  }
  return feeds;
}

async function runOrt(c: Case, feeds: Map<string, nt.Tensor>): Promise<Map<string, nt.Tensor>> {
  const session = typeof c.model === 'string' ? await ort.InferenceSession.create(c.model) : await ort.InferenceSession.create(c.model);
  const input: Record<string, ort.Tensor> = {};
  for (const [name, t] of feeds) {
    input[name] = t.dtype === 'int32' ? new ort.Tensor('int32', (await t.data()) as Int32Array, [...t.shape]) : new ort.Tensor('float32', (await t.data()) as Float32Array, [...t.shape]);
  }
  const res = await session.run(input);
  const out = new Map<string, nt.Tensor>();
  for (const [name, v] of Object.entries(res)) out.set(name, nt.tensor(Float32Array.from(v.data as Float32Array), [...v.dims]));
  return out;
}

test('onnxruntime oracle: the same ONNX graphs with seeded random weights (gate order, initial states)', async () => {
  for (const name of CASES) {
    const c = loadCase(name);
    const feeds = randomFeeds(c, 101);
    const why = (await unmapped(c, feeds)) ?? (intAttr(c.node, 'layout', 0) === 1 ? 'onnxruntime does not implement layout=1 (batchwise)' : null);
    if (why) {
      rows.push(`  ${name.padEnd(48)} onnxruntime: skipped (${why})`);
      continue;
    }
    const ortOut = await runOrt(c, feeds);
    const worst = await check(c, feeds, (_slot, out) => ortOut.get(out), `${name} (onnxruntime)`);
    rows.push(`  ${name.padEnd(48)} onnxruntime: passed, max |Δ| ${worst.toExponential(2)}`);
  }
});

// ---- graphs of our own: what the stored cases do not cover --------------------------------

function info(name: string, dims: readonly number[]): ValueInfoMsg {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

interface Spec {
  readonly op: Op;
  readonly hidden: number;
  readonly direction: 'forward' | 'reverse' | 'bidirectional';
  readonly linearBeforeReset?: number;
  readonly initial?: boolean;
}

/** A one-node ONNX model (opset 14) with inputs X, W, R, B (and initial states) and outputs Y, Y_h (, Y_c). */
function ownCase(spec: Spec, seq: number, batch: number, input: number): Case {
  const { op, hidden } = spec;
  const dirs = spec.direction === 'bidirectional' ? 2 : 1;
  const g = GATES[op];
  const shapes = new Map<string, number[]>([['X', [seq, batch, input]], ['W', [dirs, g * hidden, input]], ['R', [dirs, g * hidden, hidden]], ['B', [dirs, 2 * g * hidden]]]);
  if (spec.initial) {
    shapes.set('initial_h', [dirs, batch, hidden]);
    if (op === 'LSTM') shapes.set('initial_c', [dirs, batch, hidden]);
  }
  const outs = op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  const inputsOfNode = ['X', 'W', 'R', 'B', ...(spec.initial ? ['', 'initial_h', ...(op === 'LSTM' ? ['initial_c'] : [])] : [])];
  const attribute = [
    { name: 'hidden_size', type: AttributeType.INT, i: hidden },
    { name: 'direction', type: AttributeType.STRING, s: new TextEncoder().encode(spec.direction) },
    ...(spec.linearBeforeReset === undefined ? [] : [{ name: 'linear_before_reset', type: AttributeType.INT, i: spec.linearBeforeReset }]),
  ];
  const outShape = (o: string): number[] => (o === 'Y' ? [seq, dirs, batch, hidden] : [dirs, batch, hidden]);
  const msg: ModelMsg = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 14 }],
    producerName: 'neurite-test',
    producerVersion: '0',
    graph: { name: 'g', node: [{ input: inputsOfNode, output: outs, name: 'n', opType: op, domain: '', attribute }], initializer: [], input: [...shapes].map(([n, d]) => info(n, d)), output: outs.map((o) => info(o, outShape(o))) },
  };
  const bytes = encodeModel(msg);
  const node = decodeModel(bytes).graph.nodes[0];
  const inputs = new Map([...shapes].map(([n, d]) => [n, nt.zeros(d)] as const));
  return { name: `${op} ${spec.direction}${spec.linearBeforeReset ? ' linear_before_reset=1' : ''}${spec.initial ? ' initial states' : ''}`, model: bytes, node, op, inputs, outputs: new Map() };
}

test('onnxruntime oracle, own graphs: GRU linear_before_reset=1 (Keras resetAfter), reverse (goBackwards), bidirectional (Bidirectional), initial states', async () => {
  const specs: Spec[] = [
    { op: 'GRU', hidden: 4, direction: 'forward', linearBeforeReset: 1 },
    { op: 'GRU', hidden: 3, direction: 'forward', linearBeforeReset: 1, initial: true },
    { op: 'LSTM', hidden: 3, direction: 'reverse' },
    { op: 'GRU', hidden: 3, direction: 'reverse', linearBeforeReset: 1 },
    { op: 'RNN', hidden: 4, direction: 'reverse', initial: true },
    { op: 'LSTM', hidden: 3, direction: 'bidirectional', initial: true },
    { op: 'GRU', hidden: 2, direction: 'bidirectional', linearBeforeReset: 1 },
    { op: 'GRU', hidden: 2, direction: 'bidirectional', linearBeforeReset: 0, initial: true },
    { op: 'RNN', hidden: 3, direction: 'bidirectional' },
  ];
  for (const [i, spec] of specs.entries()) {
    const c = ownCase(spec, 5, 2, 3);
    const feeds = randomFeeds(c, 300 + 10 * i);
    const ortOut = await runOrt(c, feeds);
    const worst = await check(c, feeds, (_slot, out) => ortOut.get(out), `${c.name} (onnxruntime)`);
    rows.push(`  ${c.name.padEnd(48)} onnxruntime: passed, max |Δ| ${worst.toExponential(2)}`);
  }
});
