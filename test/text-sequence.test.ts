/** keras.utils.pad_sequences: the docstring cases, the four padding/truncating combinations, dtypes and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

const seqs = [[1], [2, 3], [4, 5, 6]];

test("padSequences: Keras' docstring examples", () => {
  const x = nt.padSequences(seqs);
  assert.deepEqual(x.shape, [3, 3]);
  assert.equal(x.dtype, 'int32');
  assert.deepEqual(x.toArray(), [[0, 0, 1], [0, 2, 3], [4, 5, 6]]);
  assert.deepEqual(nt.padSequences(seqs, { value: -1 }).toArray(), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(nt.padSequences(seqs, { padding: 'post' }).toArray(), [[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
  assert.deepEqual(nt.padSequences(seqs, { maxlen: 2 }).toArray(), [[0, 1], [2, 3], [5, 6]]);
});

test('padSequences: the four padding × truncating combinations', () => {
  const s = [[1, 2, 3, 4, 5], [6]];
  const run = (padding: 'pre' | 'post', truncating: 'pre' | 'post'): unknown => nt.padSequences(s, { maxlen: 3, padding, truncating }).toArray();
  assert.deepEqual(run('pre', 'pre'), [[3, 4, 5], [0, 0, 6]]);
  assert.deepEqual(run('pre', 'post'), [[1, 2, 3], [0, 0, 6]]);
  assert.deepEqual(run('post', 'pre'), [[3, 4, 5], [6, 0, 0]]);
  assert.deepEqual(run('post', 'post'), [[1, 2, 3], [6, 0, 0]]);
});

test('padSequences: dtype, value casting, empty sequences, typed arrays, vector steps', () => {
  const f = nt.padSequences([[1.5, 2]], { maxlen: 3, dtype: 'float32', value: 0.5 });
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.toArray(), [[0.5, 1.5, 2]]);
  assert.deepEqual(nt.padSequences([[1.5, -2.7]], { maxlen: 3, value: 0.5 }).toArray(), [[0, 1, -2]], 'int32 truncates toward zero, as numpy casts');
  assert.deepEqual(nt.padSequences([[], [1]]).toArray(), [[0], [1]]);
  assert.deepEqual(nt.padSequences([[], []]).shape, [2, 0], 'all empty: maxlen is 0');
  assert.deepEqual(nt.padSequences([], { maxlen: 4 }).shape, [0, 4]);
  assert.deepEqual(nt.padSequences([[1, 2, 3]], { maxlen: 0 }).shape, [1, 0]);
  assert.deepEqual(nt.padSequences([Int32Array.from([7, 8]), Float32Array.from([9])], { padding: 'post' }).toArray(), [[7, 8], [9, 0]]);
  const v = nt.padSequences([[[1, 2]], [[3, 4], [5, 6]]]);
  assert.deepEqual(v.shape, [2, 2, 2]);
  assert.deepEqual(v.toArray(), [[[0, 0], [1, 2]], [[3, 4], [5, 6]]]);
});

test('padSequences: errors name the argument', () => {
  assert.throws(() => nt.padSequences(seqs, { padding: 'middle' as 'pre' }), /padding must be 'pre' or 'post'; got "middle"/);
  assert.throws(() => nt.padSequences(seqs, { truncating: 'both' as 'pre' }), /truncating must be 'pre' or 'post'/);
  assert.throws(() => nt.padSequences(seqs, { maxlen: 1.5 }), /maxlen must be a non-negative integer or null; got 1.5/);
  assert.throws(() => nt.padSequences(seqs, { dtype: 'float64' as 'float32' }), /dtype must be 'int32' or 'float32'/);
  assert.throws(() => nt.padSequences([]), /give maxlen when there are no sequences/);
  assert.throws(() => nt.padSequences([[1], 5 as unknown as number[]]), /sequence 1 is number, not an array/);
  assert.throws(() => nt.padSequences([[[1, 2]], [[3]]]), /sequence 1, step 0: expected a vector of 2 values/);
  assert.throws(() => nt.padSequences([[1, 'a' as unknown as number]]), /sequence 0, step 1: string is not a number/);
});
