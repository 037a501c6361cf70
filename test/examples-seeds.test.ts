/**
 * The seeds' Neurite twins (examples/seeds/*.ts, docs/guide/) run in smoke mode as child
 * processes on real Fashion-MNIST; each prints `RESULT {json}` last, checked here against
 * the seeds' own numbers, hand-computed parameter counts and formulas, and chance level.
 * The reused twins (mlp-, cnn-, augmented-directory, autoencoder, DBN, pseudo-label,
 * transfer, filter visualisation, logistic regression) are smoke-tested by their own files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RESULT_PREFIX } from '../examples/seeds/common.js';
import { unavailable } from './helpers/oracle.js';

const run = promisify(execFile);
const SCRIPTS = fileURLToPath(new URL('../examples/seeds/', import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const skip = unavailable(!existsSync(FASHION) && 'Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)');

type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

/** Runs examples/seeds/<name>.js (compiled, beside this test's folder) with --smoke and returns its RESULT object. */
async function smoke(name: string, ...args: string[]): Promise<Record<string, Json>> {
  const script = join(SCRIPTS, `${name}.js`);
  const { stdout } = await run(process.execPath, [script, '--smoke', ...args], { maxBuffer: 1 << 24, timeout: 180_000 });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith(RESULT_PREFIX), `${name}: last line is not a result line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, Json>;
}

const num = (r: Record<string, Json>, key: string): number => {
  const v = r[key];
  assert.equal(typeof v, 'number', `${key} is a number: ${JSON.stringify(v)}`);
  assert.ok(Number.isFinite(v as number), `${key} is finite: ${v}`);
  return v as number;
};
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

test('first-mlp: two spellings of Dense + relu agree, the seed\'s input_shape=(1,) is refused, the 16-32 MLP learns Fashion-MNIST', { skip }, async () => {
  const r = await smoke('first-mlp');
  assert.equal(r.spellingsMaxDifference, 0);
  assert.deepEqual(r.params, [32, 32]); // 3·5+5 + 5·2+2
  assert.equal(r.inputShapeError, true);
  const scaled = r.toyLossScaled as number[];
  assert.ok(scaled[1] < scaled[0], `scaled toy samples: loss falls ${scaled}`);
  assert.ok(num(r, 'testAccuracy') > 0.5, `test accuracy ${r.testAccuracy} (chance 0.1)`);
  close(num(r, 'predictAccuracy'), num(r, 'testAccuracy'), 1e-9, 'predict + argmax agrees with evaluate');
});

test('optimizers-and-losses: every seed optimizer trains, the seed\'s loss names resolve and agree with each other', { skip }, async () => {
  const r = await smoke('optimizers-and-losses');
  for (const k of ['SGD()', 'SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)', 'Adagrad()', 'Adagrad(lr=0.01)', 'Adadelta()', 'Adadelta(lr=1.0)', 'RMSprop()', 'Adam()']) num(r, k);
  for (const k of ['SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)', 'RMSprop()', 'Adam()']) assert.ok(num(r, k) > 0.6, `${k}: ${r[k]}`);
  assert.ok(num(r, 'SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)') > num(r, 'SGD()'), 'momentum beats plain SGD after one epoch');
  assert.ok(num(r, 'Adadelta(lr=1.0)') > num(r, 'Adadelta()'), 'Adadelta with lr 1.0 beats the tf.keras default 0.001');
  assert.ok(num(r, 'binaryAccuracy') > 0.8, `binary crossentropy, two classes: ${r.binaryAccuracy}`);
  assert.ok(num(r, 'mseAccuracy') > 0.5, `mse: ${r.mseAccuracy}`);
  const cce = num(r, 'loss:categorical_crossentropy');
  close(num(r, 'loss:sparse_categorical_crossentropy'), cce, 1e-5, 'sparse = categorical crossentropy');
  close(num(r, 'evaluateLoss'), cce, 1e-4, 'model.evaluate = categorical crossentropy');
  close(num(r, 'loss:kullback_leibler_divergence'), cce, 1e-3, 'KL divergence = crossentropy for one-hot targets');
  const mse = num(r, 'loss:mean_squared_error');
  assert.ok(mse > 0 && mse < 0.2, `mse ${mse}`);
  const cos = num(r, 'loss:cosine_proximity');
  assert.ok(cos < -0.5 && cos >= -1, `cosine proximity is minus the mean cosine: ${cos}`);
  for (const k of Object.keys(r).filter((k) => k.startsWith('loss:'))) num(r, k);
  assert.equal(Object.keys(r).filter((k) => k.startsWith('loss:')).length, 14);
});

test('callbacks: ModelCheckpoint keeps the best model in HDF5, its name and reload agree; TrainingMonitor and plotModel write their files; a custom callback stops training', { skip }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurite-seeds-cb-'));
  try {
    const r = await smoke('callbacks', '--out', out);
    const best = num(r, 'bestValAccuracy');
    assert.ok(num(r, 'checkpoints') >= 1);
    assert.match(String(r.lastCheckpoint), new RegExp(`^model-checkpoint-\\d{2}-${best.toFixed(2).replace('.', '\\.')}\\.hdf5$`));
    close(num(r, 'reloadedValAccuracy'), best, 1e-6, 'reloaded best checkpoint, same validation rows');
    assert.ok(num(r, 'testAccuracy') > 0.6);
    const log = JSON.parse(readFileSync(join(out, 'seed000', 'log.json'), 'utf8')) as { epochs: { logs: Record<string, number> }[] };
    assert.equal(log.epochs.length, r.epochsRun);
    close(Math.max(...log.epochs.map((e) => e.logs.val_accuracy)), best, 1e-9, 'TrainingMonitor log');
    for (const png of [join(out, 'seed000', 'curves.png'), join(out, 'model.png')]) assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47], `${png} is a PNG`);
    // The custom callback stops after the first epoch whose val_accuracy reaches the target.
    const more = r.moreValAccuracy as number[];
    const target = num(r, 'target');
    assert.equal(r.stopAtEpoch, more.length);
    assert.ok(more[more.length - 1] >= target && more.slice(0, -1).every((v) => v < target), `val_accuracy ${more} vs target ${target}`);
    const h5 = readFileSync(join(out, String(r.lastCheckpoint)));
    assert.deepEqual([...h5.subarray(0, 8)], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]); // HDF5 signature
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('image-data: datagen.fit measures the data set, flow and a hand-written generator both train, every augmentation changes the image', { skip }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurite-seeds-aug-'));
  try {
    const r = await smoke('image-data', '--out', out);
    close(num(r, 'fitMean'), num(r, 'directMean'), 1e-5, 'featurewise mean');
    close(num(r, 'fitStd'), num(r, 'directStd'), 1e-4, 'featurewise std');
    assert.ok(num(r, 'flowAccuracy') > 0.3 && num(r, 'generatorAccuracy') > 0.3, `accuracies ${r.flowAccuracy}, ${r.generatorAccuracy} (chance 0.1)`);
    const changes = Object.keys(r).filter((k) => k.startsWith('change:'));
    assert.equal(changes.length, 7);
    for (const k of changes) assert.ok(num(r, k) > 0.01, `${k}: ${r[k]}`);
    assert.ok(existsSync(join(out, 'augmentations.png')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('layers-tour: the seeds\' convolution and pooling numbers, shapes and Keras parameter counts', { skip }, async () => {
  const r = await smoke('layers-tour');
  assert.deepEqual(r.conv, [[4, 3, 4], [2, 4, 3], [2, 3, 4]]);
  assert.deepEqual(r.maxPool, [[6, 8], [3, 4]]);
  assert.deepEqual(r.avgPool, [[3.25, 5.25], [2, 2]]);
  assert.equal(r.globalAvg, 50 / 16);
  assert.deepEqual(r.sameShape, [5, 5, 1]);
  assert.deepEqual(r.strided, [3, 3, 1]);
  assert.deepEqual(r.padded, [36, 36, 3]);
  assert.deepEqual(r.cropped, [20, 32, 3]);
  assert.deepEqual(r.upsampled, [64, 64, 3]);
  assert.deepEqual(r.reluGrad, [0, 0, 1, 1]);
  const drop = num(r, 'dropoutZeroFraction');
  assert.ok(drop > 0.27 && drop < 0.33, `dropout zeroed ${drop}`);
  assert.equal(r.flattenDense, 7 * 7 * 512 * 1000 + 1000);
  assert.equal(r.gapDense, 512 * 1000 + 1000);
  assert.deepEqual(r.validShapes, [[20, 20, 16], [18, 18, 32], [14, 14, 64], [8, 8, 128], [8192], [2]]);
  assert.deepEqual(r.validParams, [3 * 16 + 16, 3 * 3 * 16 * 32 + 32, 5 * 5 * 32 * 64 + 64, 7 * 7 * 64 * 128 + 128, 0, 8192 * 2 + 2]);
  assert.deepEqual(r.sameParams, [3 * 16 + 16, 3 * 3 * 16 * 32 + 32, 0, 5 * 5 * 32 * 64 + 64, 0, 10 * 10 * 64 * 2 + 2]);
  assert.ok(num(r, 'testAccuracy') > 0.4, `same-padding net on Fashion-MNIST: ${r.testAccuracy}`);
});

test('vgg-like: the seed\'s VGG-like net and PyTorch Net have the hand-computed sizes and learn', { skip }, async () => {
  const r = await smoke('vgg-like');
  // 28×28×1: conv 3×3×1×32, 3×3×32×32, pool → 12, conv 3×3×32×64, 3×3×64×64, pool → 4; 4·4·64 → 256 → 10.
  assert.equal(r.vggParams, (9 * 32 + 32) + (9 * 32 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64) + (1024 * 256 + 256) + (256 * 10 + 10));
  assert.equal(r.torchNetCifarParams, (5 * 5 * 3 * 6 + 6) + (5 * 5 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)); // 62,006 as in PyTorch
  assert.equal(r.torchNetParams, (5 * 5 * 1 * 6 + 6) + (5 * 5 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10));
  assert.ok(num(r, 'vggTestAccuracy') > 0.2 && num(r, 'torchNetTestAccuracy') > 0.2, `accuracies ${r.vggTestAccuracy}, ${r.torchNetTestAccuracy} (chance 0.1)`);
  num(r, 'vggTestLoss');
});

test('batchnorm-l2-glorot: initialiser variances, the L2 penalty in the loss, BatchNormalization\'s statistics and the seed\'s axis=1', { skip }, async () => {
  const r = await smoke('batchnorm-l2-glorot');
  assert.ok(num(r, 'glorotMaxAbs') <= num(r, 'glorotLimit'));
  close(num(r, 'glorotVar') / num(r, 'glorotVarFormula'), 1, 0.03, 'Glorot variance 2/(fan_in+fan_out)');
  close(num(r, 'heVar') / num(r, 'heVarFormula'), 1, 0.03, 'He variance 2/fan_in');
  close(num(r, 'penalty'), num(r, 'formula'), 1e-5 * num(r, 'formula'), 'l2 penalty = 0.01·Σw²');
  close(num(r, 'lossWith') - num(r, 'lossWithout'), num(r, 'penalty'), 1e-4, 'the penalty is added to the loss');
  assert.equal(r.seedBnParams, 4);
  assert.equal(r.lastAxisBnParams, 4 * 32);
  assert.ok(num(r, 'bnMeanAbs') < 1e-4);
  assert.ok(num(r, 'bnVarMaxError') < 1e-4);
  for (const k of ['plain:test', 'batchnorm:test', 'l2(1e-4):test']) assert.ok(num(r, k) > 0.5, `${k}: ${r[k]}`);
});

test('one-hot: the seed\'s tables, a lossless round trip, and one-hot + categorical = integers + sparse categorical', { skip }, async () => {
  const r = await smoke('one-hot');
  assert.deepEqual(r.three, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(r.four, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  assert.equal(r.roundTrip, true);
  close(num(r, 'initialOneHotLoss'), num(r, 'initialSparseLoss'), 1e-6, 'same weights, same loss');
  // Same gradients up to rounding (different kernels): identical after the smoke run's 63
  // steps here; a full run's thousands of Adam steps drift apart slightly (see docs/guide/03).
  close(num(r, 'oneHotLoss'), num(r, 'sparseLoss'), 0.01, 'trained the same way, same loss');
  close(num(r, 'oneHotAccuracy'), num(r, 'sparseAccuracy'), 0.01, 'trained the same way, same accuracy');
  assert.ok(num(r, 'oneHotAccuracy') > 0.5);
});
