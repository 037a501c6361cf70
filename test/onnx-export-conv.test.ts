/**
 * ONNX export, part 2: convolutions (Conv1D/2D, DepthwiseConv2D, SeparableConv2D,
 * Conv2DTranspose) with 'valid'/'same'/'causal' padding, strides, dilation, groups and
 * channels_first; pooling 1D/2D and global pooling; ZeroPadding, Cropping, UpSampling; and
 * Keras' mnist_cnn on real MNIST images. Each model is exported, run in onnxruntime-node
 * and compared with Neurite's predict: |onnx − neurite| ≤ 1e-5·max(1, |neurite|) per element.
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import * as nt from '../src/index.js';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';
import { decodeOnnxModel, toOnnxBytes } from '../src/io/onnx/index.js';

const TOL = 1e-5;
const report: string[] = [];
after(() => console.log(`ONNX export (conv family) vs Neurite, max |Δ| and max |Δ|/max(1, |y|) per model:\n${report.join('\n')}`));

function seedWeights(model: nt.Model, seed: number): void {
  model.weights.forEach((w, i) => {
    const positive = /moving_variance|gamma/.test(w.name);
    w.assign(nt.randomUniform(w.shape, { seed: seed * 1000 + i, minval: positive ? 0.5 : -0.5, maxval: positive ? 1.5 : 0.5 }));
  });
}

/** Exports, runs in onnxruntime, compares with predict; returns max |Δ|. */
async function check(t: TestContext, label: string, model: nt.Model, input: nt.Tensor): Promise<number> {
  const session = await ort.InferenceSession.create(toOnnxBytes(model));
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input.dataSync() as Float32Array, [...input.shape]) });
  const got = result[session.outputNames[0]];
  const want = model.predict(input) as nt.Tensor;
  assert.deepEqual([...got.dims], [...want.shape], `${label}: output shape`);
  const g = got.data as Float32Array;
  const w = want.dataSync() as Float32Array;
  let maxAbs = 0;
  let maxScaled = 0;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(g[i] - w[i]);
    if (!(d <= TOL * Math.max(1, Math.abs(w[i])))) assert.fail(`${label}: output[${i}] = ${g[i]}, Neurite ${w[i]} (|Δ| ${d})`);
    maxAbs = Math.max(maxAbs, d);
    maxScaled = Math.max(maxScaled, d / Math.max(1, Math.abs(w[i])));
  }
  t.diagnostic(`${label}: max |Δ| = ${maxAbs.toExponential(2)}, max |Δ|/max(1, |y|) = ${maxScaled.toExponential(2)}`);
  report.push(`  ${label.padEnd(58)} ${maxAbs.toExponential(2)}  ${maxScaled.toExponential(2)}`);
  return maxAbs;
}

/** Builds a one-layer (or few-layer) Sequential on `inputShape`, seeds it and checks it. */
async function checkLayers(t: TestContext, label: string, inputShape: number[], layers: nt.Layer[], seed: number): Promise<number> {
  nt.clearSession();
  const model = new nt.Sequential(layers);
  model.build([null, ...inputShape]);
  seedWeights(model, seed);
  return check(t, label, model, nt.randomNormal([3, ...inputShape], { seed }));
}

test('Conv2D: valid/same × strides 1/2/3, dilation 2, odd sizes, groups, no bias, channels_first', async (t) => {
  let seed = 1;
  for (const padding of ['valid', 'same'] as const) {
    for (const strides of [1, 2, 3, [2, 1]]) {
      await checkLayers(t, `Conv2D k3 ${padding} strides ${JSON.stringify(strides)} on 11×10`, [11, 10, 3], [new nt.Conv2D({ filters: 4, kernelSize: 3, padding, strides })], seed++);
    }
    await checkLayers(t, `Conv2D k[2,4] ${padding} strides 2 on 9×8`, [9, 8, 2], [new nt.Conv2D({ filters: 3, kernelSize: [2, 4], padding, strides: 2 })], seed++);
    await checkLayers(t, `Conv2D k3 ${padding} dilation 2`, [9, 10, 2], [new nt.Conv2D({ filters: 3, kernelSize: 3, padding, dilationRate: 2, activation: 'relu' })], seed++);
    await checkLayers(t, `Conv2D groups 2 ${padding}`, [7, 7, 4], [new nt.Conv2D({ filters: 6, kernelSize: 3, padding, groups: 2, useBias: false })], seed++);
    await checkLayers(t, `Conv2D channels_first ${padding} strides 2`, [3, 9, 8], [new nt.Conv2D({ filters: 4, kernelSize: 3, padding, strides: 2, dataFormat: 'channels_first', activation: 'softmax' })], seed++);
  }
});

test('Conv1D (valid, same, causal, strides 2, dilation 2) with 1-D pooling', async (t) => {
  let seed = 20;
  for (const padding of ['valid', 'same', 'causal'] as const) {
    await checkLayers(t, `Conv1D k3 ${padding}`, [11, 3], [new nt.Conv1D({ filters: 4, kernelSize: 3, padding, activation: 'tanh' })], seed++);
    await checkLayers(t, `Conv1D k4 ${padding} strides 2`, [11, 3], [new nt.Conv1D({ filters: 4, kernelSize: 4, padding, strides: 2 })], seed++);
    await checkLayers(t, `Conv1D k3 ${padding} dilation 2`, [12, 2], [new nt.Conv1D({ filters: 3, kernelSize: 3, padding, dilationRate: 2 })], seed++);
  }
  for (const padding of ['valid', 'same'] as const) {
    await checkLayers(t, `MaxPooling1D(3, strides 2) ${padding}`, [11, 3], [new nt.MaxPooling1D({ poolSize: 3, strides: 2, padding })], seed++);
    await checkLayers(t, `AveragePooling1D(3, strides 2) ${padding}`, [11, 3], [new nt.AveragePooling1D({ poolSize: 3, strides: 2, padding })], seed++);
  }
  await checkLayers(t, 'Conv1D → GlobalAverage/GlobalMax 1D', [9, 2], [new nt.Conv1D({ filters: 3, kernelSize: 2 }), new nt.GlobalMaxPooling1D({ keepdims: true }), new nt.Flatten()], seed++);
  await checkLayers(t, 'GlobalAveragePooling1D on NWC input', [9, 2], [new nt.GlobalAveragePooling1D()], seed++);
  await checkLayers(t, 'ZeroPadding1D, Cropping1D, UpSampling1D', [7, 3], [new nt.ZeroPadding1D({ padding: [1, 2] }), new nt.Conv1D({ filters: 2, kernelSize: 2 }), new nt.Cropping1D({ cropping: [2, 1] }), new nt.UpSampling1D({ size: 3 })], seed++);
});

test('DepthwiseConv2D and SeparableConv2D (depth multiplier, same/valid, strides, dilation)', async (t) => {
  let seed = 40;
  for (const padding of ['valid', 'same'] as const) {
    await checkLayers(t, `DepthwiseConv2D k3 ×2 ${padding} strides 2`, [9, 8, 3], [new nt.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding, strides: 2 })], seed++);
    await checkLayers(t, `DepthwiseConv2D k3 ${padding} dilation 2 relu`, [9, 9, 2], [new nt.DepthwiseConv2D({ kernelSize: 3, padding, dilationRate: 2, activation: 'relu' })], seed++);
    await checkLayers(t, `SeparableConv2D k3 ×2 → 5 ${padding} strides 2`, [9, 8, 3], [new nt.SeparableConv2D({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding, strides: 2, activation: 'elu' })], seed++);
    await checkLayers(t, `SeparableConv2D k3 ${padding} dilation 2 no bias`, [10, 9, 2], [new nt.SeparableConv2D({ filters: 3, kernelSize: 3, padding, dilationRate: 2, useBias: false })], seed++);
  }
});

test('Conv2DTranspose: valid/same, strides 1/2/3, kernel smaller than stride, outputPadding, dilation', async (t) => {
  let seed = 60;
  for (const padding of ['valid', 'same'] as const) {
    await checkLayers(t, `Conv2DTranspose k3 ${padding} strides 1`, [5, 4, 3], [new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, padding })], seed++);
    await checkLayers(t, `Conv2DTranspose k3 ${padding} strides 2`, [5, 4, 3], [new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, padding, strides: 2, activation: 'sigmoid' })], seed++);
    await checkLayers(t, `Conv2DTranspose k2 ${padding} strides 3 (k < stride)`, [4, 3, 2], [new nt.Conv2DTranspose({ filters: 3, kernelSize: 2, padding, strides: 3 })], seed++);
    await checkLayers(t, `Conv2DTranspose k[3,4] ${padding} strides 2 outputPadding 1`, [4, 5, 2], [new nt.Conv2DTranspose({ filters: 2, kernelSize: [3, 4], padding, strides: 2, outputPadding: 1 })], seed++);
    await checkLayers(t, `Conv2DTranspose k3 ${padding} dilation 2`, [5, 5, 2], [new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, padding, dilationRate: 2 })], seed++);
  }
});

test('MaxPooling2D / AveragePooling2D (valid, same excluding padding, strides), global pooling with keepdims', async (t) => {
  let seed = 80;
  for (const padding of ['valid', 'same'] as const) {
    for (const [pool, strides] of [[2, null], [3, 2], [3, 1], [[2, 3], [1, 2]]] as const) {
      const args = { poolSize: pool as number | [number, number], strides: strides as number | [number, number] | null, padding };
      await checkLayers(t, `MaxPooling2D ${JSON.stringify(pool)}/${JSON.stringify(strides)} ${padding} on 7×8`, [7, 8, 2], [new nt.MaxPooling2D(args)], seed++);
      await checkLayers(t, `AveragePooling2D ${JSON.stringify(pool)}/${JSON.stringify(strides)} ${padding} on 7×8`, [7, 8, 2], [new nt.AveragePooling2D(args)], seed++);
    }
  }
  await checkLayers(t, 'Conv → GlobalAveragePooling2D(keepdims) → Conv → GlobalMax', [6, 6, 2], [
    new nt.Conv2D({ filters: 3, kernelSize: 3 }), new nt.GlobalAveragePooling2D({ keepdims: true }), new nt.Conv2D({ filters: 2, kernelSize: 1 }), new nt.GlobalMaxPooling2D(),
  ], seed++);
  await checkLayers(t, 'GlobalAveragePooling2D on NHWC input', [4, 5, 3], [new nt.GlobalAveragePooling2D()], seed++);
  await checkLayers(t, 'MaxPooling2D channels_first same', [2, 7, 6], [new nt.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channels_first' })], seed++);
});

test('ZeroPadding2D, Cropping2D, UpSampling2D (nearest and bilinear), in NHWC and after a conv', async (t) => {
  let seed = 100;
  const stack = (): nt.Layer[] => [
    new nt.ZeroPadding2D({ padding: [[1, 2], [0, 3]] }),
    new nt.Cropping2D({ cropping: [[2, 0], [1, 2]] }),
    new nt.UpSampling2D({ size: [2, 3] }),
    new nt.UpSampling2D({ size: 2, interpolation: 'bilinear' }),
  ];
  await checkLayers(t, 'padding/cropping/upsampling on NHWC input', [4, 5, 2], stack(), seed++);
  await checkLayers(t, 'padding/cropping/upsampling after Conv2D', [5, 5, 2], [new nt.Conv2D({ filters: 3, kernelSize: 2 }), ...stack()], seed++);
  await checkLayers(t, 'channels_first padding/cropping/upsampling', [2, 4, 5], [
    new nt.ZeroPadding2D({ padding: 1, dataFormat: 'channels_first' }), new nt.Cropping2D({ cropping: [1, 2], dataFormat: 'channels_first' }),
    new nt.UpSampling2D({ size: 2, dataFormat: 'channels_first', interpolation: 'bilinear' }), new nt.Flatten({ dataFormat: 'channels_first' }),
  ], seed++);
});

/** The first 64 MNIST test images scaled to [0, 1] (random images when the files are absent). */
async function mnistBatch(): Promise<{ x: nt.Tensor; real: boolean }> {
  const path = new URL('../../../shared/data/mnist-t10k/t10k-images-idx3-ubyte.gz', import.meta.url).pathname;
  if (!existsSync(path)) return { x: nt.randomUniform([64, 28, 28, 1], { seed: 1 }), real: false };
  const idx = await nt.readIdxFile(path);
  const data = new Float32Array(64 * 784);
  for (let i = 0; i < data.length; i++) data[i] = (idx.data[i] as number) / 255;
  return { x: nt.tensor(data, [64, 28, 28, 1]), real: true };
}

test("Keras' mnist_cnn on MNIST images: output within tolerance, transposes only at the ends", async (t) => {
  nt.clearSession();
  const model = mnistCnn();
  assert.equal(model.countParams(), 1199882);
  model.weights.forEach((w, i) => w.assign(nt.mul(nt.randomNormal(w.shape, { seed: 500 + i }), Math.sqrt(2 / w.shape.slice(0, -1).reduce((a, b) => a * b, 1)))));
  const { x, real } = await mnistBatch();
  t.diagnostic(real ? 'input: the first 64 MNIST test images' : 'input: random images (MNIST files not found)');
  await check(t, `mnist_cnn (${real ? 'MNIST' : 'random'} batch of 64)`, model, x);
  const ops = (decodeOnnxModel(toOnnxBytes(model)).graph as { node: { opType: string }[] }).node.map((n) => n.opType);
  assert.deepEqual(ops, ['Transpose', 'Conv', 'Relu', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
});

test('a small ResNet-style functional block: conv/BN/relu branch + 1×1 strided shortcut, Add, global pooling', async (t) => {
  nt.clearSession();
  const input = nt.Input({ shape: [12, 12, 3] });
  let h = new nt.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as nt.SymbolicTensor;
  h = new nt.BatchNormalization().apply(h) as nt.SymbolicTensor;
  h = new nt.Activation({ activation: 'relu' }).apply(h) as nt.SymbolicTensor;
  h = new nt.Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(h) as nt.SymbolicTensor;
  h = new nt.BatchNormalization().apply(h) as nt.SymbolicTensor;
  const shortcut = new nt.Conv2D({ filters: 8, kernelSize: 1, strides: 2 }).apply(input) as nt.SymbolicTensor;
  let y = new nt.Add().apply([h, shortcut]) as nt.SymbolicTensor;
  y = new nt.ReLU().apply(y) as nt.SymbolicTensor;
  y = new nt.GlobalAveragePooling2D().apply(y) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 4, activation: 'softmax' }).apply(y) as nt.SymbolicTensor });
  seedWeights(model, 7);
  await check(t, 'ResNet-style block', model, nt.randomNormal([5, 12, 12, 3], { seed: 7 }));
});

test('unknown image sizes: a fully convolutional model exports with symbolic H and W (auto_pad SAME_UPPER)', async (t) => {
  nt.clearSession();
  const model = new nt.Sequential([
    new nt.Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [null, null, 2] }),
    new nt.AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
    new nt.MaxPooling2D({ poolSize: 2, padding: 'same' }),
    new nt.GlobalAveragePooling2D(),
  ]);
  seedWeights(model, 9);
  const bytes = toOnnxBytes(model);
  const input = (decodeOnnxModel(bytes).graph as { input: { type: { tensorType: { shape: { dim: unknown[] } } } }[] }).input[0];
  assert.deepEqual(input.type.tensorType.shape.dim, [{ dimParam: 'N' }, { dimParam: 'conv2d_input_d1' }, { dimParam: 'conv2d_input_d2' }, { dimValue: 2 }]);
  await check(t, 'dynamic H×W, input 9×8', model, nt.randomNormal([2, 9, 8, 2], { seed: 1 }));
  await check(t, 'dynamic H×W, input 12×13', model, nt.randomNormal([2, 12, 13, 2], { seed: 2 }));
  const transpose = new nt.Sequential([new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, inputShape: [null, null, 2], name: 'up' })]);
  assert.throws(() => toOnnxBytes(transpose), /layer 'up' \(Conv2DTranspose\) needs known spatial input sizes/);
});
