/**
 * Bad .h5 files give clear Errors that name the file (and, for weights that do not fit,
 * the layer and both shapes); nothing takes the process down: the HDF5 library runs in a
 * worker thread that is replaced after a failure, and a read that never ends is stopped.
 * Saving is atomic: a failed save leaves no partial file and no temporary file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { loadModelH5, loadWeightsH5, saveModelH5, saveWeightsH5, writeH5Atomic } from '../src/io/h5/index.js';
import { fixture } from './helpers/shared.js';

const MLP = fixture('keras-h5', 'dig94_mlp_logits.h5');
const CNN = fixture('keras-h5', 'kilneta_cnn_dropout.h5');
const dir = mkdtempSync(join(tmpdir(), 'neurite-h5-errors-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function variant(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function edited(src: Uint8Array, edits: readonly (readonly [number, number])[]): Uint8Array {
  const b = Uint8Array.from(src);
  for (const [at, v] of edits) b[at] = v;
  return b;
}

/** After any failure, a good file still loads and predicts (the library state is fresh). */
async function stillWorks(): Promise<void> {
  const model = await loadModelH5(CNN, { onWarning: () => {} });
  assert.equal(model.countParams(), 242062);
}

async function rejects(p: Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  let message = '';
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
    message = e.message;
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
  return message;
}

test('a missing file, a folder, an empty file, a text file and a zip archive are named as such', async () => {
  const missing = join(dir, 'nope.h5');
  await rejects(loadModelH5(missing), /^loadModelH5: /, /nope\.h5 does not exist/);
  await rejects(loadWeightsH5(new nt.Sequential([new nt.Dense({ units: 1, inputShape: [1] })]), dir), /is a directory/);
  await rejects(loadModelH5(variant('empty.h5', new Uint8Array(0))), /empty\.h5 is not an HDF5 file: .*it is empty/);
  await rejects(loadModelH5(variant('text.h5', new TextEncoder().encode('{"class_name": "Sequential"}'))), /text\.h5 is not an HDF5 file: no HDF5 signature found \(it looks like a JSON text file\)/);
  await rejects(loadModelH5(variant('model.keras', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 1, 2, 3]))), /model\.keras is not an HDF5 file: .*zip archive \(a Keras 3 \.keras file\?/);
  await stillWorks();
});

test('a truncated .h5 is reported as truncated, with the sizes', async () => {
  const src = new Uint8Array(readFileSync(MLP));
  const half = variant('half.h5', src.subarray(0, Math.floor(src.length / 2)));
  await rejects(loadModelH5(half), new RegExp(`half\\.h5 is truncated: the HDF5 superblock says the file holds ${src.length} bytes but it has ${Math.floor(src.length / 2)}`));
  await rejects(loadWeightsH5(new nt.Sequential([new nt.Dense({ units: 1, inputShape: [1] })]), half), /^loadWeightsH5: .*half\.h5 is truncated/);
  await rejects(loadModelH5(variant('head.h5', src.subarray(0, 30))), /head\.h5 is truncated: the file ends inside the HDF5 superblock/);
  await rejects(loadModelH5(variant('oneless.h5', src.subarray(0, src.length - 1))), /oneless\.h5 is truncated/);
  await stillWorks();
});

test('corrupted bytes give an Error naming the file, never a crash; the next load is unaffected', async () => {
  const src = new Uint8Array(readFileSync(MLP));
  const cases: { edits: [number, number][]; message: RegExp }[] = [
    { edits: [[35, 227]], message: /invalid superblock|unable to .*open file/ }, // superblock
    { edits: [[1910, 155]], message: /cannot be opened|damaged/ }, // an object header
    { edits: [[1206, 28]], message: /damaged/ }, // the metadata cache
    { edits: [[2372, 4]], message: /the model_config attribute is not valid JSON/ }, // inside the JSON text
    { edits: [[2228, 127]], message: /Unknown layer class 'I.putLayer'\. Known layers: .*Dense/ },
    { edits: [[3209, 202]], message: /Config of layer 'dense\w*' \(Dense\): (units must be a positive integer|the argument units is required)/ },
  ];
  for (const [i, c] of cases.entries()) {
    const path = variant(`corrupt${i}.h5`, edited(src, c.edits));
    await rejects(loadModelH5(path), new RegExp(`^loadModelH5: .*corrupt${i}\\.h5`), c.message);
  }
  await stillWorks();
});

test('a file that makes the HDF5 library loop forever is stopped after timeoutMs', async () => {
  const src = new Uint8Array(readFileSync(CNN));
  const path = variant('loops.h5', edited(src, [[2890, 163], [1620, 209], [2057, 37]]));
  const t0 = Date.now();
  await rejects(loadModelH5(path, { timeoutMs: 2000 }), /loops\.h5: the HDF5 library did not finish within 2 s/);
  assert.ok(Date.now() - t0 < 15000);
  await stillWorks();
  // A good file queued behind it on the same worker is read again on a fresh one.
  const [looping, good] = await Promise.allSettled([loadModelH5(path, { timeoutMs: 2000 }), loadModelH5(MLP, { onWarning: () => {} })]);
  assert.equal(looping.status, 'rejected');
  assert.equal(good.status === 'fulfilled' ? good.value.countParams() : String(good.reason), 101770);
});

test('weights that do not fit name the file, the layer and both shapes; the model is left unchanged', async () => {
  nt.clearSession();
  const model = new nt.Sequential([
    new nt.Flatten({ inputShape: [28, 28] }),
    new nt.Dense({ units: 64, activation: 'relu', name: 'hidden' }),
    new nt.Dense({ units: 10, name: 'logits' }),
  ]);
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  await rejects(loadWeightsH5(model, MLP), /^loadWeightsH5: .*dig94_mlp_logits\.h5: layer 'hidden' \(Dense\): weight 'hidden\/kernel' has shape \[784, 64\] in the model but 'dense_2\/kernel:0' has shape \[784, 128\] in the file \(layer 'dense_2'\)/);
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);

  const deeper = new nt.Sequential([new nt.Flatten({ inputShape: [28, 28] }), new nt.Dense({ units: 128 }), new nt.Dense({ units: 10 }), new nt.Dense({ units: 10 })]);
  await rejects(loadWeightsH5(deeper, MLP), /dig94_mlp_logits\.h5: the model has 3 layers with weights \(.*\) but the file has 2 \(dense_2, dense_3\)/);

  const noBias = new nt.Sequential([new nt.Flatten({ inputShape: [28, 28] }), new nt.Dense({ units: 128, useBias: false }), new nt.Dense({ units: 10 })]);
  await rejects(loadWeightsH5(noBias, MLP), /has 1 weights \(.*kernel\) but layer 'dense_2' in the file has 2 \(dense_2\/kernel:0, dense_2\/bias:0\)/);

  const unbuilt = new nt.Sequential([new nt.Dense({ units: 3 })]);
  await rejects(loadWeightsH5(unbuilt, MLP), /has not been built yet/);
});

test('an unknown layer class in model_config lists the known classes; a weights-only file says so', async () => {
  const config = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } }, { class_name: 'FancyLayer', config: { name: 'fancy' } }] } };
  const path = join(dir, 'fancy.h5');
  await writeH5Atomic(path, [
    { op: 'attr', path: '/', name: 'keras_version', value: '2.10.0' },
    { op: 'attr', path: '/', name: 'model_config', value: JSON.stringify(config) },
    { op: 'group', path: '/model_weights' },
    { op: 'attr', path: '/model_weights', name: 'layer_names', value: ['fancy'] },
  ], 'test');
  await rejects(loadModelH5(path), /^loadModelH5: .*fancy\.h5: Unknown layer class 'FancyLayer'\. Known layers: .*BatchNormalization.*Conv2D.*Dense.*registerLayer/);

  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [3] })]);
  const weightsOnly = join(dir, 'weights-only.h5');
  await saveWeightsH5(model, weightsOnly);
  await rejects(loadModelH5(weightsOnly), /weights-only\.h5: the file holds weights only \(saved with save_weights\); build the model in code and call loadWeightsH5/);

  const noConfig = join(dir, 'plain.h5');
  await writeH5Atomic(noConfig, [{ op: 'group', path: '/data' }], 'test');
  await rejects(loadModelH5(noConfig), /plain\.h5: no model_config attribute: not a Keras model file/);
  await rejects(loadWeightsH5(model, noConfig), /plain\.h5: no Keras weights in the file/);
});

test('a training_config that cannot be used loads the model uncompiled, with a warning', async () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [3] })]);
  model.compile({ optimizer: 'sgd', loss: (yTrue: nt.Tensor, yPred: nt.Tensor) => nt.mean(nt.abs(nt.sub(yTrue, yPred)), -1), metrics: ['mae'] });
  const path = join(dir, 'custom-loss.h5');
  await saveModelH5(model, path);
  const warnings: string[] = [];
  const back = await loadModelH5(path, { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /custom-loss\.h5: the model was loaded without compiling it \(Unknown loss '.*'\. Known losses: .*\); call compile\(\) yourself/);
  assert.throws(() => back.optimizer, /compile/);
  assert.deepEqual(Array.from(back.getWeights()[0].dataSync()), Array.from(model.getWeights()[0].dataSync()));
});

test('saving is atomic: a failed save leaves the old file intact and no temporary file behind', async () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [3], name: 'd' })]);
  const sub = join(dir, 'atomic');
  mkdirSync(sub);
  const path = join(sub, 'm.h5');
  await saveModelH5(model, path);
  const good = readFileSync(path);

  // The worker fails in the middle of writing (a dataset in a group that was never made).
  await rejects(writeH5Atomic(path, [{ op: 'group', path: '/a' }, { op: 'dataset', path: '/missing/x', shape: [1], data: new Float32Array(1) }], 'test'), /^test: cannot write .*m\.h5: .*no group at \/missing/);
  assert.deepEqual(readFileSync(path), good);
  assert.deepEqual(readdirSync(sub), ['m.h5']);

  // A name that cannot be an HDF5 path is refused before anything is written.
  const bad = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [3], name: 'a/../b' })]);
  await rejects(saveModelH5(bad, path), /^saveModelH5: .*m\.h5: layer name 'a\/\.\.\/b' cannot be an HDF5 path/);
  assert.deepEqual(readFileSync(path), good);

  // The target is a folder: the rename fails, the temporary file is removed.
  mkdirSync(join(sub, 'taken.h5'));
  writeFileSync(join(sub, 'taken.h5', 'keep'), 'x');
  await rejects(saveWeightsH5(model, join(sub, 'taken.h5')), /^saveWeightsH5: cannot write .*taken\.h5/);
  assert.deepEqual(readdirSync(sub).sort(), ['m.h5', 'taken.h5']);
  assert.deepEqual(readdirSync(join(sub, 'taken.h5')), ['keep']);

  const unbuilt = new nt.Sequential([new nt.Dense({ units: 2 })]);
  await rejects(saveModelH5(unbuilt, join(sub, 'u.h5')), /saveModelH5: model .* has not been built yet/);
  assert.deepEqual(readdirSync(sub).sort(), ['m.h5', 'taken.h5']);
  await stillWorks();
});
