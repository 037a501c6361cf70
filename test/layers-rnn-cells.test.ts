/**
 * Keras' recurrent cells (SimpleRNNCell, LSTMCell, GRUCell), RNN(cell), StackedRNNCells and
 * ConvLSTM2D: one-step values against hand formulas (Keras' cell equations written out in
 * float64), RNN(cell) against the SimpleRNN/LSTM/GRU layers on the same weights (the fused
 * kernels, found on the tape), a stack against step-by-step cell calls and against stacked
 * layers, a user-written cell (forward against its own loop, training), configs, ConvLSTM2D
 * against a direct loop of convolutions. Engine file: tiny shapes. Finite-difference
 * gradients: gradients-rnn-cells.test.ts; PyTorch oracle and .h5 files: torch-rnn-cells.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor, Variable } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';

type Arr = ArrayLike<number>;
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

async function close(got: Tensor, want: Arr | Tensor, tol = 1e-5, what = 'values'): Promise<void> {
  const g = Array.from(await got.data());
  const w = Array.from(want instanceof nt.Tensor ? await want.data() : want);
  assert.equal(g.length, w.length, `${what}: ${g.length} values, expected ${w.length}`);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i])), `${what}[${i}]: got ${v}, want ${w[i]}`));
}

/** x [B, F] · W [F, G] (+ b [G]) in float64. */
function affine(x: Arr, w: Arr, b: Arr | null, B: number, F: number, G: number, bOff = 0): Float64Array {
  const out = new Float64Array(B * G);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < G; j++) {
      let s = b ? b[bOff + j] : 0;
      for (let k = 0; k < F; k++) s += x[i * F + k] * w[k * G + j];
      out[i * G + j] = s;
    }
  }
  return out;
}

/** Values of a cell's weights (kernel, recurrent_kernel, bias). */
async function weightsOf(layer: nt.Layer): Promise<Float32Array[]> {
  return Promise.all(layer.weights.map(async (w) => (await w.data()) as Float32Array));
}

/** The op names on the tape behind y (to see which kernel ran). */
function opsBehind(y: Tensor): Set<string> {
  const ops = new Set<string>();
  const stack: Tensor[] = [y];
  const seen = new Set<Tensor>();
  while (stack.length > 0) {
    const t = stack.pop() as Tensor;
    if (seen.has(t) || t.gradFn === null) continue;
    seen.add(t);
    ops.add(t.gradFn.op);
    stack.push(...t.gradFn.inputs);
  }
  return ops;
}

/** Random weights of moderate size, so the gates are neither saturated nor linear. */
function randomize(layer: nt.Layer, seed: number): void {
  layer.setWeights(layer.weights.map((w, i) => randn(w.shape, seed + i, 0.5)));
}

test('SimpleRNNCell, LSTMCell and GRUCell: one step equals Keras\' cell equations', async () => {
  const [B, F, U] = [2, 3, 4];
  const x = randn([B, F], 1);
  const h0 = randn([B, U], 2, 0.5);
  const c0 = randn([B, U], 3, 0.5);
  const [xv, hv, cv] = [await x.data(), await h0.data(), await c0.data()];

  const simple = new nt.SimpleRNNCell({ units: U });
  simple.build([B, F]);
  randomize(simple, 10);
  const [sk, sr, sb] = await weightsOf(simple);
  const [sOut, sState] = simple.apply([x, h0]) as Tensor[];
  const zs = affine(xv, sk, sb, B, F, U);
  const rs = affine(hv, sr, null, B, U, U);
  const want = zs.map((v, i) => Math.tanh(v + rs[i]));
  await close(sOut, want);
  await close(sState, want);

  const lstm = new nt.LSTMCell({ units: U });
  lstm.build([B, F]);
  randomize(lstm, 20);
  const [lk, lr, lb] = await weightsOf(lstm);
  const [lOut, lh, lc] = lstm.apply([x, h0, c0]) as Tensor[];
  const z = affine(xv, lk, lb, B, F, 4 * U).map((v, i) => v + affine(hv, lr, null, B, U, 4 * U)[i]);
  const wantH = new Float64Array(B * U);
  const wantC = new Float64Array(B * U);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < U; j++) {
      const g = (k: number): number => z[b * 4 * U + k * U + j];
      const c = sig(g(1)) * cv[b * U + j] + sig(g(0)) * Math.tanh(g(2));
      wantC[b * U + j] = c;
      wantH[b * U + j] = sig(g(3)) * Math.tanh(c);
    }
  }
  await close(lOut, wantH);
  await close(lh, wantH);
  await close(lc, wantC);
  assert.deepEqual(lstm.stateSize, [U, U]);
  assert.equal(lstm.outputSize, U);
  assert.deepEqual(lstm.getInitialState(3).map((s) => s.shape), [[3, U], [3, U]]);

  for (const resetAfter of [true, false]) {
    const gru = new nt.GRUCell({ units: U, resetAfter });
    gru.build([B, F]);
    randomize(gru, resetAfter ? 30 : 40);
    const [gk, gr, gb] = await weightsOf(gru);
    assert.deepEqual(gru.weights[2].shape, resetAfter ? [2, 3 * U] : [3 * U]);
    const [gOut] = gru.apply([x, h0]) as Tensor[];
    // Keras GRUCell: x-projections with the (input) bias; recurrent products h·U_k (+ recurrent bias row).
    const mx = affine(xv, gk, gb, B, F, 3 * U);
    const mh = affine(hv, gr, resetAfter ? gb : null, B, U, 3 * U, 3 * U);
    const want = new Float64Array(B * U);
    for (let b = 0; b < B; b++) {
      const at = (v: Float64Array, k: number, j: number): number => v[b * 3 * U + k * U + j];
      const zg = Array.from({ length: U }, (_, j) => sig(at(mx, 0, j) + at(mh, 0, j)));
      const rg = Array.from({ length: U }, (_, j) => sig(at(mx, 1, j) + at(mh, 1, j)));
      const hrow = Array.from(hv).slice(b * U, (b + 1) * U);
      // resetAfter false: hh = tanh(x_h + (r·h)·U_h), U_h the last third of the recurrent kernel's columns.
      const rhU = affine(hrow.map((v, q) => v * rg[q]), gr, null, 1, U, 3 * U);
      for (let j = 0; j < U; j++) {
        const hh = Math.tanh(at(mx, 2, j) + (resetAfter ? rg[j] * at(mh, 2, j) : rhU[2 * U + j]));
        want[b * U + j] = zg[j] * hrow[j] + (1 - zg[j]) * hh;
      }
    }
    await close(gOut, want, 1e-5, `GRUCell resetAfter=${resetAfter}`);
  }
});

test('RNN(LSTMCell) is LSTM and RNN(GRUCell) is GRU on the same weights, through the fused kernels', async () => {
  const x = randn([2, 5, 3], 4);
  const mask = nt.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
  const cases: [() => nt.Layer, () => nt.Layer][] = [
    [() => new nt.LSTM({ units: 4, returnSequences: true, returnState: true }), () => new nt.RNN({ cell: new nt.LSTMCell({ units: 4 }), returnSequences: true, returnState: true })],
    [() => new nt.LSTM({ units: 4, goBackwards: true, returnState: true }), () => new nt.RNN({ cell: new nt.LSTMCell({ units: 4 }), goBackwards: true, returnState: true })],
    [() => new nt.GRU({ units: 4, returnSequences: true }), () => new nt.RNN({ cell: new nt.GRUCell({ units: 4 }), returnSequences: true })],
    [() => new nt.GRU({ units: 4, resetAfter: false, returnState: true }), () => new nt.RNN({ cell: new nt.GRUCell({ units: 4, resetAfter: false }), returnState: true })],
    [() => new nt.SimpleRNN({ units: 4, returnSequences: true }), () => new nt.RNN({ cell: new nt.SimpleRNNCell({ units: 4 }), returnSequences: true })],
  ];
  for (const [k, [makeLayer, makeRnn]] of cases.entries()) {
    const layer = makeLayer();
    const rnn = makeRnn();
    layer.apply(x);
    rnn.apply(x);
    assert.deepEqual(rnn.weights.map((w) => w.shape), layer.weights.map((w) => w.shape));
    randomize(layer, 100 + 10 * k);
    rnn.setWeights(layer.getWeights());
    for (const m of [undefined, mask]) {
      const want = ([] as Tensor[]).concat(layer.apply(x, { mask: m }) as Tensor | Tensor[]);
      const got = ([] as Tensor[]).concat(nt.noGrad(() => rnn.apply(x, { mask: m })) as Tensor | Tensor[]);
      assert.equal(got.length, want.length);
      for (const [i, g] of got.entries()) await close(g, want[i], 1e-5, `case ${k} output ${i}${m ? ' (masked)' : ''}`);
    }
    // The tape shows which kernel ran: the fused op for LSTM/GRU cells, `scan` for SimpleRNN.
    const y = ([] as Tensor[]).concat(rnn.apply(x) as Tensor | Tensor[])[0];
    assert.ok(opsBehind(y).has(k < 4 ? 'fusedRnn' : 'scan'), `case ${k}: ${[...opsBehind(y)].join(', ')}`);
    // Without fusion the cell's own step runs inside scan, with the same values.
    const was = nt.setRecurrentFusion(false);
    try {
      const yScan = ([] as Tensor[]).concat(rnn.apply(x) as Tensor | Tensor[])[0];
      assert.ok(!opsBehind(yScan).has('fusedRnn') && opsBehind(yScan).has('scan'));
      await close(yScan, y, 1e-5, `case ${k} scan vs fused`);
    } finally {
      nt.setRecurrentFusion(was);
    }
  }
  // Non-default activations cannot use the fused kernel: the cell's step runs in scan.
  const hard = new nt.RNN({ cell: new nt.LSTMCell({ units: 3, recurrentActivation: 'hard_sigmoid' }) });
  assert.ok(opsBehind(hard.apply(x) as Tensor).has('scan'));
});

test('RNN with initial states and stateful carries states as LSTM does', async () => {
  const x = randn([2, 4, 3], 5);
  const h0 = randn([2, 3], 6, 0.5);
  const c0 = randn([2, 3], 7, 0.5);
  const lstm = new nt.LSTM({ units: 3, stateful: true });
  const rnn = new nt.RNN({ cell: new nt.LSTMCell({ units: 3 }), stateful: true });
  lstm.apply(x);
  rnn.apply(x);
  randomize(lstm, 200);
  rnn.setWeights(lstm.getWeights());
  lstm.resetStates();
  rnn.resetStates();
  await close(rnn.apply([x, h0, c0]) as Tensor, lstm.apply([x, h0, c0]) as Tensor);
  // Stateful: the next call starts from the carried states.
  await close(rnn.apply(x) as Tensor, lstm.apply(x) as Tensor);
  assert.equal(rnn.states?.length, 2);
  rnn.resetStates();
  assert.deepEqual(Array.from(await (rnn.states as Tensor[])[1].data()), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => rnn.apply([x, h0]), /needs 2 state tensor\(s\) of shape \[2, 3\], \[2, 3\]; got \[2, 3\]/);
});

test('StackedRNNCells: a stack equals step-by-step cell calls and two stacked layers; weights as tf.keras 2', async () => {
  nt.clearSession();
  const [B, T, F] = [2, 4, 3];
  const x = randn([B, T, F], 8);
  for (const goBackwards of [false, true]) {
    const cells = [new nt.LSTMCell({ units: 4 }), new nt.GRUCell({ units: 2 })];
    const rnn = new nt.RNN({ cell: cells, returnSequences: true, returnState: true, goBackwards });
    rnn.apply(x);
    randomize(rnn, goBackwards ? 300 : 310);
    const out = rnn.apply(x) as unknown as Tensor[];
    assert.equal(out.length, 4);
    assert.deepEqual(out.map((t) => t.shape), [[B, T, 2], [B, 4], [B, 4], [B, 2]]);
    if (!goBackwards) {
      assert.deepEqual(rnn.weights.map((w) => w.name), ['rnn/stacked_rnn_cells/lstm_cell/kernel', 'rnn/stacked_rnn_cells/lstm_cell/recurrent_kernel', 'rnn/stacked_rnn_cells/lstm_cell/bias',
        'rnn/stacked_rnn_cells/gru_cell/kernel', 'rnn/stacked_rnn_cells/gru_cell/recurrent_kernel', 'rnn/stacked_rnn_cells/gru_cell/bias']);
    }
    // Reference: the stack's own one-step call, time step by time step.
    const stack = rnn.cell as nt.StackedRNNCells;
    assert.deepEqual(stack.stateSize, [4, 4, 2]);
    let states = stack.getInitialState(B);
    const outs: Tensor[] = [];
    for (let s = 0; s < T; s++) {
      const t = goBackwards ? T - 1 - s : s;
      const [o, ...next] = stack.apply([nt.reshape(nt.gather(x, [t], 1), [B, F]), ...states]) as Tensor[];
      outs.push(o);
      states = next;
    }
    await close(out[0], nt.stack(outs, 1), 1e-5, 'sequence');
    for (let i = 0; i < 3; i++) await close(out[i + 1], states[i], 1e-5, `state ${i}`);
    if (!goBackwards) {
      // Two layers with the same weights.
      const l1 = new nt.LSTM({ units: 4, returnSequences: true });
      const l2 = new nt.GRU({ units: 2, returnSequences: true });
      l2.apply(l1.apply(x) as Tensor);
      const w = rnn.getWeights();
      l1.setWeights(w.slice(0, 3));
      l2.setWeights(w.slice(3));
      await close(out[0], l2.apply(l1.apply(x) as Tensor) as Tensor, 1e-5, 'stacked layers');
    }
  }
});

/** A user-written cell, as in Keras' RNN documentation: h = x·W + h₋₁·U (then tanh). */
class MinimalRNNCell extends nt.Layer {
  static override readonly className = 'MinimalRNNCell';
  readonly stateSize: number;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;

  constructor(readonly units: number, args: nt.LayerArgs = {}) {
    super(args);
    this.stateSize = units;
  }

  override build(inputShape: nt.LayerShape | readonly nt.LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as nt.LayerShape;
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1] as number, this.units], { initializer: 'glorot_uniform' });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], { initializer: 'orthogonal' });
  }

  call(inputs: Tensor | Tensor[]): Tensor[] {
    const [x, h] = inputs as Tensor[];
    const out = nt.tanh(nt.add(nt.matmul(x, this.kernel as Tensor), nt.matmul(h, this.recurrentKernel as Tensor)));
    return [out, out];
  }

  override computeOutputShape(inputShape: nt.LayerShape | readonly nt.LayerShape[]): nt.LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as nt.LayerShape;
    return [[shape[0], this.units], [shape[0], this.units]];
  }

  protected override layerConfig(): nt.ConfigDict {
    return { units: this.units };
  }

  static fromConfig(config: nt.ConfigDict): MinimalRNNCell {
    return new MinimalRNNCell(config.units as number, { name: config.name as string });
  }
}

test('a user-written cell runs inside RNN (its call is the step in scan), gets gradients and trains', async () => {
  nt.setSeed(3);
  const x = randn([3, 4, 2], 9);
  const cell = new MinimalRNNCell(3);
  const rnn = new nt.RNN({ cell, returnSequences: true });
  const y = rnn.apply(x) as Tensor;
  assert.deepEqual(y.shape, [3, 4, 3]);
  let h = nt.zeros([3, 3]);
  const outs: Tensor[] = [];
  for (let t = 0; t < 4; t++) {
    [h] = cell.call([nt.reshape(nt.gather(x, [t], 1), [3, 2]), h]);
    outs.push(h);
  }
  await close(y, nt.stack(outs, 1));
  assert.match(cell.kernel?.name ?? '', /^rnn(_\d+)?\/minimal_rnn_cell\/kernel$/);
  // Gradients reach the cell's weights through scan (the same as unrolled ops).
  const loss = (): Tensor => nt.sum(nt.mul(rnn.apply(x) as Tensor, randn([3, 4, 3], 10)));
  const g = nt.gradients(loss(), [cell.kernel as Variable, cell.recurrentKernel as Variable]);
  const unrolled = (): Tensor => {
    let s = nt.zeros([3, 3]);
    const o: Tensor[] = [];
    for (let t = 0; t < 4; t++) {
      [s] = cell.call([nt.reshape(nt.gather(x, [t], 1), [3, 2]), s]);
      o.push(s);
    }
    return nt.sum(nt.mul(nt.stack(o, 1), randn([3, 4, 3], 10)));
  };
  const gRef = nt.gradients(unrolled(), [cell.kernel as Variable, cell.recurrentKernel as Variable]);
  await close(g[0], gRef[0]);
  await close(g[1], gRef[1]);
  // Training lowers the loss: a few plain gradient steps on the cell's weights through RNN.
  const target = nt.tensor([0.6, -0.6, 0.3]);
  const weights = [cell.kernel as Variable, cell.recurrentKernel as Variable];
  const mse = (): Tensor => nt.mean(nt.square(nt.sub(nt.mean(rnn.apply(x) as Tensor, [1, 2]), target)));
  const first = (await mse().data())[0];
  for (let step = 0; step < 10; step++) {
    const grads = nt.gradients(mse(), weights);
    nt.noGrad(() => weights.forEach((w, k) => w.assign(nt.sub(w, nt.mul(grads[k], 3)))));
  }
  const last = (await mse().data())[0];
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
});

test('configs: RNN keeps its cell config (Keras serialize), round trips, and Keras JSON loads', async () => {
  nt.clearSession();
  const x = randn([2, 3, 2], 11);
  const rnn = new nt.RNN({ cell: [new nt.SimpleRNNCell({ units: 3, activation: 'relu' }), new nt.LSTMCell({ units: 2, unitForgetBias: false })], returnSequences: true, goBackwards: true });
  const y = rnn.apply(x) as Tensor;
  const config = JSON.parse(JSON.stringify(nt.serialize(rnn))) as nt.Serialized;
  const c = config.config as Record<string, unknown>;
  assert.equal((c.cell as nt.Serialized).class_name, 'StackedRNNCells');
  const cells = ((c.cell as nt.Serialized).config.cells as unknown as nt.Serialized[]);
  assert.deepEqual(cells.map((s) => s.class_name), ['SimpleRNNCell', 'LSTMCell']);
  assert.equal(cells[0].config.activation, 'relu');
  assert.equal(cells[1].config.unit_forget_bias, false);
  for (const key of ['units', 'use_bias', 'kernel_initializer', 'recurrent_initializer', 'dropout', 'recurrent_dropout', 'seed']) assert.ok(key in cells[1].config, key);
  for (const key of ['return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask']) assert.ok(key in c, key);
  const copy = nt.deserializeLayer(config) as nt.RNN;
  copy.apply(x);
  copy.setWeights(rnn.getWeights());
  await close(copy.apply(x) as Tensor, y);
  // GRUCell's reset_after and a Keras 3 style config written by hand.
  const keras = {
    class_name: 'RNN',
    config: {
      name: 'rnn_k', trainable: true, dtype: 'float32', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, zero_output_for_mask: false,
      cell: { class_name: 'GRUCell', config: { name: 'gru_cell', units: 2, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, reset_after: false, dropout: 0.0, recurrent_dropout: 0.0, seed: null } },
    },
  };
  const loaded = nt.deserializeLayer(keras as unknown as nt.Serialized) as nt.RNN;
  assert.ok(loaded.cell instanceof nt.GRUCell && !loaded.cell.resetAfter);
  assert.deepEqual((loaded.apply(x) as Tensor).shape, [2, 2]);
  assert.deepEqual(loaded.weights.map((w) => w.shape), [[2, 6], [2, 6], [6]]);
  // A user cell deserializes once registered.
  nt.registerLayer(MinimalRNNCell);
  const custom = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(new nt.RNN({ cell: new MinimalRNNCell(5) }))))) as nt.RNN;
  assert.ok(custom.cell instanceof MinimalRNNCell && custom.cell.units === 5);
  // A model with RNN round trips through its JSON.
  const model = new nt.Sequential([new nt.RNN({ cell: new nt.GRUCell({ units: 3 }), inputShape: [3, 2] }), new nt.Dense({ units: 1 })]);
  const again = nt.Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())) as nt.ConfigDict);
  again.setWeights(model.getWeights());
  await close(again.predict(x) as Tensor, model.predict(x) as Tensor);
  assert.throws(() => new nt.RNN({ cell: new nt.Dense({ units: 2 }) as unknown as nt.RecurrentCell }), /cell must be a Layer with a stateSize/);
});

/** Keras' conv2d (NHWC, HWIO, 'valid' or 'same' with the extra padding after) on plain arrays, in float64. */
function convRef(x: Arr, [B, H, W, C]: number[], k: Arr, [kh, kw, , F]: number[], fOff: number, fAll: number, stride: number, same: boolean): { y: Float64Array; oh: number; ow: number } {
  const oh = same ? Math.ceil(H / stride) : Math.floor((H - kh) / stride) + 1;
  const ow = same ? Math.ceil(W / stride) : Math.floor((W - kw) / stride) + 1;
  const pt = same ? Math.floor(Math.max((oh - 1) * stride + kh - H, 0) / 2) : 0;
  const pl = same ? Math.floor(Math.max((ow - 1) * stride + kw - W, 0) / 2) : 0;
  const y = new Float64Array(B * oh * ow * F);
  for (let b = 0; b < B; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let f = 0; f < F; f++) {
    let s = 0;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) {
      const r = i * stride + di - pt;
      const c = j * stride + dj - pl;
      if (r < 0 || r >= H || c < 0 || c >= W) continue;
      for (let ch = 0; ch < C; ch++) s += x[((b * H + r) * W + c) * C + ch] * k[((di * kw + dj) * C + ch) * fAll + fOff + f];
    }
    y[((b * oh + i) * ow + j) * F + f] = s;
  }
  return { y, oh, ow };
}

test('ConvLSTM2D: shapes as Keras and values equal a direct loop of convolutions', async () => {
  nt.clearSession();
  const [B, T, H, W, C, F] = [1, 3, 4, 4, 2, 2];
  const x = randn([B, T, H, W, C], 12);
  const layer = new nt.ConvLSTM2D({ filters: F, kernelSize: 2, padding: 'valid', returnSequences: true, returnState: true });
  const out = layer.apply(x) as unknown as Tensor[];
  assert.deepEqual(out.map((t) => t.shape), [[B, T, 3, 3, F], [B, 3, 3, F], [B, 3, 3, F]]);
  assert.deepEqual(layer.weights.map((w) => [w.name, w.shape]), [['conv_lst_m2d/conv_lstm_cell/kernel', [2, 2, C, 4 * F]], ['conv_lst_m2d/conv_lstm_cell/recurrent_kernel', [2, 2, F, 4 * F]], ['conv_lst_m2d/conv_lstm_cell/bias', [4 * F]]]);
  assert.deepEqual(Array.from(await layer.weights[2].data()), [0, 0, 1, 1, 0, 0, 0, 0]);
  randomize(layer, 400);
  const [k, rk, bias] = await weightsOf(layer);
  const [seq, hT, cT] = layer.apply(x) as unknown as Tensor[];
  // Reference: per step, z_g = conv(x_t, W_g) + b_g + conv(h, U_g, 'same'); LSTM update.
  const xv = await x.data();
  const n = 3 * 3 * F;
  let h = new Float64Array(n);
  let c = new Float64Array(n);
  const steps: number[] = [];
  for (let t = 0; t < T; t++) {
    const xt = Array.from(xv).slice(t * H * W * C, (t + 1) * H * W * C);
    const z = [0, 1, 2, 3].map((g) => {
      const a = convRef(xt, [1, H, W, C], k, [2, 2, C, F], g * F, 4 * F, 1, false).y;
      const r = convRef(h, [1, 3, 3, F], rk, [2, 2, F, F], g * F, 4 * F, 1, true).y;
      return a.map((v, i) => v + r[i] + bias[g * F + (i % F)]);
    });
    c = c.map((cv, i) => sig(z[1][i]) * cv + sig(z[0][i]) * Math.tanh(z[2][i]));
    h = h.map((_, i) => sig(z[3][i]) * Math.tanh(c[i]));
    steps.push(...h);
  }
  await close(seq, steps, 1e-5, 'sequence');
  await close(hT, h, 1e-5, 'h');
  await close(cT, c, 1e-5, 'c');
  // 'same' with strides 2, and the last output only.
  const strided = new nt.ConvLSTM2D({ filters: 3, kernelSize: [3, 3], strides: 2, padding: 'same' });
  assert.deepEqual((strided.apply(x) as Tensor).shape, [B, 2, 2, 3]);
  assert.deepEqual(strided.computeOutputShape([null, null, 5, 7, C]), [null, 3, 4, 3]);
  // Config round trip (Keras' flat keys, no 'cell').
  const config = JSON.parse(JSON.stringify(nt.serialize(layer))) as nt.Serialized;
  assert.ok(!('cell' in config.config));
  for (const key of ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'recurrent_activation', 'unit_forget_bias', 'activity_regularizer', 'return_sequences', 'seed']) assert.ok(key in config.config, key);
  const copy = nt.deserializeLayer(config) as nt.ConvLSTM2D;
  copy.apply(x);
  copy.setWeights(layer.getWeights());
  await close((copy.apply(x) as unknown as Tensor[])[0], seq);
  assert.throws(() => new nt.ConvLSTM2D({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' }), /channels_first' is not supported/);
  assert.throws(() => new nt.ConvLSTM2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), /strides > 1 together with dilationRate > 1/);
});
