/**
 * Keras' recurrent weight layout through the .h5 loader: a tf.keras 2.x-style file written
 * with h5py (Sequential: LSTM(3, return_sequences) → GRU(2, reset_after) → Dense(2); weight
 * datasets at `lstm/lstm/lstm_cell/kernel:0` etc.) whose expected outputs NumPy computes from
 * Keras' documented cell equations (LSTM gates i, f, c, o; GRU z, r, h with the recurrent bias
 * row applied inside the reset gate) — not by Neurite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { readNpy } from './helpers/npy.js';

const MAKE_PY = String.raw`
import sys, json
import numpy as np
import h5py
out = sys.argv[1]
rng = np.random.default_rng(3)
f32 = lambda a: np.asarray(a, dtype=np.float32)
sig = lambda v: 1 / (1 + np.exp(-v))
B, T, F, U1, U2 = 2, 5, 4, 3, 2
x = f32(rng.normal(size=(B, T, F)))
W1, R1, b1 = f32(rng.normal(size=(F, 4 * U1)) * 0.5), f32(rng.normal(size=(U1, 4 * U1)) * 0.5), f32(rng.normal(size=(4 * U1,)) * 0.1)
W2, R2, b2 = f32(rng.normal(size=(U1, 3 * U2)) * 0.5), f32(rng.normal(size=(U2, 3 * U2)) * 0.5), f32(rng.normal(size=(2, 3 * U2)) * 0.1)
Wd, bd = f32(rng.normal(size=(U2, 2))), f32(rng.normal(size=(2,)))
x64 = x.astype(np.float64)
h = np.zeros((B, U1)); c = np.zeros((B, U1)); seq = []
for t in range(T):
    z = x64[:, t] @ W1 + h @ R1 + b1
    i, f, g, o = sig(z[:, :U1]), sig(z[:, U1:2 * U1]), np.tanh(z[:, 2 * U1:3 * U1]), sig(z[:, 3 * U1:])
    c = f * c + i * g
    h = o * np.tanh(c)
    seq.append(h)
h2 = np.zeros((B, U2))
for t in range(T):
    mx = seq[t] @ W2 + b2[0]
    mi = h2 @ R2 + b2[1]
    zz = sig(mx[:, :U2] + mi[:, :U2]); rr = sig(mx[:, U2:2 * U2] + mi[:, U2:2 * U2])
    hh = np.tanh(mx[:, 2 * U2:] + rr * mi[:, 2 * U2:])
    h2 = zz * h2 + (1 - zz) * hh
y = h2 @ Wd + bd
np.save(out + '/x.npy', x); np.save(out + '/y.npy', f32(y))
rnn = lambda name, units, extra: {'class_name': name, 'config': dict({'name': name.lower(), 'trainable': True, 'dtype': 'float32', 'return_sequences': name == 'LSTM', 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'time_major': False, 'units': units, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'implementation': 2}, **extra)}
config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': [
    {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, T, F], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'lstm_input'}},
    rnn('LSTM', U1, {'unit_forget_bias': True}),
    rnn('GRU', U2, {'reset_after': True}),
    {'class_name': 'Dense', 'config': {'name': 'dense', 'trainable': True, 'dtype': 'float32', 'units': 2, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}}]}}
with h5py.File(out + '/rnn.h5', 'w') as fh:
    fh.attrs['keras_version'] = '2.10.0'
    fh.attrs['backend'] = 'tensorflow'
    fh.attrs['model_config'] = json.dumps(config)
    g = fh.create_group('model_weights')
    layers = [('lstm', 'lstm/lstm_cell', [('kernel', W1), ('recurrent_kernel', R1), ('bias', b1)]),
              ('gru', 'gru/gru_cell', [('kernel', W2), ('recurrent_kernel', R2), ('bias', b2)]),
              ('dense', 'dense', [('kernel', Wd), ('bias', bd)])]
    g.attrs['layer_names'] = [n for n, _, _ in layers]
    g.attrs['backend'] = 'tensorflow'
    g.attrs['keras_version'] = '2.10.0'
    for name, prefix, ws in layers:
        lg = g.create_group(name)
        lg.attrs['weight_names'] = [prefix + '/' + w + ':0' for w, _ in ws]
        for w, v in ws:
            lg.create_dataset(prefix + '/' + w + ':0', data=f32(v))
`;

test('a Keras-layout .h5 with LSTM and GRU (reset_after) loads and matches NumPy from Keras equations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-rnn-'));
  try {
    const r = spawnSync('/usr/bin/python3', ['-c', MAKE_PY, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const model = await nt.loadModel(join(dir, 'rnn.h5'));
    assert.deepEqual(model.layers.map((l) => l.getClassName()), ['LSTM', 'GRU', 'Dense']);
    const x = readNpy(join(dir, 'x.npy'));
    const want = readNpy(join(dir, 'y.npy'));
    const got = model.predict(nt.tensor(x.data as Float32Array, x.shape)) as nt.Tensor;
    assert.deepEqual(got.shape, want.shape);
    const gotValues = got.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < got.size; i++) maxDiff = Math.max(maxDiff, Math.abs(gotValues[i] - Number(want.data[i])));
    console.log(`LSTM+GRU Keras-layout .h5: max abs diff ${maxDiff.toExponential(2)}`);
    assert.ok(maxDiff < 1e-5, `max abs diff ${maxDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
