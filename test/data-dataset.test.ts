/**
 * nt.data.Dataset against tf.data's documented semantics, with @tensorflow/tfjs-data as the
 * oracle where its behaviour is deterministic (batch, repeat, take, skip, filter, zip, map):
 *  - batch order, the smaller last batch and dropRemainder; repeat before batch straddles
 *    passes;
 *  - shuffle's buffer: a buffer of 1 keeps the order, output j comes from the first
 *    j + bufferSize inputs, a full buffer reaches every permutation position, a seed repeats
 *    the order, reshuffleEachIteration draws a new one per pass;
 *  - map with parallel calls keeps the order; cache runs the work before it once; prefetch
 *    reads ahead; paddedBatch and unbatch;
 *  - fit, evaluate and predict on a Dataset equal the same on arrays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { Dataset } = nt.data;

/** Every element of one pass as nested plain numbers. */
async function values(ds: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  const plain = (v: unknown): unknown => (v instanceof nt.Tensor ? (v.rank === 0 ? v.dataSync()[0] : v.toArray()) : Array.isArray(v) ? v.map(plain) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);
  for await (const e of ds) out.push(plain(e));
  return out;
}

async function tfValues(ds: tf.data.Dataset<tf.TensorContainer>): Promise<unknown[]> {
  const out: unknown[] = [];
  await ds.forEachAsync((e) => {
    const plain = (v: unknown): unknown => (v instanceof tf.Tensor ? (v.rank === 0 ? v.dataSync()[0] : v.arraySync()) : Array.isArray(v) ? v.map(plain) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);
    out.push(plain(e));
  });
  return out;
}

const ints = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('batch, repeat, take, skip, filter, map and zip give what tf.data (tfjs-data) gives', async () => {
  const cases: [string, nt.data.Dataset<unknown>, tf.data.Dataset<tf.TensorContainer>][] = [
    ['batch(3)', Dataset.range(10).batch(3), tf.data.array(ints(10)).batch(3)],
    ['repeat(2).batch(3): batches straddle passes', Dataset.range(4).repeat(2).batch(3), tf.data.array(ints(4)).repeat(2).batch(3)],
    ['batch(3).repeat(2)', Dataset.range(4).batch(3).repeat(2), tf.data.array(ints(4)).batch(3).repeat(2)],
    ['skip(2).take(5)', Dataset.range(10).skip(2).take(5), tf.data.array(ints(10)).skip(2).take(5)],
    ['take past the end', Dataset.range(3).take(10), tf.data.array(ints(3)).take(10)],
    ['filter(odd).map(×10)', Dataset.range(10).filter((t) => t.dataSync()[0] % 2 === 1).map((t) => nt.mul(t, 10)), tf.data.array(ints(10)).filter((t) => (t as number) % 2 === 1).map((t) => (t as number) * 10)],
    ['repeat() then take(7)', Dataset.range(3).repeat().take(7), tf.data.array(ints(3)).repeat().take(7)],
  ];
  for (const [label, ours, theirs] of cases) assert.deepEqual(await values(ours), await tfValues(theirs), label);
  // zip of a list and of an object: until the shortest ends.
  const zipped = Dataset.zip([Dataset.range(5), Dataset.range(10, 13)]);
  assert.deepEqual(await values(zipped), [[0, 10], [1, 11], [2, 12]]);
  assert.equal(zipped.cardinality, 3);
  const named = Dataset.zip({ a: Dataset.range(2), b: Dataset.range(5, 7) });
  assert.deepEqual(await values(named), [{ a: 0, b: 5 }, { a: 1, b: 6 }]);
});

test('batch: the last batch is smaller, or dropped with dropRemainder; structures batch leaf by leaf', async () => {
  const x = nt.tensor(ints(14), [7, 2]);
  const y = nt.tensor([0, 1, 0, 1, 1, 0, 1], [7], 'int32');
  const ds = Dataset.fromTensorSlices([x, y]);
  assert.equal(ds.cardinality, 7);
  const batches = (await ds.batch(3).toArray()) as unknown as Tensor[][];
  assert.deepEqual(batches.map((b) => b.map((t) => t.shape)), [[[3, 2], [3]], [[3, 2], [3]], [[1, 2], [1]]]);
  assert.deepEqual(await values(ds.batch(3, { dropRemainder: true }).map((b) => (b as Tensor[])[1])), [[0, 1, 0], [1, 1, 0]]);
  assert.equal(ds.batch(3).cardinality, 3);
  assert.equal(ds.batch(3, { dropRemainder: true }).cardinality, 2);
  // Known ahead, as tf.data's element_spec: the batch axis is None unless dropRemainder fixes it.
  assert.deepEqual(await ds.batch(3).elementSpec(), [{ shape: [null, 2], dtype: 'float32' }, { shape: [null], dtype: 'int32' }]);
  assert.deepEqual(await ds.shuffle(4, { seed: 1 }).batch(3, { dropRemainder: true }).prefetch().elementSpec(), [{ shape: [3, 2], dtype: 'float32' }, { shape: [3], dtype: 'int32' }]);
  assert.deepEqual(await ds.batch(3).unbatch().elementSpec(), [{ shape: [2], dtype: 'float32' }, { shape: [], dtype: 'int32' }]);
  // After map the spec comes from the first element (its batch of 3).
  assert.deepEqual(await ds.batch(3).map((e) => e).elementSpec(), [{ shape: [3, 2], dtype: 'float32' }, { shape: [3], dtype: 'int32' }]);
  // Objects and numbers.
  const objects = Dataset.from([{ a: 1, b: nt.tensor([1, 2]) }, { a: 2, b: nt.tensor([3, 4]) }]).batch(2);
  assert.deepEqual(await values(objects), [{ a: [1, 2], b: [[1, 2], [3, 4]] }]);
  await assert.rejects(Dataset.from([nt.zeros([2]), nt.zeros([3])]).batch(2).toArray(), /different shapes \[2\] and \[3\] cannot be stacked; use paddedBatch/);
});

test('shuffle follows tf.data\'s buffer: order kept with a buffer of 1, output j among the first j + bufferSize inputs, a full buffer reaches every position', async () => {
  const n = 20;
  const once = async (bufferSize: number, seed: number): Promise<number[]> => (await values(Dataset.range(n).shuffle(bufferSize, { seed }))) as number[];
  assert.deepEqual(await once(1, 3), ints(n));
  const firstPositions = new Set<number>();
  for (let seed = 0; seed < 60; seed++) {
    const k = 4;
    const order = await once(k, seed);
    assert.deepEqual([...order].sort((a, b) => a - b), ints(n), 'a permutation');
    order.forEach((v, j) => assert.ok(v < j + k, `seed ${seed}: output ${j} is input ${v}, beyond the first ${j + k}`));
    firstPositions.add((await once(n, seed))[0]);
  }
  assert.ok(firstPositions.size >= 15, `a full buffer draws the first output from everywhere (${firstPositions.size} of ${n} inputs seen first in 60 seeds)`);
  // The same seed gives the same order; each pass reshuffles unless told not to.
  assert.deepEqual(await once(8, 5), await once(8, 5));
  const re = Dataset.range(n).shuffle(n, { seed: 9 });
  const [p1, p2] = [await values(re), await values(re)];
  assert.notDeepEqual(p1, p2, 'reshuffleEachIteration (default): a new order per pass');
  const fixed = Dataset.range(n).shuffle(n, { seed: 9, reshuffleEachIteration: false });
  assert.deepEqual(await values(fixed), await values(fixed));
});

test('map with parallel calls keeps the order; cache runs the work once; prefetch reads ahead', async () => {
  const delays = [30, 5, 20, 1, 15, 2];
  let inFlight = 0;
  let maxInFlight = 0;
  const slow = Dataset.range(6).map(
    async (t) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, delays[t.dataSync()[0]]));
      inFlight--;
      return nt.mul(t, 2);
    },
    { numParallelCalls: 3 },
  );
  assert.deepEqual(await values(slow), [0, 2, 4, 6, 8, 10]);
  assert.equal(maxInFlight, 3);

  let calls = 0;
  const cached = Dataset.range(5).map((t) => {
    calls++;
    return t;
  }).cache();
  assert.deepEqual(await values(cached), ints(5));
  assert.deepEqual(await values(cached), ints(5));
  assert.equal(calls, 5, 'the map ran on the first pass only');

  let pulled = 0;
  const source = Dataset.fromGenerator(function* () {
    for (let i = 0; i < 10; i++) {
      pulled++;
      yield i;
    }
  }).prefetch(3);
  const it = source[Symbol.asyncIterator]();
  assert.equal((await it.next()).value, 0);
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(pulled >= 4, `3 elements read ahead of the one taken (pulled ${pulled})`);
  assert.deepEqual((await values(source)) as number[], ints(10));
});

test('paddedBatch pads sequences to the longest in the batch; unbatch undoes batch', async () => {
  const seqs = Dataset.from([nt.tensor([1, 2, 3]), nt.tensor([4]), nt.tensor([5, 6])]);
  assert.deepEqual(await values(seqs.paddedBatch(2)), [[[1, 2, 3], [4, 0, 0]], [[5, 6]]]);
  assert.deepEqual(await values(seqs.paddedBatch(3, { paddingValue: -1 })), [[[1, 2, 3], [4, -1, -1], [5, 6, -1]]]);
  const x = nt.tensor(ints(12), [6, 2]);
  assert.deepEqual(await values(Dataset.fromTensorSlices(x).batch(4).unbatch()), (x.toArray() as number[][]));
});

test('fit, evaluate and predict on a Dataset equal the same on arrays', async () => {
  const build = (): nt.Model => {
    nt.setSeed(7);
    const m = new nt.Sequential([new nt.Dense({ inputShape: [3], units: 5, activation: 'tanh' }), new nt.Dense({ units: 1 })]);
    m.compile({ optimizer: new nt.SGD({ learningRate: 0.1 }), loss: 'mse' });
    return m;
  };
  const x = nt.randomNormal([20, 3], { seed: 8 });
  const y = nt.randomNormal([20, 1], { seed: 9 });
  const onArrays = build();
  const onDataset = build();
  await onArrays.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
  const ds = Dataset.fromTensorSlices([x, y]).batch(8).prefetch(2);
  const history = await onDataset.fit(ds, { epochs: 3, verbose: 0 });
  assert.equal((history.history.loss as number[]).length, 3);
  for (const [i, w] of onArrays.getWeights().entries()) assert.deepEqual(Array.from(onDataset.getWeights()[i].dataSync()), Array.from(w.dataSync()), `weight ${i}`);
  assert.equal(await onDataset.evaluate(ds, { verbose: 0 }), await onArrays.evaluate(x, y, { batchSize: 8, verbose: 0 }));
  const fromDataset = (await onDataset.predict(Dataset.fromTensorSlices(x).batch(6))) as Tensor;
  assert.deepEqual(Array.from(fromDataset.dataSync()), Array.from((onArrays.predict(x) as Tensor).dataSync()));
  // [x, y] batches work for predict too (the targets are ignored); a shuffled, repeated pipeline trains with stepsPerEpoch.
  assert.deepEqual(((await onDataset.predict(ds)) as Tensor).shape, [20, 1]);
  await onDataset.fit(Dataset.fromTensorSlices([x, y]).shuffle(20, { seed: 1 }).batch(5).repeat(), { epochs: 2, stepsPerEpoch: 4, verbose: 0 });
});

test('clear errors for bad arguments and mismatched slices', () => {
  assert.throws(() => Dataset.range(3).batch(0), /batchSize must be a positive integer; got 0/);
  assert.throws(() => Dataset.range(3).shuffle(0), /bufferSize must be a positive integer/);
  assert.throws(() => Dataset.fromTensorSlices([nt.zeros([3]), nt.zeros([4])]), /\[1\] have 4 rows where others have 3/);
  assert.throws(() => Dataset.fromTensorSlices(nt.scalar(1)), /is a scalar; it needs a first axis/);
  assert.rejects(Dataset.range(2).repeat().toArray(), /infinite/);
});

test('fromTensorSlices → shuffle/take/skip → batch gathers by index with exactly the order and batches of the element-by-element path', async () => {
  const x = nt.tensor(Array.from({ length: 23 * 3 }, (_, i) => i), [23, 3]);
  const y = nt.tensor(Array.from({ length: 23 }, (_, i) => i), [23], 'int32');
  const text = nt.stringTensor(Array.from({ length: 23 }, (_, i) => `t${i}`));
  const rows = async (ds: nt.data.Dataset<unknown>): Promise<unknown[]> =>
    (await ds.toArray()).map((b) => (b as [Tensor, Tensor, nt.StringTensor]).map((t) => (t instanceof nt.StringTensor ? t.toArray() : [t.shape, Array.from(t.dataSync())])));
  for (const [bufferSize, reshuffle] of [[5, true], [23, false], [1, true]] as const) {
    const fast = nt.data.Dataset.fromTensorSlices([x, y, text]).skip(2).shuffle(bufferSize, { seed: 7, reshuffleEachIteration: reshuffle }).take(19).batch(4, { dropRemainder: bufferSize === 1 });
    // map() hides the row indices: the same pipeline element by element.
    const slow = nt.data.Dataset.fromTensorSlices([x, y, text]).map((e) => e).skip(2).shuffle(bufferSize, { seed: 7, reshuffleEachIteration: reshuffle }).take(19).batch(4, { dropRemainder: bufferSize === 1 });
    assert.equal(fast.cardinality, slow.cardinality);
    for (let pass = 0; pass < 2; pass++) assert.deepEqual(await rows(fast), await rows(slow), `buffer ${bufferSize}, pass ${pass}`);
  }
});

test('shard(n, i) keeps every n-th element from i (tf.data), before or after a shuffle by index; bad arguments are named', async () => {
  const values = async (ds: nt.data.Dataset<unknown>): Promise<number[]> => (await ds.toArray()).map((t) => (t as Tensor).dataSync()[0]);
  assert.deepEqual(await values(nt.data.Dataset.range(10).shard(3, 1)), [1, 4, 7]);
  assert.equal(nt.data.Dataset.range(10).shard(3, 1).cardinality, 3);
  assert.equal(nt.data.Dataset.range(10).shard(3, 0).cardinality, 4);
  const x = nt.tensor(Array.from({ length: 10 }, (_, i) => i), [10]);
  assert.deepEqual(await values(nt.data.Dataset.fromTensorSlices(x).shard(4, 3)), [3, 7]);
  // The shards of a data set partition it.
  const all = (await Promise.all([0, 1, 2].map((i) => values(nt.data.Dataset.fromTensorSlices(x).shard(3, i))))).flat().sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => nt.data.Dataset.range(4).shard(0, 0), /numShards must be a positive integer/);
  assert.throws(() => nt.data.Dataset.range(4).shard(2, 2), /index must be an integer in \[0, 2\)/);
});
