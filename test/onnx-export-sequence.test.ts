/**
 * ONNX export of SimpleRNN, LSTM and GRU (to ONNX's RNN, LSTM and GRU operators) and of
 * Bidirectional around them (direction='bidirectional'): every model runs in
 * onnxruntime-node and matches `predict` to 1e-5, across the options that change the
 * mapping: sequences or the last output, goBackwards, returnState, initial states as
 * inputs, GRU with and without resetAfter, hard_sigmoid gates (Keras 2's and 3's), every
 * merge mode, and opsets 13 and 17; and of EinsumDense and the attention layers
 * (MultiHeadAttention with a causal mask, an attentionMask input and the scores as an
 * output; Attention dot and concat; AdditiveAttention), a Transformer encoder block among
 * them. What cannot be expressed is refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { skipOrFail } from './helpers/oracle.js';
import * as nt from '../src/index.js';
import { toOnnxBytes } from '../src/io/onnx/index.js';

const TOL = 1e-5;

function seed(model: nt.Model, s: number): void {
  model.weights.forEach((w, i) => w.assign(nt.randomUniform(w.shape, { seed: s * 100 + i, minval: -0.6, maxval: 0.6 })));
}

async function check(label: string, model: nt.Model, inputs: nt.Tensor[], opset = 13): Promise<void> {
  const session = await ort.InferenceSession.create(toOnnxBytes(model, { opset }));
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', inputs[i].dataSync() as Float32Array, [...inputs[i].shape])));
  const result = await session.run(feeds);
  const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const wants = Array.isArray(predicted) ? predicted : [predicted];
  assert.equal(session.outputNames.length, wants.length, `${label}: outputs`);
  session.outputNames.forEach((name, k) => {
    const got = result[name];
    assert.deepEqual([...got.dims], [...wants[k].shape], `${label}: shape of output ${k}`);
    const g = got.data as Float32Array;
    const w = wants[k].dataSync();
    let d = 0;
    for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(g[i] - w[i]));
    assert.ok(d < TOL, `${label}: output ${k} differs from predict by ${d}`);
  });
}

const x = (b: number, t: number, f: number, s: number): nt.Tensor => nt.randomUniform([b, t, f], { seed: s, minval: -1, maxval: 1 });

test('SimpleRNN, LSTM and GRU export to ONNX and match predict (sequences, last output, goBackwards, returnState, resetAfter, hard_sigmoid)', async () => {
  const cases: [string, () => nt.Layer][] = [
    ['SimpleRNN', () => new nt.SimpleRNN({ units: 4 })],
    ['SimpleRNN relu, sequences', () => new nt.SimpleRNN({ units: 4, activation: 'relu', returnSequences: true })],
    ['LSTM', () => new nt.LSTM({ units: 5 })],
    ['LSTM sequences', () => new nt.LSTM({ units: 5, returnSequences: true })],
    ['LSTM goBackwards, sequences', () => new nt.LSTM({ units: 3, goBackwards: true, returnSequences: true })],
    ['LSTM goBackwards', () => new nt.LSTM({ units: 3, goBackwards: true })],
    ['LSTM hard_sigmoid (Keras 2)', () => new nt.LSTM({ units: 4, recurrentActivation: 'hard_sigmoid' })],
    ['LSTM hard_sigmoid (Keras 3), no bias', () => new nt.LSTM({ units: 4, recurrentActivation: 'hard_sigmoid_keras3', useBias: false })],
    ['GRU (resetAfter)', () => new nt.GRU({ units: 4, returnSequences: true })],
    ['GRU resetAfter false', () => new nt.GRU({ units: 4, resetAfter: false })],
    ['GRU goBackwards', () => new nt.GRU({ units: 2, goBackwards: true, returnSequences: true })],
  ];
  for (const [i, [label, make]] of cases.entries()) {
    nt.setSeed(i);
    const model = new nt.Sequential([make()]);
    model.build([null, 7, 3]);
    seed(model, i + 1);
    for (const opset of [13, 17]) await check(`${label} (opset ${opset})`, model, [x(2, 7, 3, 10 + i)], opset);
  }
});

test('returnState and initial states as model inputs export (LSTM h and c, GRU h)', async () => {
  for (const kind of ['LSTM', 'GRU'] as const) {
    nt.setSeed(3);
    const seq = nt.Input({ shape: [6, 3] });
    const h0 = nt.Input({ shape: [4] });
    const c0 = nt.Input({ shape: [4] });
    const layer = kind === 'LSTM' ? new nt.LSTM({ units: 4, returnSequences: true, returnState: true }) : new nt.GRU({ units: 4, returnSequences: true, returnState: true });
    const outs = layer.apply(kind === 'LSTM' ? [seq, h0, c0] : [seq, h0]) as nt.SymbolicTensor[];
    const model = new nt.Model({ inputs: kind === 'LSTM' ? [seq, h0, c0] : [seq, h0], outputs: outs });
    seed(model, 7);
    const states = [nt.randomUniform([2, 4], { seed: 21 }), nt.randomUniform([2, 4], { seed: 22 })];
    await check(`${kind} returnState with initial states`, model, [x(2, 6, 3, 20), ...states.slice(0, kind === 'LSTM' ? 2 : 1)]);
  }
});

test('Bidirectional exports with every merge mode, sequences or not', async () => {
  let k = 0;
  for (const inner of ['LSTM', 'GRU', 'SimpleRNN'] as const) {
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      for (const returnSequences of [true, false]) {
        nt.setSeed(k);
        const layer = inner === 'LSTM' ? new nt.LSTM({ units: 3, returnSequences }) : inner === 'GRU' ? new nt.GRU({ units: 3, returnSequences }) : new nt.SimpleRNN({ units: 3, returnSequences });
        const model = new nt.Sequential([new nt.Bidirectional({ layer, mergeMode, inputShape: [5, 2] })]);
        seed(model, 30 + k);
        await check(`Bidirectional(${inner}) ${mergeMode}${returnSequences ? ', sequences' : ''}`, model, [x(3, 5, 2, 40 + k)]);
        k++;
      }
    }
  }
});

test('EinsumDense, MultiHeadAttention (causal, attentionMask input, scores output, cross-attention), Attention and AdditiveAttention export and match predict', async () => {
  const models: [string, () => { model: nt.Model; inputs: nt.Tensor[] }][] = [
    ['EinsumDense with an activation', () => {
      const i = nt.Input({ shape: [5, 4] });
      const y = new nt.EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 3, 2], biasAxes: 'de', activation: 'relu' }).apply(i) as nt.SymbolicTensor;
      return { model: new nt.Model({ inputs: i, outputs: y }), inputs: [x(2, 5, 4, 50)] };
    }],
    ['Transformer encoder block (causal self-attention, LayerNorm, feed-forward)', () => {
      const i = nt.Input({ shape: [6, 8] });
      const att = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([i, i], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor;
      const h = new nt.LayerNormalization().apply(new nt.Add().apply([i, att]) as nt.SymbolicTensor) as nt.SymbolicTensor;
      const ff = new nt.Dense({ units: 8 }).apply(new nt.Dense({ units: 16, activation: 'gelu' }).apply(h) as nt.SymbolicTensor) as nt.SymbolicTensor;
      return { model: new nt.Model({ inputs: i, outputs: new nt.LayerNormalization().apply(new nt.Add().apply([h, ff]) as nt.SymbolicTensor) as nt.SymbolicTensor }), inputs: [x(3, 6, 8, 51)] };
    }],
    ['MultiHeadAttention: attentionMask input, scores output, cross-attention with a key', () => {
      const q = nt.Input({ shape: [4, 6] });
      const v = nt.Input({ shape: [5, 3] });
      const k = nt.Input({ shape: [5, 7] });
      const m = nt.Input({ shape: [4, 5] });
      const outs = new nt.MultiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 5 }).apply([q, v, k], { attentionMask: m, returnAttentionScores: true } as unknown as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor[];
      const mask = nt.tensor(Array.from({ length: 2 * 4 * 5 }, (_, j) => (j % 3 === 0 ? 0 : 1)), [2, 4, 5]);
      return { model: new nt.Model({ inputs: [q, v, k, m], outputs: outs }), inputs: [x(2, 4, 6, 52), x(2, 5, 3, 53), x(2, 5, 7, 54), mask] };
    }],
    ['Attention (dot, scaled, causal) and Attention (concat), AdditiveAttention', () => {
      const q = nt.Input({ shape: [4, 3] });
      const v = nt.Input({ shape: [4, 3] });
      const dot = new nt.Attention({ useScale: true }).apply([q, v], { useCausalMask: true } as nt.AttentionCallOptions) as nt.SymbolicTensor;
      const concat = new nt.Attention({ scoreMode: 'concat', useScale: true }).apply([q, v]) as nt.SymbolicTensor;
      const [add, scores] = new nt.AdditiveAttention().apply([q, v], { returnAttentionScores: true } as nt.AttentionCallOptions) as unknown as nt.SymbolicTensor[];
      return { model: new nt.Model({ inputs: [q, v], outputs: [dot, concat, add, scores] }), inputs: [x(2, 4, 3, 55), x(2, 4, 3, 56)] };
    }],
  ];
  for (const [k, [label, make]] of models.entries()) {
    nt.setSeed(60 + k);
    const { model, inputs } = make();
    seed(model, 60 + k);
    for (const opset of [13, 17]) await check(`${label} (opset ${opset})`, model, inputs, opset);
  }
});

test("the recurrent and attention exports pass ONNX's checker (onnx.checker.check_model, full_check=True)", async (t) => {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx, onnx.checker; print(onnx.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    skipOrFail(t, 'python3-onnx is not installed (apt-get install -y python3-onnx)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'neurite-onnx-seq-'));
  try {
    nt.setSeed(80);
    const i = nt.Input({ shape: [6, 8] });
    const att = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([i, i], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as nt.SymbolicTensor;
    const rec = new nt.Bidirectional({ layer: new nt.LSTM({ units: 3, returnSequences: true, recurrentActivation: 'hard_sigmoid' }) }).apply(att) as nt.SymbolicTensor;
    const y = new nt.GRU({ units: 2, goBackwards: true }).apply(new nt.Attention({ useScale: true }).apply([rec, rec], { useCausalMask: true } as nt.AttentionCallOptions) as nt.SymbolicTensor) as nt.SymbolicTensor;
    const model = new nt.Model({ inputs: i, outputs: y });
    seed(model, 81);
    const paths: string[] = [];
    for (const opset of [13, 17]) {
      const path = join(dir, `seq_${opset}.onnx`);
      writeFileSync(path, toOnnxBytes(model, { opset }));
      paths.push(path);
    }
    const script = 'import sys, onnx, onnx.checker\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)\n    print("ok", p)';
    const r = spawnSync('/usr/bin/python3', ['-c', script, ...paths], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').filter((l) => l.startsWith('ok ')).length, paths.length);
    await check('checker model', model, [x(2, 6, 8, 82)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what ONNX cannot express is refused by name: a stateful layer, an activation its operators lack, merge_mode None', () => {
  const stateful = new nt.Sequential([new nt.LSTM({ units: 2, stateful: true, batchInputShape: [1, 3, 2] })]);
  assert.throws(() => toOnnxBytes(stateful), /layer 'lstm(_\d+)?' \(LSTM\) is stateful/);
  const gelu = new nt.Sequential([new nt.SimpleRNN({ units: 2, activation: 'gelu', inputShape: [3, 2] })]);
  assert.throws(() => toOnnxBytes(gelu), /uses the activation 'gelu', which ONNX's recurrent operators do not offer/);
  const input = nt.Input({ shape: [3, 2] });
  const both = new nt.Bidirectional({ layer: new nt.GRU({ units: 2 }), mergeMode: null }).apply(input) as unknown as nt.SymbolicTensor[];
  assert.throws(() => toOnnxBytes(new nt.Model({ inputs: input, outputs: both })), /merge_mode None/);
  const grid = nt.Input({ shape: [2, 3, 4] });
  const over2 = new nt.MultiHeadAttention({ numHeads: 1, keyDim: 2, attentionAxes: [1, 2] }).apply([grid, grid]) as nt.SymbolicTensor;
  assert.throws(() => toOnnxBytes(new nt.Model({ inputs: grid, outputs: over2 })), /attention over 2 axes is not exported/);
});
