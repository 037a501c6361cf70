/**
 * The text and category preprocessing layers (StringLookup, IntegerLookup, TextVectorization,
 * Hashing) and string tensors. Expected values are the outputs printed in Keras' own
 * docstrings (computed there by TensorFlow) or computed by hand from Keras' formulas; the
 * layers' state survives save/load in a model that takes raw strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readZip, writeZip } from '../src/io/zip.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';

const s = nt.stringTensor;
const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
};

test('StringLookup: Keras docstring examples (given and adapted vocabulary, several OOV slots, one_hot/multi_hot/count/tf_idf, invert)', async () => {
  const data = s([['a', 'c', 'd'], ['d', 'z', 'b']]);
  const given = new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'] });
  const ids = given.apply(data);
  assert.equal(ids.dtype, 'int32');
  assert.deepEqual(ids.shape, [2, 3]);
  assert.deepEqual(await values(ids), [1, 3, 4, 4, 0, 2]);

  // Adapted: by frequency, ties by the token descending.
  const adapted = new nt.StringLookup();
  await adapted.adapt(data);
  assert.deepEqual(adapted.getVocabulary(), ['[UNK]', 'd', 'z', 'c', 'b', 'a']);
  assert.equal(adapted.vocabularySize(), 6);
  assert.deepEqual(await values(adapted.apply(data)), [5, 3, 1, 1, 2, 4]);

  // Two OOV slots: FarmHash64 mod 2 puts 'm' in 0 and 'z' in 1.
  const twoOov = new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'], numOovIndices: 2 });
  assert.deepEqual(await values(twoOov.apply(s([['a', 'c', 'd'], ['m', 'z', 'b']]))), [2, 4, 5, 0, 1, 3]);

  const oneHot = new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'], outputMode: 'one_hot' }).apply(s(['a', 'b', 'c', 'd', 'z']));
  assert.deepEqual(oneHot.shape, [5, 5]);
  assert.deepEqual(await values(oneHot), [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
  const rows = s([['a', 'c', 'd', 'd'], ['d', 'z', 'b', 'z']]);
  assert.deepEqual(await values(new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'], outputMode: 'multi_hot' }).apply(rows)), [0, 1, 0, 1, 1, 1, 0, 1, 0, 1]);
  assert.deepEqual(await values(new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'], outputMode: 'count' }).apply(rows)), [0, 1, 0, 1, 2, 2, 0, 1, 0, 1]);

  // tf_idf: the OOV slot gets the mean idf, unless the vocabulary is given with it.
  const tfidf = new nt.StringLookup({ outputMode: 'tf_idf' });
  tfidf.setVocabulary(['a', 'b', 'c', 'd'], [0.25, 0.75, 0.6, 0.4]);
  near(await tfidf.apply(rows).data(), [0, 0.25, 0, 0.6, 0.8, 1.0, 0, 0.75, 0, 0.4], 1e-6, 'tf_idf');
  const withOov = new nt.StringLookup({ outputMode: 'tf_idf' });
  withOov.setVocabulary(['[UNK]', 'a', 'b', 'c', 'd'], [0.9, 0.25, 0.75, 0.6, 0.4]);
  near(await withOov.apply(rows).data(), [0, 0.25, 0, 0.6, 0.8, 1.8, 0, 0.75, 0, 0.4], 1e-6, 'tf_idf with the OOV weight');

  // invert: indices back to strings.
  const inverse = new nt.StringLookup({ vocabulary: ['a', 'b', 'c', 'd'], invert: true }).apply(nt.tensor([[1, 3, 4], [4, 0, 2]], undefined, 'int32')) as unknown as nt.StringTensor;
  assert.ok(inverse instanceof nt.StringTensor);
  assert.deepEqual(inverse.toArray(), [['a', 'c', 'd'], ['d', '[UNK]', 'b']]);

  // A mask token takes index 0 in int mode and is dropped from the vector modes.
  const masked = new nt.StringLookup({ vocabulary: ['a', 'b'], maskToken: '' });
  assert.deepEqual(masked.getVocabulary(), ['', '[UNK]', 'a', 'b']);
  assert.deepEqual(await values(masked.apply(s(['b', '', 'q']))), [3, 0, 1]);
  assert.deepEqual(await values(new nt.StringLookup({ vocabulary: ['a', 'b'], maskToken: '', outputMode: 'multi_hot' }).apply(s([['a', '']]))), [0, 1, 0]);
});

test('StringLookup/IntegerLookup: tf_idf adapt uses ln(1 + documents / (1 + document count)); maxTokens caps the learned tokens; bad arguments are named', async () => {
  const docs = s([['x', 'y', 'x'], ['y', 'z', 'z'], ['x', 'w', 'w']]);
  const layer = new nt.StringLookup({ outputMode: 'tf_idf' });
  await layer.adapt(docs);
  // counts: x 3, w 2, y 2, z 2 → x, then ties descending: z, y, w.
  assert.deepEqual(layer.getVocabulary(), ['[UNK]', 'x', 'z', 'y', 'w']);
  const idf = (df: number): number => Math.log(1 + 3 / (1 + df));
  const tokenIdf = [idf(2), idf(1), idf(2), idf(1)];
  const mean = tokenIdf.reduce((a, b) => a + b) / 4;
  near(await layer.apply(s([['x', 'x', 'q', 'w']])).data(), [mean, 2 * tokenIdf[0], 0, 0, tokenIdf[3]], 1e-6, 'tf_idf adapted');

  const capped = new nt.StringLookup({ maxTokens: 3 });
  await capped.adapt(docs);
  assert.deepEqual(capped.getVocabulary(), ['[UNK]', 'x', 'z']);

  // IntegerLookup: Keras' docstring vocabulary; floormod OOV slots for integers.
  const ints = new nt.IntegerLookup({ vocabulary: [12, 36, 1138, 42] });
  assert.deepEqual(await values(ints.apply(nt.tensor([[12, 1138, 42], [42, 1000, 36]], undefined, 'int32'))), [1, 3, 4, 4, 0, 2]);
  const oov2 = new nt.IntegerLookup({ vocabulary: [12, 36, 1138, 42], numOovIndices: 2 });
  assert.deepEqual(await values(oov2.apply(nt.tensor([1000, 1001, 12], undefined, 'int32'))), [0, 1, 2]);
  const adaptedInts = new nt.IntegerLookup();
  await adaptedInts.adapt(nt.tensor([[12, 1138, 42], [42, 1000, 36]], undefined, 'int32'));
  assert.deepEqual(adaptedInts.getVocabulary(), [-1, 42, 1138, 1000, 36, 12]);
  const invertInts = new nt.IntegerLookup({ vocabulary: [12, 36, 1138, 42], invert: true });
  assert.deepEqual(await values(invertInts.apply(nt.tensor([1, 3, 0], undefined, 'int32'))), [12, 1138, -1]);

  assert.throws(() => new nt.StringLookup({ vocabulary: ['a', 'b', 'a'] }), /repeats \["a"\]/);
  assert.throws(() => new nt.StringLookup({ outputMode: 'tf_idf', vocabulary: ['a'] }), /idfWeights/);
  assert.throws(() => new nt.StringLookup({ outputMode: 'bogus' as 'int' }), /outputMode must be one of/);
  assert.throws(() => new nt.StringLookup({ vocabulary: ['a'], numOovIndices: 0 }).apply(s(['b'])), /not in the vocabulary and numOovIndices is 0/);
  assert.throws(() => new nt.StringLookup().apply(s(['b'])), /adapt/);
  assert.throws(() => new nt.StringLookup({ vocabulary: ['a'] }).apply(nt.tensor([1])), /expected strings/);
});

test('TextVectorization: Keras docstring examples; standardize, split, ngrams, multi_hot/count/tf_idf by hand', async () => {
  const v = new nt.TextVectorization({ maxTokens: 5000, outputMode: 'int', outputSequenceLength: 4 });
  await v.adapt(s(['foo bar', 'bar baz', 'baz bada boom']));
  const out = v.apply(s([['foo qux bar'], ['qux baz']]));
  assert.equal(out.dtype, 'int32');
  assert.deepEqual(out.shape, [2, 4]);
  assert.deepEqual(await values(out), [4, 1, 3, 0, 1, 2, 0, 0]);
  const given = new nt.TextVectorization({ maxTokens: 5000, outputSequenceLength: 4, vocabulary: ['earth', 'wind', 'and', 'fire'] });
  assert.deepEqual(given.getVocabulary(), ['', '[UNK]', 'earth', 'wind', 'and', 'fire']);

  // lower_and_strip_punctuation lowercases ASCII and removes Keras' punctuation set; whitespace runs split.
  assert.deepEqual(v.tokenize("  Hello,   WORLD! It's  e.g. 3.5%  "), ['hello', 'world', 'its', 'eg', '35']);
  const chars = new nt.TextVectorization({ split: 'character', standardize: null });
  assert.deepEqual(chars.tokenize('aB c'), ['a', 'B', ' ', 'c']);
  const bigrams = new nt.TextVectorization({ ngrams: 2 });
  assert.deepEqual(bigrams.tokenize('the cat sat'), ['the', 'cat', 'sat', 'the cat', 'cat sat']);
  const onlyBigrams = new nt.TextVectorization({ ngrams: [2] });
  assert.deepEqual(onlyBigrams.tokenize('the cat sat'), ['the cat', 'cat sat']);

  // Without outputSequenceLength, int output pads to the longest row of the batch.
  const free = new nt.TextVectorization({ vocabulary: ['bar', 'baz', 'foo'] });
  const padded = free.apply(s(['bar', 'baz bar foo']));
  assert.deepEqual(padded.shape, [2, 3]);
  assert.deepEqual(await values(padded), [2, 0, 0, 3, 2, 4]);

  // multi_hot / count / tf_idf over the vocabulary ['', '[UNK]', ...]: the mask '' slot stays 0.
  const docs = s(['a b b', 'b c', 'c c c']);
  const count = new nt.TextVectorization({ outputMode: 'count' });
  await count.adapt(docs);
  assert.deepEqual(count.getVocabulary(), ['[UNK]', 'c', 'b', 'a']);
  assert.deepEqual(await values(count.apply(s(['b b x', 'a']))), [1, 0, 2, 0, 0, 0, 0, 1]);
  const hot = new nt.TextVectorization({ outputMode: 'multi_hot', maxTokens: 6, padToMaxTokens: true });
  await hot.adapt(docs);
  assert.deepEqual(await values(hot.apply(s(['b b x']))), [1, 0, 1, 0, 0, 0]);
  const tfidf = new nt.TextVectorization({ outputMode: 'tf_idf' });
  await tfidf.adapt(docs);
  const idf = (df: number): number => Math.log(1 + 3 / (1 + df));
  const w = [idf(2), idf(2), idf(1)]; // c, b, a
  const mean = (w[0] + w[1] + w[2]) / 3;
  near(await tfidf.apply(s(['b b x'])).data(), [mean, 0, 2 * w[1], 0], 1e-6, 'tf_idf');

  assert.throws(() => new nt.TextVectorization({ outputMode: 'count', outputSequenceLength: 3 }), /outputSequenceLength is only for outputMode 'int'/);
  assert.throws(() => new nt.TextVectorization({ standardize: 'upper' as 'lower' }), /standardize must be/);
  assert.throws(() => v.apply(s([['a', 'b']])), /\[batch\] or \[batch, 1\]/);
});

test('Hashing: Keras docstring values (FarmHash64, with a mask, SipHash with salt); integers hash as decimal text; vector modes', async () => {
  const inp = s([['A'], ['B'], ['C'], ['D'], ['E']]);
  assert.deepEqual(await values(new nt.Hashing({ numBins: 3 }).apply(inp)), [1, 0, 1, 1, 2]);
  assert.deepEqual(await values(new nt.Hashing({ numBins: 3, maskValue: '' }).apply(s([['A'], ['B'], [''], ['C'], ['D']]))), [1, 1, 0, 2, 2]);
  assert.deepEqual(await values(new nt.Hashing({ numBins: 3, salt: [133, 137] }).apply(inp)), [1, 2, 1, 0, 2]);
  assert.deepEqual(await values(new nt.Hashing({ numBins: 3, salt: 133 }).apply(inp)), [0, 0, 2, 1, 0]);
  // Integers: the hash of their decimal text (tf.as_string); floats truncated first.
  const h = new nt.Hashing({ numBins: 7 });
  const fromInts = await values(h.apply(nt.tensor([12, -3, 40], undefined, 'int32')));
  assert.deepEqual(fromInts, await values(h.apply(s(['12', '-3', '40']))));
  assert.deepEqual(await values(h.apply(nt.tensor([12.9, -3.5, 40.2]))), fromInts);
  const counts = new nt.Hashing({ numBins: 3, outputMode: 'count' }).apply(s([['A', 'B', 'C', 'E']]));
  assert.deepEqual(counts.shape, [1, 3]);
  assert.deepEqual(await values(counts), [1, 2, 1]);
  assert.deepEqual(await values(new nt.Hashing({ numBins: 3, outputMode: 'one_hot' }).apply(s([['E']]))), [0, 0, 1]);
  assert.throws(() => new nt.Hashing({ numBins: 0 }), /numBins/);
  assert.throws(() => new nt.Hashing({ numBins: 2, salt: [1] as unknown as number }), /salt/);
});

test('string tensors: nested arrays in, rows out; a numeric op or layer that gets one says so', () => {
  const t = s([['a', 'b'], ['c', 'd'], ['e', 'f']]);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(t.takeRows([2, 0]).toArray(), [['e', 'f'], ['a', 'b']]);
  assert.deepEqual(t.sliceRows(1, 2).toArray(), [['c', 'd']]);
  assert.throws(() => s([['a'], ['b', 'c']]), /ragged/);
  assert.throws(() => nt.add(t as unknown as Tensor, 1), /string tensor; strings stay in data and preprocessing/);
  assert.throws(() => new nt.Dense({ units: 2 }).apply(s([['a', 'b']])), /string tensor/);
});

test('a model that takes raw strings: TextVectorization → Embedding → pooling → Dense trains with fit and survives .keras, .h5, the native file and the tfjs format', async () => {
  const texts = ['good great fine', 'great good', 'bad awful', 'awful bad poor', 'good fine', 'poor bad'];
  const labels = nt.tensor([1, 1, 0, 0, 1, 0]);
  const vec = new nt.TextVectorization({ outputSequenceLength: 4 });
  await vec.adapt(s(texts));
  const input = nt.Input({ shape: [], dtype: 'string', name: 'text' });
  let x = vec.apply(input);
  x = new nt.Embedding({ inputDim: vec.vocabularySize(), outputDim: 4, maskZero: true }).apply(x);
  x = new nt.GlobalAveragePooling1D().apply(x);
  const model = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 1, activation: 'sigmoid' }).apply(x) });
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(s(texts), labels, { epochs: 30, batchSize: 3, verbose: 0 });
  const loss = history.history.loss as number[];
  assert.ok(loss[loss.length - 1] < loss[0] * 0.5, `loss fell: ${loss[0]} → ${loss[loss.length - 1]}`);
  const probe = s(['good great', 'awful poor', 'unknown words']);
  const want = await values(model.predict(probe) as Tensor);
  assert.ok(want[0] > 0.5 && want[1] < 0.5, `predictions ${want}`);
  const dir = mkdtempSync(join(tmpdir(), 'neurite-text-'));
  try {
    for (const file of ['m.keras', 'm.h5', 'm.nw']) {
      await model.save(join(dir, file));
      const back = await nt.loadModel(join(dir, file));
      near(await (back.predict(probe) as Tensor).data(), want, 1e-6, file);
      const layer = back.layers.find((l) => l instanceof nt.TextVectorization) as nt.TextVectorization;
      assert.deepEqual(layer.getVocabulary(), vec.getVocabulary(), `${file}: vocabulary`);
    }
    // TensorFlow.js' layers format (model.json + shards) keeps the config, vocabulary included.
    await model.save(join(dir, 'tfjs'), { format: 'tfjs' });
    const fromTfjs = await nt.loadModel(join(dir, 'tfjs', 'model.json'));
    near(await (fromTfjs.predict(probe) as Tensor).data(), want, 1e-6, 'tfjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Datasets carry strings: slices of a StringTensor, batches of strings, map through TextVectorization into fit', async () => {
  const texts = ['a b', 'b c', 'c d', 'd e', 'e f'];
  const ds = nt.data.Dataset.fromTensorSlices([nt.stringTensor(texts), nt.tensor([0, 1, 0, 1, 0])]);
  const first = (await ds.take(1).toArray())[0] as [string, Tensor];
  assert.equal(first[0], 'a b');
  const batches = await ds.batch(2).toArray();
  const b0 = batches[0] as [nt.StringTensor, Tensor];
  assert.ok(b0[0] instanceof nt.StringTensor);
  assert.deepEqual(b0[0].toArray(), ['a b', 'b c']);
  assert.equal(batches.length, 3);
  const vec = new nt.TextVectorization({ outputSequenceLength: 2 });
  await vec.adapt(ds.map((e) => (e as [string, Tensor])[0]).batch(2));
  assert.equal(vec.vocabularySize(), 8);
  const model = new nt.Sequential([new nt.Embedding({ inputDim: 8, outputDim: 2 }), new nt.Flatten(), new nt.Dense({ units: 1, activation: 'sigmoid' })]);
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const mapped = ds.batch(2).map((e) => { const [x, y] = e as [nt.StringTensor, Tensor]; return [vec.apply(x), y] as [Tensor, Tensor]; });
  const h = await model.fit(mapped, { epochs: 2, verbose: 0 });
  assert.equal((h.history.loss as number[]).length, 2);
  assert.deepEqual((await ds.batch(5).unbatch().toArray()).map((e) => (e as [string, Tensor])[0]), texts);
});

test('a Keras 3 .keras file whose adapted TextVectorization keeps its vocabulary as assets/layers/<key>/vocabulary.txt loads it', async () => {
  const vec = new nt.TextVectorization({ outputSequenceLength: 3 });
  await vec.adapt(s(['red green', 'green blue', 'green']));
  const input = nt.Input({ shape: [], dtype: 'string' });
  const model = new nt.Model({ inputs: input, outputs: vec.apply(input) });
  const want = await values(model.predict(s(['blue green red', 'pink'])) as Tensor);
  const dir = mkdtempSync(join(tmpdir(), 'neurite-text-assets-'));
  try {
    const file = join(dir, 'm.keras');
    await model.save(file);
    // Rewritten as Keras 3 writes an adapted layer: no vocabulary in the config, the asset file instead.
    const files = await readZip(new Uint8Array(readFileSync(file)), file);
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const layer = config.config.layers.find((l) => l.class_name === 'TextVectorization') as { config: Record<string, unknown> };
    layer.config.vocabulary = null;
    files.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
    files.set('assets/layers/text_vectorization/vocabulary.txt', new TextEncoder().encode(vec.getVocabulary().join('\n')));
    writeFileSync(file, writeZip([...files].map(([name, data]) => ({ name, data }))));
    const back = await nt.loadModel(file);
    assert.deepEqual(await values(back.predict(s(['blue green red', 'pink'])) as Tensor), want);
    assert.deepEqual((back.layers[1] as nt.TextVectorization).getVocabulary(), ['', '[UNK]', 'green', 'red', 'blue']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
