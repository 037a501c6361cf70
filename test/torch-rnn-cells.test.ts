/**
 * Recurrent cells against outside references (not an engine file: these tests start
 * /usr/bin/python3 and write .h5 files):
 *  - PyTorch (python3-torch) as the numeric oracle: LSTMCell and GRUCell one step, and
 *    RNN(LSTMCell) / RNN(GRUCell) over a sequence from given initial states, on the same
 *    weights. torch's LSTM gates are i, f, g, o like Keras' i, f, c, o; torch's GRU gates are
 *    r, z, n with the reset gate applied after the recurrent product (Keras resetAfter=true,
 *    input bias row = bias_ih, recurrent bias row = bias_hh), reordered to Keras' z, r, h.
 *  - Keras .h5: a model with RNN(LSTMCell), RNN([GRUCell, SimpleRNNCell]) and ConvLSTM2D saves
 *    in tf.keras 2's layout (h5py reads the weight names and the config) and loads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
function missing(module: string, pkg: string): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0 ? null : `${pkg} is not installed (Debian ${pkg})`;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const TORCH = String.raw`
import json, sys, numpy as np, torch
p = json.load(sys.stdin)
t = lambda o: torch.tensor(np.asarray(o['data'], dtype=np.float64).reshape(o['shape']))
x, h0, c0 = t(p['x']), t(p['h0']), t(p['c0'])
U = h0.shape[1]
out = {}
with torch.no_grad():
    k, r, b = (t(w) for w in p['lstm'])
    cell = torch.nn.LSTMCell(x.shape[2], U, dtype=torch.float64)
    net = torch.nn.LSTM(x.shape[2], U, batch_first=True, dtype=torch.float64)
    for m, (wi, wh, bi, bh) in ((cell, (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)), (net, (net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0))):
        wi.copy_(k.T); wh.copy_(r.T); bi.copy_(b); bh.zero_()
    h1, c1 = cell(x[:, 0], (h0, c0))
    seq, (hT, cT) = net(x, (h0[None], c0[None]))
    out['lstm'] = [h1.flatten().tolist(), c1.flatten().tolist(), seq.flatten().tolist(), hT.flatten().tolist(), cT.flatten().tolist()]
    k, r, b = (t(w) for w in p['gru'])
    # Keras columns z | r | h  ->  torch rows r | z | n.
    order = lambda m: torch.cat([m[..., U:2 * U], m[..., :U], m[..., 2 * U:]], -1)
    cell = torch.nn.GRUCell(x.shape[2], U, dtype=torch.float64)
    net = torch.nn.GRU(x.shape[2], U, batch_first=True, dtype=torch.float64)
    for wi, wh, bi, bh in ((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), (net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0)):
        wi.copy_(order(k).T); wh.copy_(order(r).T); bi.copy_(order(b[0])); bh.copy_(order(b[1]))
    h1 = cell(x[:, 0], h0)
    seq, hT = net(x, h0[None])
    out['gru'] = [h1.flatten().tolist(), seq.flatten().tolist(), hT.flatten().tolist()]
json.dump(out, sys.stdout)
`;

async function plain(t: Tensor): Promise<{ data: number[]; shape: number[] }> {
  return { data: Array.from(await t.data()), shape: [...t.shape] };
}

test('LSTMCell and GRUCell (resetAfter) equal PyTorch LSTMCell/GRUCell and nn.LSTM/nn.GRU on the same weights (python3-torch)', { skip: unavailable(missing('torch', 'python3-torch')) }, async () => {
  const [B, T, F, U] = [2, 4, 3, 5];
  const x = randn([B, T, F], 1);
  const h0 = randn([B, U], 2, 0.5);
  const c0 = randn([B, U], 3, 0.5);
  const lstm = new nt.RNN({ cell: new nt.LSTMCell({ units: U }), returnSequences: true, returnState: true });
  const gru = new nt.RNN({ cell: new nt.GRUCell({ units: U }), returnSequences: true, returnState: true });
  for (const [i, layer] of [lstm, gru].entries()) {
    layer.apply([x, h0, ...(i === 0 ? [c0] : [])]);
    layer.setWeights(layer.weights.map((w, k) => randn(w.shape, 10 * i + k + 5, 0.5)));
  }
  const payload = {
    x: await plain(x), h0: await plain(h0), c0: await plain(c0),
    lstm: await Promise.all(lstm.weights.map(plain)), gru: await Promise.all(gru.weights.map(plain)),
  };
  const r = spawnSync(PYTHON, ['-c', TORCH], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const torch = JSON.parse(r.stdout) as { lstm: number[][]; gru: number[][] };
  const x0 = nt.reshape(nt.gather(x, [0], 1), [B, F]);
  const tol = 2e-5;
  // One step of each cell.
  const [, h1, c1] = (lstm.cell as nt.LSTMCell).apply([x0, h0, c0]) as Tensor[];
  assert.ok(maxDiff(await h1.data(), torch.lstm[0]) < tol);
  assert.ok(maxDiff(await c1.data(), torch.lstm[1]) < tol);
  const [g1] = (gru.cell as nt.GRUCell).apply([x0, h0]) as Tensor[];
  assert.ok(maxDiff(await g1.data(), torch.gru[0]) < tol);
  // Whole sequences, fused and through scan.
  for (const fused of [true, false]) {
    const was = nt.setRecurrentFusion(fused);
    try {
      const [seq, hT, cT] = lstm.apply([x, h0, c0]) as Tensor[];
      assert.ok(maxDiff(await seq.data(), torch.lstm[2]) < tol, `LSTM sequence (fused ${fused})`);
      assert.ok(maxDiff(await hT.data(), torch.lstm[3]) < tol);
      assert.ok(maxDiff(await cT.data(), torch.lstm[4]) < tol);
      const [gseq, ghT] = gru.apply([x, h0]) as Tensor[];
      assert.ok(maxDiff(await gseq.data(), torch.gru[1]) < tol, `GRU sequence (fused ${fused})`);
      assert.ok(maxDiff(await ghT.data(), torch.gru[2]) < tol);
    } finally {
      nt.setRecurrentFusion(was);
    }
  }
});

const READ_H5 = String.raw`
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
g = f['model_weights']
names = {n.decode() if isinstance(n, bytes) else n: [w.decode() if isinstance(w, bytes) else w for w in g[n].attrs['weight_names']] for n in g.attrs['layer_names']}
shapes = {n: [list(g[n][w].shape) for w in ws] for n, ws in names.items()}
cfg = f.attrs['model_config']
json.dump({'names': names, 'shapes': shapes, 'config': json.loads(cfg.decode() if isinstance(cfg, bytes) else cfg)}, sys.stdout)
`;

test('a model with RNN(LSTMCell), a stack of cells and ConvLSTM2D saves as Keras .h5 (tf.keras 2 layout, read by h5py) and loads back', { skip: unavailable(missing('h5py', 'python3-h5py')) }, async () => {
  nt.clearSession();
  nt.setSeed(4);
  const inp = nt.Input({ shape: [3, 4, 4, 1] });
  const conv = new nt.ConvLSTM2D({ filters: 2, kernelSize: 3, padding: 'same', returnSequences: true }).apply(inp) as nt.SymbolicTensor;
  const seq = new nt.Reshape({ targetShape: [3, 32] }).apply(conv) as nt.SymbolicTensor;
  const a = new nt.RNN({ cell: new nt.LSTMCell({ units: 4 }), returnSequences: true }).apply(seq) as nt.SymbolicTensor;
  const b = new nt.RNN({ cell: [new nt.GRUCell({ units: 3 }), new nt.SimpleRNNCell({ units: 2 })] }).apply(a) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: inp, outputs: new nt.Dense({ units: 1 }).apply(b) as nt.SymbolicTensor });
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = randn([2, 3, 4, 4, 1], 7);
  await model.fit(x, randn([2, 1], 8), { epochs: 2, verbose: 0 });
  const expected = await (model.predict(x) as Tensor).data();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-rnn-cells-h5-'));
  try {
    const path = join(dir, 'cells.h5');
    await model.save(path);
    const r = spawnSync(PYTHON, ['-c', READ_H5, path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const file = JSON.parse(r.stdout) as { names: Record<string, string[]>; shapes: Record<string, number[][]>; config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    assert.deepEqual(file.names.rnn, ['rnn/lstm_cell/kernel:0', 'rnn/lstm_cell/recurrent_kernel:0', 'rnn/lstm_cell/bias:0']);
    assert.deepEqual(file.shapes.rnn, [[32, 16], [4, 16], [16]]);
    assert.deepEqual(file.names.rnn_1, ['rnn_1/stacked_rnn_cells/gru_cell/kernel:0', 'rnn_1/stacked_rnn_cells/gru_cell/recurrent_kernel:0', 'rnn_1/stacked_rnn_cells/gru_cell/bias:0',
      'rnn_1/stacked_rnn_cells/simple_rnn_cell/kernel:0', 'rnn_1/stacked_rnn_cells/simple_rnn_cell/recurrent_kernel:0', 'rnn_1/stacked_rnn_cells/simple_rnn_cell/bias:0']);
    assert.deepEqual(file.shapes.rnn_1, [[4, 9], [3, 9], [2, 9], [3, 2], [2, 2], [2]]);
    assert.deepEqual(file.shapes.conv_lst_m2d, [[3, 3, 1, 8], [3, 3, 2, 8], [8]]);
    const layers = file.config.config.layers;
    const rnn = layers.find((l) => l.class_name === 'RNN' && l.config.name === 'rnn');
    assert.equal((rnn?.config.cell as { class_name: string }).class_name, 'LSTMCell');
    assert.ok(layers.some((l) => l.class_name === 'ConvLSTM2D' && l.config.filters === 2 && !('cell' in l.config)));
    const loaded = await nt.loadModel(path);
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), model.layers.map((l) => l.getClassName()));
    assert.deepEqual(loaded.weights.map((w) => w.name), model.weights.map((w) => w.name));
    assert.ok(maxDiff(expected, await (loaded.predict(x) as Tensor).data()) < 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
