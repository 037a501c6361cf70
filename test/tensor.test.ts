import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { item } from './helpers/read.js';

test('creation from nested arrays infers shape and float32', async () => {
  const t = nt.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.ok((await t.data()) instanceof Float32Array);
  assert.deepEqual(await t.array(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(t.rank, 2);
  assert.equal(t.size, 6);
});

test('creation from typed arrays wraps without copying and keeps int32', async () => {
  const f = new Float32Array([1, 2, 3, 4]);
  const t = nt.tensor(f, [2, 2]);
  assert.equal(await t.data(), f);
  const i = nt.tensor(new Int32Array([1, 2, 3]));
  assert.equal(i.dtype, 'int32');
  const u = nt.tensor(new Uint8Array([1, 255]));
  assert.equal(u.dtype, 'float32');
  assert.deepEqual(await u.array(), [1, 255]);
  assert.deepEqual(await nt.tensor([1, 2, 3, 4], [2, 2], 'int32').array(), [[1, 2], [3, 4]]);
});

test('scalar, zeros, ones, fill, eye, range, linspace', async () => {
  assert.equal(await item(nt.scalar(3)), 3);
  assert.deepEqual(nt.scalar(3).shape, []);
  assert.deepEqual(await nt.zeros([2, 2]).array(), [[0, 0], [0, 0]]);
  assert.deepEqual(await nt.ones([3], 'int32').array(), [1, 1, 1]);
  assert.deepEqual(await nt.fill([2], 7).array(), [7, 7]);
  assert.deepEqual(await nt.eye(2, 3).array(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(await nt.range(5).array(), [0, 1, 2, 3, 4]);
  assert.deepEqual(await nt.range(1, 2, 0.25).array(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(await nt.range(5, 0, -2, 'int32').array(), [5, 3, 1]);
  assert.deepEqual(await nt.linspace(0, 1, 5).array(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(nt.zeros([0, 3]).shape, [0, 3]);
});

test('seeded random generators are reproducible and have the right moments', async () => {
  const a = nt.randomNormal([10000], { seed: 7, mean: 2, stddev: 3 });
  const b = nt.randomNormal([10000], { seed: 7, mean: 2, stddev: 3 });
  assert.deepEqual(await a.data(), await b.data());
  const m = await item(nt.mean(a));
  const sd = Math.sqrt(await item(nt.mean(nt.square(nt.sub(a, m)))));
  assert.ok(Math.abs(m - 2) < 0.1, `mean ${m}`);
  assert.ok(Math.abs(sd - 3) < 0.1, `std ${sd}`);
  const u = nt.randomUniform([10000], { seed: 1, minval: -1, maxval: 1 });
  assert.ok((await item(nt.min(u))) >= -1 && (await item(nt.max(u))) < 1);
  assert.ok(Math.abs(await item(nt.mean(u))) < 0.05);
  const t = nt.truncatedNormal([10000], { seed: 3, stddev: 0.5 });
  assert.ok((await item(nt.max(nt.abs(t)))) <= 1.0);
  const ints = nt.randomUniform([1000], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' });
  assert.equal(ints.dtype, 'int32');
  assert.ok((await item(nt.min(ints))) >= 0 && (await item(nt.max(ints))) <= 9);
  nt.setSeed(11);
  const c = nt.randomNormal([5]);
  nt.setSeed(11);
  assert.deepEqual(await nt.randomNormal([5]).data(), await c.data());
});

test('NumPy-like printing', () => {
  assert.equal(nt.tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]], dtype=float32)');
  assert.equal(nt.tensor([0.1, 0.25, -3]).toString(), 'tensor([ 0.1 ,  0.25, -3.  ], dtype=float32)');
  assert.equal(nt.tensor([1, 2], undefined, 'int32').toString(), 'tensor([1, 2], dtype=int32)');
  assert.equal(nt.scalar(2.5).toString(), 'tensor(2.5, dtype=float32)');
  assert.equal(nt.tensor([1e-5, 1, 1000]).toString(), 'tensor([1e-05, 1e+00, 1e+03], dtype=float32)');
  assert.equal(nt.tensor([NaN, Infinity, 1]).toString(), 'tensor([nan, inf,  1.], dtype=float32)');
  const big = nt.range(2000).reshape([2, 1000]).toString();
  assert.match(big, /\.\.\./);
  assert.ok(big.split('\n').length === 2);
  const cube = nt.range(8).reshape([2, 2, 2]).toString();
  assert.equal(cube, 'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]], dtype=float32)');
  const w = nt.ones([2]);
  w.requiresGrad = true;
  assert.match(w.toString(), /requiresGrad=true/);
});

test('bad input to tensor() is a clear error', () => {
  assert.throws(() => nt.tensor([[1, 2], [3]]), /ragged nested array: element at \[1\] has length 1, expected 2/);
  assert.throws(() => nt.tensor([[1, 2], 3] as unknown as number[][]), /ragged nested array: element at \[1\] is a number/);
  assert.throws(() => nt.tensor([1, [2]] as unknown as number[]), /ragged nested array: element at \[1\] is an array/);
  assert.throws(() => nt.tensor([1, NaN], undefined, 'int32'), /int32 data cannot hold NaN \(element \[1\]\)/);
  assert.throws(() => nt.tensor(new Float32Array([1, NaN]), undefined, 'int32'), /cannot hold NaN/);
  assert.throws(() => nt.tensor([1.5], undefined, 'int32'), /must be integers; element \[0\] is 1.5/);
  assert.throws(() => nt.tensor([2 ** 40], undefined, 'int32'), /does not fit in int32/);
  assert.throws(() => nt.tensor(['a'] as unknown as number[]), /element at \[0\] is string, not a number/);
  assert.throws(() => nt.tensor([1, 2, 3], [2, 2]), /shape \[2, 2\] needs 4 values; got 3/);
  assert.throws(() => nt.tensor([1], undefined, 'float64' as nt.DataType), /dtype must be one of 'float32', 'int32'/);
  assert.throws(() => nt.zeros([2, -1]), /non-negative integers/);
  assert.throws(() => nt.scalar(1).reshape([2]), /cannot reshape \[\] \(1 elements\) into \[2\]/);
  assert.throws(() => nt.ones([2, 3]).item(), /only a one-element tensor/);
});

test('dtype misuse is a clear error', async () => {
  const i = nt.tensor([1, 2], undefined, 'int32');
  const f = nt.tensor([1, 2]);
  assert.throws(() => nt.add(i, f), /add: both operands must have the same dtype; got int32 and float32/);
  assert.throws(() => nt.exp(i), /exp: x must be float32; got int32/);
  assert.throws(() => nt.mul(i, 0.5), /non-integer 0.5/);
  assert.throws(() => nt.matmul(nt.ones([2, 2], 'int32'), nt.ones([2, 2], 'int32')), /matmul: a must be float32/);
  assert.throws(() => nt.gather(f, f), /gather: indices must be int32; got float32/);
  assert.throws(() => {
    i.requiresGrad = true;
  }, /only float32 tensors can require gradients/);
  // int32 arithmetic that is defined stays int32
  assert.deepEqual(await nt.add(i, 3).array(), [4, 5]);
  assert.equal(nt.add(i, 3).dtype, 'int32');
  assert.deepEqual(await nt.cast(nt.tensor([1.7, -1.7]), 'int32').array(), [1, -1]);
});

test('shape errors name the op and both shapes', () => {
  assert.throws(() => nt.add(nt.ones([2, 3]), nt.ones([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  assert.throws(() => nt.matmul(nt.ones([2, 3]), nt.ones([4, 5])), /matmul: inner dimensions differ: a has shape \[2, 3\], b has shape \[4, 5\]; 3 ≠ 4/);
  assert.throws(() => nt.concat([nt.ones([2, 3]), nt.ones([2, 4])], 0), /concat: shapes \[2, 3\] and \[2, 4\] differ outside axis 0/);
  assert.throws(() => nt.conv2d(nt.ones([1, 5, 5, 3]), nt.ones([3, 3, 2, 4])), /conv2d: the filter \[3, 3, 2, 4\] expects 2 input channels .* the input \[1, 5, 5, 3\] has 3/);
  assert.throws(() => nt.conv2d(nt.ones([1, 2, 2, 1]), nt.ones([3, 3, 1, 1])), /conv2d: a window of 3 .* does not fit the input height 2/);
  assert.throws(() => nt.conv2d(nt.ones([5, 5, 3]), nt.ones([3, 3, 3, 1])), /conv2d: x must have rank 4 \(\[batch, height, width, channels\]\); got shape \[5, 5, 3\]/);
  assert.throws(() => nt.sum(nt.ones([2, 3]), 2), /sum: axis 2 is out of range for a tensor of rank 2/);
  assert.throws(() => nt.slice(nt.ones([2, 3]), [1, 1], [2, 1]), /slice: .* outside the shape \[2, 3\] at axis 0/);
  assert.throws(() => nt.transpose(nt.ones([2, 3]), [0, 0]), /transpose: perm \[0, 0\] is not a permutation/);
  assert.throws(() => nt.gather(nt.ones([3]), [3]), /gather: index 3 is out of range for axis 0 of length 3/);
  assert.throws(() => nt.pad(nt.ones([2]), [[2, 0]], 'reflect'), /'reflect' padding of axis 0 must be smaller than its length 2/);
  assert.throws(() => nt.batchNorm(nt.ones([2, 3]), nt.ones([2]), nt.ones([3])), /batchNorm: mean must hold one value per channel \(3\); got shape \[2\]/);
  assert.throws(() => nt.maxPool2d(nt.ones([1, 4, 4, 1]), { poolSize: 0 }), /maxPool2d: poolSize must be an integer ≥ 1/);
  assert.throws(() => nt.ones([2]).backward(), /does not require gradients/);
});
