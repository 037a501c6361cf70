/**
 * The corners of real Keras files beyond the two fixtures, written with h5py exactly as
 * the Keras versions concerned lay them out, with expected outputs computed by NumPy from
 * Keras' documented semantics (not by Neurite):
 *  - Keras 2.1: a Sequential config that is a bare list, no InputLayer (batch_input_shape
 *    on the first layer), channels_first Conv2D, a separate Activation, BatchNormalization
 *    on axis 1, AveragePooling2D with 'same' padding (padding not counted), Flatten
 *    without data_format (flattens NCHW order), Dropout, a linear Dense; fixed-length
 *    byte-string attributes;
 *  - Keras 2.2: a functional 'Model' with one [name, node, tensor] triple as input_layers,
 *    'same' channels_first conv, and Flatten(data_format='channels_first') (flattens in
 *    NHWC order);
 *  - a save_weights file that starts with a user block (HDF5 data at byte 1024);
 *  - Keras 3 (legacy .h5): InputLayer batch_shape, dtype policies, `{args, kwargs}` inbound
 *    nodes with Add and Concatenate, weight names without ':0' (one under a nested path),
 *    a Keras 3 training_config and optimizer state (not restorable: a warning).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { loadModelH5, loadWeightsH5 } from '../src/io/h5/index.js';
import { readNpy } from './helpers/npy.js';

const MAKE_PY = String.raw`
import sys, json
import numpy as np
import h5py

out = sys.argv[1]
rng = np.random.default_rng(0)
f32 = lambda a: np.asarray(a, dtype=np.float32)
def init(kind):
    return {'class_name': kind, 'config': {}} if kind in ('Zeros', 'Ones') else {'class_name': kind, 'config': {'seed': None}}

def conv_nchw(x, k, b, pad):
    kh, kw, _, co = k.shape
    if pad == 'same':
        ph, pw = kh - 1, kw - 1
        x = np.pad(x, ((0, 0), (0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))
    ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    y = np.zeros((x.shape[0], co, ho, wo))
    for i in range(kh):
        for j in range(kw):
            y += np.einsum('nchw,co->nohw', x[:, :, i:i + ho, j:j + wo], k[i, j])
    return y + b[None, :, None, None]

def avgpool_same_nchw(x, p, s):
    n, c, h, w = x.shape
    ho, wo = -(-h // s), -(-w // s)
    top, left = max((ho - 1) * s + p - h, 0) // 2, max((wo - 1) * s + p - w, 0) // 2
    y = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * s - top, j * s - left
            y[:, :, i, j] = x[:, :, max(r0, 0):min(r0 + p, h), max(c0, 0):min(c0 + p, w)].mean(axis=(2, 3))
    return y

def maxpool_nchw(x, p):
    n, c, h, w = x.shape
    return x[:, :, :h // p * p, :w // p * p].reshape(n, c, h // p, p, w // p, p).max(axis=(3, 5))

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def write_weights(g, layers, names_as_bytes, suffix):
    enc = (lambda s: np.bytes_(s)) if names_as_bytes else (lambda s: s)
    g.attrs['layer_names'] = np.array([enc(n) for n, _ in layers]) if names_as_bytes else [n for n, _ in layers]
    g.attrs['backend'] = enc('tensorflow')
    g.attrs['keras_version'] = enc(g.file.attrs['keras_version'] if isinstance(g.file.attrs['keras_version'], str) else g.file.attrs['keras_version'].decode())
    for name, weights in layers:
        lg = g.create_group(name)
        wn = [w + suffix for w, _ in weights]
        lg.attrs['weight_names'] = (np.array([enc(n) for n in wn]) if names_as_bytes else wn) if wn else np.array([])
        for n, (_, v) in zip(wn, weights):
            lg.create_dataset(n, data=f32(v))

# ---- A: Keras 2.1.6 Sequential, channels_first, no InputLayer ----------------------------
x = f32(rng.normal(size=(5, 2, 9, 9)))
k = f32(rng.normal(size=(3, 3, 2, 3)) * 0.4); kb = f32(rng.normal(size=3) * 0.1)
gamma, beta = f32(rng.uniform(0.5, 1.5, 3)), f32(rng.normal(size=3) * 0.1)
mean, var = f32(rng.normal(size=3) * 0.2), f32(rng.uniform(0.5, 2.0, 3))
dk, db = f32(rng.normal(size=(48, 4)) * 0.3), f32(rng.normal(size=4) * 0.1)
h = np.maximum(conv_nchw(x.astype(np.float64), k, kb, 'valid'), 0)
h = (h - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 0.001) * gamma[None, :, None, None] + beta[None, :, None, None]
h = avgpool_same_nchw(h, 2, 2)
y = h.reshape(5, -1) @ dk + db
np.save(out + '/a_x.npy', x); np.save(out + '/a_y.npy', f32(y))
layers = [
    {'class_name': 'Conv2D', 'config': {'name': 'conv2d_1', 'trainable': True, 'batch_input_shape': [None, 2, 9, 9], 'dtype': 'float32', 'filters': 3, 'kernel_size': [3, 3], 'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_first', 'dilation_rate': [1, 1], 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'class_name': 'VarianceScaling', 'config': {'scale': 1.0, 'mode': 'fan_avg', 'distribution': 'uniform', 'seed': None}}, 'bias_initializer': init('Zeros'), 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}},
    {'class_name': 'Activation', 'config': {'name': 'activation_1', 'trainable': True, 'activation': 'relu'}},
    {'class_name': 'BatchNormalization', 'config': {'name': 'batch_normalization_1', 'trainable': True, 'axis': 1, 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True, 'beta_initializer': init('Zeros'), 'gamma_initializer': init('Ones'), 'moving_mean_initializer': init('Zeros'), 'moving_variance_initializer': init('Ones'), 'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None}},
    {'class_name': 'AveragePooling2D', 'config': {'name': 'average_pooling2d_1', 'trainable': True, 'pool_size': [2, 2], 'padding': 'same', 'strides': [2, 2], 'data_format': 'channels_first'}},
    {'class_name': 'Flatten', 'config': {'name': 'flatten_1', 'trainable': True}},
    {'class_name': 'Dropout', 'config': {'name': 'dropout_1', 'trainable': True, 'rate': 0.5, 'noise_shape': None, 'seed': None}},
    {'class_name': 'Dense', 'config': {'name': 'dense_1', 'trainable': True, 'units': 4, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': init('GlorotUniform'), 'bias_initializer': init('Zeros'), 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}},
]
with h5py.File(out + '/a.h5', 'w') as f:
    f.attrs['keras_version'] = np.bytes_('2.1.6'); f.attrs['backend'] = np.bytes_('tensorflow')
    f.attrs['model_config'] = np.bytes_(json.dumps({'class_name': 'Sequential', 'config': layers}))
    write_weights(f.create_group('model_weights'), [
        ('conv2d_1', [('conv2d_1/kernel', k), ('conv2d_1/bias', kb)]), ('activation_1', []),
        ('batch_normalization_1', [('batch_normalization_1/gamma', gamma), ('batch_normalization_1/beta', beta), ('batch_normalization_1/moving_mean', mean), ('batch_normalization_1/moving_variance', var)]),
        ('average_pooling2d_1', []), ('flatten_1', []), ('dropout_1', []), ('dense_1', [('dense_1/kernel', dk), ('dense_1/bias', db)])], True, ':0')

# ---- C: Keras 2.2.4 functional 'Model', Flatten(data_format='channels_first') -------------
x = f32(rng.normal(size=(4, 3, 6, 6)))
k = f32(rng.normal(size=(3, 3, 3, 4)) * 0.4); kb = f32(rng.normal(size=4) * 0.1)
dk, db = f32(rng.normal(size=(36, 3)) * 0.3), f32(rng.normal(size=3) * 0.1)
h = maxpool_nchw(np.maximum(conv_nchw(x.astype(np.float64), k, kb, 'same'), 0), 2)
y = softmax(h.transpose(0, 2, 3, 1).reshape(4, -1) @ dk + db)
np.save(out + '/c_x.npy', x); np.save(out + '/c_y.npy', f32(y))
node = lambda src: [[[src, 0, 0, {}]]]
cfg = {'name': 'model_1', 'layers': [
    {'name': 'input_1', 'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 3, 6, 6], 'dtype': 'float32', 'sparse': False, 'name': 'input_1'}, 'inbound_nodes': []},
    {'name': 'conv2d_1', 'class_name': 'Conv2D', 'config': {'name': 'conv2d_1', 'trainable': True, 'filters': 4, 'kernel_size': [3, 3], 'strides': [1, 1], 'padding': 'same', 'data_format': 'channels_first', 'dilation_rate': [1, 1], 'activation': 'relu', 'use_bias': True}, 'inbound_nodes': node('input_1')},
    {'name': 'max_pooling2d_1', 'class_name': 'MaxPooling2D', 'config': {'name': 'max_pooling2d_1', 'trainable': True, 'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2], 'data_format': 'channels_first'}, 'inbound_nodes': node('conv2d_1')},
    {'name': 'flatten_1', 'class_name': 'Flatten', 'config': {'name': 'flatten_1', 'trainable': True, 'data_format': 'channels_first'}, 'inbound_nodes': node('max_pooling2d_1')},
    {'name': 'dense_1', 'class_name': 'Dense', 'config': {'name': 'dense_1', 'trainable': True, 'units': 3, 'activation': 'softmax', 'use_bias': True}, 'inbound_nodes': node('flatten_1')}],
    'input_layers': ['input_1', 0, 0], 'output_layers': [['dense_1', 0, 0]]}
with h5py.File(out + '/c.h5', 'w') as f:
    f.attrs['keras_version'] = np.bytes_('2.2.4'); f.attrs['backend'] = np.bytes_('tensorflow')
    f.attrs['model_config'] = np.bytes_(json.dumps({'class_name': 'Model', 'config': cfg}))
    write_weights(f.create_group('model_weights'), [('input_1', []), ('conv2d_1', [('conv2d_1/kernel', k), ('conv2d_1/bias', kb)]),
        ('max_pooling2d_1', []), ('flatten_1', []), ('dense_1', [('dense_1/kernel', dk), ('dense_1/bias', db)])], True, ':0')

# ---- B: Keras 3 legacy .h5, functional with Add and Concatenate ---------------------------
x = f32(rng.normal(size=(6, 6)))
w0, b0 = f32(rng.normal(size=(6, 5)) * 0.5), f32(rng.normal(size=5) * 0.1)
w1, b1 = f32(rng.normal(size=(5, 5)) * 0.5), f32(rng.normal(size=5) * 0.1)
w2, b2 = f32(rng.normal(size=(11, 2)) * 0.5), f32(rng.normal(size=2) * 0.1)
d0 = np.maximum(x.astype(np.float64) @ w0 + b0, 0); d1 = np.tanh(d0 @ w1 + b1)
y = np.concatenate([d0 + d1, x], axis=1) @ w2 + b2
np.save(out + '/b_x.npy', x); np.save(out + '/b_y.npy', f32(y))
policy = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
kt = lambda name, shape: {'class_name': '__keras_tensor__', 'config': {'shape': shape, 'dtype': 'float32', 'keras_history': [name, 0, 0]}}
def k3(cls, name, config, inbound, build=None):
    d = {'module': 'keras.layers', 'class_name': cls, 'config': dict(name=name, trainable=True, dtype=policy, **config), 'registered_name': None, 'name': name, 'inbound_nodes': inbound}
    if build: d['build_config'] = {'input_shape': build}
    return d
dense = lambda units, act: {'units': units, 'activation': act, 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None, 'lora_rank': None}
cfg = {'name': 'functional', 'trainable': True, 'layers': [
    {'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': [None, 6], 'dtype': 'float32', 'sparse': False, 'name': 'input_layer'}, 'registered_name': None, 'name': 'input_layer', 'inbound_nodes': []},
    k3('Dense', 'dense', dense(5, 'relu'), [{'args': [kt('input_layer', [None, 6])], 'kwargs': {}}], [None, 6]),
    k3('Dense', 'dense_1', dense(5, 'tanh'), [{'args': [kt('dense', [None, 5])], 'kwargs': {}}], [None, 5]),
    k3('Add', 'add', {}, [{'args': [[kt('dense', [None, 5]), kt('dense_1', [None, 5])]], 'kwargs': {}}]),
    k3('Concatenate', 'concatenate', {'axis': -1}, [{'args': [[kt('add', [None, 5]), kt('input_layer', [None, 6])]], 'kwargs': {}}]),
    k3('Dense', 'dense_2', dense(2, 'linear'), [{'args': [kt('concatenate', [None, 11])], 'kwargs': {}}], [None, 11])],
    'input_layers': [['input_layer', 0, 0]], 'output_layers': [['dense_2', 0, 0]]}
tc = {'loss': 'mean_squared_error', 'loss_weights': None, 'metrics': ['mae'], 'weighted_metrics': None, 'run_eagerly': False, 'steps_per_execution': 1, 'jit_compile': False,
      'optimizer_config': {'class_name': 'Adam', 'config': {'name': 'adam', 'learning_rate': 0.002, 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, 'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None, 'loss_scale_factor': None, 'gradient_accumulation_steps': None, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07, 'amsgrad': False}}}
with h5py.File(out + '/b.h5', 'w') as f:
    f.attrs['keras_version'] = '3.3.3'; f.attrs['backend'] = 'tensorflow'
    f.attrs['model_config'] = json.dumps({'class_name': 'Functional', 'config': cfg})
    f.attrs['training_config'] = json.dumps(tc)
    g = f.create_group('model_weights')
    write_weights(g, [('input_layer', []), ('dense', [('dense/kernel', w0), ('dense/bias', b0)]), ('dense_1', [('dense_1/kernel', w1), ('dense_1/bias', b1)]),
        ('add', []), ('concatenate', []), ('dense_2', [('functional/dense_2/kernel', w2), ('functional/dense_2/bias', b2)])], False, '')
    g.create_group('top_level_model_weights').attrs['weight_names'] = np.array([])
    o = f.create_group('optimizer_weights')
    names = ['adam/iteration', 'adam/learning_rate'] + ['adam/%s_%s_%s' % (l, p, s) for l in ('dense', 'dense_1', 'dense_2') for p in ('kernel', 'bias') for s in ('momentum', 'velocity')]
    o.attrs['weight_names'] = names
    o.create_dataset('adam/iteration', data=np.int64(3)); o.create_dataset('adam/learning_rate', data=np.float32(0.002))
    for n, w in zip(names[2:], [w0, w0, b0, b0, w1, w1, b1, b1, w2, w2, b2, b2]):
        o.create_dataset(n, data=np.zeros_like(w))

# ---- D: a save_weights file with a 1024-byte user block before the HDF5 data --------------
with h5py.File(out + '/d.h5', 'w', userblock_size=1024) as f:
    f.attrs['keras_version'] = '2.15.0'
    write_weights(f, [('dense', [('dense/kernel', np.arange(6).reshape(3, 2)), ('dense/bias', [1, 2])])], False, ':0')
print('ok')
`;

let dir = '';

function makeFiles(): string {
  if (dir) return dir;
  assert.ok(existsSync('/usr/bin/python3'), '/usr/bin/python3 is missing (install python3-h5py)');
  dir = mkdtempSync(join(tmpdir(), 'neurite-h5-compat-'));
  const r = spawnSync('/usr/bin/python3', ['-c', MAKE_PY, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `making the Keras-layout files with h5py failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

process.on('exit', () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function npyTensor(path: string): nt.Tensor {
  const a = readNpy(path);
  return nt.tensor(a.data as Float32Array, a.shape);
}

function assertClose(got: nt.Tensor, want: nt.Tensor, tol: number): number {
  assert.deepEqual(got.shape, want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  let max = 0;
  for (let i = 0; i < got.size; i++) max = Math.max(max, Math.abs(g[i] - w[i]));
  assert.ok(max <= tol, `max abs diff ${max} > ${tol}`);
  return max;
}

test('Keras 2.1 Sequential (bare list, no InputLayer) with channels_first Conv2D, Activation, BatchNormalization, AveragePooling2D same, Flatten, Dropout, linear Dense', async () => {
  const d = makeFiles();
  const warnings: string[] = [];
  const model = await loadModelH5(join(d, 'a.h5'), { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, []);
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Conv2D', 'Activation', 'BatchNormalization', 'AveragePooling2D', 'Flatten', 'Dropout', 'Dense']);
  assert.deepEqual(model.inputShapes, [[null, 2, 9, 9]]);
  const diff = assertClose(model.predict(npyTensor(join(d, 'a_x.npy'))) as nt.Tensor, npyTensor(join(d, 'a_y.npy')), 1e-5);
  console.log(`Keras 2.1 channels_first Sequential: max abs diff vs NumPy ${diff.toExponential(3)}`);
});

test("Keras 2.2 functional 'Model' with channels_first conv and Flatten(data_format='channels_first')", async () => {
  const d = makeFiles();
  const model = await loadModelH5(join(d, 'c.h5'));
  assert.equal(model.getClassName(), 'Functional');
  const diff = assertClose(model.predict(npyTensor(join(d, 'c_x.npy'))) as nt.Tensor, npyTensor(join(d, 'c_y.npy')), 1e-6);
  console.log(`Keras 2.2 functional channels_first: max abs diff vs NumPy ${diff.toExponential(3)}`);
});

test('Keras 3 legacy .h5: Keras 3 config spellings, weight names without :0, Add/Concatenate; its optimizer state is skipped with a warning', async () => {
  const d = makeFiles();
  const warnings: string[] = [];
  const model = await loadModelH5(join(d, 'b.h5'), { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(model.layers.map((l) => l.name), ['input_layer', 'dense', 'dense_1', 'add', 'concatenate', 'dense_2']);
  const diff = assertClose(model.predict(npyTensor(join(d, 'b_x.npy'))) as nt.Tensor, npyTensor(join(d, 'b_y.npy')), 1e-5);
  console.log(`Keras 3 legacy functional: max abs diff vs NumPy ${diff.toExponential(3)}`);
  assert.equal(model.optimizer.getClassName(), 'Adam');
  assert.ok(Math.abs(model.optimizer.learningRate - 0.002) < 1e-9);
  assert.equal(model.optimizer.iterations, 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /b\.h5: the optimizer state of a Keras 3\.3\.3 file is laid out differently/);
  // The same weights load by name into a model built in code.
  nt.clearSession();
  const input = nt.Input({ shape: [6] });
  const d0 = new nt.Dense({ units: 5, activation: 'relu', name: 'dense' }).apply(input);
  const d1 = new nt.Dense({ units: 5, activation: 'tanh', name: 'dense_1' }).apply(d0);
  const sum = new nt.Add().apply([d0, d1]) as nt.SymbolicTensor;
  const cat = new nt.Concatenate().apply([sum, input]) as nt.SymbolicTensor;
  const built = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 2, name: 'dense_2' }).apply(cat) });
  await loadWeightsH5(built, join(d, 'b.h5'));
  assertClose(built.predict(npyTensor(join(d, 'b_x.npy'))) as nt.Tensor, npyTensor(join(d, 'b_y.npy')), 1e-5);
});

test('a save_weights file with a user block before the HDF5 data', async () => {
  const d = makeFiles();
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [3], name: 'dense' })]);
  await loadWeightsH5(model, join(d, 'd.h5'));
  assert.deepEqual(Array.from(model.getWeights()[0].dataSync()), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(model.getWeights()[1].dataSync()), [1, 2]);
});
