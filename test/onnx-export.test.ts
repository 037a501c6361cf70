/**
 * ONNX export, part 1: activations, core layers, normalization, merges, functional models
 * (branches, nested models, several inputs and outputs), the ModelProto's header, options,
 * errors, and ONNX's own checker. Every model gets seeded random weights, is exported,
 * run in onnxruntime-node and compared with Neurite's predict.
 *
 * Tolerance: |onnx − neurite| ≤ 1e-5·max(1, |neurite|) per element (absolute 1e-5 for
 * values up to 1, relative 1e-5 above: a few float32 ulps of accumulated sums).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as nt from '../src/index.js';
import { decodeOnnxModel, exportOnnx, toOnnxBytes, type OnnxExportOptions } from '../src/io/onnx/index.js';
import { skipOrFail } from './helpers/oracle.js';

const TOL = 1e-5;
const report: string[] = [];
after(() => console.log(`ONNX export vs Neurite, max |Δ| and max |Δ|/max(1, |y|) per model:\n${report.join('\n')}`));

/**
 * Overwrites every weight with seeded uniform values: kernels within ±min(scale, √(3/fan-in))
 * (LeCun-uniform, so wide layers stay O(1) as trained ones do), vectors within ±scale, BN
 * variances and gammas in [0.5, 1.5].
 */
function seedWeights(model: nt.Model, seed: number, scale = 0.5): void {
  model.weights.forEach((w, i) => {
    const positive = /moving_variance|gamma/.test(w.name);
    const fanIn = w.shape.length >= 2 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const r = Math.min(scale, Math.sqrt(3 / fanIn));
    w.assign(nt.randomUniform(w.shape, { seed: seed * 1000 + i, minval: positive ? 0.5 : -r, maxval: positive ? 1.5 : r }));
  });
}

/** Exports, runs in onnxruntime and compares every output with predict; returns max |Δ|. */
async function check(t: TestContext, label: string, model: nt.Model, inputs: nt.Tensor | nt.Tensor[], opts: OnnxExportOptions = {}): Promise<number> {
  const xs = Array.isArray(inputs) ? inputs : [inputs];
  const session = await ort.InferenceSession.create(toOnnxBytes(model, opts));
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    feeds[name] = new ort.Tensor('float32', xs[i].dataSync() as Float32Array, [...xs[i].shape]);
  });
  const result = await session.run(feeds);
  const predicted = model.predict(xs.length === 1 ? xs[0] : xs);
  const wants = Array.isArray(predicted) ? predicted : [predicted];
  assert.equal(session.outputNames.length, wants.length, `${label}: number of outputs`);
  let maxAbs = 0;
  let maxScaled = 0;
  session.outputNames.forEach((name, k) => {
    const got = result[name];
    const want = wants[k];
    assert.deepEqual([...got.dims], [...want.shape], `${label}: shape of output ${name}`);
    const g = got.data as Float32Array;
    const w = want.dataSync() as Float32Array;
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(g[i] - w[i]);
      if (!(d <= TOL * Math.max(1, Math.abs(w[i])))) assert.fail(`${label}: output ${name}[${i}] = ${g[i]}, Neurite ${w[i]} (|Δ| ${d})`);
      maxAbs = Math.max(maxAbs, d);
      maxScaled = Math.max(maxScaled, d / Math.max(1, Math.abs(w[i])));
    }
  });
  t.diagnostic(`${label}: max |Δ| = ${maxAbs.toExponential(2)}, max |Δ|/max(1, |y|) = ${maxScaled.toExponential(2)}`);
  report.push(`  ${label.padEnd(44)} ${maxAbs.toExponential(2)}  ${maxScaled.toExponential(2)}`);
  return maxAbs;
}

const x = (shape: number[], seed: number, scale = 1): nt.Tensor => nt.mul(nt.randomNormal(shape, { seed }), scale);

/** The ops of the exported graph, in order. */
function opsOf(bytes: Uint8Array): string[] {
  const graph = decodeOnnxModel(bytes).graph as { node: { opType: string }[] };
  return graph.node.map((n) => n.opType);
}

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'hard_sigmoid_keras3', 'tanh', 'softmax', 'log_softmax', 'softplus', 'softsign', 'elu', 'selu', 'swish', 'silu', 'gelu', 'exponential', 'leaky_relu'];

test('every Keras activation, fused in Dense and Conv2D and as an Activation layer (NCHW and NHWC layouts)', async (t) => {
  for (const [i, act] of ACTIVATIONS.entries()) {
    nt.clearSession();
    const model = new nt.Sequential([
      new nt.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: act, inputShape: [5, 5, 2] }),
      new nt.Activation({ activation: act }),
      new nt.Flatten(),
      new nt.Dense({ units: 4, activation: act }),
    ]);
    seedWeights(model, 10 + i, 0.2);
    await check(t, `activation ${act}`, model, x([3, 5, 5, 2], i));
    const seq = new nt.Sequential([new nt.Activation({ activation: act, inputShape: [4, 3] })]);
    await check(t, `Activation(${act}) on [N, 4, 3]`, seq, x([2, 4, 3], 100 + i, 2));
  }
});

test('advanced activation layers: ReLU variants, LeakyReLU, PReLU, ELU, Softmax(axis), ThresholdedReLU', async (t) => {
  const cases: [string, () => nt.Layer][] = [
    ['ReLU()', () => new nt.ReLU()],
    ['ReLU(maxValue 0.6)', () => new nt.ReLU({ maxValue: 0.6 })],
    ['ReLU(negativeSlope 0.1)', () => new nt.ReLU({ negativeSlope: 0.1 })],
    ['ReLU(threshold 0.3)', () => new nt.ReLU({ threshold: 0.3 })],
    ['ReLU(max 0.8, slope 0.2, threshold -0.2)', () => new nt.ReLU({ maxValue: 0.8, negativeSlope: 0.2, threshold: -0.2 })],
    ['LeakyReLU(0.3)', () => new nt.LeakyReLU()],
    ['PReLU', () => new nt.PReLU({ alphaInitializer: 'random_uniform' })],
    ['PReLU(sharedAxes [1, 2])', () => new nt.PReLU({ sharedAxes: [1, 2] })],
    ['ELU(0.7)', () => new nt.ELU({ alpha: 0.7 })],
    ['Softmax()', () => new nt.Softmax()],
    ['Softmax(axis 1)', () => new nt.Softmax({ axis: 1 })],
    ['ThresholdedReLU(0.4)', () => new nt.ThresholdedReLU({ theta: 0.4 })],
  ];
  for (const [i, [label, make]] of cases.entries()) {
    nt.clearSession();
    // After a conv the data is channels-first in the graph; alone it is NHWC.
    const afterConv = new nt.Sequential([new nt.Conv2D({ filters: 3, kernelSize: 2, inputShape: [5, 4, 2] }), make()]);
    seedWeights(afterConv, 30 + i);
    await check(t, `${label} after Conv2D`, afterConv, x([2, 5, 4, 2], i));
    const alone = new nt.Sequential([make()]);
    alone.build([null, 3, 4, 2]);
    seedWeights(alone, 60 + i);
    await check(t, `${label} on NHWC input`, alone, x([2, 3, 4, 2], 200 + i));
  }
});

test('Dense (Gemm, MatMul on rank 3, no bias), Reshape, Permute, RepeatVector, Flatten and training-only identities', async (t) => {
  nt.clearSession();
  const model = new nt.Sequential([
    new nt.Dense({ units: 6, activation: 'tanh', inputShape: [4, 5] }),
    new nt.Dropout({ rate: 0.5 }),
    new nt.GaussianNoise({ stddev: 1 }),
    new nt.Permute({ dims: [2, 1] }),
    new nt.Dense({ units: 3, useBias: false }),
    new nt.Reshape({ targetShape: [2, -1] }),
    new nt.GaussianDropout({ rate: 0.3 }),
    new nt.ActivityRegularization({ l1: 0.1 }),
    new nt.Flatten(),
    new nt.Dense({ units: 5, activation: 'relu' }),
    new nt.RepeatVector({ n: 3 }),
    new nt.SpatialDropout1D({ rate: 0.5 }),
    new nt.Dense({ units: 2 }),
  ]);
  seedWeights(model, 1);
  await check(t, 'core layer stack', model, x([5, 4, 5], 1));
  const ops = opsOf(toOnnxBytes(model));
  assert.ok(ops.includes('Gemm') && ops.includes('MatMul') && !ops.includes('Dropout'), ops.join(' '));
});

test('BatchNormalization with moving statistics: rank 2, NHWC channels, axis 1 (height), no center/scale; LayerNormalization', async (t) => {
  nt.clearSession();
  const dense = new nt.Sequential([new nt.Dense({ units: 6, inputShape: [5] }), new nt.BatchNormalization({ epsilon: 0.01 })]);
  seedWeights(dense, 2);
  await check(t, 'BN after Dense (rank 2)', dense, x([4, 5], 2));
  const conv = new nt.Sequential([
    new nt.Conv2D({ filters: 4, kernelSize: 3, inputShape: [7, 6, 3] }),
    new nt.BatchNormalization(),
    new nt.BatchNormalization({ axis: 1 }),
    new nt.BatchNormalization({ center: false, scale: false }),
    new nt.LayerNormalization(),
    new nt.LayerNormalization({ axis: [1, 2, 3], epsilon: 1e-5 }),
  ]);
  seedWeights(conv, 3);
  await check(t, 'BN (channels, axis 1, plain) + LayerNorm', conv, x([3, 7, 6, 3], 3));
  const ops = opsOf(toOnnxBytes(conv));
  assert.equal(ops.filter((o) => o === 'BatchNormalization').length, 2, ops.join(' '));
  const nhwc = new nt.Sequential([new nt.BatchNormalization({ inputShape: [3, 4, 5] }), new nt.BatchNormalization({ axis: 2 })]);
  seedWeights(nhwc, 4);
  await check(t, 'BN on NHWC input (Mul/Add folded)', nhwc, x([2, 3, 4, 5], 4));
});

test('a functional model with branches and every merge (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate)', async (t) => {
  nt.clearSession();
  const input = nt.Input({ shape: [4, 5, 3] });
  const a = new nt.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input);
  const b = new nt.Conv2D({ filters: 4, kernelSize: 1 }).apply(input);
  const c = new nt.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2 }).apply(input);
  const merged = [
    new nt.Add().apply([a, b, c]),
    new nt.Subtract().apply([a, b]),
    new nt.Multiply().apply([b, c]),
    new nt.Average().apply([a, b, c]),
    new nt.Maximum().apply([a, c]),
    new nt.Minimum().apply([a, b, c]),
  ] as nt.SymbolicTensor[];
  const channels = new nt.Concatenate().apply(merged) as nt.SymbolicTensor;
  const rows = new nt.Concatenate({ axis: 1 }).apply([channels, channels]) as nt.SymbolicTensor;
  const flat = new nt.Flatten().apply(rows) as nt.SymbolicTensor;
  const d1 = new nt.Dense({ units: 5 }).apply(flat) as nt.SymbolicTensor;
  const d2 = new nt.Dense({ units: 5 }).apply(flat) as nt.SymbolicTensor;
  const out = new nt.Concatenate().apply([new nt.Add().apply([d1, d2]) as nt.SymbolicTensor, d1]) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: input, outputs: out });
  seedWeights(model, 5);
  await check(t, 'functional merges (conv + dense)', model, x([3, 4, 5, 3], 5));
  // One Transpose in (NHWC → NCHW) and one before Flatten: the merges stay channels-first.
  assert.equal(opsOf(toOnnxBytes(model)).filter((o) => o === 'Transpose').length, 2);
});

test('nested models, a shared layer, two inputs and two outputs with custom names', async (t) => {
  nt.clearSession();
  const inner = new nt.Sequential([new nt.Dense({ units: 5, activation: 'relu', inputShape: [4] }), new nt.Dense({ units: 3 })]);
  const shared = new nt.Dense({ units: 4, activation: 'sigmoid' });
  const ia = nt.Input({ shape: [4], name: 'a' });
  const ib = nt.Input({ shape: [4], name: 'b' });
  const ya = inner.apply(shared.apply(ia)) as nt.SymbolicTensor;
  const yb = inner.apply(shared.apply(ib)) as nt.SymbolicTensor;
  const sum = new nt.Add().apply([ya, yb]) as nt.SymbolicTensor;
  const model = new nt.Model({ inputs: [ia, ib], outputs: [sum, ya] });
  seedWeights(model, 6);
  const inputs = [x([3, 4], 6), x([3, 4], 7)];
  await check(t, 'nested + shared + 2 in/2 out', model, inputs);
  const opts = { inputName: ['left', 'right'], outputName: ['total', 'first'] };
  await check(t, 'same with custom names', model, inputs, opts);
  const proto = decodeOnnxModel(toOnnxBytes(model, opts)) as { graph: { input: { name: string }[]; output: { name: string }[]; initializer: unknown[] } };
  assert.deepEqual(proto.graph.input.map((i) => i.name), ['left', 'right']);
  assert.deepEqual(proto.graph.output.map((o) => o.name), ['total', 'first']);
  assert.equal(proto.graph.initializer.length, 6, 'the shared and nested layers\' weights are stored once');
  const passthrough = new nt.Model({ inputs: ia, outputs: [ia, new nt.Dropout({ rate: 0.2 }).apply(ia) as nt.SymbolicTensor] });
  await check(t, 'outputs that are the input', passthrough, x([2, 4], 8));
});

test('the ModelProto: opset import, IR version, producer, dynamic batch, float32 little-endian initializers', async (t) => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2], name: 'fc' })]);
  seedWeights(model, 9);
  const proto = decodeOnnxModel(toOnnxBytes(model)) as Record<string, unknown> & { graph: Record<string, unknown> };
  assert.equal(proto.irVersion, 7);
  assert.deepEqual(proto.opsetImport, [{ domain: '', version: 13 }]);
  assert.equal(proto.producerName, 'neurite');
  const input = (proto.graph.input as { type: { tensorType: { elemType: number; shape: { dim: Record<string, unknown>[] } } } }[])[0];
  assert.equal(input.type.tensorType.elemType, 1);
  assert.deepEqual(input.type.tensorType.shape.dim, [{ dimParam: 'N' }, { dimValue: 2 }]);
  const kernel = (proto.graph.initializer as { name: string; dims: number[]; dataType: number; rawData: number[] }[]).find((i) => i.name === 'fc/kernel');
  assert.ok(kernel);
  assert.deepEqual(kernel.dims, [2, 3]);
  const raw = Buffer.from(kernel.rawData);
  const want = model.layers[0].getWeights()[0].dataSync() as Float32Array;
  want.forEach((v, i) => assert.equal(raw.readFloatLE(4 * i), v));
  const fixed = decodeOnnxModel(toOnnxBytes(model, { batchSize: 7 })) as { graph: { input: { type: { tensorType: { shape: { dim: unknown[] } } } }[] } };
  assert.deepEqual(fixed.graph.input[0].type.tensorType.shape.dim[0], { dimValue: 7 });
  for (const opset of [13, 17, 18, 21]) {
    const conv = new nt.Sequential([new nt.Conv2D({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), new nt.GlobalAveragePooling2D(), new nt.Dense({ units: 2, activation: 'softmax' })]);
    seedWeights(conv, opset);
    await check(t, `opset ${opset}`, conv, x([2, 4, 4, 1], opset), { opset });
    assert.deepEqual((decodeOnnxModel(toOnnxBytes(conv, { opset })) as { opsetImport: unknown }).opsetImport, [{ domain: '', version: opset }]);
  }
  assert.throws(() => toOnnxBytes(model, { opset: 12 }), /opset must be an integer from 13 to 21; got 12/);
  assert.throws(() => toOnnxBytes(model, { batchSize: 0 }), /batchSize must be a positive integer/);
});

test('unsupported layers, custom activations and unbuilt models fail with clear errors', () => {
  nt.clearSession();
  const a = nt.Input({ shape: [3] });
  const b = nt.Input({ shape: [3] });
  const dot = new nt.Model({ inputs: [a, b], outputs: new nt.Dot({ axes: 1, name: 'my_dot' }).apply([a, b]) as nt.SymbolicTensor });
  assert.throws(() => toOnnxBytes(dot), (e: Error) => /layer 'my_dot' \(class Dot\) is not supported for ONNX export/.test(e.message) && /Supported layers: .*Conv2D.*Dense/.test(e.message));
  const custom = new nt.Sequential([new nt.Dense({ units: 2, activation: function cube(t: nt.Tensor) { return nt.mul(nt.mul(t, t), t); }, inputShape: [3], name: 'cubic' })]);
  assert.throws(() => toOnnxBytes(custom), /layer 'cubic' \(Dense\) uses the activation 'cube', which cannot be exported.*Exportable activations: .*gelu/);
  class Scaled extends nt.Dense {}
  Object.defineProperty(Scaled, 'className', { value: 'Scaled' });
  const sub = new nt.Sequential([new Scaled({ units: 2, inputShape: [3], name: 'scaled' })]);
  assert.throws(() => toOnnxBytes(sub), /layer 'scaled' \(class Scaled\) subclasses Dense and may compute something else/);
  const unbuilt = new nt.Sequential([new nt.Dense({ units: 2 })]);
  assert.throws(() => toOnnxBytes(unbuilt), /has not been built/);
  const forced = nt.Input({ shape: [3] });
  const train = new nt.Model({ inputs: forced, outputs: new nt.Dropout({ rate: 0.5, name: 'drop' }).apply(forced, { training: true }) as nt.SymbolicTensor });
  assert.throws(() => toOnnxBytes(train), /layer 'drop' \(class Dropout\) is called with training=true/);
  assert.throws(() => toOnnxBytes(dot, { inputName: 'only_one' }), /inputName gives 1 name\(s\); the model has 2 input\(s\)/);
});

/** Python's ONNX, if installed: `import onnx` alone can succeed on the test-data namespace package. */
function pythonOnnx(): string | null {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx, onnx.checker; print(onnx.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

test("exported files pass ONNX's checker (onnx.checker.check_model, full_check=True)", async (t) => {
  const version = pythonOnnx();
  if (version === null) {
    skipOrFail(t, 'python3-onnx is not installed (apt-get install -y python3-onnx)');
    return;
  }
  nt.clearSession();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-onnx-'));
  try {
    const input = nt.Input({ shape: [8, 8, 3] });
    let h = new nt.Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'gelu' }).apply(input) as nt.SymbolicTensor;
    h = new nt.BatchNormalization().apply(h) as nt.SymbolicTensor;
    const up = new nt.UpSampling2D({ interpolation: 'bilinear' }).apply(h) as nt.SymbolicTensor;
    const pooled = new nt.AveragePooling2D({ padding: 'same', strides: 1, poolSize: 3 }).apply(up) as nt.SymbolicTensor;
    const cropped = new nt.Cropping2D({ cropping: 1 }).apply(new nt.ZeroPadding2D({ padding: 1 }).apply(pooled) as nt.SymbolicTensor) as nt.SymbolicTensor;
    const merged = new nt.Concatenate().apply([cropped, new nt.DepthwiseConv2D({ kernelSize: 3, padding: 'same' }).apply(up) as nt.SymbolicTensor]) as nt.SymbolicTensor;
    const t2 = new nt.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(merged) as nt.SymbolicTensor;
    const g = new nt.GlobalMaxPooling2D().apply(new nt.PReLU().apply(t2) as nt.SymbolicTensor) as nt.SymbolicTensor;
    const model = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 3, activation: 'softmax' }).apply(g) as nt.SymbolicTensor });
    const seq = new nt.Sequential([new nt.Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', inputShape: [10, 2] }), new nt.MaxPooling1D(), new nt.LayerNormalization(), new nt.Flatten(), new nt.Dense({ units: 2 })]);
    const paths: string[] = [];
    for (const [i, [m, opset]] of ([[model, 13], [model, 17], [seq, 13]] as const).entries()) {
      seedWeights(m, 70 + i);
      const path = join(dir, `model_${i}.onnx`);
      await exportOnnx(m, path, { opset });
      paths.push(path);
    }
    const script = 'import sys, onnx, onnx.checker\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)\n    print("ok", p)';
    const out = execFileSync('/usr/bin/python3', ['-c', script, ...paths], { encoding: 'utf8' });
    assert.equal(out.trim().split('\n').filter((l) => l.startsWith('ok ')).length, paths.length);
    t.diagnostic(`onnx ${version} checker (full_check) passed ${paths.length} files`);
    // The checker does reject a broken file: the same model with a dangling node input.
    const broken = join(dir, 'broken.onnx');
    const { writeFileSync } = await import('node:fs');
    const { toOnnxModel } = await import('../src/io/onnx/export.js');
    const { encodeModel } = await import('../src/io/onnx/proto.js');
    const msg = toOnnxModel(seq);
    msg.graph.node[1].input[0] = 'no_such_tensor';
    writeFileSync(broken, encodeModel(msg));
    const bad = spawnSync('/usr/bin/python3', ['-c', script, broken], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'the checker must reject a dangling input');
    await check(t, 'checker model (functional, mixed)', model, x([2, 8, 8, 3], 11));
    await check(t, 'checker model (Conv1D causal, LayerNorm)', seq, x([2, 10, 2], 12));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
