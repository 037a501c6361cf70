/**
 * IoU, MeanIoU, BinaryIoU, OneHotIoU and OneHotMeanIoU: the values of Keras' own docstrings
 * (keras/src/metrics/iou_metrics.py), hand-computed confusion matrices accumulated over
 * batches (out-of-range entries, ignoreClass, classes that never occur, argmax of scores
 * along an axis), reset, configs and registry names, refusals, a compiled model's
 * evaluate, and the shared results()/result() base of the multi-valued metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

const close = (got: number, want: number, what: string, tol = 1e-6): void => {
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
};

test('IoU metrics equal the values of Keras\' docstrings', async () => {
  const iou = new nt.metrics.IoU({ numClasses: 2, targetClassIds: [0] });
  iou.updateState(nt.tensor([0, 0, 1, 1]), nt.tensor([0, 1, 0, 1]));
  close(await iou.resultAsync(), 1 / 3, 'IoU');
  iou.resetState();
  iou.updateState(nt.tensor([0, 0, 1, 1]), nt.tensor([0, 1, 0, 1]), nt.tensor([0.3, 0.3, 0.3, 0.1]));
  close(await iou.resultAsync(), 0.33333334, 'IoU weighted');

  const mean = new nt.metrics.MeanIoU({ numClasses: 2 });
  mean.updateState(nt.tensor([0, 0, 1, 1]), nt.tensor([0, 1, 0, 1]));
  close(await mean.resultAsync(), 0.33333334, 'MeanIoU');
  mean.resetState();
  mean.updateState(nt.tensor([0, 0, 1, 1]), nt.tensor([0, 1, 0, 1]), nt.tensor([0.3, 0.3, 0.3, 0.1]));
  close(await mean.resultAsync(), 0.23809525, 'MeanIoU weighted');

  const binary = new nt.metrics.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3 });
  binary.updateState(nt.tensor([0, 1, 0, 1]), nt.tensor([0.1, 0.2, 0.4, 0.7]));
  close(await binary.resultAsync(), 0.33333334, 'BinaryIoU');
  binary.resetState();
  binary.updateState(nt.tensor([0, 1, 0, 1]), nt.tensor([0.1, 0.2, 0.4, 0.7]), nt.tensor([0.2, 0.3, 0.4, 0.1]));
  close(await binary.resultAsync(), 0.17361112, 'BinaryIoU weighted');

  const yTrue = nt.tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]);
  const yPred = nt.tensor([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]);
  const w = nt.tensor([0.1, 0.2, 0.3, 0.4]);
  const oneHot = new nt.metrics.OneHotIoU({ numClasses: 3, targetClassIds: [0, 2] });
  oneHot.updateState(yTrue, yPred, w);
  // (0 / (0.3 + 0.6) + 0.1 / (0.7 + 0.1 − 0.1)) / 2 (the docstring rounds it to 0.071).
  close(await oneHot.resultAsync(), (0.1 / 0.7) / 2, 'OneHotIoU');
  const oneHotMean = new nt.metrics.OneHotMeanIoU({ numClasses: 3 });
  oneHotMean.updateState(yTrue, yPred, w);
  close(await oneHotMean.resultAsync(), (0.1 / 0.7) / 3, 'OneHotMeanIoU');
});

test('MeanIoU and IoU accumulate the confusion matrix over batches, leave out-of-range entries and ignoreClass out, and reset', async () => {
  const batches = (m: nt.metrics.Metric): void => {
    m.updateState(nt.tensor([0, 1, 2, 2, 1]), nt.tensor([0, 2, 2, 1, 1]));
    // The label 3 and the prediction −1 are out of range: those entries are left out.
    m.updateState(nt.tensor([2, 0, 3, 1]), nt.tensor([2, 1, 0, -1]), nt.tensor([2, 0.5, 1, 1]));
  };
  const mean = new nt.metrics.MeanIoU({ numClasses: 3 });
  batches(mean);
  // Rows are true classes, columns predicted ones.
  assert.deepEqual(Array.from(await mean.variables[0].data()), [1, 0.5, 0, 0, 1, 1, 0, 1, 3]);
  // Predicted [1, 2.5, 4], true [1.5, 2, 4], diagonal [1, 1, 3]: IoU 1/1.5, 1/3.5, 3/5.
  close(await mean.resultAsync(), (1 / 1.5 + 1 / 3.5 + 3 / 5) / 3, 'MeanIoU');
  const target = new nt.metrics.IoU({ numClasses: 3, targetClassIds: [1, 2] });
  batches(target);
  close(await target.resultAsync(), (1 / 3.5 + 3 / 5) / 2, 'IoU of classes 1 and 2');
  // With 4 classes the label 3 is in range: (3, 0) counts; class 3's IoU is 0 and class 0's becomes 1/(2 + 1.5 − 1).
  const four = new nt.metrics.MeanIoU({ numClasses: 4 });
  batches(four);
  close(await four.resultAsync(), (1 / 2.5 + 1 / 3.5 + 3 / 5 + 0) / 4, 'MeanIoU, 4 classes');
  // A class that never occurs (neither true nor predicted) is not averaged in.
  const five = new nt.metrics.MeanIoU({ numClasses: 5 });
  batches(five);
  close(await five.resultAsync(), (1 / 2.5 + 1 / 3.5 + 3 / 5 + 0) / 4, 'MeanIoU with an absent class');
  // ignoreClass 2: every entry whose label is 2 goes. Class 2 is still predicted once, so its IoU is 0 and counts.
  const ignoring = new nt.metrics.MeanIoU({ numClasses: 3, ignoreClass: 2 });
  batches(ignoring);
  assert.deepEqual(Array.from(await ignoring.variables[0].data()), [1, 0.5, 0, 0, 1, 1, 0, 0, 0]);
  close(await ignoring.resultAsync(), (1 / 1.5 + 1 / 2.5 + 0) / 3, 'ignoreClass');
  ignoring.resetState();
  assert.deepEqual(Array.from(await ignoring.variables[0].data()), new Array(9).fill(0));
  assert.equal(await ignoring.resultAsync(), 0);
  ignoring.updateState(nt.tensor([0, 1]), nt.tensor([0, 1]));
  close(await ignoring.resultAsync(), 1, 'after reset');
});

test('sparseYPred false takes the argmax of scores along axis; segmentation maps and one-hot labels', async () => {
  // [1, 2, 2] labels against [1, 2, 2, 3] scores: predictions 2 0 / 1 1.
  const yTrue = nt.tensor([[[2, 0], [1, 0]]]);
  const scores = nt.tensor([[[[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], [[0.2, 0.5, 0.3], [0.3, 0.4, 0.3]]]]);
  const m = new nt.metrics.MeanIoU({ numClasses: 3, sparseYPred: false });
  m.updateState(yTrue, scores);
  // cm: (2,2), (0,0), (1,1), (0,1) → IoU 1/2, 1/2, 1.
  close(await m.resultAsync(), (0.5 + 0.5 + 1) / 3, 'segmentation');
  // The class axis first (axis 0): the same values transposed, one-hot labels.
  const oneHotFirst = nt.transpose(nt.oneHot(nt.tensor([2, 0, 1, 0], [4], 'int32'), 3));
  const scoresFirst = nt.transpose(nt.reshape(scores, [4, 3]));
  const o = new nt.metrics.OneHotMeanIoU({ numClasses: 3, axis: 0 });
  o.updateState(oneHotFirst, scoresFirst);
  close(await o.resultAsync(), (0.5 + 0.5 + 1) / 3, 'OneHotMeanIoU axis 0');
  // OneHotIoU with sparse predictions.
  const s = new nt.metrics.OneHotIoU({ numClasses: 3, targetClassIds: [2], sparseYPred: true });
  s.updateState(nt.oneHot(nt.tensor([2, 0, 1, 0], [4], 'int32'), 3), nt.tensor([2, 0, 1, 1]));
  close(await s.resultAsync(), 1, 'OneHotIoU sparse predictions');
});

test('IoU configs round-trip through the registry with Keras\' keys; names; refusals', () => {
  const cases: nt.metrics.Metric[] = [
    new nt.metrics.IoU({ numClasses: 4, targetClassIds: [1, 3], ignoreClass: 0, sparseYPred: false, name: 'road' }),
    new nt.metrics.MeanIoU({ numClasses: 3, ignoreClass: 2 }),
    new nt.metrics.BinaryIoU({ targetClassIds: [1], threshold: 0.3 }),
    new nt.metrics.OneHotIoU({ numClasses: 3, targetClassIds: [0, 2] }),
    new nt.metrics.OneHotMeanIoU({ numClasses: 5, sparseYPred: true }),
  ];
  for (const m of cases) {
    const config = m.getConfig();
    const back = nt.metrics.getMetric({ class_name: m.getClassName(), config });
    assert.equal(back.getClassName(), m.getClassName());
    assert.deepEqual(back.getConfig(), config);
  }
  assert.deepEqual(cases[0].getConfig(), { name: 'road', dtype: 'float32', num_classes: 4, target_class_ids: [1, 3], ignore_class: 0, sparse_y_true: true, sparse_y_pred: false, axis: -1 });
  assert.deepEqual(cases[1].getConfig(), { name: 'mean_io_u', dtype: 'float32', num_classes: 3, ignore_class: 2, sparse_y_true: true, sparse_y_pred: true, axis: -1 });
  assert.deepEqual(cases[2].getConfig(), { target_class_ids: [1], threshold: 0.3, name: 'binary_io_u', dtype: 'float32' });
  assert.ok(!('sparse_y_true' in cases[3].getConfig()) && cases[3].getConfig().sparse_y_pred === false);
  assert.equal(cases[4].name, 'one_hot_mean_io_u');
  // A Keras 3 config (its dtype is 'int32') loads; its state is float32 here.
  const k3 = nt.metrics.getMetric({ class_name: 'MeanIoU', config: { name: 'miou', dtype: 'int32', num_classes: 2, ignore_class: null, sparse_y_true: true, sparse_y_pred: true, axis: -1 } });
  assert.equal(k3.name, 'miou');
  // Names: 'binary_io_u' / 'binaryIoU' make a BinaryIoU named as written.
  assert.equal(nt.metrics.getMetric('binary_io_u').getClassName(), 'BinaryIoU');
  assert.equal(nt.metrics.getMetric('BinaryIoU').name, 'binary_io_u');
  assert.throws(() => nt.metrics.getMetric('mean_io_u'), /numClasses is required/);
  assert.throws(() => new nt.metrics.IoU({ numClasses: 2, targetClassIds: [2] }), /target class id 2 is out of range, which is \[0, 2\)/);
  assert.throws(() => new nt.metrics.IoU({ numClasses: 2, targetClassIds: [] }), /targetClassIds must be a non-empty list/);
  assert.throws(() => new nt.metrics.MeanIoU({ numClasses: 0 }), /numClasses must be at least 1/);
  assert.throws(() => new nt.metrics.MeanIoU({ numClasses: 2 }).updateState(nt.tensor([0, 1, 1]), nt.tensor([0, 1])), /3 labels and 2 predictions/);
  assert.throws(() => nt.metrics.getMetric({ class_name: 'BinaryIoU', config: { num_classes: 2 } }), /unknown config key 'num_classes'/);
});

test('MeanIoU as a compiled metric: evaluate gives the IoU of the argmax predictions over all batches', async () => {
  const model = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2], kernelInitializer: 'glorot_uniform', biasInitializer: 'zeros' })]);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: [new nt.metrics.MeanIoU({ numClasses: 3, sparseYPred: false })] });
  const x = nt.tensor([[1, 0], [0, 1], [-1, -1], [0.5, 0.5], [2, -1], [-1, 2], [0.3, -0.7]]);
  const y = nt.tensor([0, 1, 2, 0, 0, 1, 2]);
  const result = (await model.evaluate(x, y, { batchSize: 3, verbose: 0 })) as number[];
  const reference = new nt.metrics.MeanIoU({ numClasses: 3, sparseYPred: false });
  reference.updateState(y, model.predict(x) as nt.Tensor);
  close(result[1], await reference.resultAsync(), 'evaluate');
});

test('metrics with several values share results()/resultsAsync()/result() (MultiResultMetric)', async () => {
  const p = new nt.metrics.Precision({ thresholds: [0.3, 0.7] });
  p.updateState(nt.tensor([1, 0, 1]), nt.tensor([0.5, 0.4, 0.9]));
  assert.ok(p instanceof nt.metrics.MultiResultMetric);
  assert.deepEqual((await p.resultsAsync()).map((v) => Math.round(v * 1e6) / 1e6), [0.666667, 1]);
  assert.throws(() => p.result(), /precision: this metric has 2 thresholds; read them with results\(\)/);
  // result() reads the state: inside readAsync it works on every backend (webgpu has no synchronous reads).
  const readAsync = <T>(m: nt.metrics.Metric, body: () => T): Promise<T> => nt.metrics.Metric.readAsync([m], body);
  const f = new nt.metrics.F1Score();
  f.updateState(nt.tensor([[1, 0], [0, 1]]), nt.tensor([[0.9, 0.1], [0.2, 0.8]]));
  assert.deepEqual((await f.resultsAsync()).map((v) => Math.round(v * 1e6) / 1e6), [1, 1]);
  await assert.rejects(readAsync(f, () => f.result()), /average null gives one score per class \(2\)/);
  const r2 = new nt.metrics.R2Score({ classAggregation: null });
  r2.updateState(nt.tensor([[1, 2], [3, 5]]), nt.tensor([[1.5, 2], [2.5, 4]]));
  await assert.rejects(readAsync(r2, () => r2.result()), /classAggregation null gives one score per output \(2\)/);
  const iou = new nt.metrics.MeanIoU({ numClasses: 2 });
  iou.updateState(nt.tensor([0, 1]), nt.tensor([0, 1]));
  assert.deepEqual(await iou.resultsAsync(), [await readAsync(iou, () => iou.result())]);
});
