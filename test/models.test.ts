import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { item } from './helpers/read.js';

async function close(a: nt.Tensor, b: nt.Tensor, tol = 1e-5, what = ''): Promise<void> {
  assert.deepEqual(a.shape, b.shape, `${what} shape`);
  const av = await a.data();
  const bv = await b.data();
  for (let i = 0; i < a.size; i++) {
    if (Math.abs(av[i] - bv[i]) > tol * (1 + Math.abs(bv[i]))) assert.fail(`${what}: element ${i}: ${av[i]} vs ${bv[i]}`);
  }
}

test('the seed MLP Dense(16, input_shape=(1,)) → Dense(32) → Dense(2) has 32 + 544 + 66 parameters', () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 16, inputShape: [1] }), new nt.Dense({ units: 32 }), new nt.Dense({ units: 2 })]);
  const lines: string[] = [];
  const text = model.summary({ printFn: (l) => lines.push(l) });
  assert.equal(lines.join('\n'), text);
  assert.deepEqual(model.layers.map((l) => l.countParams()), [32, 544, 66]);
  assert.equal(model.countParams(), 642);
  const expected = [
    'Model: "sequential"',
    '_________________________________________________________________',
    ' Layer (type)                Output Shape              Param #   ',
    '=================================================================',
    ' dense (Dense)               (None, 16)                32        ',
    '                                                                 ',
    ' dense_1 (Dense)             (None, 32)                544       ',
    '                                                                 ',
    ' dense_2 (Dense)             (None, 2)                 66        ',
    '=================================================================',
    'Total params: 642',
    'Trainable params: 642',
    'Non-trainable params: 0',
    '_________________________________________________________________',
  ];
  assert.deepEqual(text.split('\n'), expected);
});

test('summary counts frozen weights as non-trainable and prints thousands separators', () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 512, inputShape: [784] }), new nt.Dense({ units: 10 })]);
  model.layers[0].trainable = false;
  const text = model.summary({ printFn: () => {} });
  assert.match(text, /Total params: 407,050/);
  assert.match(text, /Trainable params: 5,130/);
  assert.match(text, /Non-trainable params: 401,920/);
  assert.equal(model.trainableWeights.length, 2);
  assert.equal(model.nonTrainableWeights.length, 2);
});

test('a functional model with branches, a skip connection, two inputs and two outputs', async () => {
  nt.clearSession();
  const a = nt.Input({ shape: [4], name: 'a' });
  const b = nt.Input({ shape: [3], name: 'b' });
  const h1 = new nt.Dense({ units: 5, activation: 'relu', name: 'h1' }).apply(a);
  const h2 = new nt.Dense({ units: 5, activation: 'tanh', name: 'h2' }).apply(b);
  const merged = new nt.Add({ name: 'add' }).apply([h1, h2]) as nt.SymbolicTensor;
  const skip = new nt.Concatenate({ name: 'concat' }).apply([merged, a]) as nt.SymbolicTensor;
  const out1 = new nt.Dense({ units: 2, activation: 'softmax', name: 'out1' }).apply(skip);
  const out2 = new nt.Dense({ units: 1, name: 'out2' }).apply(merged);
  const model = new nt.Model({ inputs: [a, b], outputs: [out1, out2], name: 'two_heads' });
  assert.deepEqual(model.inputNames, ['a', 'b']);
  assert.deepEqual(model.outputNames, ['out1', 'out2']);
  assert.deepEqual(model.outputShapes, [[null, 2], [null, 1]]);
  const xa = nt.randomNormal([6, 4], { seed: 1 });
  const xb = nt.randomNormal([6, 3], { seed: 2 });
  const [y1, y2] = model.predict([xa, xb]) as nt.Tensor[];
  // The same computation written with ops on the layers' weights.
  const w = (name: string): nt.Tensor[] => model.getLayer(name).getWeights();
  const dense = (x: nt.Tensor, name: string): nt.Tensor => nt.add(nt.matmul(x, w(name)[0]), w(name)[1]);
  const m = nt.add(nt.relu(dense(xa, 'h1')), nt.tanh(dense(xb, 'h2')));
  await close(y1, nt.softmax(dense(nt.concat([m, xa], 1), 'out1')), 1e-5, 'out1');
  await close(y2, dense(m, 'out2'), 1e-5, 'out2');
  const text = model.summary({ printFn: () => {} });
  assert.match(text, /Connected to/);
  assert.match(text, /add \(Add\) +\(None, 5\) +0 +\['h1\[0\]\[0\]', +\n? *'h2\[0\]\[0\]'\]/);
});

test('config round trip rebuilds the same functional and sequential models', async () => {
  nt.clearSession();
  const x = nt.Input({ shape: [8] });
  const h = new nt.Dense({ units: 6, activation: 'relu', kernelRegularizer: 'l2' }).apply(x);
  const d = new nt.Dropout({ rate: 0.3 }).apply(h);
  const y = new nt.Dense({ units: 3, activation: 'softmax' }).apply(d);
  const model = new nt.Model({ inputs: x, outputs: y });
  const json = JSON.parse(JSON.stringify(model.getConfig()));
  const copy = nt.Model.fromConfig(json);
  copy.setWeights(model.getWeights());
  const data = nt.randomNormal([5, 8], { seed: 3 });
  await close(copy.predict(data) as nt.Tensor, model.predict(data) as nt.Tensor, 0, 'functional');
  assert.equal(JSON.stringify(copy.getConfig()), JSON.stringify(json));

  const seq = new nt.Sequential([new nt.Dense({ units: 4, inputShape: [2], activation: 'elu' }), new nt.LeakyReLU({ alpha: 0.1 }), new nt.Dense({ units: 1 })]);
  const cfg = JSON.parse(JSON.stringify(seq.getConfig()));
  assert.equal(cfg.layers[0].class_name, 'InputLayer');
  assert.deepEqual(cfg.layers[0].config.batch_input_shape, [null, 2]);
  assert.equal(cfg.layers[1].config.kernel_initializer.class_name, 'GlorotUniform');
  const seq2 = nt.Sequential.fromConfig(cfg);
  seq2.setWeights(seq.getWeights());
  const z = nt.randomNormal([3, 2], { seed: 4 });
  await close(seq2.predict(z) as nt.Tensor, seq.predict(z) as nt.Tensor, 0, 'sequential');
});

test('loading a config never executes code: unknown classes are a clear error listing the known ones', () => {
  assert.throws(() => nt.deserializeLayer({ class_name: 'EvilLayer', config: {} }), /Unknown layer class 'EvilLayer'. Known layers: .*Dense.*registerLayer/);
});

test('a wrong input shape names the layer and both shapes', () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [4] })]);
  assert.throws(() => model.predict(nt.ones([2, 5])), /input '.*' expects shape \(None, 4\); got \[2, 5\]/);
  const dense = new nt.Dense({ units: 3, name: 'probe' });
  dense.apply(nt.ones([2, 4]));
  assert.throws(() => dense.apply(nt.ones([2, 6])), /Layer probe \(Dense\): expected input shape \(None, 4\) \(axis -1 = 4\); got input shape \(2, 6\)/);
});

test('a Sequential model without an input shape builds from the first data', () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 3 }), new nt.Dense({ units: 2 })]);
  assert.throws(() => model.summary(), /has not been built yet/);
  const y = model.predict(nt.ones([4, 7])) as nt.Tensor;
  assert.deepEqual(y.shape, [4, 2]);
  assert.equal(model.countParams(), 7 * 3 + 3 + 3 * 2 + 2);
});

test('core layers: Activation, Flatten, Reshape, Permute, RepeatVector, ActivityRegularization', async () => {
  const x = nt.randomNormal([2, 3, 4], { seed: 5 });
  await close(new nt.Activation({ activation: 'tanh' }).apply(x), nt.tanh(x));
  assert.deepEqual(new nt.Flatten().apply(x).shape, [2, 12]);
  assert.deepEqual(new nt.Reshape({ targetShape: [6, -1] }).apply(x).shape, [2, 6, 2]);
  await close(new nt.Permute({ dims: [2, 1] }).apply(x), nt.transpose(x, [0, 2, 1]));
  const rv = new nt.RepeatVector({ n: 3 }).apply(nt.tensor([[1, 2]]));
  assert.deepEqual(await rv.array(), [[[1, 2], [1, 2], [1, 2]]]);
  const reg = new nt.ActivityRegularization({ l1: 0.5, l2: 0.25 });
  const v = nt.tensor([[1, -2], [3, -4]]);
  await close(reg.apply(v), v);
  // Keras divides activity penalties by the batch size: (0.5·10 + 0.25·30) / 2
  assert.ok(Math.abs((await item(reg.losses[0])) - 6.25) < 1e-6, `activity loss ${await item(reg.losses[0])}`);
  assert.throws(() => new nt.Permute({ dims: [1, 1] }), /permutation/);
  assert.throws(() => new nt.Reshape({ targetShape: [5] }).apply(x), /cannot reshape a sample of shape \[3, 4\]/);
});

test('advanced activation layers match their formulas', async () => {
  const x = nt.tensor([[-3, -0.5, 0.25, 2, 7]]);
  await close(new nt.ReLU({ maxValue: 6 }).apply(x), nt.tensor([[0, 0, 0.25, 2, 6]]));
  await close(new nt.ReLU({ negativeSlope: 0.1, threshold: 1 }).apply(x), nt.tensor([[-0.4, -0.15, -0.075, 2, 7]]));
  await close(new nt.LeakyReLU().apply(x), nt.tensor([[-0.9, -0.15, 0.25, 2, 7]]));
  await close(new nt.ELU({ alpha: 2 }).apply(x), nt.tensor([[2 * Math.expm1(-3), 2 * Math.expm1(-0.5), 0.25, 2, 7]]));
  await close(new nt.ThresholdedReLU().apply(x), nt.tensor([[0, 0, 0, 2, 7]]));
  await close(new nt.Softmax().apply(x), nt.softmax(x));
  const prelu = new nt.PReLU({ alphaInitializer: { class_name: 'Constant', config: { value: 0.25 } } });
  await close(prelu.apply(x), nt.tensor([[-0.75, -0.125, 0.25, 2, 7]]));
  assert.deepEqual(prelu.weights[0].shape, [5]);
  const shared = new nt.PReLU({ sharedAxes: [1, 2] });
  shared.apply(nt.ones([2, 3, 4, 5]));
  assert.deepEqual(shared.weights[0].shape, [1, 1, 5]);
});

test('merge layers', async () => {
  const a = nt.randomNormal([3, 4], { seed: 6 });
  const b = nt.randomNormal([3, 4], { seed: 7 });
  const c = nt.randomNormal([3, 4], { seed: 8 });
  await close(new nt.Add().apply([a, b, c]) as nt.Tensor, nt.add(nt.add(a, b), c));
  await close(new nt.Subtract().apply([a, b]) as nt.Tensor, nt.sub(a, b));
  await close(new nt.Multiply().apply([a, b]) as nt.Tensor, nt.mul(a, b));
  await close(new nt.Average().apply([a, b, c]) as nt.Tensor, nt.div(nt.add(nt.add(a, b), c), 3));
  await close(new nt.Maximum().apply([a, b]) as nt.Tensor, nt.maximum(a, b));
  await close(new nt.Minimum().apply([a, b]) as nt.Tensor, nt.minimum(a, b));
  await close(new nt.Concatenate({ axis: 1 }).apply([a, b]) as nt.Tensor, nt.concat([a, b], 1));
  await close(new nt.Dot({ axes: 1 }).apply([a, b]) as nt.Tensor, nt.sum(nt.mul(a, b), 1, true));
  const cos = new nt.Dot({ axes: 1, normalize: true }).apply([a, b]) as nt.Tensor;
  const norm = (t: nt.Tensor): nt.Tensor => nt.sqrt(nt.sum(nt.square(t), 1, true));
  await close(cos, nt.div(nt.sum(nt.mul(a, b), 1, true), nt.mul(norm(a), norm(b))), 1e-5);
  const m = nt.randomNormal([2, 3, 4], { seed: 9 });
  const n = nt.randomNormal([2, 4, 5], { seed: 10 });
  await close(new nt.Dot({ axes: [2, 1] }).apply([m, n]) as nt.Tensor, nt.matmul(m, n), 1e-5);
  assert.throws(() => new nt.Subtract().apply([a, b, c]), /exactly 2 inputs/);
  assert.throws(() => new nt.Add().apply([a, nt.ones([3, 5])]), /cannot be (merged|broadcast)/);
});

test('freezing a layer stops gradients and updates to its weights', () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 4, inputShape: [3] }), new nt.Dense({ units: 1 })]);
  model.layers[0].trainable = false;
  assert.equal(model.layers[0].weights[0].requiresGrad, false);
  model.layers[0].trainable = true;
  assert.equal(model.layers[0].weights[0].requiresGrad, true);
  model.trainable = false;
  assert.equal(model.trainableWeights.length, 0);
  assert.equal(model.layers[1].trainable, false);
});

test('a model is a layer: nest one model inside another', async () => {
  nt.clearSession();
  const inner = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2], activation: 'relu' })], );
  const x = nt.Input({ shape: [2] });
  const y = new nt.Dense({ units: 1 }).apply(inner.apply(x) as nt.SymbolicTensor);
  const outer = new nt.Model({ inputs: x, outputs: y });
  assert.equal(outer.countParams(), 9 + 4);
  const data = nt.randomNormal([4, 2], { seed: 11 });
  const direct = nt.add(nt.matmul(inner.predict(data) as nt.Tensor, outer.layers[2].getWeights()[0]), outer.layers[2].getWeights()[1]);
  await close(outer.predict(data) as nt.Tensor, direct, 1e-6);
  const copy = nt.Model.fromConfig(JSON.parse(JSON.stringify(outer.getConfig())));
  copy.setWeights(outer.getWeights());
  await close(copy.predict(data) as nt.Tensor, outer.predict(data) as nt.Tensor, 0);
});
