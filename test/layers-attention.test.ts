/**
 * MultiHeadAttention and EinsumDense: Keras' weight layout and names, Keras' formula
 * written out as loops, PyTorch's nn.MultiheadAttention (Debian python3-torch) on the same
 * weights, masks (causal, padding from an upstream Embedding, an explicit attentionMask),
 * gradients by finite differences, config round trips and a functional model that trains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const torchMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-torch is not installed (Debian python3-torch; scripts/setup.sh installs it)';
})();

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('EinsumDense derives its kernel and bias shapes from the equation as Keras does', () => {
  const q = new nt.EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 4, 8], biasAxes: 'de' });
  const y = q.apply(randn([2, 5, 16], 1));
  assert.deepEqual(y.shape, [2, 5, 4, 8]);
  assert.deepEqual(q.weights.map((w) => w.shape), [[16, 4, 8], [4, 8]]);
  const o = new nt.EinsumDense({ equation: 'abcd,cde->abe', outputShape: [null, 16], biasAxes: 'e' });
  assert.deepEqual(o.apply(y).shape, [2, 5, 16]);
  assert.deepEqual(o.weights.map((w) => w.shape), [[4, 8, 16], [16]]);
  // Keras' docstring example: 'ab,bc->ac', output 64, bias 'c'.
  const d = new nt.EinsumDense({ equation: 'ab,bc->ac', outputShape: 64, biasAxes: 'c' });
  assert.deepEqual(d.apply(randn([3, 32], 2)).shape, [3, 64]);
  assert.deepEqual(d.weights.map((w) => w.shape), [[32, 64], [64]]);
  // '...' leading: a Dense over the last axis of any rank.
  const e = new nt.EinsumDense({ equation: '...b,bc->...c', outputShape: 6 });
  assert.deepEqual(e.apply(randn([2, 3, 4], 3)).shape, [2, 3, 6]);
  assert.throws(() => new nt.EinsumDense({ equation: 'ab,bc->ac', outputShape: 4, biasAxes: 'z' }).apply(randn([2, 3], 4)), /bias axis 'z'/);
  assert.throws(() => new nt.EinsumDense({ equation: 'ab,bc', outputShape: 4 }).apply(randn([2, 3], 4)), /must look like/);
});

/** Keras' formula, as loops: softmax over keys of (q·Wq + bq)/√d · (k·Wk + bk), times (v·Wv + bv), then Wo, bo. */
async function kerasFormula(mha: nt.MultiHeadAttention, query: Tensor, value: Tensor, allowed: ((b: number, t: number, s: number) => boolean) | null): Promise<{ out: Float64Array; probs: Float64Array }> {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = await Promise.all(mha.weights.map((w) => w.data()));
  const [B, T, E] = query.shape;
  const [, S, Ev] = value.shape;
  const { numHeads: N, keyDim: H, valueDim: V } = mha;
  const O = bo.length;
  const qd = await query.data();
  const vd = await value.data();
  const proj = (x: ArrayLike<number>, rows: number, inDim: number, w: ArrayLike<number>, bias: ArrayLike<number>, dim: number): Float64Array => {
    const out = new Float64Array(rows * N * dim);
    for (let r = 0; r < rows; r++) for (let j = 0; j < N * dim; j++) {
      let s = bias[j];
      for (let c = 0; c < inDim; c++) s += x[r * inDim + c] * w[c * N * dim + j];
      out[r * N * dim + j] = s;
    }
    return out;
  };
  const q = proj(qd, B * T, E, wq, bq, H);
  const k = proj(vd, B * S, Ev, wk, bk, H);
  const v = proj(vd, B * S, Ev, wv, bv, V);
  const probs = new Float64Array(B * N * T * S);
  const ctx = new Float64Array(B * T * N * V);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) {
    const row = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      let dot = 0;
      for (let h = 0; h < H; h++) dot += (q[((b * T + t) * N + n) * H + h] / Math.sqrt(H)) * k[((b * S + s) * N + n) * H + h];
      row[s] = allowed === null || allowed(b, t, s) ? dot : -1e9;
    }
    const m = Math.max(...row);
    let z = 0;
    for (let s = 0; s < S; s++) z += Math.exp(row[s] - m);
    for (let s = 0; s < S; s++) {
      const p = Math.exp(row[s] - m) / z;
      probs[((b * N + n) * T + t) * S + s] = p;
      for (let h = 0; h < V; h++) ctx[((b * T + t) * N + n) * V + h] += p * v[((b * S + s) * N + n) * V + h];
    }
  }
  const out = new Float64Array(B * T * O);
  for (let r = 0; r < B * T; r++) for (let o = 0; o < O; o++) {
    let s = bo[o];
    for (let j = 0; j < N * V; j++) s += ctx[r * N * V + j] * wo[j * O + o];
    out[r * O + o] = s;
  }
  return { out, probs };
}

test('MultiHeadAttention: Keras weight layout and names, and Keras formula (scaled by 1/√keyDim, softmax over the keys)', async () => {
  const mha = new nt.MultiHeadAttention({ numHeads: 3, keyDim: 4, valueDim: 5, name: 'mha', biasInitializer: 'random_normal' });
  const query = randn([2, 6, 10], 1);
  const value = randn([2, 7, 9], 2);
  const [out, scores] = mha.apply([query, value], { returnAttentionScores: true } as nt.MultiHeadAttentionCallOptions) as unknown as Tensor[];
  assert.deepEqual(mha.weights.map((w) => [w.name, w.shape]), [
    ['mha/query/kernel', [10, 3, 4]], ['mha/query/bias', [3, 4]], ['mha/key/kernel', [9, 3, 4]], ['mha/key/bias', [3, 4]],
    ['mha/value/kernel', [9, 3, 5]], ['mha/value/bias', [3, 5]], ['mha/attention_output/kernel', [3, 5, 10]], ['mha/attention_output/bias', [10]],
  ]);
  assert.equal(mha.countParams(), 10 * 12 + 12 + 9 * 12 + 12 + 9 * 15 + 15 + 15 * 10 + 10);
  assert.deepEqual(out.shape, [2, 6, 10]);
  assert.deepEqual(scores.shape, [2, 3, 6, 7]);
  const ref = await kerasFormula(mha, query, value, null);
  assert.ok(maxDiff(await out.data(), ref.out) < 2e-5, `output differs by ${maxDiff(await out.data(), ref.out)}`);
  assert.ok(maxDiff(await scores.data(), ref.probs) < 2e-6);
  // outputShape changes the last axis.
  const narrow = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3, outputShape: 4 });
  assert.deepEqual((narrow.apply([query, value]) as Tensor).shape, [2, 6, 4]);
});

test('MultiHeadAttention masks: causal, padding from an upstream Embedding (maskZero), and an explicit attentionMask', async () => {
  const mha = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4, biasInitializer: 'random_normal' });
  const x = randn([2, 5, 8], 3);
  const causal = mha.apply([x, x], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as Tensor;
  const refCausal = await kerasFormula(mha, x, x, (_b, t, s) => s <= t);
  assert.ok(maxDiff(await causal.data(), refCausal.out) < 2e-5);
  // The first query position sees only the first key: changing later positions leaves it as it is.
  const x2 = nt.concat([nt.slice(x, [0, 0, 0], [2, 1, 8]), randn([2, 4, 8], 4)], 1);
  const c2 = await (mha.apply([x2, x2], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as Tensor).data();
  const c1 = await causal.data();
  for (let b = 0; b < 2; b++) for (let o = 0; o < 8; o++) assert.ok(Math.abs(c1[b * 40 + o] - c2[b * 40 + o]) < 1e-6);
  // An explicit mask [B, T, S].
  const allowed = (b: number, t: number, s: number): boolean => (b + t + s) % 3 !== 0 || s === t;
  const mask = nt.tensor(Float32Array.from({ length: 2 * 5 * 5 }, (_, i) => (allowed(Math.floor(i / 25), Math.floor(i / 5) % 5, i % 5) ? 1 : 0)), [2, 5, 5]);
  const masked = mha.apply([x, x], { attentionMask: mask } as nt.MultiHeadAttentionCallOptions) as Tensor;
  assert.ok(maxDiff(await masked.data(), (await kerasFormula(mha, x, x, allowed)).out) < 2e-5);
  // Padding: token 0 is masked by Embedding(maskZero); in a functional model the value mask reaches the attention.
  const tokens = nt.Input({ shape: [5] });
  const emb = new nt.Embedding({ inputDim: 10, outputDim: 8, maskZero: true });
  const e = emb.apply(tokens);
  const att = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4, biasInitializer: 'random_normal' });
  const model = new nt.Model({ inputs: tokens, outputs: att.apply([e, e]) as nt.SymbolicTensor });
  const ids = nt.tensor([[3, 1, 4, 0, 0], [5, 9, 2, 6, 0]]);
  const y = await (model.predict(ids) as Tensor).data();
  const embedded = emb.apply(ids);
  const lengths = [3, 4];
  const ref = await kerasFormula(att, embedded, embedded, (b, t, s) => s < lengths[b] && t < lengths[b]);
  // Keras masks padded query rows too (their softmax is uniform over −1e9): compare the rows of real tokens.
  for (let b = 0; b < 2; b++) for (let t = 0; t < lengths[b]; t++) for (let o = 0; o < 8; o++) {
    const i = (b * 5 + t) * 8 + o;
    assert.ok(Math.abs(y[i] - ref.out[i]) < 2e-5, `b${b} t${t} o${o}: ${y[i]} vs ${ref.out[i]}`);
  }
});

test('MultiHeadAttention equals PyTorch nn.MultiheadAttention on the same weights (python3-torch)', { skip: unavailable(torchMissing) }, async () => {
  // PyTorch needs the query width to equal numHeads·keyDim (its embed_dim) and valueDim = keyDim.
  const N = 4;
  const H = 6;
  const E = N * H;
  const mha = new nt.MultiHeadAttention({ numHeads: N, keyDim: H, biasInitializer: 'random_normal' });
  const query = randn([3, 5, E], 11);
  const value = randn([3, 7, 10], 12);
  const [out, probs] = mha.apply([query, value], { returnAttentionScores: true } as nt.MultiHeadAttentionCallOptions) as unknown as Tensor[];
  const self = randn([3, 6, E], 13);
  const mhaSelf = new nt.MultiHeadAttention({ numHeads: N, keyDim: H, biasInitializer: 'random_normal' });
  const causal = mhaSelf.apply([self, self], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as Tensor;
  const dump = async (t: Tensor): Promise<{ shape: number[]; data: number[] }> => ({ shape: [...t.shape], data: Array.from(await t.data()) });
  const payload = {
    cross: { weights: await Promise.all(mha.weights.map(dump)), query: await dump(query), value: await dump(value) },
    self: { weights: await Promise.all(mhaSelf.weights.map(dump)), query: await dump(self), value: await dump(self) },
    heads: N,
  };
  const script = `
import json, sys, torch
p = json.load(sys.stdin)
def t(o): return torch.tensor(o['data'], dtype=torch.float64).reshape(o['shape'])
def run(c, causal):
    wq, bq, wk, bk, wv, bv, wo, bo = [t(w) for w in c['weights']]
    q, v = t(c['query']), t(c['value'])
    E = wq.shape[0]; kdim = wk.shape[0]; vdim = wv.shape[0]
    m = torch.nn.MultiheadAttention(E, p['heads'], bias=True, kdim=kdim, vdim=vdim, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        # Keras kernels [in, heads, dim] are torch weights [heads*dim, in].
        if m._qkv_same_embed_dim:
            m.in_proj_weight.copy_(torch.cat([wq.reshape(E, -1).T, wk.reshape(kdim, -1).T, wv.reshape(vdim, -1).T]))
        else:
            m.q_proj_weight.copy_(wq.reshape(E, -1).T); m.k_proj_weight.copy_(wk.reshape(kdim, -1).T); m.v_proj_weight.copy_(wv.reshape(vdim, -1).T)
        m.in_proj_bias.copy_(torch.cat([bq.reshape(-1), bk.reshape(-1), bv.reshape(-1)]))
        m.out_proj.weight.copy_(wo.reshape(-1, wo.shape[-1]).T); m.out_proj.bias.copy_(bo)
        mask = torch.triu(torch.ones(q.shape[1], v.shape[1], dtype=torch.bool), diagonal=1) if causal else None
        out, w = m(q, v, v, attn_mask=mask, need_weights=True, average_attn_weights=False)
    return out.reshape(-1).tolist(), w.reshape(-1).tolist()
co, cw = run(p['cross'], False)
so, _ = run(p['self'], True)
json.dump({'cross': co, 'crossWeights': cw, 'self': so, 'version': torch.__version__}, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const torchOut = JSON.parse(r.stdout) as { cross: number[]; crossWeights: number[]; self: number[]; version: string };
  const d1 = maxDiff(await out.data(), torchOut.cross);
  const d2 = maxDiff(await probs.data(), torchOut.crossWeights);
  const d3 = maxDiff(await causal.data(), torchOut.self);
  console.log(`# MultiHeadAttention vs PyTorch ${torchOut.version}: output ${d1.toExponential(1)}, probabilities ${d2.toExponential(1)}, causal self-attention ${d3.toExponential(1)}`);
  assert.ok(d1 < 2e-5 && d2 < 2e-6 && d3 < 2e-5, `max differences ${d1}, ${d2}, ${d3}`);
});

test('MultiHeadAttention: config round trip; a functional model with causal self-attention trains and its config reloads', async () => {
  const mha = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4, valueDim: 3, dropout: 0.1, outputShape: 6, name: 'att' });
  const config = mha.getConfig();
  assert.equal(config.num_heads, 2);
  assert.equal(config.key_dim, 4);
  assert.equal(config.value_dim, 3);
  assert.deepEqual(config.output_shape, [6]);
  const again = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(mha)))) as nt.MultiHeadAttention;
  assert.ok(again instanceof nt.MultiHeadAttention);
  assert.deepEqual([again.numHeads, again.keyDim, again.valueDim, again.dropoutRate], [2, 4, 3, 0.1]);

  nt.setSeed(5);
  const inp = nt.Input({ shape: [6, 8] });
  const att = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4 });
  const h = att.apply([inp, inp], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor;
  const out = new nt.Dense({ units: 1 }).apply(new nt.GlobalAveragePooling1D().apply(h) as nt.SymbolicTensor) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: inp, outputs: out });
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = randn([32, 6, 8], 31);
  const y = nt.sum(nt.slice(x, [0, 0, 0], [32, 1, 8]), [1, 2]);
  const history = await model.fit(x, nt.reshape(y, [32, 1]), { epochs: 12, batchSize: 16, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  // The causal mask travels with the model: its config keeps use_causal_mask, and a loaded copy predicts the same.
  const json = JSON.parse(JSON.stringify(model.getConfig()));
  assert.match(JSON.stringify(json), /use_causal_mask/);
  const copy = nt.Model.fromConfig(json);
  copy.setWeights(model.getWeights());
  const expected = await (model.predict(x) as Tensor).data();
  assert.ok(maxDiff(expected, await (copy.predict(x) as Tensor).data()) < 1e-6);
});

test('a trained model with MultiHeadAttention saves and loads as Keras .h5 (weights under Keras\' names, the causal mask kept)', async () => {
  nt.setSeed(6);
  const inp = nt.Input({ shape: [5, 6] });
  const h = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([inp, inp], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: inp, outputs: new nt.Dense({ units: 2 }).apply(h) as nt.SymbolicTensor });
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = randn([4, 5, 6], 61);
  await model.fit(x, randn([4, 5, 2], 62), { epochs: 2, verbose: 0 });
  const expected = await (model.predict(x) as Tensor).data();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mha-h5-'));
  try {
    await model.save(join(dir, 'mha.h5'));
    const loaded = await nt.loadModel(join(dir, 'mha.h5'));
    assert.deepEqual(loaded.weights.map((w) => w.name), model.weights.map((w) => w.name));
    assert.ok(loaded.weights.some((w) => /multi_head_attention(_\d+)?\/query\/kernel$/.test(w.name)));
    assert.ok(maxDiff(expected, await (loaded.predict(x) as Tensor).data()) < 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MultiHeadAttention in Keras model configs: value and key as keyword tensors (Keras 2 lists, Keras 3 __keras_tensor__), written the same way', async () => {
  const input = (name: string, steps: number): nt.ConfigDict => ({ class_name: 'InputLayer', config: { batch_input_shape: [null, steps, 8], dtype: 'float32', name }, name, inbound_nodes: [] });
  const layers = (node: nt.ConfigValue): nt.ConfigValue => [input('q', 5), input('v', 6), input('k', 6), { class_name: 'MultiHeadAttention', config: { name: 'mha', num_heads: 2, key_dim: 4 }, name: 'mha', inbound_nodes: [node] }];
  const io = { input_layers: [['q', 0, 0], ['v', 0, 0], ['k', 0, 0]], output_layers: [['mha', 0, 0]] };
  // Keras 2 (tf.keras Node.serialize): the first argument an inbound entry, the rest keywords.
  const keras2 = { name: 'm2', layers: layers([['q', 0, 0, { value: ['v', 0, 0], key: ['k', 0, 0], use_causal_mask: true }]]), ...io };
  const history = (name: string): nt.ConfigDict => ({ class_name: '__keras_tensor__', config: { shape: [null, 6, 8], dtype: 'float32', keras_history: [name, 0, 0] } });
  const keras3 = { name: 'm3', layers: layers({ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 5, 8], dtype: 'float32', keras_history: ['q', 0, 0] } }], kwargs: { value: history('v'), key: history('k'), use_causal_mask: true } }), ...io };
  nt.setSeed(8);
  const [q, v, k] = [randn([2, 5, 8], 81), randn([2, 6, 8], 82), randn([2, 6, 8], 83)];
  const direct = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4 });
  const want = await (direct.apply([q, v, k], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as Tensor).data();
  for (const [what, config] of [['Keras 2', keras2], ['Keras 3', keras3]] as const) {
    const model = nt.deserializeLayer(nt.io.parseModelConfig(JSON.stringify({ class_name: 'Functional', config }))) as nt.Model;
    model.setWeights(direct.getWeights());
    assert.ok(maxDiff(want, await (model.predict([q, v, k]) as Tensor).data()) < 1e-6, `${what}: the same function as the layer called on [query, value, key] with the causal mask`);
    // Written back the Keras way: one inbound entry, value and key as keyword references.
    const node = (model.getConfig().layers as nt.ConfigDict[]).find((l) => l.name === 'mha')?.inbound_nodes as nt.ConfigValue[][];
    assert.deepEqual(node, [[['q', 0, 0, { use_causal_mask: true, value: ['v', 0, 0], key: ['k', 0, 0] }]]], what);
  }
  const unknown = { name: 'mu', layers: layers([['q', 0, 0, { value: ['v', 0, 0], bias: ['k', 0, 0] }]]), ...io };
  assert.throws(() => nt.deserializeLayer(nt.io.parseModelConfig(JSON.stringify({ class_name: 'Functional', config: unknown }))), /layer mha \(MultiHeadAttention\) is called with a tensor for 'bias', which it does not take/);
});

test('MultiHeadAttention in a functional model: an attentionMask input and returnAttentionScores, kept through the config (attention_mask a keyword tensor)', async () => {
  nt.setSeed(9);
  const q = nt.Input({ shape: [4, 6], name: 'q' });
  const v = nt.Input({ shape: [5, 6], name: 'v' });
  const m = nt.Input({ shape: [4, 5], name: 'm' });
  const mha = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' });
  const [out, scores] = mha.apply([q, v], { attentionMask: m, returnAttentionScores: true } as unknown as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor[];
  assert.deepEqual(out.shape, [null, 4, 6]);
  assert.deepEqual(scores.shape, [null, 2, 4, 5], 'scores: [batch, heads, query steps, key steps]');
  const model = new nt.Model({ inputs: [q, v, m], outputs: [out, scores] });
  const xq = randn([3, 4, 6], 91);
  const xv = randn([3, 5, 6], 92);
  // Each query row may see a different set of keys; row 0 of sample 0 only key 2.
  const maskValues = Array.from({ length: 3 * 4 * 5 }, (_, i) => ((i * 7) % 3 === 0 ? 0 : 1));
  maskValues.fill(0, 0, 5);
  maskValues[2] = 1;
  const xm = nt.tensor(maskValues, [3, 4, 5]);
  const [y, p] = model.predict([xq, xv, xm]) as Tensor[];
  const [wantY, wantP] = mha.apply([xq, xv], { attentionMask: xm, returnAttentionScores: true } as nt.MultiHeadAttentionCallOptions) as Tensor[];
  assert.ok(maxDiff(await y.data(), await wantY.data()) < 1e-6);
  const probs = await p.data();
  assert.ok(maxDiff(probs, await wantP.data()) < 1e-6);
  for (let h = 0; h < 2; h++) assert.ok(Math.abs(probs[h * 4 * 5 + 2] - 1) < 1e-6, `sample 0, head ${h}, query 0 attends to key 2 only`);
  for (let i = 0; i < maskValues.length; i++) if (maskValues[i] === 0) for (let h = 0; h < 2; h++) {
    const [b, r] = [Math.floor(i / 20), i % 20];
    assert.ok(probs[(b * 2 + h) * 20 + r] < 1e-6, `masked position ${i} gets no weight`);
  }
  // The config names the mask as Keras does and reloads into the same function.
  const config = JSON.parse(JSON.stringify(model.getConfig()));
  const node = (config.layers as nt.ConfigDict[]).find((l) => l.name === 'mha')?.inbound_nodes;
  assert.deepEqual(node, [[['q', 0, 0, { return_attention_scores: true, value: ['v', 0, 0], attention_mask: ['m', 0, 0] }]]]);
  const copy = nt.Model.fromConfig(config);
  copy.setWeights(model.getWeights());
  const [y2, p2] = copy.predict([xq, xv, xm]) as Tensor[];
  assert.ok(maxDiff(await y2.data(), await y.data()) < 1e-6);
  assert.ok(maxDiff(await p2.data(), probs) < 1e-6);
  assert.deepEqual(copy.computeOutputShape([[null, 4, 6], [null, 5, 6], [null, 4, 5]]), [[null, 4, 6], [null, 2, 4, 5]]);
  // A real tensor cannot stand in a symbolic graph.
  assert.throws(() => new nt.MultiHeadAttention({ numHeads: 1, keyDim: 2 }).apply([q, v], { attentionMask: xm } as nt.MultiHeadAttentionCallOptions), /attentionMask must be a symbolic tensor/);
});

test('MultiHeadAttention over two attention axes takes an attentionMask shaped like the scores without the heads (as Keras)', async () => {
  nt.setSeed(10);
  const mha = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1, 2] });
  const x = randn([1, 2, 3, 4], 101);
  // Key position (0, 1) only, for every query position.
  const allowed = Array.from({ length: 2 * 3 * 2 * 3 }, (_, i) => (i % 6 === 1 ? 1 : 0));
  const [, p] = mha.apply([x, x], { attentionMask: nt.tensor(allowed, [1, 2, 3, 2, 3]), returnAttentionScores: true } as nt.MultiHeadAttentionCallOptions) as Tensor[];
  assert.deepEqual(p.shape, [1, 2, 2, 3, 2, 3]);
  const probs = await p.data();
  for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(probs[i] - (i % 6 === 1 ? 1 : 0)) < 1e-6, `probability ${i}`);
  assert.throws(() => mha.apply([x, x], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions), /work with one attention axis/);
});

/** Keras' Attention/AdditiveAttention as loops: scores by `score`, masked ones lowered by 1e9, softmax, times value; padded query rows zero. */
async function luongReference(query: Tensor, value: Tensor, score: (q: ArrayLike<number>, k: ArrayLike<number>) => number, allowed: ((b: number, t: number, s: number) => boolean) | null, queryKept: ((b: number, t: number) => boolean) | null): Promise<Float64Array> {
  const [B, T, D] = query.shape;
  const [, S, V] = value.shape;
  const qd = await query.data();
  const vd = await value.data();
  const out = new Float64Array(B * T * V);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
    const row = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const sc = score(qd.subarray((b * T + t) * D, (b * T + t + 1) * D), vd.subarray((b * S + s) * V, (b * S + s + 1) * V));
      row[s] = allowed === null || allowed(b, t, s) ? sc : sc - 1e9;
    }
    const m = Math.max(...row);
    let z = 0;
    for (let s = 0; s < S; s++) z += Math.exp(row[s] - m);
    if (queryKept !== null && !queryKept(b, t)) continue;
    for (let s = 0; s < S; s++) for (let v = 0; v < V; v++) out[(b * T + t) * V + v] += (Math.exp(row[s] - m) / z) * vd[(b * S + s) * V + v];
  }
  return out;
}

test('Attention (dot, scaled, concat) and AdditiveAttention equal Keras formulas; masks, causal mask and padded queries', async () => {
  const query = randn([2, 4, 6], 41);
  const value = randn([2, 5, 6], 42);
  const dot = (q: ArrayLike<number>, k: ArrayLike<number>): number => Array.from(q).reduce((s, x, i) => s + x * k[i], 0);
  const plain = new nt.Attention();
  assert.ok(maxDiff(await (plain.apply([query, value]) as Tensor).data(), await luongReference(query, value, dot, null, null)) < 2e-5);
  assert.equal(plain.weights.length, 0);
  const scaled = new nt.Attention({ useScale: true });
  scaled.apply([query, value]);
  scaled.weights[0].assign(nt.scalar(0.7));
  assert.ok(maxDiff(await (scaled.apply([query, value]) as Tensor).data(), await luongReference(query, value, (q, k) => 0.7 * dot(q, k), null, null)) < 2e-5);
  const concat = new nt.Attention({ scoreMode: 'concat' });
  const tanhSum = (q: ArrayLike<number>, k: ArrayLike<number>): number => Array.from(q).reduce((s, x, i) => s + Math.tanh(x + k[i]), 0);
  assert.ok(maxDiff(await (concat.apply([query, value]) as Tensor).data(), await luongReference(query, value, tanhSum, null, null)) < 2e-5);
  const additive = new nt.AdditiveAttention();
  const out = await (additive.apply([query, value]) as Tensor).data();
  const scale = await additive.weights[0].data();
  assert.deepEqual(additive.weights[0].shape, [6]);
  assert.ok(maxDiff(out, await luongReference(query, value, (q, k) => Array.from(q).reduce((s, x, i) => s + scale[i] * Math.tanh(x + k[i]), 0), null, null)) < 2e-5);
  // Causal, and masks from the inputs: value positions ≥ 3 of sample 1 padded, query 3 of sample 0 padded.
  const causal = await (plain.apply([query, query], { useCausalMask: true } as nt.AttentionCallOptions) as Tensor).data();
  assert.ok(maxDiff(causal, await luongReference(query, query, dot, (_b, t, s) => s <= t, null)) < 2e-5);
  const qMask = nt.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]);
  const vMask = nt.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
  const masked = await (plain.apply([query, value], { mask: [qMask, vMask] }) as Tensor).data();
  assert.ok(maxDiff(masked, await luongReference(query, value, dot, (b, _t, s) => b === 0 || s < 3, (b, t) => b === 1 || t < 3)) < 2e-5);
  const [, probs] = plain.apply([query, value], { returnAttentionScores: true } as nt.AttentionCallOptions) as unknown as Tensor[];
  assert.deepEqual(probs.shape, [2, 4, 5]);
});

test('Attention and AdditiveAttention: configs, and a functional model keeps the causal mask', async () => {
  const a = new nt.Attention({ useScale: true, scoreMode: 'concat', dropout: 0.2 });
  assert.deepEqual(a.getConfig().score_mode, 'concat');
  const back = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(a)))) as nt.Attention;
  assert.deepEqual([back.useScale, back.scoreMode, back.dropoutRate], [true, 'concat', 0.2]);
  const add = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(new nt.AdditiveAttention({ useScale: false }))))) as nt.AdditiveAttention;
  assert.ok(add instanceof nt.AdditiveAttention && add.useScale === false);
  assert.equal('score_mode' in new nt.AdditiveAttention().getConfig(), false);
  const inp = nt.Input({ shape: [5, 4] });
  const h = new nt.Attention().apply([inp, inp], { useCausalMask: true } as nt.AttentionCallOptions) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: inp, outputs: h });
  const copy = nt.Model.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
  const x = randn([2, 5, 4], 54);
  const expected = await luongReference(x, x, (p, k) => Array.from(p).reduce((s, e, i) => s + e * k[i], 0), (_b, t, s) => s <= t, null);
  assert.ok(maxDiff(await (model.predict(x) as Tensor).data(), expected) < 2e-5);
  assert.ok(maxDiff(await (copy.predict(x) as Tensor).data(), expected) < 2e-5);
});

test('MultiHeadAttention over several attention axes (attentionAxes [1, 2]) equals attention over the flattened positions; one axis of two equals attention per row', async () => {
  const x = randn([2, 3, 4, 6], 301);
  const diff = async (a: Tensor, b: Tensor): Promise<number> => {
    const [av, bv] = [await a.data(), await b.data()];
    let m = 0;
    for (let i = 0; i < av.length; i++) m = Math.max(m, Math.abs(av[i] - bv[i]));
    return m;
  };
  // Joint attention over the 3 × 4 grid = attention over its 12 positions in a row.
  const grid = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: [1, 2] });
  const yGrid = grid.apply([x, x]) as Tensor;
  const flat = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3 });
  const xf = nt.reshape(x, [2, 12, 6]);
  flat.apply([xf, xf]);
  flat.setWeights(grid.getWeights());
  assert.ok((await diff(yGrid, nt.reshape(flat.apply([xf, xf]) as Tensor, [2, 3, 4, 6]))) < 1e-5, 'axes [1, 2]');
  // Attention along axis 2 only: each of the 3 rows attends within itself.
  const rows = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: [2] });
  const yRows = rows.apply([x, x]) as Tensor;
  const perRow = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3 });
  const xr = nt.reshape(x, [6, 4, 6]);
  perRow.apply([xr, xr]);
  perRow.setWeights(rows.getWeights());
  assert.ok((await diff(yRows, nt.reshape(perRow.apply([xr, xr]) as Tensor, [2, 3, 4, 6]))) < 1e-5, 'axis 2');
  // Probabilities over the whole grid sum to 1 for every query position and head.
  const [, probs] = grid.apply([x, x], { returnAttentionScores: true } as nt.MultiHeadAttentionCallOptions) as Tensor[];
  assert.deepEqual(probs.shape, [2, 2, 3, 4, 3, 4]);
  const sums = await nt.sum(nt.reshape(probs, [2, 2, 12, 12]), -1).data();
  for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5);
  assert.throws(() => grid.apply([x, x], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions), /useCausalMask work with one attention axis; with 2/);
});
