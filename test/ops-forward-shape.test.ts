/**
 * Forward values of data-movement ops (transpose, slice, concat, stack/split, pad in its three
 * modes, gather, tile, oneHot, broadcastTo, reshape and friends) against index-by-index
 * references. These ops copy values, so every comparison is exact, for float32 and int32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { type Shape, Gen, assertExact, broadcastShape, build, concat, fromTensor, gather, nd, oneHot, pad, shapeText, slice, tile, transpose, at } from './helpers/reference.js';

/** A random shape of the given rank with dims in [1, max] (some forced to 1). */
function randomShape(g: Gen, rank: number, max = 5): number[] {
  return Array.from({ length: rank }, () => (g.bool(0.15) ? 1 : g.int(2, max)));
}

/** Random float32 or int32 values. */
const values = (g: Gen, s: Shape): Tensor => (g.bool(0.3) ? g.ints(s, -100, 100) : g.normal(s));

test('transpose: random permutations and the default reversal', async (t) => {
  const g = new Gen(2000);
  const cases: [Shape, number[] | undefined][] = [[[20, 30, 7], [2, 0, 1]], [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1]], [[64, 40], undefined]];
  for (let i = 0; i < 20; i++) {
    const s = randomShape(g, g.int(1, 5));
    cases.push([s, g.bool(0.2) ? undefined : g.perm(s.length)]);
  }
  for (const [s, perm] of cases) {
    // The large float32 cases run on the native transpose kernel (≥ 2048 elements).
    const x = s.reduce((a, b) => a * b, 1) >= 2048 ? g.normal(s) : values(g, s);
    const p = perm ?? s.map((_, i) => s.length - 1 - i);
    const y = nt.transpose(x, perm);
    assert.equal(y.dtype, x.dtype);
    await assertExact(y, transpose(await fromTensor(x), p), `transpose ${shapeText(s)} perm ${JSON.stringify(perm)}`);
  }
  t.diagnostic(`${cases.length} cases`);
});

test('slice: negative begins, size −1 and omitted trailing axes', async (t) => {
  const g = new Gen(2100);
  const n = 25;
  for (let i = 0; i < n; i++) {
    const s = randomShape(g, g.int(1, 4), 6);
    const x = values(g, s);
    const given = g.int(0, s.length);
    const begin: number[] = [];
    const size: number[] = [];
    const b: number[] = [];
    const z: number[] = [];
    s.forEach((d, k) => {
      const bk = g.int(0, d - 1);
      const zk = g.int(0, d - bk);
      const toEnd = g.bool(0.25);
      b.push(k < given ? bk : 0);
      z.push(k < given ? (toEnd ? d - bk : zk) : d);
      if (k < given) {
        begin.push(g.bool(0.3) ? bk - d : bk);
        size.push(toEnd ? -1 : zk);
      }
    });
    await assertExact(nt.slice(x, begin, size), slice(await fromTensor(x), b, z), `slice ${shapeText(s)} begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`);
  }
  const x = nt.reshape(nt.range(0, 12), [3, 4]);
  await assertExact(nt.slice(x, [1]), nd([2, 4], [4, 5, 6, 7, 8, 9, 10, 11]), 'slice rows 1.. with the column axis omitted');
  t.diagnostic(`${n + 1} cases`);
});

test('concat along any axis; stack, unstack and split', async (t) => {
  const g = new Gen(2200);
  const n = 20;
  for (let i = 0; i < n; i++) {
    const s = randomShape(g, g.int(1, 4));
    const axis = g.int(0, s.length - 1);
    const int = g.bool(0.3);
    const parts = Array.from({ length: g.int(1, 4) }, () => {
      const ps = s.map((d, k) => (k === axis ? g.int(1, 4) : d));
      return int ? g.ints(ps, -9, 9) : g.normal(ps);
    });
    const ax = g.bool() ? axis - s.length : axis;
    await assertExact(nt.concat(parts, ax), concat(await Promise.all(parts.map(fromTensor)), ax), `concat of ${parts.map((p) => shapeText(p.shape)).join(', ')} axis ${ax}`);
  }
  const a = g.normal([2, 3]);
  const b = g.normal([2, 3]);
  const stacked = nt.stack([a, b], 1);
  const [as, bs] = [await fromTensor(a), await fromTensor(b)];
  await assertExact(stacked, build([2, 2, 3], ([i, k, j]) => at(k === 0 ? as : bs, [i, j])), 'stack axis 1');
  for (const [k, p] of nt.unstack(stacked, 1).entries()) await assertExact(p, await fromTensor(k === 0 ? a : b), `unstack ${k}`);
  const parts = nt.split(nt.reshape(nt.range(0, 12), [2, 6]), [1, 3, 2], 1);
  assert.deepEqual(await Promise.all(parts.map(async (p) => [...(await p.data())])), [[0, 6], [1, 2, 3, 7, 8, 9], [4, 5, 10, 11]]);
  t.diagnostic(`${n + 3} cases`);
});

test('pad: constant (with value), reflect and edge, NumPy semantics', async (t) => {
  const g = new Gen(2300);
  const n = 24;
  for (let i = 0; i < n; i++) {
    const s = randomShape(g, g.int(1, 4));
    const mode = g.pick(['constant', 'reflect', 'edge'] as const);
    // NumPy 'reflect' needs pads < length (Neurite's documented limit), others any amount.
    const pads = s.map((d) => [g.int(0, mode === 'reflect' ? d - 1 : 3), g.int(0, mode === 'reflect' ? d - 1 : 3)] as [number, number]);
    const value = mode === 'constant' && g.bool() ? 2.5 : 0;
    const x = g.normal(s);
    await assertExact(nt.pad(x, pads, mode, value), pad(await fromTensor(x), pads, mode, value), `pad ${mode} ${shapeText(s)} ${JSON.stringify(pads)} value ${value}`);
  }
  const v = nt.tensor([1, 2, 3, 4, 5]);
  await assertExact(nt.pad(v, [[2, 3]], 'reflect'), nd([10], [3, 2, 1, 2, 3, 4, 5, 4, 3, 2]), 'np.pad reflect (2, 3)');
  await assertExact(nt.pad(v, [[2, 3]], 'edge'), nd([10], [1, 1, 1, 2, 3, 4, 5, 5, 5, 5]), 'np.pad edge (2, 3)');
  await assertExact(nt.pad(nt.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), [[1, 0], [0, 1]], 'constant', 7), nd([3, 3], [7, 7, 7, 1, 2, 7, 3, 4, 7]), 'int32 constant 7');
  t.diagnostic(`${n + 3} cases`);
});

test('ZeroPadding2D via pad: 32×32×3 by (2, 2) gives 36×36×3 with a zero border', async () => {
  const x = nt.add(new Gen(2301).uniform([1, 32, 32, 3], 0, 1), 1); // all values ≥ 1, so zeros can only come from padding
  const y = nt.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]);
  assert.deepEqual([...y.shape], [1, 36, 36, 3]);
  const yv = await y.data();
  const xv = await x.data();
  let zeros = 0;
  for (let i = 0; i < y.size; i++) {
    const [, h, w, c] = [Math.floor(i / (36 * 36 * 3)), Math.floor(i / (36 * 3)) % 36, Math.floor(i / 3) % 36, i % 3];
    const border = h < 2 || h >= 34 || w < 2 || w >= 34;
    if (border) {
      assert.equal(yv[i], 0, `border pixel (${h}, ${w}, ${c})`);
      zeros++;
    } else assert.equal(yv[i], xv[((h - 2) * 32 + (w - 2)) * 3 + c], `interior pixel (${h}, ${w}, ${c})`);
  }
  assert.equal(zeros, (36 * 36 - 32 * 32) * 3);
});

test('gather on any axis, index tensors of rank 0–2, negative indices', async (t) => {
  const g = new Gen(2400);
  const n = 24;
  for (let i = 0; i < n; i++) {
    const s = randomShape(g, g.int(1, 4));
    const axis = g.int(0, s.length - 1);
    const is = randomShape(g, g.int(0, 2), 4);
    const d = s[axis];
    const indices = g.ints(is, -d, d - 1);
    const x = values(g, s);
    const ax = g.bool() ? axis - s.length : axis;
    const y = nt.gather(x, indices, ax);
    assert.equal(y.dtype, x.dtype);
    await assertExact(y, gather(await fromTensor(x), await fromTensor(indices), ax), `gather ${shapeText(s)} axis ${ax} indices ${shapeText(is)} ${JSON.stringify([...(await indices.data())])}`);
  }
  await assertExact(nt.gather(nt.tensor([[1, 2], [3, 4], [5, 6]]), [2, 0, -1]), nd([3, 2], [5, 6, 1, 2, 5, 6]), 'gather rows with a plain array');
  t.diagnostic(`${n + 1} cases`);
});

test('tile', async (t) => {
  const g = new Gen(2500);
  const n = 16;
  for (let i = 0; i < n; i++) {
    const s = randomShape(g, g.int(1, 4), 4);
    const reps = s.map(() => g.int(1, 3));
    const x = values(g, s);
    await assertExact(nt.tile(x, reps), tile(await fromTensor(x), reps), `tile ${shapeText(s)} reps ${JSON.stringify(reps)}`);
  }
  await assertExact(nt.tile(nt.tensor([[1, 2]]), [2, 0]), nd([2, 0], []), 'tile with a zero repeat is empty');
  await assertExact(nt.tile(nt.tensor([[1, 2], [3, 4]]), [1, 2]), nd([2, 4], [1, 2, 1, 2, 3, 4, 3, 4]), 'tile known');
  t.diagnostic(`${n + 2} cases`);
});

test('oneHot: out-of-range indices give all-zero rows; on/off values', async (t) => {
  const g = new Gen(2600);
  const n = 12;
  for (let i = 0; i < n; i++) {
    const is = randomShape(g, g.int(0, 2), 4);
    const depth = g.int(1, 6);
    const indices = g.ints(is, -2, depth + 1);
    const [on, off] = g.bool() ? [1, 0] : [5, -1];
    const y = nt.oneHot(indices, depth, on, off);
    assert.equal(y.dtype, 'float32');
    await assertExact(y, oneHot(await fromTensor(indices), depth, on, off), `oneHot ${JSON.stringify([...(await indices.data())])} depth ${depth} on ${on} off ${off}`);
  }
  await assertExact(nt.oneHot([0, 2, -1, 3], 3), nd([4, 3], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), 'oneHot [0, 2, -1, 3] depth 3');
  t.diagnostic(`${n + 1} cases`);
});

test('broadcastTo matches NumPy broadcasting', async (t) => {
  const g = new Gen(2700);
  const cases: [Shape, Shape][] = [[[4], [2, 3, 4]], [[3, 1], [3, 4]], [[1, 1], [2, 5]], [[], [2, 2]], [[2, 1, 3], [4, 2, 5, 3]], [[1], [1]]];
  for (const [from, to] of cases) {
    const x = values(g, from);
    assert.deepEqual(broadcastShape(from, to), [...to]);
    const xs = await fromTensor(x);
    await assertExact(nt.broadcastTo(x, to), build(to, (idx) => at(xs, from.map((d, i) => (d === 1 ? 0 : idx[i + to.length - from.length])))), `broadcastTo ${shapeText(from)} → ${shapeText(to)}`);
  }
  t.diagnostic(`${cases.length} cases`);
});

test('reshape shares storage; -1 inference, flatten, expandDims, squeeze keep values', async () => {
  const x = nt.tensor([[1, 2, 3], [4, 5, 6]]);
  const y = nt.reshape(x, [3, -1]);
  assert.deepEqual([...y.shape], [3, 2]);
  assert.equal((await y.data()).buffer, (await x.data()).buffer);
  assert.equal((await y.data()).byteOffset, (await x.data()).byteOffset);
  (await x.data())[4] = 50; // writing through the storage is visible in the reshaped tensor
  assert.equal((await y.data())[4], 50);
  assert.deepEqual(await y.array(), [[1, 2], [3, 4], [50, 6]]);
  const z = nt.reshape(nt.range(0, 24), [2, 3, 4]);
  assert.deepEqual([...nt.flatten(z).shape], [2, 12]);
  assert.deepEqual([...(await nt.flatten(z).data())], [...(await z.data())]);
  assert.deepEqual([...nt.expandDims(z, -1).shape], [2, 3, 4, 1]);
  assert.deepEqual([...nt.expandDims(z, 1).shape], [2, 1, 3, 4]);
  assert.deepEqual([...nt.squeeze(nt.reshape(z, [1, 2, 1, 12])).shape], [2, 12]);
  assert.deepEqual([...nt.squeeze(nt.reshape(z, [1, 2, 1, 12]), 2).shape], [1, 2, 12]);
});
