/**
 * einsum against a direct sum over every label assignment (the definition), its gradients
 * by finite differences, and its refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';

/** The definition: out[o] = Σ over the other labels of Π operand[labels]. Explicit '->' and letters only. */
async function reference(equation: string, operands: readonly Tensor[]): Promise<{ values: Float64Array; shape: number[] }> {
  const [lhs, rhs] = equation.split('->');
  const terms = lhs.split(',');
  const size = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((l, ax) => size.set(l, Math.max(size.get(l) ?? 1, operands[i].shape[ax]))));
  const labels = [...size.keys()];
  const data = await Promise.all(operands.map((o) => o.data()));
  const outShape = [...rhs].map((l) => size.get(l) as number);
  const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  const idx = new Map<string, number>();
  const offset = (term: string, shape: readonly number[]): number => [...term].reduce((o, l, ax) => o * shape[ax] + (shape[ax] === 1 ? 0 : (idx.get(l) as number)), 0);
  const walk = (k: number): void => {
    if (k === labels.length) {
      let p = 1;
      terms.forEach((t, i) => (p *= data[i][offset(t, operands[i].shape)]));
      out[offset(rhs, outShape)] += p;
      return;
    }
    for (let v = 0; v < (size.get(labels[k]) as number); v++) {
      idx.set(labels[k], v);
      walk(k + 1);
    }
  };
  walk(0);
  return { values: out, shape: outShape };
}

const CASES: readonly [string, number[][]][] = [
  ['ij,jk->ik', [[3, 4], [4, 5]]],
  ['ij,kj->ik', [[3, 4], [5, 4]]],
  ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
  ['abc,cde->abde', [[2, 3, 4], [4, 2, 3]]], // a query projection of MultiHeadAttention
  ['abcd,cde->abe', [[2, 3, 2, 4], [2, 4, 5]]], // its output projection
  ['aecd,abcd->acbe', [[2, 5, 3, 4], [2, 6, 3, 4]]], // attention scores
  ['acbe,aecd->abcd', [[2, 3, 6, 5], [2, 5, 3, 4]]], // attention combine
  ['ij,ij->ij', [[3, 4], [3, 4]]], // elementwise
  ['i,j->ij', [[3], [4]]], // outer product
  ['ij,jk->ki', [[3, 4], [4, 2]]],
  ['ijk,jl->il', [[2, 3, 4], [3, 5]]], // k summed out of one operand first
  ['ij->ji', [[3, 4]]],
  ['ijk->j', [[2, 3, 4]]],
  ['ij->', [[3, 4]]],
];

test('einsum equals the definition (a sum over every label assignment) on every case', async () => {
  for (const [eq, shapes] of CASES) {
    const ops = shapes.map((s, i) => randn(s, 100 + i));
    const y = nt.einsum(eq, ...ops);
    const ref = await reference(eq, ops);
    assert.deepEqual(y.shape, ref.shape, eq);
    const got = await y.data();
    for (let i = 0; i < ref.values.length; i++) assert.ok(Math.abs(got[i] - ref.values[i]) <= 1e-5 * (1 + Math.abs(ref.values[i])), `${eq}[${i}]: ${got[i]} vs ${ref.values[i]}`);
  }
});

test('einsum: implicit output, ellipsis and size-1 broadcasting', async () => {
  const a = randn([3, 4], 1);
  const b = randn([4, 5], 2);
  assert.deepEqual(await nt.einsum('ij,jk', a, b).data(), await nt.einsum('ij,jk->ik', a, b).data());
  // '...' for leading axes: a Dense over the last axis of a rank-3 input.
  const x = randn([2, 3, 4], 3);
  const w = randn([4, 6], 4);
  const y = nt.einsum('...b,bc->...c', x, w);
  assert.deepEqual(y.shape, [2, 3, 6]);
  assert.deepEqual(await y.data(), await nt.einsum('abc,cd->abd', x, w).data());
  // Size-1 '...' axes broadcast.
  const p = randn([2, 1, 3, 4], 5);
  const q = randn([1, 5, 4, 2], 6);
  const r = nt.einsum('...ij,...jk->...ik', p, q);
  assert.deepEqual(r.shape, [2, 5, 3, 2]);
  const full = await nt.einsum('abij,abjk->abik', nt.broadcastTo(p, [2, 5, 3, 4]), nt.broadcastTo(q, [2, 5, 4, 2])).data();
  const got = await r.data();
  for (let i = 0; i < full.length; i++) assert.ok(Math.abs(got[i] - full[i]) < 1e-5);
});

test('einsum gradients match finite differences', async () => {
  for (const [eq, shapes] of [CASES[2], CASES[3], CASES[5], CASES[6], CASES[10], CASES[12]] as const) {
    await checkGradients((...xs: Tensor[]) => nt.einsum(eq, ...xs), shapes.map((s, i) => randn(s, 200 + i)), { name: `einsum ${eq}` });
  }
});

test('einsum refuses what it does not support, naming the problem', () => {
  const a = randn([3, 3], 1);
  assert.throws(() => nt.einsum('ii->i', a), /repeats in operand 0/);
  assert.throws(() => nt.einsum('ij,jk->ik', a), /names 2 operand/);
  assert.throws(() => nt.einsum('ijk->i', a), /rank 2/);
  assert.throws(() => nt.einsum('ij,jk->iz', a, a), /output label 'z'/);
  assert.throws(() => nt.einsum('ij,jk->ik', a, randn([4, 2], 2)), /label 'j' has size 3 .* and 4/);
  assert.throws(() => nt.einsum('ij,jk,kl->il', a, a, a), /one or two operands/);
  assert.throws(() => nt.einsum('i1->i', a), /not a letter/);
});
