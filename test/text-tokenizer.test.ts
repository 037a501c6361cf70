/**
 * keras.preprocessing.text: textToWordSequence and Tokenizer. Expected values are worked
 * out by hand from Keras' rules (counted words, index order, the tfidf formula); the JSON
 * fixture is the string Keras' own Tokenizer.to_json writes for the same texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

const close = (actual: nt.Tensor, expected: number[][], what = ''): void => {
  assert.deepEqual(actual.shape, [expected.length, expected[0].length]);
  const got = actual.toArray() as number[][];
  got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= 1e-5, `${what} [${i}][${j}]: ${v} vs ${expected[i][j]}`)));
};

test('textToWordSequence: lowercases, turns filter characters into the separator, drops empty words', () => {
  assert.deepEqual(nt.textToWordSequence('The cat, the HAT!'), ['the', 'cat', 'the', 'hat']);
  assert.deepEqual(nt.textToWordSequence("It's fine\tnow\nok"), ["it's", 'fine', 'now', 'ok'], "the apostrophe is not a default filter; tab and newline are");
  assert.deepEqual(nt.textToWordSequence('Hello World', { lower: false }), ['Hello', 'World']);
  assert.deepEqual(nt.textToWordSequence('a,b,,c', { split: ',', filters: '' }), ['a', 'b', 'c']);
  assert.deepEqual(nt.textToWordSequence('a-b c', { filters: '-' }), ['a', 'b', 'c']);
  assert.deepEqual(nt.textToWordSequence('a\rb c'), ['a\rb', 'c'], 'only the separator splits: \\r is neither a filter nor the separator');
  assert.deepEqual(nt.textToWordSequence('x]y^z\\w'), ['x', 'y', 'z', 'w'], 'regular-expression characters among the filters');
  assert.throws(() => nt.textToWordSequence('a', { split: '' }), /split must be a non-empty string/);
});

test('fitOnTexts: index by descending count, ties in order of first appearance, 0 reserved', () => {
  const t = new nt.Tokenizer();
  t.fitOnTexts(['The cat sat on the mat.', 'The dog ate my homework!', 'the cat']);
  assert.deepEqual([...t.wordIndex], [['the', 1], ['cat', 2], ['sat', 3], ['on', 4], ['mat', 5], ['dog', 6], ['ate', 7], ['my', 8], ['homework', 9]]);
  assert.deepEqual([...t.indexWord].slice(0, 3), [[1, 'the'], [2, 'cat'], [3, 'sat']]);
  assert.deepEqual([...t.wordCounts].slice(0, 4), [['the', 4], ['cat', 2], ['sat', 1], ['on', 1]]);
  assert.equal(t.documentCount, 3);
  assert.equal(t.wordDocs.get('the'), 3);
  assert.equal(t.wordDocs.get('cat'), 2);
  assert.equal(t.indexDocs.get(1), 3);
  assert.deepEqual(t.textsToSequences(['The cat ate a fish']), [[1, 2, 7]], 'unknown words are dropped without an oov token');

  const ties = new nt.Tokenizer();
  ties.fitOnTexts(['b a', 'a b c']);
  assert.deepEqual([...ties.wordIndex], [['b', 1], ['a', 2], ['c', 3]], 'a and b both occur twice: b was seen first');
  ties.fitOnTexts(['c c']);
  assert.deepEqual([...ties.wordIndex], [['c', 1], ['b', 2], ['a', 3]], 'fitting more texts adds to the counts and re-sorts');
  assert.equal(ties.documentCount, 3);
});

test('numWords keeps ids below it; the oov token is index 1 and stands for unknown and cut words', () => {
  const texts = ['the cat sat on the mat', 'the dog'];
  const plain = new nt.Tokenizer({ numWords: 3 });
  plain.fitOnTexts(texts);
  assert.equal(plain.wordIndex.size, 6, 'the vocabulary keeps every word; numWords acts on use');
  assert.deepEqual(plain.textsToSequences(['the cat sat on the mat zebra']), [[1, 2, 1]]);

  const oov = new nt.Tokenizer({ numWords: 3, oovToken: '<OOV>' });
  oov.fitOnTexts(texts);
  assert.deepEqual([...oov.wordIndex].slice(0, 3), [['<OOV>', 1], ['the', 2], ['cat', 3]]);
  assert.deepEqual(oov.textsToSequences(['the cat sat zebra the']), [[2, 1, 1, 1, 2]]);
  assert.deepEqual(oov.sequencesToTexts([[2, 3, 0, 99]]), ['the <OOV> <OOV> <OOV>'], 'cut, reserved and unknown ids all read as the oov token');

  const all = new nt.Tokenizer();
  all.fitOnTexts(texts);
  assert.deepEqual(all.sequencesToTexts([[1, 2, 0, 99], []]), ['the cat', ''], 'without an oov token unknown ids are dropped');
  all.numWords = 2;
  assert.deepEqual(all.textsToSequences(['the cat']), [[1]], 'numWords may be set after fitting, as in Keras');
});

test('charLevel, token lists and analyzer', () => {
  const chars = new nt.Tokenizer({ charLevel: true });
  chars.fitOnTexts(['abca', 'Bd', 'a!']);
  assert.deepEqual([...chars.wordIndex], [['a', 1], ['b', 2], ['c', 3], ['d', 4], ['!', 5]], 'characters are lowercased; filters do not apply at char level');
  assert.deepEqual(chars.textsToSequences(['dab']), [[4, 1, 2]]);
  assert.deepEqual(chars.sequencesToTexts([[1, 2]]), ['a b'], 'Keras joins with spaces at char level too');

  const lists = new nt.Tokenizer();
  lists.fitOnTexts([['Hello', 'World'], 'hello there']);
  assert.deepEqual([...lists.wordIndex], [['hello', 1], ['world', 2], ['there', 3]], 'a list is taken as its tokens (lowercased)');

  const pipes = new nt.Tokenizer({ analyzer: (s) => s.split('|') });
  pipes.fitOnTexts(['a b|c', 'c']);
  assert.deepEqual([...pipes.wordIndex], [['c', 1], ['a b', 2]]);
});

test('textsToMatrix: binary, count, freq and tfidf by Keras formulas', () => {
  const t = new nt.Tokenizer();
  t.fitOnTexts(['the cat sat', 'the cat the dog', 'a dog']);
  // the:3 cat:2 dog:2 sat:1 a:1 → the 1, cat 2, dog 3, sat 4, a 5; documents: the 2, cat 2, dog 2, sat 1, a 1.
  assert.deepEqual([...t.wordIndex.keys()], ['the', 'cat', 'dog', 'sat', 'a']);
  const q = ['the the cat zebra', 'sat a a a'];
  close(t.textsToMatrix(q), [[0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1]]);
  close(t.textsToMatrix(q, 'count'), [[0, 2, 1, 0, 0, 0], [0, 0, 0, 0, 1, 3]]);
  close(t.textsToMatrix(q, 'freq'), [[0, 2 / 3, 1 / 3, 0, 0, 0], [0, 0, 0, 0, 1 / 4, 3 / 4]]);
  // tf = 1 + ln(count), idf = ln(1 + documents / (1 + documents containing the word)).
  const idf2 = Math.log(1 + 3 / 3);
  const idf1 = Math.log(1 + 3 / 2);
  close(t.textsToMatrix(q, 'tfidf'), [[0, (1 + Math.log(2)) * idf2, idf2, 0, 0, 0], [0, 0, 0, 0, idf1, (1 + Math.log(3)) * idf1]]);
  close(t.textsToMatrix(q, 'tfidf'), [[0, 1.1736002, 0.6931472, 0, 0, 0], [0, 0, 0, 0, 0.9162907, 1.922939]]);
  assert.equal(t.textsToMatrix(q).dtype, 'float32');

  t.numWords = 3;
  close(t.textsToMatrix(['sat a the']), [[0, 1, 0]]);
  close(t.sequencesToMatrix([[1, 4, 2]], 'freq'), [[0, 1 / 3, 1 / 3]], 'ids ≥ numWords are skipped but still count in the length');
  assert.throws(() => t.textsToMatrix(q, 'tf' as nt.TextMatrixMode), /mode must be one of binary, count, tfidf, freq/);
  assert.throws(() => new nt.Tokenizer().textsToMatrix(['a']), /specify a dimension/);
  assert.throws(() => new nt.Tokenizer({ numWords: 4 }).sequencesToMatrix([[1]], 'tfidf'), /fit the Tokenizer/);
  const seqs = new nt.Tokenizer({ numWords: 4 });
  seqs.fitOnSequences([[1, 1, 2], [2, 3]]);
  close(seqs.sequencesToMatrix([[2, 2]], 'tfidf'), [[0, 0, (1 + Math.log(2)) * Math.log(1 + 2 / 3), 0]], 'fitOnSequences counts documents per id');
});

// Written by Keras' Tokenizer(oov_token='<OOV>', num_words=4).fit_on_texts(['z z', '10', '10', '2', 'Café!']).to_json()
const KERAS_JSON =
  '{"class_name": "Tokenizer", "config": {"num_words": 4, "filters": "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n", "lower": true, "split": " ", "char_level": false, "oov_token": "<OOV>", "document_count": 5, ' +
  '"word_counts": "{\\"z\\": 2, \\"10\\": 2, \\"2\\": 1, \\"caf\\\\u00e9\\": 1}", "word_docs": "{\\"z\\": 1, \\"10\\": 2, \\"2\\": 1, \\"caf\\\\u00e9\\": 1}", ' +
  '"index_docs": "{\\"2\\": 1, \\"3\\": 2, \\"4\\": 1, \\"5\\": 1}", "index_word": "{\\"1\\": \\"<OOV>\\", \\"2\\": \\"z\\", \\"3\\": \\"10\\", \\"4\\": \\"2\\", \\"5\\": \\"caf\\\\u00e9\\"}", ' +
  '"word_index": "{\\"<OOV>\\": 1, \\"z\\": 2, \\"10\\": 3, \\"2\\": 4, \\"caf\\\\u00e9\\": 5}"}}';

test('toJson writes what Keras writes; tokenizerFromJson reads it back with the word order intact', () => {
  const t = new nt.Tokenizer({ oovToken: '<OOV>', numWords: 4 });
  t.fitOnTexts(['z z', '10', '10', '2', 'Café!']);
  assert.equal(t.toJson(), KERAS_JSON);
  assert.equal(t.getConfig().word_index, '{"<OOV>": 1, "z": 2, "10": 3, "2": 4, "caf\\u00e9": 5}');

  const k = nt.tokenizerFromJson(KERAS_JSON);
  assert.equal(k.numWords, 4);
  assert.equal(k.oovToken, '<OOV>');
  assert.equal(k.documentCount, 5);
  assert.deepEqual([...k.wordIndex], [['<OOV>', 1], ['z', 2], ['10', 3], ['2', 4], ['café', 5]]);
  assert.deepEqual([...k.wordCounts.keys()], ['z', '10', '2', 'café'], 'integer-like words keep their place (JSON.parse would move them first)');
  assert.equal(k.indexWord.get(5), 'café');
  assert.equal(k.indexDocs.get(3), 2);
  assert.deepEqual(k.textsToSequences(['z 10 2 café zebra']), [[2, 3, 1, 1, 1]]);
  k.fitOnTexts(['2']);
  assert.deepEqual([...k.wordIndex.keys()], ['<OOV>', 'z', '10', '2', 'café'], 'refitting after loading breaks the three-way tie by first appearance');
  assert.equal(k.documentCount, 6);
});

test('JSON round trip keeps every setting and map; bad JSON is refused with the field named', () => {
  const t = new nt.Tokenizer({ numWords: 50, filters: '!?', lower: false, split: '_', oovToken: '??' });
  t.fitOnTexts(['Ab_cd!_Ab', 'x_"quoted"_\\back\\slash', 'ünï_😀_Ab']);
  const u = nt.tokenizerFromJson(t.toJson());
  assert.equal(u.toJson(), t.toJson());
  assert.deepEqual([u.numWords, u.filters, u.lower, u.split, u.charLevel, u.oovToken], [50, '!?', false, '_', false, '??']);
  assert.deepEqual([...u.wordIndex], [...t.wordIndex]);
  assert.deepEqual([...u.indexWord], [...t.indexWord]);
  assert.deepEqual([...u.wordDocs], [...t.wordDocs]);
  assert.deepEqual(u.textsToSequences(['Ab_😀_nope']), t.textsToSequences(['Ab_😀_nope']));
  assert.deepEqual(u.textsToMatrix(['Ab_cd'], 'tfidf').toArray(), t.textsToMatrix(['Ab_cd'], 'tfidf').toArray());

  const config = JSON.parse(t.toJson()) as { config: Record<string, unknown> };
  config.config.word_index = '{"a": [1]}';
  assert.throws(() => nt.tokenizerFromJson(JSON.stringify(config)), /word_index is not a flat JSON object/);
  assert.throws(() => nt.tokenizerFromJson('{"class_name": "Tokenizer"}'), /expected \{"class_name": "Tokenizer", "config"/);
});

test('argument errors name the argument', () => {
  assert.throws(() => new nt.Tokenizer({ numWords: -1 }), /numWords must be a non-negative integer/);
  assert.throws(() => new nt.Tokenizer().fitOnTexts('one string' as unknown as string[]), /a list of texts, not one string/);
  assert.throws(() => new nt.Tokenizer().fitOnTexts([3 as unknown as string]), /each text must be a string; got number/);
  assert.throws(() => new nt.Tokenizer({ numWords: 3 }).sequencesToMatrix([[1, -2]]), /sequence 0, step 1: ids are non-negative integers; got -2/);
});
