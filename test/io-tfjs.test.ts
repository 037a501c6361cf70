/**
 * TensorFlow.js layers models in and out, checked against @tensorflow/tfjs 4.22 itself:
 *  - the real fixture (a model saved by tfjs in a browser) reproduces tfjs' outputs on real
 *    MNIST images;
 *  - models built and trained a step in tfjs-layers, saved with tf.io.withSaveHandler and
 *    written as tfjs writes files (sharded, "./" paths, shards without an extension), load
 *    in Neurite with tfjs' predictions;
 *  - what Neurite writes with { format: 'tfjs' } (sharded, and quantized) loads in tfjs
 *    through an IO handler over the files, with Neurite's predictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { fixture } from './helpers/shared.js';


const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'neurite-tfjs-'));
}

/** A tfjs IO handler over a model.json and its shards on disk (what tfjs-node's file:// handler does). */
function filesHandler(jsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format?: string };
      const dir = jsonPath.replace(/[^/]*$/, '');
      const parts = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const total = parts.reduce((a, p) => a + p.length, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: data.buffer, format: json.format };
    },
  };
}

/** Saves a tfjs model through withSaveHandler and writes the files as tfjs' file writers do, sharded. */
async function saveTfjsModel(model: tf.LayersModel, dir: string, shardBytes: number, pathStyle: (i: number, n: number) => string): Promise<string> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const data = new Uint8Array(a.weightData as ArrayBuffer);
  const n = Math.max(1, Math.ceil(data.length / shardBytes));
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = pathStyle(i, n);
    writeFileSync(join(dir, name.replace(/^\.\//, '')), data.subarray(i * shardBytes, (i + 1) * shardBytes));
    paths.push(name);
  }
  const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths, weights: a.weightSpecs }] };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

/** Random inputs of a tfjs model's input shapes (ints below `vocab` for int32 inputs). */
function inputsFor(shapes: readonly (readonly (number | null)[])[], batch: number, vocab: number[] = []): { tfx: tf.Tensor[]; ntx: Tensor[] } {
  const tfx: tf.Tensor[] = [];
  const ntx: Tensor[] = [];
  shapes.forEach((s, k) => {
    const shape = [batch, ...s.slice(1).map((d) => d ?? 1)];
    const size = shape.reduce((a, b) => a * b, 1);
    if (vocab[k] !== undefined) {
      const ints = Int32Array.from({ length: size }, (_, i) => (i * 7 + 3) % vocab[k]);
      tfx.push(tf.tensor(ints, shape, 'int32'));
      ntx.push(nt.tensor(ints, shape, 'int32'));
    } else {
      const vals = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + k));
      tfx.push(tf.tensor(vals, shape));
      ntx.push(nt.tensor(vals, shape));
    }
  });
  return { tfx, ntx };
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

test('the real fixture (tfjs 4.22 in a browser: my-model.json + my-model.weights.bin) reproduces tfjs\' outputs on 100 MNIST test images', async () => {
  const model = await nt.loadModel(fixture('tfjs', 'shruti_dense_browser', 'my-model.json'));
  const x = nt.npyToTensor(nt.readNpy(fixture('tfjs', 'tfjs_shruti_dense_browser_input.npy')));
  const want = nt.npyToTensor(nt.readNpy(fixture('tfjs', 'tfjs_shruti_dense_browser_expected.npy')));
  const y = model.predict(x) as Tensor;
  assert.deepEqual(y.shape, [100, 10]);
  assert.ok(maxDiff(await y.data(), await want.data()) < 1e-4);
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Dense', 'Dense', 'Dense']);
});

/** tfjs models covering the layers the issue names; each is trained one step before saving. */
function tfjsModels(): { name: string; model: tf.LayersModel; vocab?: number[] }[] {
  const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  const rnn = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 7 }),
      tf.layers.lstm({ units: 5, returnSequences: true }),
      tf.layers.gru({ units: 3 }),
      tf.layers.dense({ units: 2 }),
    ],
  });
  const a = tf.input({ shape: [4], name: 'a' });
  const b = tf.input({ shape: [4], name: 'b' });
  const ha = tf.layers.dense({ units: 3, activation: 'tanh' }).apply(a) as tf.SymbolicTensor;
  const hb = tf.layers.dense({ units: 3 }).apply(b) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([ha, hb]) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([ha, sum]) as tf.SymbolicTensor;
  const out1 = tf.layers.dense({ units: 2, name: 'out1' }).apply(cat) as tf.SymbolicTensor;
  const out2 = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out2' }).apply(sum) as tf.SymbolicTensor;
  const multi = tf.model({ inputs: [a, b], outputs: [out1, out2] });
  return [{ name: 'dense', model: dense }, { name: 'conv + batch norm + depthwise', model: conv }, { name: 'embedding + LSTM + GRU', model: rnn, vocab: [20] }, { name: 'two inputs, add, concatenate, two outputs', model: multi }];
}

test('models tfjs-layers builds, trains a step and saves (sharded; "./" paths, shards without extension) load in Neurite with tfjs\' predictions', async () => {
  for (const [k, { name, model, vocab }] of tfjsModels().entries()) {
    const { tfx, ntx } = inputsFor(model.inputs.map((i) => i.shape), 3, vocab);
    model.compile({ optimizer: tf.train.adam(0.01), loss: model.outputs.length > 1 ? ['meanSquaredError', 'meanSquaredError'] : 'meanSquaredError' });
    const targets = model.outputs.map((o) => tf.randomNormal([3, ...o.shape.slice(1).map((d) => d ?? 1)], 0, 1, 'float32', 5));
    await model.fit(tfx.length === 1 ? tfx[0] : tfx, targets.length === 1 ? targets[0] : targets, { epochs: 1, batchSize: 3, verbose: 0 });
    const want = asList(model.predict(tfx.length === 1 ? tfx[0] : tfx) as tf.Tensor | tf.Tensor[]);
    const dir = tempDir();
    try {
      // Small shards so that weights straddle files; every other model with "./" and no extension.
      const path = await saveTfjsModel(model, dir, 256, (i, n) => (k % 2 === 0 ? `group1-shard${i + 1}of${n}.bin` : `./group1-shard${i + 1}of${n}`));
      const loaded = await nt.loadModel(path);
      const got = asList(loaded.predict(ntx.length === 1 ? ntx[0] : ntx) as Tensor | Tensor[]);
      assert.equal(got.length, want.length, name);
      for (const [i, g] of got.entries()) {
        const d = maxDiff(await g.data(), await want[i].data());
        assert.ok(d < 1e-5, `${name}: output ${i} differs from tfjs by ${d}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

/** Neurite models of the same families (GRU with resetAfter false: tfjs has no other). */
function neuriteModels(): { name: string; model: nt.Model; vocab?: number[] }[] {
  nt.setSeed(3);
  const conv = new nt.Sequential([
    new nt.Conv2D({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new nt.BatchNormalization(),
    new nt.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2 }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Flatten(),
    new nt.Dense({ units: 2 }),
  ]);
  const rnn = new nt.Sequential([
    new nt.Embedding({ inputShape: [7], inputDim: 20, outputDim: 4 }),
    new nt.LSTM({ units: 5, returnSequences: true }),
    new nt.GRU({ units: 3, resetAfter: false }),
    new nt.Dense({ units: 2 }),
  ]);
  const a = nt.Input({ shape: [4], name: 'a' });
  const b = nt.Input({ shape: [4], name: 'b' });
  const ha = new nt.Dense({ units: 3, activation: 'tanh' }).apply(a) as nt.SymbolicTensor;
  const hb = new nt.Dense({ units: 3 }).apply(b) as nt.SymbolicTensor;
  const sum = new nt.Add().apply([ha, hb]) as nt.SymbolicTensor;
  const cat = new nt.Concatenate().apply([ha, sum]) as nt.SymbolicTensor;
  const multi = new nt.Model({ inputs: [a, b], outputs: [new nt.Dense({ units: 2, name: 'out1' }).apply(cat) as nt.SymbolicTensor, new nt.Dense({ units: 1, activation: 'sigmoid', name: 'out2' }).apply(sum) as nt.SymbolicTensor] });
  return [{ name: 'conv + batch norm + depthwise', model: conv }, { name: 'embedding + LSTM + GRU', model: rnn, vocab: [20] }, { name: 'two inputs, two outputs', model: multi }];
}

test('what Neurite writes with { format: \'tfjs\' } loads in tfjs (tf.loadLayersModel over the files) with Neurite\'s predictions; sharded and quantized', async () => {
  for (const { name, model, vocab } of neuriteModels()) {
    const { tfx, ntx } = inputsFor(model.inputs.map((i) => i.shape), 3, vocab);
    // Move batch-norm statistics off their initial values so that they matter.
    for (const w of model.weights) if (/moving_(mean|variance)$/.test(w.name)) w.assign(nt.add(w, 0.3));
    const want = asList(model.predict(ntx.length === 1 ? ntx[0] : ntx) as Tensor | Tensor[]);
    for (const quantize of [null, 'float16', 'uint16', 'uint8'] as const) {
      const dir = tempDir();
      try {
        await model.save(dir, { format: 'tfjs', shardSizeBytes: 300, quantize });
        const files = readdirSync(dir).sort();
        assert.ok(files.includes('model.json') && files.some((f) => /^group1-shard1of\d+\.bin$/.test(f)), files.join(', '));
        const tfModel = await tf.loadLayersModel(filesHandler(join(dir, 'model.json')));
        const got = asList(tfModel.predict(tfx.length === 1 ? tfx[0] : tfx) as tf.Tensor | tf.Tensor[]);
        // Neurite reads its own quantized file the same way tfjs does.
        const back = asList((await nt.loadModel(join(dir, 'model.json'))).predict(ntx.length === 1 ? ntx[0] : ntx) as Tensor | Tensor[]);
        const tol = quantize === null ? 1e-5 : quantize === 'uint8' ? 0.2 : 2e-2;
        for (const [i, g] of got.entries()) {
          const values = await g.data();
          const d = maxDiff(values, await want[i].data());
          assert.ok(d < tol, `${name}, ${quantize ?? 'float32'}: tfjs output ${i} differs from Neurite's by ${d}`);
          assert.ok(maxDiff(await back[i].data(), values) < 1e-5, `${name}, ${quantize ?? 'float32'}: Neurite and tfjs read the file alike`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
});

test('old tfjs files: no format key, a bare-list Sequential config, the converter\'s model_config wrapper', async () => {
  nt.setSeed(9);
  const model = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 4, activation: 'relu' }), new nt.Dense({ units: 2 })]);
  const x = nt.randomNormal([2, 3], { seed: 10 });
  const want = await (model.predict(x) as Tensor).data();
  const { modelJson, shards } = await nt.io.encodeTfjs(model);
  const weights = shards.map((s) => s.bytes);
  const topology = modelJson.modelTopology as { class_name: string; config: { layers: unknown[] } };
  const bare = { modelTopology: { class_name: 'Sequential', config: topology.config.layers, keras_version: '2.1.4', backend: 'tensorflow' }, weightsManifest: modelJson.weightsManifest };
  const converter = { modelTopology: { keras_version: '2.2.4', backend: 'tensorflow', model_config: { class_name: 'Sequential', config: topology.config }, training_config: null }, weightsManifest: modelJson.weightsManifest, format: 'layers-model', convertedBy: 'TensorFlow.js Converter v1.0' };
  for (const [what, json] of [['bare list', bare], ['converter', converter]] as const) {
    const loaded = await nt.loadModel({ modelJson: JSON.stringify(json), weights });
    assert.equal(maxDiff(await (loaded.predict(x) as Tensor).data(), want), 0, what);
  }
});

test('tfjs files: clear errors for a graph model, a damaged manifest, a missing shard, and a GRU tfjs cannot hold', async () => {
  const dir = tempDir();
  try {
    const write = (json: object): string => {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return join(dir, 'model.json');
    };
    await assert.rejects(nt.loadModel(write({ modelTopology: { node: [] }, weightsManifest: [], format: 'graph-model' })), /not a layers model; a tfjs graph model/);
    const topology = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3], name: 'd' } }] }, keras_version: 'tfjs-layers 4.22.0' };
    await assert.rejects(nt.loadModel(write({ modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'string' }] }] })), /weights\[0\] has dtype "string"/);
    await assert.rejects(nt.loadModel(write({ modelTopology: topology, weightsManifest: [{ paths: ['absent.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }] }] })), /refers to the weights file .*absent\.bin, which cannot be read/);
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(8));
    await assert.rejects(nt.loadModel(write({ modelTopology: topology, weightsManifest: [{ paths: ['short.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }] }] })), /holds 8 bytes but its 1 weights take 24/);
    writeFileSync(join(dir, 'ok.bin'), new Uint8Array(24));
    await assert.rejects(nt.loadModel(write({ modelTopology: topology, weightsManifest: [{ paths: ['ok.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }] }] })), /has no 'd\/bias'/);
    const gru = new nt.Sequential([new nt.GRU({ inputShape: [4, 2], units: 3 })]);
    await assert.rejects(gru.save(join(dir, 'gru'), { format: 'tfjs' }), /GRU has no reset_after/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
