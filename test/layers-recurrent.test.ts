/**
 * Sequence layers: Keras parameter counts and weight layout, hand-computed steps, masks
 * (Embedding maskZero, Masking, through Sequential, functional and nested models, merges,
 * TimeDistributed, Bidirectional, GlobalAveragePooling1D), goBackwards, returnState,
 * stateful layers, dropout, configs (round trip and Keras JSON) and errors.
 * Gradients: layers-recurrent-gradients.test.ts; ONNX vectors: layers-recurrent-onnx.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { randn } from './helpers/gradcheck.js';

async function close(got: nt.Tensor | number[], want: number[] | nt.Tensor, tol = 1e-5, what = 'values'): Promise<void> {
  const g = Array.from(got instanceof nt.Tensor ? (await got.data()) : got);
  const w = Array.from(want instanceof nt.Tensor ? (await want.data()) : want);
  assert.equal(g.length, w.length, `${what}: ${g.length} values, expected ${w.length}`);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i])), `${what}[${i}]: got ${v}, want ${w[i]}`));
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const t3 = (rows: number[][][]): nt.Tensor => nt.tensor(rows);

/** Steps [from, to) of a [batch, time, f] tensor. */
function steps(x: nt.Tensor, idx: readonly number[]): nt.Tensor {
  return nt.gather(x, idx, 1);
}

test('summary parameter counts match Keras', () => {
  nt.clearSession();
  const m = new nt.Sequential([new nt.Embedding({ inputDim: 1000, outputDim: 64, inputLength: 10 }), new nt.LSTM({ units: 128 }), new nt.Dense({ units: 10 })]);
  assert.deepEqual(m.layers.map((l) => l.countParams()), [64000, 98816, 1290]);
  const text = m.summary({ printFn: () => {} });
  assert.match(text, / embedding \(Embedding\) +\(None, 10, 64\) +64000/);
  assert.match(text, / lstm \(LSTM\) +\(None, 128\) +98816/);
  assert.match(text, /Total params: 164,106/);
  const count = (layer: nt.Layer, shape: number[]): number => {
    layer.apply(nt.Input({ shape }));
    return layer.countParams();
  };
  assert.equal(count(new nt.GRU({ units: 128 }), [5, 64]), 74496);
  assert.equal(count(new nt.GRU({ units: 128, resetAfter: false }), [5, 64]), 74112);
  assert.equal(count(new nt.SimpleRNN({ units: 32 }), [5, 8]), 1312);
  const bi = new nt.Sequential([new nt.Bidirectional({ layer: new nt.LSTM({ units: 64 }), inputShape: [5, 32] })]);
  assert.equal(bi.countParams(), 49664);
  assert.match(bi.summary({ printFn: () => {} }), /\(None, 128\) +49664/);
  const td = new nt.Sequential([new nt.TimeDistributed({ layer: new nt.Dense({ units: 8 }), inputShape: [10, 16] })]);
  assert.equal(td.countParams(), 136);
  assert.deepEqual([...td.outputShapes[0]], [null, 10, 8]);
});

test('weights: Keras names, shapes and order (cells, Bidirectional forward then backward, TimeDistributed)', () => {
  nt.clearSession();
  const m = new nt.Sequential([
    new nt.Embedding({ inputDim: 20, outputDim: 4, inputShape: [6] }),
    new nt.LSTM({ units: 3, returnSequences: true }),
    new nt.GRU({ units: 2, returnSequences: true }),
    new nt.Bidirectional({ layer: new nt.SimpleRNN({ units: 2, returnSequences: true }) }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 5 }) }),
    new nt.GRU({ units: 2, resetAfter: false }),
  ]);
  assert.deepEqual(m.weights.map((w) => `${w.name} ${nt.formatShape(w.shape)}`), [
    'embedding/embeddings [20, 4]',
    'lstm/lstm_cell/kernel [4, 12]', 'lstm/lstm_cell/recurrent_kernel [3, 12]', 'lstm/lstm_cell/bias [12]',
    'gru/gru_cell/kernel [3, 6]', 'gru/gru_cell/recurrent_kernel [2, 6]', 'gru/gru_cell/bias [2, 6]',
    'bidirectional/forward_simple_rnn/simple_rnn_cell_1/kernel [2, 2]', 'bidirectional/forward_simple_rnn/simple_rnn_cell_1/recurrent_kernel [2, 2]', 'bidirectional/forward_simple_rnn/simple_rnn_cell_1/bias [2]',
    'bidirectional/backward_simple_rnn/simple_rnn_cell_2/kernel [2, 2]', 'bidirectional/backward_simple_rnn/simple_rnn_cell_2/recurrent_kernel [2, 2]', 'bidirectional/backward_simple_rnn/simple_rnn_cell_2/bias [2]',
    'time_distributed/kernel [4, 5]', 'time_distributed/bias [5]',
    'gru_1/gru_cell_1/kernel [5, 6]', 'gru_1/gru_cell_1/recurrent_kernel [2, 6]', 'gru_1/gru_cell_1/bias [6]',
  ]);
});

test('initializers: orthogonal recurrent kernel, unitForgetBias, zero GRU biases, uniform embeddings', async () => {
  nt.clearSession();
  const lstm = new nt.LSTM({ units: 4 });
  lstm.apply(nt.Input({ shape: [3, 5] }));
  const u = lstm.recurrentKernel as nt.Variable;
  await close(nt.matmul(u, u, { transposeB: true }), nt.eye(4), 1e-5, 'U·Uᵀ');
  await close(lstm.bias as nt.Variable, [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 0, 'LSTM bias');
  const noForget = new nt.LSTM({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
  noForget.apply(nt.Input({ shape: [3, 5] }));
  await close(noForget.bias as nt.Variable, new Array(8).fill(1), 0, 'bias without unitForgetBias');
  const gru = new nt.GRU({ units: 3 });
  gru.apply(nt.Input({ shape: [3, 5] }));
  await close(gru.bias as nt.Variable, new Array(18).fill(0), 0, 'GRU bias');
  const emb = new nt.Embedding({ inputDim: 50, outputDim: 8 });
  emb.apply(nt.Input({ shape: [3] }));
  const e = Array.from(await (emb.embeddings as nt.Variable).data());
  assert.ok(e.every((v) => v >= -0.05 && v <= 0.05) && new Set(e).size > 300, 'embeddings uniform in [-0.05, 0.05]');
});

test('SimpleRNN: two steps by hand', async () => {
  const l = new nt.SimpleRNN({ units: 2, returnSequences: true });
  const x = t3([[[1, 2], [0.5, -1]]]);
  l.apply(x);
  const W = [[0.1, 0.2], [0.3, -0.4]];
  const U = [[0.5, -0.2], [0.1, 0.5]];
  const b = [0.1, -0.1];
  l.setWeights([nt.tensor(W), nt.tensor(U), nt.tensor(b)]);
  const h1 = [0, 1].map((j) => Math.tanh(1 * W[0][j] + 2 * W[1][j] + b[j]));
  const h2 = [0, 1].map((j) => Math.tanh(0.5 * W[0][j] - 1 * W[1][j] + h1[0] * U[0][j] + h1[1] * U[1][j] + b[j]));
  await close(l.apply(x) as nt.Tensor, [...h1, ...h2], 1e-6, 'SimpleRNN');
});

/** Keras LSTM with 1 unit and 1 feature, written out: gates i, f, c, o. */
function lstmByHand(xs: number[], W: number[], U: number[], b: number[]): { hs: number[]; c: number } {
  let h = 0;
  let c = 0;
  const hs: number[] = [];
  for (const x of xs) {
    const z = [0, 1, 2, 3].map((k) => x * W[k] + h * U[k] + b[k]);
    c = sigmoid(z[1]) * c + sigmoid(z[0]) * Math.tanh(z[2]);
    h = sigmoid(z[3]) * Math.tanh(c);
    hs.push(h);
  }
  return { hs, c };
}

test('LSTM: two steps by hand (gate order i, f, c, o), states [h, c]', async () => {
  const l = new nt.LSTM({ units: 1, returnSequences: true, returnState: true });
  const x = t3([[[2], [-1]]]);
  l.apply(x);
  const W = [0.5, -0.3, 0.8, 0.2];
  const U = [0.1, 0.4, -0.2, 0.3];
  const b = [0.1, 1.0, -0.1, 0.05];
  l.setWeights([nt.tensor([W]), nt.tensor([U]), nt.tensor(b)]);
  const [seq, h, c] = l.apply(x) as unknown as nt.Tensor[];
  const want = lstmByHand([2, -1], W, U, b);
  await close(seq, want.hs, 1e-6, 'LSTM outputs');
  await close(h, [want.hs[1]], 1e-6, 'LSTM h');
  await close(c, [want.c], 1e-6, 'LSTM c');
});

test('GRU: two steps by hand, resetAfter true (bias rows [input; recurrent]) and false', async () => {
  const W = [0.5, -0.3, 0.8];
  const U = [0.6, 0.4, -0.7];
  const bIn = [0.1, 0.2, -0.1];
  const bRec = [-0.2, 0.3, 0.25];
  const xs = [2, -1];
  for (const resetAfter of [true, false]) {
    const l = new nt.GRU({ units: 1, returnSequences: true, resetAfter });
    const x = t3([[[2], [-1]]]);
    l.apply(x);
    l.setWeights([nt.tensor([W]), nt.tensor([U]), resetAfter ? nt.tensor([bIn, bRec]) : nt.tensor(bIn)]);
    let h = 0;
    const hs: number[] = [];
    for (const xv of xs) {
      const z = sigmoid(xv * W[0] + bIn[0] + h * U[0] + (resetAfter ? bRec[0] : 0));
      const r = sigmoid(xv * W[1] + bIn[1] + h * U[1] + (resetAfter ? bRec[1] : 0));
      const hh = resetAfter ? Math.tanh(xv * W[2] + bIn[2] + r * (h * U[2] + bRec[2])) : Math.tanh(xv * W[2] + bIn[2] + r * h * U[2]);
      h = z * h + (1 - z) * hh;
      hs.push(h);
    }
    await close(l.apply(x) as nt.Tensor, hs, 1e-6, `GRU resetAfter=${resetAfter}`);
  }
});

test('masks (Keras backend.rnn): masked steps keep the states and repeat the previous output; first-step masks give zeros', async () => {
  nt.clearSession();
  const x = randn([1, 5, 3], 1);
  for (const layer of [new nt.LSTM({ units: 2, returnSequences: true, returnState: true }), new nt.GRU({ units: 2, returnSequences: true, returnState: true }), new nt.SimpleRNN({ units: 2, returnSequences: true, returnState: true })]) {
    const name = layer.getClassName();
    const masked = layer.apply(x, { mask: nt.tensor([[1, 1, 0, 1, 0]]) }) as unknown as nt.Tensor[];
    const kept = layer.apply(steps(x, [0, 1, 3])) as unknown as nt.Tensor[];
    const k = (await kept[0].array()) as number[][][];
    const expect = [k[0][0], k[0][1], k[0][1], k[0][2], k[0][2]].flat();
    await close(masked[0], expect, 1e-6, `${name} outputs`);
    for (const [i, s] of masked.slice(1).entries()) await close(s, kept[i + 1], 1e-6, `${name} state ${i}`);
    const lead = layer.apply(x, { mask: nt.tensor([[0, 0, 1, 1, 1]]) }) as unknown as nt.Tensor[];
    const tail = layer.apply(steps(x, [2, 3, 4])) as unknown as nt.Tensor[];
    await close(lead[0], [0, 0, 0, 0, ...Array.from(await tail[0].data())], 1e-6, `${name} leading masked outputs`);
  }
  const z = new nt.SimpleRNN({ units: 2, returnSequences: true, zeroOutputForMask: true });
  const out = (await (z.apply(x, { mask: nt.tensor([[1, 0, 1, 1, 0]]) }) as nt.Tensor).array()) as number[][][];
  assert.deepEqual([out[0][1], out[0][4]], [[0, 0], [0, 0]], 'zeroOutputForMask');
});

test('Embedding(maskZero) and Masking drive the mask through Sequential: padded = unpadded (left or right)', async () => {
  nt.clearSession();
  nt.setSeed(5);
  const emb = new nt.Embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputShape: [null] });
  const lstm = new nt.LSTM({ units: 4 });
  const model = new nt.Sequential([emb, lstm, new nt.Dense({ units: 2 })]);
  const ids = (rows: number[][]): nt.Tensor => nt.tensor(rows, undefined, 'int32');
  const ref = model.predict(ids([[5, 3, 7]])) as nt.Tensor;
  await close(model.predict(ids([[5, 3, 7, 0, 0]])) as nt.Tensor, ref, 1e-6, 'right padding');
  await close(model.predict(ids([[0, 0, 5, 3, 7]])) as nt.Tensor, ref, 1e-6, 'left padding');
  await close(model.predict(nt.tensor([[0, 5, 0, 3, 7]])) as nt.Tensor, ref, 1e-6, 'padding inside, float ids');
  assert.ok(Math.abs((await (model.predict(ids([[5, 3, 7, 1]])) as nt.Tensor).data())[0] - (await ref.data())[0]) > 1e-4, 'an unmasked extra step changes the result');
  const masking = new nt.Sequential([new nt.Masking({ maskValue: -1, inputShape: [null, 2] }), new nt.SimpleRNN({ units: 3 })]);
  const x = nt.tensor([[[1, 2], [-1, -1], [3, -1], [-1, -1]]]);
  await close(masking.predict(x) as nt.Tensor, masking.predict(nt.tensor([[[1, 2], [3, -1]]])) as nt.Tensor, 1e-6, 'Masking(-1)');
  await close(new nt.Masking({ maskValue: -1 }).apply(x) as nt.Tensor, [1, 2, 0, 0, 3, -1, 0, 0], 0, 'Masking zeroes masked steps');
  await close(new nt.Masking({ maskValue: -1 }).computeMask(x) as nt.Tensor, [1, 0, 1, 0], 0, 'Masking mask');
  await close(emb.computeMask(ids([[4, 0, 2]])) as nt.Tensor, [1, 0, 1], 0, 'Embedding mask');
});

test('masks through functional graphs: branches, Concatenate/Add (AND), TimeDistributed, GlobalAveragePooling1D, nested models', async () => {
  nt.clearSession();
  nt.setSeed(6);
  const input = nt.Input({ shape: [null] });
  const e = new nt.Embedding({ inputDim: 12, outputDim: 3, maskZero: true }).apply(input) as nt.SymbolicTensor;
  const td = new nt.TimeDistributed({ layer: new nt.Dense({ units: 3, activation: 'tanh' }) }).apply(e) as nt.SymbolicTensor;
  const a = new nt.LSTM({ units: 2, returnSequences: true }).apply(td) as nt.SymbolicTensor;
  const b = new nt.GRU({ units: 2, returnSequences: true }).apply(e) as nt.SymbolicTensor;
  const cat = new nt.Concatenate().apply([a, b]) as nt.SymbolicTensor;
  const sum = new nt.Add().apply([a, b]) as nt.SymbolicTensor;
  const last = new nt.SimpleRNN({ units: 2 }).apply(cat) as nt.SymbolicTensor;
  const pooled = new nt.GlobalAveragePooling1D().apply(sum) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: input, outputs: [last, pooled] });
  const run = (rows: number[][]): nt.Tensor[] => model.predict(nt.tensor(rows, undefined, 'int32')) as unknown as nt.Tensor[];
  const [r1, r2] = run([[4, 9, 2]]);
  const [p1, p2] = run([[4, 9, 2, 0, 0]]);
  await close(p1, r1, 1e-6, 'RNN after Concatenate');
  await close(p2, r2, 1e-6, 'GlobalAveragePooling1D after Add');
  // A nested model passes its output mask on.
  const inner = new nt.Sequential([new nt.Embedding({ inputDim: 12, outputDim: 3, maskZero: true, inputShape: [null] })]);
  const outer = new nt.Sequential([inner, new nt.LSTM({ units: 2 })]);
  await close(outer.predict(nt.tensor([[4, 9, 0]], undefined, 'int32')) as nt.Tensor, outer.predict(nt.tensor([[4, 9]], undefined, 'int32')) as nt.Tensor, 1e-6, 'nested model mask');
  const gap = new nt.GlobalAveragePooling1D();
  await close(gap.apply(t3([[[1, 10], [3, 20], [100, 100]]]), { mask: nt.tensor([[1, 1, 0]]) }) as nt.Tensor, [2, 15], 1e-6, 'masked mean');
});

test('goBackwards: the sequence read last to first (returned in reversed order, as Keras)', async () => {
  nt.clearSession();
  const x = randn([2, 4, 3], 2);
  const rev = steps(x, [3, 2, 1, 0]);
  for (const make of [(g: boolean) => new nt.LSTM({ units: 2, returnSequences: true, goBackwards: g }), (g: boolean) => new nt.GRU({ units: 2, returnSequences: true, goBackwards: g })]) {
    const fwd = make(false);
    const bwd = make(true);
    fwd.apply(x);
    bwd.apply(x);
    bwd.setWeights(fwd.getWeights());
    await close(bwd.apply(x) as nt.Tensor, fwd.apply(rev) as nt.Tensor, 1e-6, `${fwd.getClassName()} goBackwards`);
    const m = nt.tensor([[1, 1, 1, 0], [1, 0, 1, 1]]);
    await close(bwd.apply(x, { mask: m }) as nt.Tensor, fwd.apply(rev, { mask: nt.gather(m, [3, 2, 1, 0], 1) }) as nt.Tensor, 1e-6, `${fwd.getClassName()} goBackwards masked`);
  }
});

test('Bidirectional: merge modes from the two directions; mask gives zeros at masked steps with sequences; returnState', async () => {
  nt.clearSession();
  const x = randn([2, 4, 3], 3);
  const fwd = new nt.LSTM({ units: 2, returnSequences: true });
  const bwd = new nt.LSTM({ units: 2, returnSequences: true, goBackwards: true });
  fwd.apply(x);
  bwd.apply(x);
  const yf = fwd.apply(x) as nt.Tensor;
  const yb = steps(bwd.apply(x) as nt.Tensor, [3, 2, 1, 0]);
  const expected: Record<string, nt.Tensor> = { concat: nt.concat([yf, yb], -1), sum: nt.add(yf, yb), mul: nt.mul(yf, yb), ave: nt.div(nt.add(yf, yb), 2) };
  for (const mode of ['concat', 'sum', 'mul', 'ave', null] as const) {
    const bi = new nt.Bidirectional({ layer: new nt.LSTM({ units: 2, returnSequences: true }), mergeMode: mode });
    bi.apply(x);
    bi.setWeights([...fwd.getWeights(), ...bwd.getWeights()]);
    const out = bi.apply(x);
    if (mode === null) {
      await close((out as unknown as nt.Tensor[])[0], yf, 1e-6, 'null: forward');
      await close((out as unknown as nt.Tensor[])[1], yb, 1e-6, 'null: backward');
    } else await close(out as nt.Tensor, expected[mode], 1e-6, mode);
  }
  const bi = new nt.Bidirectional({ layer: new nt.GRU({ units: 2, returnSequences: true, returnState: true }) });
  const mask = nt.tensor([[1, 1, 0, 0], [1, 1, 1, 1]]);
  const out = bi.apply(x, { mask }) as unknown as nt.Tensor[];
  assert.equal(out.length, 3, 'output, forward h, backward h');
  const seq = (await out[0].array()) as number[][][];
  assert.deepEqual([seq[0][2], seq[0][3]], [[0, 0, 0, 0], [0, 0, 0, 0]], 'masked steps output zeros (zero_output_for_mask)');
  await close(nt.slice(out[1], [0, 0], [1, 2]), seq[0][1].slice(0, 2), 1e-6, 'forward h of sample 0 = its forward output at its last unmasked step (1)');
  await close(nt.slice(out[1], [1, 0], [1, 2]), seq[1][3].slice(0, 2), 1e-6, 'forward h of sample 1 = its forward output at step 3');
  assert.equal(bi.computeOutputShape([null, 4, 3]).length, 3);
});

test('returnState and states: h equals the last output; LSTM c', async () => {
  nt.clearSession();
  const x = randn([3, 5, 2], 4);
  for (const layer of [new nt.LSTM({ units: 4, returnState: true }), new nt.GRU({ units: 4, returnState: true }), new nt.SimpleRNN({ units: 4, returnState: true })]) {
    const out = layer.apply(x) as unknown as nt.Tensor[];
    assert.equal(out.length, layer instanceof nt.LSTM ? 3 : 2);
    await close(out[1], out[0], 0, `${layer.getClassName()} h = output`);
    const sym = layer.apply(nt.Input({ shape: [5, 2] })) as unknown as nt.SymbolicTensor[];
    assert.deepEqual(sym.map((s) => [...s.shape]), out.map((t) => [null, ...t.shape.slice(1)]));
  }
});

test('stateful: states carry over between calls until resetStates()', async () => {
  nt.clearSession();
  const x = randn([2, 6, 3], 5);
  const ref = new nt.LSTM({ units: 3 });
  const st = new nt.LSTM({ units: 3, stateful: true, batchInputShape: [2, null, 3] });
  ref.apply(x);
  st.apply(x);
  st.resetStates();
  st.setWeights(ref.getWeights());
  const whole = ref.apply(x) as nt.Tensor;
  st.apply(steps(x, [0, 1, 2]));
  await close(st.apply(steps(x, [3, 4, 5])) as nt.Tensor, whole, 1e-6, 'two halves = whole');
  st.resetStates();
  await close(st.apply(steps(x, [0, 1, 2])) as nt.Tensor, ref.apply(steps(x, [0, 1, 2])) as nt.Tensor, 1e-6, 'after resetStates');
  st.resetStates([nt.ones([2, 3]), nt.zeros([2, 3])]);
  await close(st.states?.[0] as nt.Tensor, nt.ones([2, 3]), 0, 'resetStates(values)');
  assert.throws(() => st.apply(randn([3, 2, 3], 6)), /stateful layer keeps states for batches of 2; got a batch of 3/);
  assert.throws(() => ref.resetStates(), /resetStates\(\) needs a stateful layer/);
  // Stateful in a model: predict twice continues the sequence; Bidirectional resets both.
  const model = new nt.Sequential([new nt.GRU({ units: 2, stateful: true, batchInputShape: [1, 2, 1] })]);
  const a = model.predict(nt.ones([1, 2, 1])) as nt.Tensor;
  const b = model.predict(nt.ones([1, 2, 1])) as nt.Tensor;
  assert.ok(Math.abs((await a.data())[0] - (await b.data())[0]) > 1e-6, 'the second call starts from the carried state');
  model.resetStates();
  await close(model.predict(nt.ones([1, 2, 1])) as nt.Tensor, a, 0, 'model.resetStates()');
  const bi = new nt.Bidirectional({ layer: new nt.SimpleRNN({ units: 2, stateful: true }), batchInputShape: [1, 2, 1] });
  bi.apply(nt.ones([1, 2, 1]));
  bi.resetStates();
  assert.deepEqual(Array.from((await bi.forwardLayer.states?.[0].data()) ?? []), [0, 0]);
});

test('dropout and recurrentDropout act in training only', async () => {
  nt.clearSession();
  const x = randn([4, 5, 3], 6);
  for (const layer of [new nt.LSTM({ units: 3, dropout: 0.5, recurrentDropout: 0.5 }), new nt.GRU({ units: 3, dropout: 0.5 }), new nt.SimpleRNN({ units: 3, recurrentDropout: 0.5 })]) {
    const inf = layer.apply(x) as nt.Tensor;
    await close(layer.apply(x, { training: false }) as nt.Tensor, inf, 0, 'inference is deterministic');
    const tr = layer.apply(x, { training: true }) as nt.Tensor;
    const infValues = await inf.data();
    assert.ok(Array.from(await tr.data()).some((v, i) => Math.abs(v - infValues[i]) > 1e-4), `${layer.getClassName()}: training differs`);
  }
});

test('configs: Keras keys, round trip through the registry, whole models rebuilt with the same outputs', async () => {
  nt.clearSession();
  const lstm = new nt.LSTM({ units: 3, returnSequences: true, dropout: 0.1, recurrentActivation: 'hard_sigmoid' });
  assert.deepEqual(Object.keys(lstm.getConfig()).sort(), [
    'activation', 'activity_regularizer', 'bias_constraint', 'bias_initializer', 'bias_regularizer', 'dropout', 'dtype', 'go_backwards', 'implementation',
    'kernel_constraint', 'kernel_initializer', 'kernel_regularizer', 'name', 'recurrent_activation', 'recurrent_constraint', 'recurrent_dropout', 'recurrent_initializer',
    'recurrent_regularizer', 'return_sequences', 'return_state', 'stateful', 'time_major', 'trainable', 'unit_forget_bias', 'units', 'unroll', 'use_bias',
  ]);
  const layers: nt.Layer[] = [
    lstm, new nt.GRU({ units: 2, resetAfter: false, goBackwards: true }), new nt.SimpleRNN({ units: 2, activation: 'relu', kernelRegularizer: 'l2' }),
    new nt.Embedding({ inputDim: 7, outputDim: 2, maskZero: true, inputLength: 4 }), new nt.Masking({ maskValue: 2 }),
    new nt.Bidirectional({ layer: new nt.LSTM({ units: 2 }), mergeMode: 'sum', backwardLayer: new nt.LSTM({ units: 2, goBackwards: true, activation: 'relu' }) }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 3 }) }),
  ];
  for (const l of layers) {
    const s = nt.serialize(l);
    const copy = nt.deserializeLayer(JSON.parse(JSON.stringify(s)) as nt.Serialized);
    assert.equal(copy.getClassName(), l.getClassName());
    assert.deepEqual(copy.getConfig(), s.config, `${l.getClassName()} config round trip`);
  }
  nt.setSeed(7);
  const model = new nt.Sequential([
    new nt.Embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 5 }),
    new nt.Bidirectional({ layer: new nt.LSTM({ units: 2, returnSequences: true }) }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 3 }) }),
    new nt.GRU({ units: 2 }),
  ]);
  const rebuilt = nt.Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())) as nt.ConfigDict);
  rebuilt.setWeights(model.getWeights());
  const ids = nt.tensor([[1, 4, 8, 0, 0], [3, 3, 2, 7, 1]], undefined, 'int32');
  await close(rebuilt.predict(ids) as nt.Tensor, model.predict(ids) as nt.Tensor, 0, 'rebuilt model');
});

test('Keras 2 JSON configs (snake_case) load', () => {
  nt.clearSession();
  const init = (name: string): nt.ConfigDict => ({ class_name: name, config: name === 'Zeros' ? {} : { seed: null } });
  const common = { trainable: true, dtype: 'float32', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: init('GlorotUniform'), recurrent_initializer: init('Orthogonal'), bias_initializer: init('Zeros'), kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2 };
  const gru = nt.deserializeLayer({ class_name: 'GRU', config: { ...common, name: 'gru_7', units: 5, reset_after: true } });
  assert.ok(gru instanceof nt.GRU && gru.units === 5 && gru.resetAfter && gru.name === 'gru_7');
  const bi = nt.deserializeLayer({ class_name: 'Bidirectional', config: { name: 'bidirectional', trainable: true, dtype: 'float32', layer: { class_name: 'LSTM', config: { ...common, name: 'lstm', units: 4, unit_forget_bias: true, return_sequences: true } }, merge_mode: 'concat' } });
  assert.ok(bi instanceof nt.Bidirectional);
  assert.deepEqual([...(bi.apply(nt.Input({ shape: [6, 3] })) as nt.SymbolicTensor).shape], [null, 6, 8]);
  const emb = nt.deserializeLayer({ class_name: 'Embedding', config: { name: 'embedding', trainable: true, batch_input_shape: [null, 10], dtype: 'float32', input_dim: 100, output_dim: 16, embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } }, embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: true, input_length: 10 } });
  assert.ok(emb instanceof nt.Embedding && emb.maskZero && emb.inputLength === 10);
});

test('errors name the layer, the expected and the given shapes', () => {
  nt.clearSession();
  const lstm = new nt.LSTM({ units: 2 });
  assert.throws(() => lstm.apply(nt.zeros([2, 3])), /Layer lstm \(LSTM\): expected input of rank 3; got input shape \(2, 3\)/);
  lstm.apply(nt.zeros([1, 2, 3]));
  assert.throws(() => lstm.apply(nt.zeros([1, 2, 4])), /Layer lstm \(LSTM\): expected input shape \(None, 2, 3\) \(axis -1 = 3\); got input shape \(1, 2, 4\)/);
  assert.throws(() => lstm.apply([nt.zeros([1, 2, 3]), nt.zeros([1, 5])]), /initial state needs 2 state tensor\(s\) of shape \(1, 2\); got 1/);
  assert.throws(() => lstm.apply(nt.zeros([1, 2, 3]), { mask: nt.ones([1, 3]) }), /the mask must have shape \(1, 2\)/);
  assert.throws(() => new nt.LSTM({ units: 0 }), /LSTM: units must be a positive integer; got 0/);
  assert.throws(() => new nt.GRU({ units: 2, timeMajor: true }), /timeMajor must be false/);
  assert.throws(() => new nt.SimpleRNN({ units: 2, dropout: 1.5 }), /dropout must be in \[0, 1\]; got 1.5/);
  assert.throws(() => new nt.Bidirectional({ layer: new nt.LSTM({ units: 2 }), mergeMode: 'max' as unknown as 'sum' }), /mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null; got 'max'/);
  assert.throws(() => new nt.Bidirectional({ layer: new nt.Dense({ units: 2 }) as unknown as nt.LSTM }), /Bidirectional: layer must be a recurrent layer/);
  assert.throws(() => new nt.Bidirectional({ layer: new nt.LSTM({ units: 2 }), backwardLayer: new nt.LSTM({ units: 2 }) }), /different goBackwards/);
  const emb = new nt.Embedding({ inputDim: 5, outputDim: 2 });
  assert.throws(() => emb.apply(nt.tensor([[1, 5]], undefined, 'int32')), /Layer embedding \(Embedding\): index 5 at position 1 of the input \(shape \[1, 2\]\) is outside \[0, 5\)/);
  assert.throws(() => new nt.TimeDistributed({ layer: new nt.Dense({ units: 2 }) }).apply(nt.zeros([2, 3])), /TimeDistributed\): expected input of rank ≥ 3/);
});

test('save and loadModel: recurrent models round-trip (native file and web JSON)', async () => {
  nt.clearSession();
  nt.setSeed(8);
  const model = new nt.Sequential([
    new nt.Embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 4 }),
    new nt.Bidirectional({ layer: new nt.GRU({ units: 2, returnSequences: true }), mergeMode: 'ave' }),
    new nt.TimeDistributed({ layer: new nt.Dense({ units: 2 }) }),
    new nt.SimpleRNN({ units: 2 }),
  ]);
  const ids = nt.tensor([[1, 4, 0, 0], [3, 3, 2, 7]], undefined, 'int32');
  const want = model.predict(ids) as nt.Tensor;
  const dir = mkdtempSync(join(tmpdir(), 'neurite-rnn-'));
  try {
    for (const file of ['m.nw', 'm.json']) {
      await model.save(join(dir, file));
      nt.clearSession(); // cell names count per session, as in Keras: a fresh session gives the same names
      const loaded = await nt.loadModel(join(dir, file));
      await close(loaded.predict(ids) as nt.Tensor, want, 0, `loadModel ${file}`);
      assert.deepEqual(loaded.weights.map((w) => w.name), model.weights.map((w) => w.name));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encoder–decoder: the states of one LSTM start another (functional list input [x, h, c]), config round trip, training', async () => {
  nt.clearSession();
  nt.setSeed(3);
  const encIn = nt.Input({ shape: [null, 4] });
  const [, h, c] = new nt.LSTM({ units: 5, returnState: true }).apply(encIn) as unknown as nt.SymbolicTensor[];
  const decIn = nt.Input({ shape: [null, 3] });
  const decoder = new nt.LSTM({ units: 5, returnSequences: true });
  const y = decoder.apply([decIn, h, c]) as nt.SymbolicTensor;
  const out = new nt.TimeDistributed({ layer: new nt.Dense({ units: 3, activation: 'softmax' }) }).apply(y) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: [encIn, decIn], outputs: out });
  assert.equal(model.countParams(), 200 + 180 + 18);
  const xe = nt.randomUniform([8, 6, 4], { seed: 1 });
  const xd = nt.randomUniform([8, 5, 3], { seed: 2 });
  const [, hr, cr] = (model.getLayer('lstm').apply(xe) as unknown as nt.Tensor[]);
  await close(model.predict([xe, xd]) as nt.Tensor, model.getLayer('time_distributed').apply(decoder.apply([xd, hr, cr]) as nt.Tensor) as nt.Tensor, 1e-6, 'decoder from the encoder states');
  const rebuilt = nt.Model.fromConfig(JSON.parse(JSON.stringify(model.getConfig())) as nt.ConfigDict);
  rebuilt.setWeights(model.getWeights());
  await close(rebuilt.predict([xe, xd]) as nt.Tensor, model.predict([xe, xd]) as nt.Tensor, 0, 'rebuilt from config');
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.05 }), loss: 'categorical_crossentropy' });
  const target = nt.oneHot(nt.tensor(Array.from({ length: 40 }, (_, i) => i % 3), [8, 5], 'int32'), 3);
  const first = (await model.trainOnBatch([xe, xd], target)) as number;
  for (let i = 0; i < 20; i++) await model.trainOnBatch([xe, xd], target);
  assert.ok(((await model.testOnBatch([xe, xd], target)) as number) < first, 'the loss falls');
});
