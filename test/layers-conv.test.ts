import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';
import { checkGradients } from './helpers/gradcheck.js';
import { item } from './helpers/read.js';

/** Output shapes and parameter counts of a model's layers. */
function table(model: nt.Sequential): [string, (number | null)[], number][] {
  return model.layers.map((l) => [l.getClassName(), [...(model.graphNodes.find((n) => n.layer === l)?.outputs[0].shape ?? [])], l.countParams()]);
}

test('the seed model_valid net: Keras output shapes and parameter counts', () => {
  nt.clearSession();
  const model = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape: [20, 20, 3], activation: 'relu' }),
    new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', padding: 'valid' }),
    new nt.Conv2D({ filters: 64, kernelSize: [5, 5], activation: 'relu', padding: 'valid' }),
    new nt.Conv2D({ filters: 128, kernelSize: [7, 7], activation: 'relu', padding: 'valid' }),
    new nt.Flatten(),
    new nt.Dense({ units: 2, activation: 'softmax' }),
  ]);
  assert.deepEqual(table(model), [
    ['Dense', [null, 20, 20, 16], 64],
    ['Conv2D', [null, 18, 18, 32], 4640],
    ['Conv2D', [null, 14, 14, 64], 51264],
    ['Conv2D', [null, 8, 8, 128], 401536],
    ['Flatten', [null, 8192], 0],
    ['Dense', [null, 2], 16386],
  ]);
  const text = model.summary({ printFn: () => {} });
  assert.match(text, / conv2d_2 \(Conv2D\) +\(None, 8, 8, 128\) +401536/);
  assert.match(text, /Total params: 473,890/);
  const y = model.predict(nt.randomUniform([2, 20, 20, 3], { seed: 1 })) as nt.Tensor;
  assert.deepEqual(y.shape, [2, 2]);
});

test("the seed net with padding='same' and MaxPooling2D(2, strides 2)", () => {
  nt.clearSession();
  const model = new nt.Sequential([
    new nt.Dense({ units: 16, inputShape: [20, 20, 3], activation: 'relu' }),
    new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', padding: 'same' }),
    new nt.MaxPooling2D({ poolSize: [2, 2], strides: 2, padding: 'valid' }),
    new nt.Conv2D({ filters: 64, kernelSize: [5, 5], activation: 'relu', padding: 'same' }),
    new nt.Flatten(),
    new nt.Dense({ units: 2, activation: 'softmax' }),
  ]);
  assert.deepEqual(table(model), [
    ['Dense', [null, 20, 20, 16], 64],
    ['Conv2D', [null, 20, 20, 32], 4640],
    ['MaxPooling2D', [null, 10, 10, 32], 0],
    ['Conv2D', [null, 10, 10, 64], 51264],
    ['Flatten', [null, 6400], 0],
    ['Dense', [null, 2], 12802],
  ]);
  assert.match(model.summary({ printFn: () => {} }), /Total params: 68,770/);
});


test("Keras' mnist_cnn has 1,199,882 parameters and the VGG-like net 7,998,250", () => {
  nt.clearSession();
  const cnn = mnistCnn();
  assert.equal(cnn.countParams(), 1199882);
  assert.match(cnn.summary({ printFn: () => {} }), /Total params: 1,199,882/);
  const vgg = new nt.Sequential([
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [100, 100, 3] }),
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Dropout({ rate: 0.25 }),
    new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Dropout({ rate: 0.25 }),
    new nt.Flatten(),
    new nt.Dense({ units: 256, activation: 'relu' }),
    new nt.Dropout({ rate: 0.5 }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  assert.deepEqual(table(vgg).map((r) => r[2]), [896, 9248, 0, 0, 18496, 36928, 0, 0, 0, 7930112, 0, 2570]);
  assert.equal(vgg.countParams(), 7998250);
});

const jsOnly =
  nt.getBackendName() === 'js'
    ? 'VGG-like training takes minutes on the js reference backend; its layers are checked on js by the other tests'
    : nt.getBackendName() === 'webgpu'
      ? 'VGG-like training on 100×100 images takes ~7 minutes on an emulated GPU (SwiftShader); convolution training on webgpu is checked by mnist_cnn steps against js in webgpu-backend.test'
      : false;

test("the seed's VGG-like net trains with SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)", { skip: jsOnly }, async () => {
  nt.clearSession();
  const vgg = new nt.Sequential([
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [100, 100, 3] }),
    new nt.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Dropout({ rate: 0.25, seed: 1 }),
    new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new nt.Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Dropout({ rate: 0.25, seed: 2 }),
    new nt.Flatten(),
    new nt.Dense({ units: 256, activation: 'relu' }),
    new nt.Dropout({ rate: 0.5, seed: 3 }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  // The seed's line, with Keras 2's argument names (lr, decay) as the seed writes them.
  const sgd = nt.getOptimizer({ class_name: 'SGD', config: { lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true } });
  vgg.compile({ optimizer: sgd, loss: 'categorical_crossentropy' });
  // As in the seed (random images and labels): the net must fit a fixed batch.
  const x = nt.randomUniform([16, 100, 100, 3], { seed: 5 });
  const y = nt.toCategorical(nt.randomUniform([16], { seed: 6, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const h = await vgg.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0, shuffle: false });
  assert.equal(sgd.iterations, 6);
  assert.ok(Math.abs(sgd.learningRate - 0.01 / (1 + 1e-6 * 6)) < 1e-9, `decayed learning rate ${sgd.learningRate}`);
  assert.ok(h.history.loss[5] < h.history.loss[0], `loss ${h.history.loss.join(', ')}`);
});

test('the seed examples through layers: Conv2D on the 5×5 image, ZeroPadding2D, Max/AveragePooling2D', async () => {
  const image = nt.tensor([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]).reshape([1, 5, 5, 1]);
  const conv = new nt.Conv2D({ filters: 1, kernelSize: 3, useBias: false });
  conv.apply(image);
  conv.setWeights([nt.tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]]).reshape([3, 3, 1, 1])]);
  assert.deepEqual(await conv.apply(image).reshape([3, 3]).array(), [[4, 3, 4], [2, 4, 3], [2, 3, 4]]);
  const padded = new nt.ZeroPadding2D({ padding: [2, 2] }).apply(nt.ones([1, 32, 32, 3]));
  assert.deepEqual(padded.shape, [1, 36, 36, 3]);
  assert.equal(await item(nt.sum(padded)), 32 * 32 * 3);
  const x = nt.tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).reshape([1, 4, 4, 1]);
  assert.deepEqual(await new nt.MaxPooling2D({ poolSize: 2 }).apply(x).reshape([2, 2]).array(), [[6, 8], [3, 4]]);
  assert.deepEqual(await new nt.AveragePooling2D({ poolSize: 2 }).apply(x).reshape([2, 2]).array(), [[3.25, 5.25], [2, 2]]);
});

test('output shapes and parameter counts of every conv, pooling and reshaping layer', () => {
  nt.clearSession();
  const cases: [nt.Layer, (number | null)[], (number | null)[], number][] = [
    [new nt.Conv1D({ filters: 4, kernelSize: 3 }), [null, 10, 2], [null, 8, 4], 3 * 2 * 4 + 4],
    [new nt.Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2 }), [null, 10, 2], [null, 10, 4], 28],
    [new nt.Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), [null, 9, 2], [null, 5, 4], 28],
    [new nt.Conv2D({ filters: 6, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }), [null, 7, 5, 3], [null, 4, 5, 6], 3 * 2 * 3 * 6 + 6],
    [new nt.Conv2D({ filters: 6, kernelSize: 3, dilationRate: 2 }), [null, 9, 9, 3], [null, 5, 5, 6], 168],
    [new nt.Conv2D({ filters: 6, kernelSize: 3, groups: 3 }), [null, 5, 5, 6], [null, 3, 3, 6], 3 * 3 * 2 * 6 + 6],
    [new nt.Conv2D({ filters: 6, kernelSize: 3, dataFormat: 'channels_first' }), [null, 3, 7, 8], [null, 6, 5, 6], 168],
    [new nt.Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2 }), [null, 5, 5, 3], [null, 11, 11, 4], 3 * 3 * 4 * 3 + 4],
    [new nt.Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), [null, 5, 5, 3], [null, 10, 10, 4], 112],
    [new nt.Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, outputPadding: 1 }), [null, 5, 5, 3], [null, 12, 12, 4], 112],
    [new nt.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2 }), [null, 6, 6, 3], [null, 4, 4, 6], 3 * 3 * 3 * 2 + 6],
    [new nt.SeparableConv2D({ filters: 5, kernelSize: 3, depthMultiplier: 2 }), [null, 6, 6, 3], [null, 4, 4, 5], 54 + 6 * 5 + 5],
    [new nt.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [null, 7, 7, 2], [null, 4, 4, 2], 0],
    [new nt.AveragePooling2D({ poolSize: 2, dataFormat: 'channels_first' }), [null, 2, 6, 4], [null, 2, 3, 2], 0],
    [new nt.MaxPooling1D({ poolSize: 2 }), [null, 7, 3], [null, 3, 3], 0],
    [new nt.AveragePooling1D({ poolSize: 3, strides: 1, padding: 'same' }), [null, 7, 3], [null, 7, 3], 0],
    [new nt.GlobalAveragePooling2D(), [null, 5, 5, 3], [null, 3], 0],
    [new nt.GlobalMaxPooling2D({ keepdims: true }), [null, 5, 5, 3], [null, 1, 1, 3], 0],
    [new nt.GlobalAveragePooling1D(), [null, 5, 3], [null, 3], 0],
    [new nt.GlobalMaxPooling1D(), [null, 5, 3], [null, 3], 0],
    [new nt.BatchNormalization(), [null, 5, 5, 3], [null, 5, 5, 3], 12],
    [new nt.BatchNormalization({ axis: 1 }), [null, 3, 5, 5], [null, 3, 5, 5], 12],
    [new nt.LayerNormalization(), [null, 4, 6], [null, 4, 6], 12],
    [new nt.Cropping2D({ cropping: [[1, 2], [0, 1]] }), [null, 8, 8, 3], [null, 5, 7, 3], 0],
    [new nt.UpSampling2D({ size: [2, 3] }), [null, 4, 4, 3], [null, 8, 12, 3], 0],
    [new nt.ZeroPadding1D({ padding: [1, 2] }), [null, 4, 3], [null, 7, 3], 0],
    [new nt.Cropping1D({ cropping: [1, 1] }), [null, 4, 3], [null, 2, 3], 0],
    [new nt.UpSampling1D({ size: 3 }), [null, 4, 3], [null, 12, 3], 0],
    [new nt.SpatialDropout2D({ rate: 0.3 }), [null, 4, 4, 3], [null, 4, 4, 3], 0],
    [new nt.GaussianNoise({ stddev: 0.1 }), [null, 4], [null, 4], 0],
    [new nt.GaussianDropout({ rate: 0.2 }), [null, 4], [null, 4], 0],
  ];
  for (const [layer, inShape, outShape, params] of cases) {
    const input = nt.Input({ batchShape: inShape as (number | null)[] });
    const out = layer.apply(input) as nt.SymbolicTensor;
    assert.deepEqual([...out.shape], outShape, `${layer.getClassName()} ${JSON.stringify(inShape)}`);
    assert.equal(layer.countParams(), params, `${layer.getClassName()} parameters`);
    // the real computation has the same shape
    const real = layer.apply(nt.randomUniform(inShape.map((d) => d ?? 2), { seed: 3 }), { training: true }) as nt.Tensor;
    assert.deepEqual(real.shape, outShape.map((d) => d ?? 2), `${layer.getClassName()} real output`);
  }
});

/** Finite-difference check of d(Σ y·r)/d(weight) for a layer's weights (perturbed in place). */
async function checkWeightGradients(layer: nt.Layer, x: nt.Tensor, seed: number, training = false): Promise<void> {
  const y0 = layer.apply(x, { training }) as nt.Tensor;
  const r = nt.randomNormal(y0.shape, { seed });
  const loss = async (): Promise<number> => {
    const y = nt.noGrad(() => layer.apply(x, { training }) as nt.Tensor);
    const yv = await y.data();
    const rv = await r.data();
    let s = 0;
    for (let i = 0; i < y.size; i++) s += yv[i] * rv[i];
    return s;
  };
  const ws = layer.trainableWeights;
  const analytic = nt.gradients(nt.sum(nt.mul(layer.apply(x, { training }) as nt.Tensor, r)), ws);
  for (const [k, w] of ws.entries()) {
    const data = ((await w.data()) as Float32Array).slice(); // data() may be the live array: perturb a copy and assign it
    const grad = await analytic[k].data();
    for (let t = 0; t < Math.min(8, w.size); t++) {
      const i = Math.floor((t * w.size) / Math.min(8, w.size));
      const keep = data[i];
      const h = 1e-2;
      data[i] = Math.fround(keep + h);
      w.assign(data);
      const up = await loss();
      const hiv = data[i];
      data[i] = Math.fround(keep - h);
      w.assign(data);
      const down = await loss();
      const lov = data[i];
      data[i] = keep;
      w.assign(data);
      const numeric = (up - down) / (hiv - lov);
      const a = grad[i];
      assert.ok(Math.abs(a - numeric) <= 2e-3 * (1 + Math.abs(numeric)), `${layer.getClassName()} weight ${w.name}[${i}]: analytic ${a} vs numeric ${numeric}`);
    }
  }
}

test('gradients through each layer (input and weights) match finite differences', async () => {
  nt.clearSession();
  const layers: [nt.Layer, number[]][] = [
    [new nt.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }), [2, 5, 5, 2]],
    [new nt.Conv2D({ filters: 2, kernelSize: 2, strides: 2, dataFormat: 'channels_first' }), [2, 2, 4, 4]],
    [new nt.Conv1D({ filters: 3, kernelSize: 3, padding: 'causal' }), [2, 6, 2]],
    [new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), [1, 3, 3, 2]],
    [new nt.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2 }), [2, 5, 5, 2]],
    [new nt.SeparableConv2D({ filters: 3, kernelSize: 3 }), [1, 5, 5, 2]],
    [new nt.AveragePooling2D({ poolSize: 2, padding: 'same' }), [2, 5, 5, 2]],
    [new nt.GlobalAveragePooling2D(), [2, 3, 3, 2]],
    [new nt.LayerNormalization(), [3, 4, 5]],
    [new nt.UpSampling2D({ interpolation: 'bilinear' }), [1, 3, 3, 2]],
    [new nt.Cropping2D({ cropping: 1 }), [1, 4, 4, 2]],
    [new nt.ZeroPadding2D({ padding: 1 }), [1, 3, 3, 2]],
    [new nt.UpSampling2D({ size: [2, 3] }), [1, 2, 3, 2]],
    [new nt.AveragePooling1D({ poolSize: 2 }), [2, 6, 3]],
    [new nt.GlobalAveragePooling1D(), [2, 5, 3]],
    [new nt.ZeroPadding1D({ padding: [1, 2] }), [2, 4, 3]],
    [new nt.Cropping1D({ cropping: [1, 1] }), [2, 5, 3]],
    [new nt.UpSampling1D({ size: 2 }), [2, 3, 2]],
    [new nt.Dense({ units: 4, activation: 'tanh' }), [3, 5]],
    [new nt.PReLU({ alphaInitializer: { class_name: 'Constant', config: { value: 0.2 } } }), [3, 5]],
  ];
  for (const [k, [layer, shape]] of layers.entries()) {
    const x = nt.randomUniform(shape, { seed: 10 + k, minval: -1, maxval: 1 });
    layer.apply(x);
    await checkGradients((t) => layer.apply(t) as nt.Tensor, [x], { name: `${layer.getClassName()} input`, seed: k + 1 });
    if (layer.trainableWeights.length > 0) await checkWeightGradients(layer, x, k + 1);
  }
  // Max pooling: distinct values (no ties within h of each other), so the maximum never switches.
  const maxLayers: [nt.Layer, number[]][] = [
    [new nt.MaxPooling2D({ poolSize: 2 }), [2, 4, 4, 3]],
    [new nt.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [1, 5, 5, 2]],
    [new nt.MaxPooling1D({ poolSize: 2 }), [2, 6, 3]],
    [new nt.GlobalMaxPooling2D(), [2, 3, 3, 2]],
    [new nt.GlobalMaxPooling1D(), [2, 5, 3]],
  ];
  for (const [k, [layer, shape]] of maxLayers.entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const order = Array.from({ length: n }, (_, i) => i);
    const rng = new nt.Rng(60 + k);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const x = nt.tensor(order.map((v) => v * 0.1), shape);
    await checkGradients((t) => layer.apply(t) as nt.Tensor, [x], { name: `${layer.getClassName()} input`, seed: 70 + k });
  }
  // BatchNormalization in training mode: through the batch statistics.
  const bn = new nt.BatchNormalization({ momentum: 0.5 });
  const xb = nt.randomUniform([4, 3, 3, 2], { seed: 40, minval: -1, maxval: 1 });
  bn.apply(xb);
  await checkGradients((t) => bn.apply(t, { training: true }) as nt.Tensor, [xb], { name: 'BatchNormalization (training) input', seed: 41, roundoff: 32 });
  await checkWeightGradients(bn, xb, 42, true);
});

test('BatchNormalization: training and inference outputs and moving statistics against hand computation', async () => {
  nt.clearSession();
  // Dense-style input (rank 2): biased variance for the moving update (tf.keras 2's non-fused path).
  const x = nt.tensor([[1, 2], [3, 6], [5, 10], [7, 14]]);
  const bn = new nt.BatchNormalization({ momentum: 0.9, epsilon: 0.001 });
  const y = bn.apply(x, { training: true }) as nt.Tensor;
  // column 0: mean 4, biased var 5; column 1: mean 8, var 20
  const expected = [[1, 2], [3, 6], [5, 10], [7, 14]].map(([a, b]) => [(a - 4) / Math.sqrt(5.001), (b - 8) / Math.sqrt(20.001)]);
  const yv = await y.data();
  expected.flat().forEach((v, i) => assert.ok(Math.abs(yv[i] - v) < 1e-5, `training output ${i}`));
  const [gamma, beta, mm, mv] = bn.getWeights();
  assert.deepEqual(await gamma.array(), [1, 1]);
  assert.deepEqual(await beta.array(), [0, 0]);
  const mmv = await mm.data();
  const mvv = await mv.data();
  [0.4, 0.8].forEach((v, i) => assert.ok(Math.abs(mmv[i] - v) < 1e-6, 'moving mean'));
  [0.9 + 0.1 * 5, 0.9 + 0.1 * 20].forEach((v, i) => assert.ok(Math.abs(mvv[i] - v) < 1e-5, 'moving variance (biased)'));
  // Inference uses the moving statistics.
  const inf = bn.apply(nt.tensor([[1, 1]]), { training: false }) as nt.Tensor;
  const infValues = await inf.data();
  [(1 - 0.4) / Math.sqrt(1.4 + 0.001), (1 - 0.8) / Math.sqrt(2.9 + 0.001)].forEach((v, i) => assert.ok(Math.abs(infValues[i] - v) < 1e-5, 'inference output'));
  // Image input along the channel axis: tf.keras' fused path applies Bessel's correction n/(n-1).
  const img = nt.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
  const bn4 = new nt.BatchNormalization({ momentum: 0 });
  bn4.apply(img, { training: true });
  const var4 = await item(bn4.getWeights()[3]);
  assert.ok(Math.abs(var4 - 5.25 * (8 / 7)) < 1e-5, `fused moving variance ${var4}`);
  // A frozen BatchNormalization runs in inference mode even in training (tf.keras 2).
  bn4.trainable = false;
  const before = await item(bn4.getWeights()[2]);
  bn4.apply(nt.ones([2, 2, 2, 1]), { training: true });
  assert.equal(await item(bn4.getWeights()[2]), before);
});

test('noise layers are the identity at inference and random in training', async () => {
  const x = nt.ones([200, 50]);
  const xv = await x.data();
  for (const layer of [new nt.GaussianNoise({ stddev: 0.5, seed: 1 }), new nt.GaussianDropout({ rate: 0.5, seed: 2 }), new nt.Dropout({ rate: 0.5, seed: 3 })]) {
    assert.deepEqual(await (layer.apply(x) as nt.Tensor).data(), xv, `${layer.getClassName()} inference`);
    const y = layer.apply(x, { training: true }) as nt.Tensor;
    const m = await item(nt.mean(y));
    assert.ok(Math.abs(m - 1) < 0.05, `${layer.getClassName()} keeps the mean (${m})`);
    assert.ok((await item(nt.max(nt.abs(nt.sub(y, x))))) > 0.1, `${layer.getClassName()} changes values in training`);
  }
  const sd = new nt.SpatialDropout2D({ rate: 0.5, seed: 4 });
  const out = sd.apply(nt.ones([2, 3, 3, 8]), { training: true }) as nt.Tensor;
  const outValues = await out.data();
  // every channel of every image is either all zero or all 2
  for (let n = 0; n < 2; n++) {
    for (let c = 0; c < 8; c++) {
      const vals = new Set<number>();
      for (let p = 0; p < 9; p++) vals.add(outValues[(n * 9 + p) * 8 + c]);
      assert.equal(vals.size, 1, 'a channel is dropped as a whole');
    }
  }
});
