import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { mnistDir } from './helpers/shared.js';


/** The first n images of the real MNIST test set (../shared/data/mnist-t10k), flattened and scaled. */
async function mnist(n: number): Promise<{ x: nt.Tensor; y: nt.Tensor; labels: nt.Tensor }> {
  const dir = mnistDir();
  const img = await nt.readIdxFile(join(dir, 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(dir, 't10k-labels-idx1-ubyte.gz'));
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] / 255;
  const labels = nt.tensor(Int32Array.from(lab.data.subarray(0, n)));
  return { x: nt.tensor(x, [n, 784]), y: nt.toCategorical(labels, 10), labels };
}

function mlp(seed = 1): nt.Sequential {
  return new nt.Sequential([
    new nt.Dense({ units: 64, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed }) }),
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: seed + 1 }) }),
  ]);
}

test('fit converges on real MNIST images, with validation, History and evaluate', async () => {
  nt.clearSession();
  const { x, y } = await mnist(3000);
  const model = mlp();
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 5, batchSize: 64, validationSplit: 0.2, verbose: 0, seed: 3 });
  assert.deepEqual(history.epoch, [0, 1, 2, 3, 4]);
  assert.deepEqual(Object.keys(history.history).sort(), ['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
  const loss = history.history.loss;
  assert.ok(loss[4] < loss[0] * 0.5, `training loss fell from ${loss[0]} to ${loss[4]}`);
  assert.ok(history.history.val_accuracy[4] > 0.88, `validation accuracy ${history.history.val_accuracy[4]}`);
  // evaluate on the held-out 20% reproduces the last val_* numbers (same weights, same data)
  const val = nt.slice(x, [2400, 0]);
  const valY = nt.slice(y, [2400, 0]);
  const result = (await model.evaluate(val, valY, { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(Math.abs(result.loss - history.history.val_loss[4]) < 1e-5);
  assert.ok(Math.abs(result.accuracy - history.history.val_accuracy[4]) < 1e-6);
  const list = (await model.evaluate(val, valY, { verbose: 0, batchSize: 7 })) as number[];
  assert.ok(Math.abs(list[0] - result.loss) < 1e-4 && Math.abs(list[1] - result.accuracy) < 1e-6, 'batch size does not change stateful results');
  assert.deepEqual(model.metricsNames, ['loss', 'accuracy']);
});

test('sparse labels, predict in batches, single-batch methods and full-batch gradient descent', async () => {
  nt.clearSession();
  const { x, labels } = await mnist(600);
  const model = mlp(5);
  model.compile({ optimizer: new nt.SGD({ learningRate: 0.5 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const h = await model.fit(x, labels, { epochs: 8, batchSize: 600, verbose: 0 });
  assert.ok(h.history.loss[7] < h.history.loss[0], 'full-batch gradient descent lowers the loss');
  assert.equal(model.optimizer.iterations, 8, 'one update per epoch with batchSize = N');
  const p1 = model.predict(x, { batchSize: 7 }) as nt.Tensor;
  const p2 = model.predictOnBatch(x) as nt.Tensor;
  assert.deepEqual(p1.shape, [600, 10]);
  const p1v = p1.dataSync();
  const p2v = p2.dataSync();
  for (let i = 0; i < p1.size; i++) assert.ok(Math.abs(p1v[i] - p2v[i]) < 1e-6);
  const before = (await model.testOnBatch(x, labels)) as number[];
  const after = (await model.trainOnBatch(x, labels)) as number[];
  assert.equal(before.length, 2);
  assert.ok(Math.abs(after[0] - before[0]) < 1e-6, 'trainOnBatch reports the loss before its update');
  assert.ok(((await model.testOnBatch(x, labels)) as number[])[0] < before[0]);
});

test('fit takes an async generator of batches with stepsPerEpoch, and validation from a source', async () => {
  nt.clearSession();
  const { x, y } = await mnist(512);
  let pulled = 0;
  async function* batches(): AsyncGenerator<[nt.Tensor, nt.Tensor]> {
    for (;;) {
      for (let s = 0; s < 512; s += 64) {
        pulled++;
        yield [nt.slice(x, [s, 0], [64, 784]), nt.slice(y, [s, 0], [64, 10])];
      }
    }
  }
  const model = mlp(7);
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  // A re-iterable source (each epoch's validation starts it afresh).
  const valSource = {
    *[Symbol.iterator](): Generator<[nt.Tensor, nt.Tensor]> {
      yield [nt.slice(x, [0, 0], [64, 784]), nt.slice(y, [0, 0], [64, 10])];
      yield [nt.slice(x, [64, 0], [64, 784]), nt.slice(y, [64, 0], [64, 10])];
    },
  };
  const h = await model.fit(batches(), { epochs: 3, stepsPerEpoch: 8, verbose: 0, validationData: valSource });
  assert.equal(pulled, 24);
  assert.equal(h.history.val_loss.length, 3);
  assert.ok(h.history.loss[2] < h.history.loss[0]);
  await assert.rejects(model.fit(batches(), { epochs: 1, stepsPerEpoch: 2, verbose: 0, validationSplit: 0.1 }), /validationSplit needs arrays/);
});

test('class weights and sample weights change the loss as Keras does', async () => {
  nt.clearSession();
  const x = nt.tensor([[1], [2], [3], [4]]);
  const y = nt.tensor([[0], [1], [0], [1]]);
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', activation: 'linear' })]);
  model.compile({ optimizer: new nt.SGD({ learningRate: 0 }), loss: 'mse' });
  const plain = (await model.evaluate(x, y, { verbose: 0 })) as number;
  // residuals: 1, 1, 3, 3 → squared 1, 1, 9, 9
  assert.ok(Math.abs(plain - 5) < 1e-6);
  const weighted = (await model.evaluate(x, y, { verbose: 0, sampleWeight: nt.tensor([1, 0, 0, 2]) })) as number;
  assert.ok(Math.abs(weighted - (1 + 18) / 4) < 1e-6, `sum_over_batch_size divides by the sample count: ${weighted}`);
  const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false, classWeight: { 0: 2, 1: 0.5 } });
  assert.ok(Math.abs(h.history.loss[0] - (2 * 1 + 0.5 * 1 + 2 * 9 + 0.5 * 9) / 4) < 1e-5, `class-weighted loss ${h.history.loss[0]}`);
});

test('multi-output models: per-output losses, loss weights and metric names', async () => {
  nt.clearSession();
  const input = nt.Input({ shape: [3], name: 'in' });
  const h = new nt.Dense({ units: 8, activation: 'relu' }).apply(input);
  const cls = new nt.Dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h);
  const reg = new nt.Dense({ units: 1, name: 'reg' }).apply(h);
  const model = new nt.Model({ inputs: input, outputs: [cls, reg] });
  model.compile({ optimizer: 'adam', loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' }, lossWeights: { cls: 1, reg: 0.5 }, metrics: { cls: ['accuracy'] } });
  const x = nt.randomNormal([32, 3], { seed: 1 });
  const yc = nt.randomUniform([32], { seed: 2, minval: 0, maxval: 2, dtype: 'int32' });
  const yr = nt.randomNormal([32, 1], { seed: 3 });
  const hist = await model.fit(x, { cls: yc, reg: yr }, { epochs: 2, verbose: 0 });
  assert.deepEqual(Object.keys(hist.history).sort(), ['cls_accuracy', 'cls_loss', 'loss', 'lr', 'reg_loss']);
  const d = (await model.evaluate(x, [yc, yr], { verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(Math.abs(d.loss - (d.cls_loss + 0.5 * d.reg_loss)) < 1e-5, 'total = weighted sum of output losses');
});

test('regularization losses are part of the training loss', async () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros', kernelRegularizer: nt.regularizers.l2(0.5) })]);
  model.compile({ optimizer: new nt.SGD({ learningRate: 0 }), loss: 'mse' });
  const x = nt.tensor([[1, 1]]);
  const y = nt.tensor([[2]]);
  const loss = (await model.evaluate(x, y, { verbose: 0 })) as number;
  assert.ok(Math.abs(loss - 0.5 * 2) < 1e-6, `mse 0 + l2 0.5·(1+1) = 1; got ${loss}`);
});

test('weight constraints are applied after each update', async () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [1], kernelConstraint: 'non_neg', kernelInitializer: 'zeros' })]);
  model.compile({ optimizer: new nt.SGD({ learningRate: 1 }), loss: 'mse' });
  await model.fit(nt.tensor([[1]]), nt.tensor([[-5]]), { epochs: 3, verbose: 0 });
  assert.equal(model.layers[0].getWeights()[0].item(), 0, 'the kernel stays non-negative');
});

test('clear errors: mismatched lengths, no compile, unknown identifiers, NaN data, bad arguments', async () => {
  nt.clearSession();
  const model = mlp();
  await assert.rejects(model.fit(nt.ones([4, 784]), nt.ones([4, 10])), /call compile\(\{ optimizer, loss \}\) before fit\(\)/);
  assert.throws(() => model.compile({ optimizer: 'adamm', loss: 'mse' }), /Unknown optimizer 'adamm'. Known optimizers: .*adam/i);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'categorical_crossentropyy' }), /Unknown loss 'categorical_crossentropyy'. Known losses: .*categorical_crossentropy/);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await assert.rejects(model.fit(nt.ones([5, 784]), nt.ones([4, 10]), { verbose: 0 }), /x has 5 samples but y has 4/);
  await assert.rejects(model.fit(nt.ones([4, 700]), nt.ones([4, 10]), { verbose: 0 }), /expects shape \(None, 784\); got \[4, 700\]/);
  const bad = nt.ones([4, 784]).toTypedArray() as Float32Array;
  bad[784 * 2 + 5] = NaN;
  await assert.rejects(model.fit(nt.tensor(bad, [4, 784]), nt.ones([4, 10]), { verbose: 0 }), /x contains NaN in sample 2 \(element 5 of that row\)/);
  await assert.rejects(model.fit(nt.ones([4, 784]), nt.ones([4, 10]), { verbose: 0, batchSize: 0 }), /batchSize must be a positive integer/);
  await assert.rejects(model.fit(nt.ones([4, 784]), nt.ones([4, 10]), { verbose: 0, validationSplit: 1.5 }), /validationSplit must be in \(0, 1\)/);
  assert.throws(() => mlp().compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] }), /Unknown metric 'acuracy'. Known metrics: .*accuracy/);
});

test("the progress bar prints Keras' format (verbose 1 without a terminal, verbose 2)", async () => {
  nt.clearSession();
  const x = nt.randomNormal([64, 4], { seed: 1 });
  const y = nt.randomNormal([64, 1], { seed: 2 });
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [4] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  for (const verbose of [1, 2] as const) {
    const lines: string[] = [];
    const bar = new nt.ProgbarLogger({ verbose, write: (t) => lines.push(t), dynamic: false });
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [bar], validationData: [x, y] });
    const text = lines.join('');
    assert.match(text, /^Epoch 1\/2\n/);
    if (verbose === 1) assert.match(text, /\n4\/4 \[==============================\] - \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - mae: \d\.\d{4} - val_loss: \d\.\d{4} - val_mae: \d\.\d{4}\n/);
    else assert.match(text, /\n4\/4 - \d+s - loss: \d\.\d{4} - mae: \d\.\d{4} - val_loss: \d\.\d{4} - val_mae: \d\.\d{4} - \d+s\/epoch - \d+(ms|us)\/step\n/);
  }
  // On a terminal the bar is redrawn in place with an ETA.
  const frames: string[] = [];
  const live = new nt.ProgbarLogger({ verbose: 1, write: (t) => frames.push(t), dynamic: true });
  live.setParams({ epochs: 1, steps: 30 });
  live.onTrainBegin();
  live.onEpochBegin(0);
  await new Promise((r) => setTimeout(r, 60));
  live.onTrainBatchEnd(9, { loss: 0.5 });
  assert.match(frames.join(''), /\r10\/30 \[=========>\.{20}\] - ETA: \d+s - loss: 0\.5000/);
});

test('initialEpoch continues numbering; stopTraining ends fit', async () => {
  nt.clearSession();
  const model = new nt.Sequential([new nt.Dense({ units: 1, inputShape: [2] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = nt.randomNormal([8, 2], { seed: 1 });
  const y = nt.randomNormal([8, 1], { seed: 2 });
  const h = await model.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0 });
  assert.deepEqual(h.epoch, [3, 4]);
  const stopper = new (class extends nt.Callback {
    override onEpochEnd(epoch: number): void {
      if (epoch === 1 && this.model) this.model.stopTraining = true;
    }
  })();
  const h2 = await model.fit(x, y, { epochs: 10, verbose: 0, callbacks: [stopper] });
  assert.deepEqual(h2.epoch, [0, 1]);
});

test('save and loadModel round trip the architecture and weights', async () => {
  nt.clearSession();
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'neurite-save-'));
  try {
    const model = mlp(9);
    const x = nt.randomUniform([3, 784], { seed: 4 });
    await model.save(join(dir, 'm.neurite'));
    const copy = await nt.loadModel(join(dir, 'm.neurite'));
    const a = model.predict(x) as nt.Tensor;
    const b = copy.predict(x) as nt.Tensor;
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    await model.saveWeights(join(dir, 'w.weights'));
    const fresh = mlp(20);
    await fresh.loadWeights(join(dir, 'w.weights'));
    assert.deepEqual(Array.from((fresh.predict(x) as nt.Tensor).dataSync()), Array.from(a.dataSync()));
    await assert.rejects(nt.loadModel(join(dir, 'w.weights')), /holds weights only/);
    const small = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [784] })]);
    await assert.rejects(small.loadWeights(join(dir, 'w.weights')), /holds 4 arrays but model .* has 2 weights/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
