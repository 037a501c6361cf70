/**
 * The `neurite` command, run as a child process (build/src/cli/main.js): help and exit codes,
 * and each command against real references: Keras' own .h5 models and their expected outputs
 * on real MNIST, h5py for parameter counts and file layout, onnxruntime-node for ONNX files,
 * numpy for .npy files, real Fashion-MNIST for training and PNG prediction.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as nt from '../src/index.js';
import { COMMANDS } from '../src/cli/main.js';
import { encodeNpy, readNpy } from '../src/io/npy.js';
import { CLI_MAIN, describeRun, runCli } from './helpers/cli-run.js';
import { fixture, mnistDir } from './helpers/shared.js';

const KERAS_CNN = fixture('keras-h5', 'kilneta_cnn_dropout.h5');
const KERAS_CNN_EXPECTED = fixture('keras-h5', 'expected_kilneta_cnn_dropout_first1000.npy');
const N = 100;
const PY = '/usr/bin/python3';
let dir = '';
let expected: Float32Array;
let mnistX: nt.Tensor; // [N, 28, 28, 1], x / 255
let mnistLabels: number[];

function py(code: string, ...args: string[]): string {
  const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return r.stdout.trim();
}

function argmaxRows(data: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * classes < data.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[r * classes + c] > data[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-cli-'));
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const pixels = Float32Array.from(images.data.subarray(0, N * 784));
  mnistX = nt.tensor(pixels.map((v) => v / 255), [N, 28, 28, 1]);
  writeFileSync(join(dir, 'mnist_x.npy'), encodeNpy(mnistX.dataSync() as Float32Array, mnistX.shape));
  mnistLabels = Array.from((await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'))).data.subarray(0, N));
  mkdirSync(join(dir, 'mnist_png'));
  for (let i = 0; i < 8; i++) await nt.saveImg(join(dir, 'mnist_png', `digit_${i}.png`), nt.tensor(pixels.slice(i * 784, (i + 1) * 784), [28, 28, 1]));
  for (let i = 0; i < 20; i++) {
    mkdirSync(join(dir, 'mnist_classes', String(mnistLabels[i])), { recursive: true });
    await nt.saveImg(join(dir, 'mnist_classes', String(mnistLabels[i]), `${i}.png`), nt.tensor(pixels.slice(i * 784, (i + 1) * 784), [28, 28, 1]));
  }
  expected = readNpy(KERAS_CNN_EXPECTED).data as Float32Array;
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('--help for the tool and every command, --version, and docs/cli.md covers every command and flag', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0, describeRun(top));
  const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const helps = await Promise.all(COMMANDS.map((cmd) => runCli([cmd.name, '--help'])));
  for (const [i, cmd] of COMMANDS.entries()) {
    assert.match(top.stdout, new RegExp(`^  ${cmd.name} `, 'm'));
    const r = helps[i];
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^Usage: neurite ${cmd.name} `));
    assert.equal(r.stderr, '');
    const section = docs.split(/^## /m).find((s) => s.startsWith(`\`neurite ${cmd.name}`));
    assert.ok(section, `docs/cli.md has a section for ${cmd.name}`);
    for (const flag of Object.keys(cmd.options)) {
      assert.ok(r.stdout.includes(`--${flag}`), `${cmd.name} --help lists --${flag}`);
      assert.ok(section.includes(`--${flag}`), `docs/cli.md documents ${cmd.name} --${flag}`);
    }
  }
  const v = await runCli(['--version']);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
});

test('usage errors exit with 2 and say what is wrong on stderr; nothing on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: neurite <command>/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['sumary', 'm.h5'], /did you mean summary/],
    [['summary'], /missing argument: <model>/],
    [['summary', 'a.h5', 'b.h5'], /unexpected argument 'b.h5'/],
    [['summary', 'a.h5', '--bogus'], /Unknown option '--bogus'/],
    [['predict', 'm.h5', 'x.png', '--top-k', '0'], /--top-k must be an integer ≥ 1; got '0'/],
    [['export', 'm.h5'], /missing -o\/--output/],
    [['convert', 'a.h5'], /missing argument/],
    [['bench', 'nope'], /unknown benchmark 'nope'/],
    [['plot', 'm.h5', '-o', 'm.jpg'], /must end in .png or .svg/],
    [['train', 'notes.txt'], /neither a config/],
    [['evaluate', 'm.h5', 'imagenet'], /<data> must be a data set name/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const r = runs[i];
    assert.equal(r.code, 2, `${args.join(' ')}: ${describeRun(r)}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('a missing input exits with 3, an input that is not what it should be with 4', async () => {
  const missing: string[][] = [
    ['summary', join(dir, 'nothere.h5')],
    ['predict', KERAS_CNN, join(dir, 'nothere.png')],
    ['evaluate', join(dir, 'nothere.h5'), 'mnist'],
    ['convert', join(dir, 'nothere.h5'), join(dir, 'out.nw')],
    ['train', join(dir, 'nothere.json')],
    ['board', join(dir, 'no-logs')],
  ];
  const runs = await Promise.all(missing.map((args) => runCli(args)));
  for (const [i, args] of missing.entries()) {
    const r = runs[i];
    assert.equal(r.code, 3, `${args.join(' ')}: ${describeRun(r)}`);
    assert.match(r.stderr, /does not exist/);
  }
  writeFileSync(join(dir, 'text.h5'), 'not an HDF5 file');
  const notModel = await runCli(['summary', join(dir, 'text.h5')]);
  assert.equal(notModel.code, 4, describeRun(notModel));
  assert.match(notModel.stderr, /cannot load the model/);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ model: 'LeNet5', data: 'mnist', compile: { loss: 'mse' }, fit: { epochs: 'two' }, output: 'x.h5' }));
  const badConfig = await runCli(['train', join(dir, 'bad.json')]);
  assert.equal(badConfig.code, 4, describeRun(badConfig));
  assert.match(badConfig.stderr, /"fit\.epochs" must be a positive integer; got "two"/);
});

test("summary of a Keras .h5 prints Keras' parameter counts (per layer and total, as h5py counts the file's weights)", async () => {
  const counts = JSON.parse(py([
    'import sys, json, h5py',
    'f = h5py.File(sys.argv[1], "r"); g = f["model_weights"]',
    'dec = lambda s: s.decode() if isinstance(s, bytes) else s',
    'print(json.dumps({dec(n): int(sum(g[dec(n)][dec(w)].size for w in g[dec(n)].attrs["weight_names"])) for n in g.attrs["layer_names"]}))',
  ].join('\n'), KERAS_CNN)) as Record<string, number>;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const r = await runCli(['summary', KERAS_CNN]);
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, new RegExp(`^Total params: ${total.toLocaleString('en-US')}$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Trainable params: ${total.toLocaleString('en-US')}$`, 'm'));
  for (const [layer, n] of Object.entries(counts)) assert.match(r.stdout, new RegExp(`^ ${layer} \\(.*\\s${n}\\s*$`, 'm'), `row of ${layer}`);
});

test('convert .h5 → native → web → .h5 keeps the predictions (and Keras reads the result: h5py sees its layout)', async () => {
  const nw = join(dir, 'cnn.nw');
  const web = join(dir, 'web', 'cnn.json');
  const back = join(dir, 'cnn-back.h5');
  for (const [a, b] of [[KERAS_CNN, nw], [nw, web], [web, back]]) {
    const r = await runCli(['convert', a, b]);
    assert.equal(r.code, 0, describeRun(r));
  }
  assert.ok(existsSync(join(dir, 'web', 'cnn.weights.bin')));
  const original = (await nt.loadModel(KERAS_CNN)).predict(mnistX) as nt.Tensor;
  const roundTrip = (await nt.loadModel(back)).predict(mnistX) as nt.Tensor;
  assert.deepEqual(Array.from(roundTrip.dataSync()), Array.from(original.dataSync()));
  assert.ok(maxAbsDiff(roundTrip.dataSync(), expected.subarray(0, N * 10)) < 1e-4);
  const layout = py('import sys, h5py, json; f = h5py.File(sys.argv[1], "r"); print(json.loads(f.attrs["model_config"])["class_name"], len(f["model_weights"].attrs["layer_names"]))', back);
  assert.equal(layout, 'Sequential 11');
});

test('convert --tfjs writes a TensorFlow.js layers model (quantized on request), and a tfjs model.json converts back to .h5; summary reads it', async () => {
  const folder = join(dir, 'tfjs-cnn');
  let r = await runCli(['convert', KERAS_CNN, folder, '--tfjs', '--json']);
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(JSON.parse(r.stdout).to, 'tfjs');
  const back = join(dir, 'from-tfjs.h5');
  r = await runCli(['convert', join(folder, 'model.json'), back, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(JSON.parse(r.stdout).from, 'tfjs');
  const original = (await nt.loadModel(KERAS_CNN)).predict(mnistX) as nt.Tensor;
  assert.deepEqual(Array.from(((await nt.loadModel(back)).predict(mnistX) as nt.Tensor).dataSync()), Array.from(original.dataSync()));
  r = await runCli(['summary', join(folder, 'model.json')]);
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, /^Total params: /m);
  r = await runCli(['convert', KERAS_CNN, join(dir, 'tfjs-q'), '--tfjs', '--quantize', 'uint8']);
  assert.equal(r.code, 0, describeRun(r));
  const q = (await nt.loadModel(join(dir, 'tfjs-q', 'model.json'))).predict(mnistX) as nt.Tensor;
  assert.ok(maxAbsDiff(q.dataSync(), original.dataSync()) < 0.1, 'uint8 weights stay close');
  r = await runCli(['convert', KERAS_CNN, join(dir, 'x'), '--quantize', 'uint8']);
  assert.equal(r.code, 2, describeRun(r));
  assert.match(r.stderr, /--quantize applies to --tfjs output/);
});

test('convert .h5 → .keras (Keras 3 archive) → .h5 keeps the predictions; summary reads a .keras; an unknown file says what it is', async () => {
  const k3 = join(dir, 'cnn.keras');
  let r = await runCli(['convert', KERAS_CNN, k3, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(JSON.parse(r.stdout).to, 'keras');
  const back = join(dir, 'from-keras3.h5');
  r = await runCli(['convert', k3, back]);
  assert.equal(r.code, 0, describeRun(r));
  const original = (await nt.loadModel(KERAS_CNN)).predict(mnistX) as nt.Tensor;
  assert.deepEqual(Array.from(((await nt.loadModel(back)).predict(mnistX) as nt.Tensor).dataSync()), Array.from(original.dataSync()));
  r = await runCli(['summary', k3]);
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, /^Total params: /m);
  const odd = join(dir, 'weights.npy');
  await nt.saveNpy(odd, nt.ones([2]));
  r = await runCli(['summary', odd.replace(/\.npy$/, '.bin')]);
  assert.notEqual(r.code, 0);
  writeFileSync(odd.replace(/\.npy$/, '.bin'), readFileSync(odd));
  r = await runCli(['summary', odd.replace(/\.npy$/, '.bin')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not a Neurite weights file: a NumPy \.npy array/);
});

test('export --onnx writes a file onnxruntime runs with Keras\' outputs', async () => {
  const out = join(dir, 'cnn.onnx');
  const r = await runCli(['export', '--onnx', KERAS_CNN, '-o', out, '--opset', '17']);
  assert.equal(r.code, 0, describeRun(r));
  const session = await ort.InferenceSession.create(out);
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', mnistX.dataSync() as Float32Array, [N, 28, 28, 1]) });
  const y = result[session.outputNames[0]].data as Float32Array;
  assert.ok(maxAbsDiff(y, expected.subarray(0, N * 10)) < 1e-4);
});

test("predict on MNIST PNG files prints Keras' classes and probabilities; on a .npy writes numpy-readable outputs", async () => {
  const out = join(dir, 'preds.npy');
  const [r, text, n] = await Promise.all([
    runCli(['predict', KERAS_CNN, join(dir, 'mnist_png'), '--json', '--top-k', '2']),
    runCli(['predict', KERAS_CNN, join(dir, 'mnist_png', 'digit_0.png'), join(dir, 'mnist_png', 'digit_1.png')]),
    runCli(['predict', KERAS_CNN, join(dir, 'mnist_x.npy'), '-o', out]),
  ]);
  assert.equal(r.code, 0, describeRun(r));
  const rows = JSON.parse(r.stdout) as { input: string; top: { class: number; score: number }[] }[];
  assert.equal(rows.length, 8);
  const want = argmaxRows(expected.subarray(0, 80), 10);
  rows.forEach((row, i) => {
    assert.ok(row.input.endsWith(`digit_${i}.png`));
    assert.equal(row.top.length, 2);
    assert.equal(row.top[0].class, want[i]);
    assert.ok(Math.abs(row.top[0].score - expected[i * 10 + want[i]]) < 1e-4);
    assert.ok(Math.abs(row.top[1].score - expected[i * 10 + row.top[1].class]) < 1e-4);
  });
  assert.equal(text.code, 0, describeRun(text));
  assert.deepEqual(text.stdout.trim().split('\n').map((l) => l.split('\t')[1]), want.slice(0, 2).map(String));
  assert.equal(n.code, 0, describeRun(n));
  const diff = py('import sys, numpy as np; a = np.load(sys.argv[1]); e = np.load(sys.argv[2])[:100]; print(a.dtype, a.shape, float(np.abs(a - e).max()) < 1e-4)', out, KERAS_CNN_EXPECTED);
  assert.equal(diff, 'float32 (100, 10) True');
});

test("evaluate on a folder of class sub-folders (named by digit) gives the loss and accuracy of Keras' outputs", async () => {
  const r = await runCli(['evaluate', KERAS_CNN, join(dir, 'mnist_classes'), '--json']);
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stderr, /Found 20 images belonging to \d+ classes/);
  const got = JSON.parse(r.stdout) as { loss: number; accuracy: number };
  const rows = Array.from({ length: 20 }, (_, i) => expected.subarray(i * 10, i * 10 + 10));
  const loss = rows.reduce((s, row, i) => s - Math.log(Math.max(row[mnistLabels[i]], 1e-7)), 0) / 20;
  const accuracy = rows.filter((row, i) => argmaxRows(row, 10)[0] === mnistLabels[i]).length / 20;
  assert.ok(Math.abs(got.loss - loss) < 1e-4 + 1e-3 * loss, `loss ${got.loss} vs ${loss}`);
  assert.equal(got.accuracy, accuracy);
});

test('train config.json (1 epoch, Fashion-MNIST subset) saves the model; evaluate and predict on Fashion-MNIST PNGs use it', async () => {
  const config = {
    model: {
      class_name: 'Sequential',
      config: {
        name: 'fashion_mlp',
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28], name: 'pixels' } },
          { class_name: 'Flatten', config: {} },
          { class_name: 'Dense', config: { units: 64, activation: 'relu' } },
          { class_name: 'Dense', config: { units: 10, activation: 'softmax' } },
        ],
      },
    },
    data: { dataset: 'fashion_mnist', limit: 3000 },
    compile: { optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batch_size: 32, seed: 3, validation_split: 0.1 },
    callbacks: [{ class_name: 'ModelCheckpoint', config: { filepath: 'ckpt/best.h5', monitor: 'val_loss' } }],
    output: 'trained/fashion.h5',
  };
  writeFileSync(join(dir, 'train.json'), JSON.stringify(config));
  const r = await runCli(['train', join(dir, 'train.json'), '--json']);
  assert.equal(r.code, 0, describeRun(r));
  const info = JSON.parse(r.stdout) as { output: string; epochs: number; final: Record<string, number> };
  assert.equal(info.output, join(dir, 'trained', 'fashion.h5'));
  assert.equal(info.epochs, 1);
  assert.ok(info.final.val_accuracy > 0.5, `val_accuracy ${info.final.val_accuracy}`);
  assert.match(r.stderr, /Epoch 1\/1/);
  assert.ok(existsSync(join(dir, 'ckpt', 'best.h5')), 'the callback path is relative to the config');
  assert.equal(py('import sys, h5py; print(h5py.File(sys.argv[1], "r").attrs["training_config"] is not None)', info.output), 'True');

  const [xTest, yTest] = await nt.datasets.fashionMnist.loadSplit('test');
  const pngDir = join(dir, 'fashion_png');
  mkdirSync(pngDir);
  const count = 40;
  const xTestValues = xTest.dataSync();
  for (let i = 0; i < count; i++) await nt.saveImg(join(pngDir, `item_${String(i).padStart(2, '0')}.png`), nt.tensor(Float32Array.from(xTestValues.subarray(i * 784, (i + 1) * 784)), [28, 28, 1]));
  const [ev, p, svg] = await Promise.all([
    runCli(['evaluate', info.output, 'fashion_mnist', '--limit', '500', '--json', '-q']),
    runCli(['predict', info.output, pngDir, '--class-names', 'fashion_mnist', '--json']),
    runCli(['plot', info.output, '-o', join(dir, 'model.svg'), '--show-shapes']),
  ]);
  const model = await nt.loadModel(info.output);
  const x500 = nt.tensor(Float32Array.from(xTest.dataSync().subarray(0, 500 * 784), (v) => v / 255), [500, 28, 28]);
  const mine = argmaxRows((model.predict(x500) as nt.Tensor).dataSync(), 10);
  const labels = Array.from(yTest.dataSync().subarray(0, 500));

  assert.equal(ev.code, 0, describeRun(ev));
  const metrics = JSON.parse(ev.stdout) as { loss: number; accuracy: number };
  assert.ok(Math.abs(metrics.accuracy - mine.filter((c, i) => c === labels[i]).length / 500) < 1e-6);

  assert.equal(p.code, 0, describeRun(p));
  const rows = JSON.parse(p.stdout) as { top: { class: number; label: string }[] }[];
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  assert.deepEqual(rows.map((row) => row.top[0].class), mine.slice(0, count));
  assert.deepEqual(rows.map((row) => row.top[0].label), mine.slice(0, count).map((c) => names[c]));
  const right = rows.filter((row, i) => row.top[0].class === labels[i]).length;
  assert.ok(right >= count / 2, `${right}/${count} PNGs labelled right`);

  assert.equal(svg.code, 0, describeRun(svg));
  const doc = readFileSync(join(dir, 'model.svg'), 'utf8');
  assert.match(doc, /<svg/);
  for (const layer of model.layers) assert.ok(doc.includes(layer.name), `the picture names ${layer.name}`);
});

test('train script.ts runs a TypeScript script importing neurite and a sibling .ts, with its arguments; a throwing script exits 1', async () => {
  const sdir = join(dir, 'script');
  mkdirSync(sdir);
  writeFileSync(join(sdir, 'line.ts'), 'export const target = (x: number): number => 2 * x + 1;\n');
  writeFileSync(join(sdir, 'fit-line.ts'), [
    "import * as nt from 'neurite';",
    "import { target } from './line.js';",
    'interface Fitted { readonly w: number; readonly b: number; readonly epochs: number }',
    "const epochs: number = Number(process.argv[process.argv.indexOf('--epochs') + 1]);",
    'const xs = [0, 1, 2, 3, 4];',
    'const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [1] })]);',
    "model.compile({ optimizer: new nt.SGD({ learningRate: 0.05 }), loss: 'mse' });",
    'await model.fit(nt.tensor(xs.map((x) => [x])), nt.tensor(xs.map((x) => [target(x)])), { epochs, batchSize: 5, verbose: 0 });',
    'const [w, b] = model.getWeights().map((t) => t.dataSync()[0]);',
    'const out: Fitted = { w, b, epochs };',
    'console.log(JSON.stringify(out));',
  ].join('\n'));
  const r = await runCli(['train', join(sdir, 'fit-line.ts'), '--', '--epochs', '400']);
  assert.equal(r.code, 0, describeRun(r));
  const fitted = JSON.parse(r.stdout) as { w: number; b: number; epochs: number };
  assert.equal(fitted.epochs, 400);
  assert.ok(Math.abs(fitted.w - 2) < 0.05 && Math.abs(fitted.b - 1) < 0.05, JSON.stringify(fitted));
  writeFileSync(join(sdir, 'broken.ts'), "const n: number = 1;\nif (n === 1) throw new Error('no data for this run');\n");
  const bad = await runCli(['train', join(sdir, 'broken.ts')]);
  assert.equal(bad.code, 1, describeRun(bad));
  assert.match(bad.stderr, /no data for this run/);
});

test('board serves the log folder at the printed URL and exits 0 on SIGINT', async () => {
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const child = spawn(process.execPath, [CLI_MAIN, 'board', logs, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) done(text.split('\n')[0].trim());
    });
    child.on('close', () => fail(new Error(`board exited before printing its URL: ${stderr}`)));
  });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/?$/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<html/i);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, stderr);
});
