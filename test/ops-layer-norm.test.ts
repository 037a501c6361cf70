/**
 * nt.layerNorm, the fused kernel LayerNormalization runs over trailing axes: its values
 * against the composition with moments (float64 here), its gradients against finite
 * differences, and its argument checks. The backends' kernels are compared with the js
 * reference in the backend tests (test/helpers/backend-cases.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

/** (x − mean)/√(var + eps)·gamma + beta over the trailing `c` values of each row, in float64. */
function reference(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, c: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += c) {
    let m = 0;
    for (let j = 0; j < c; j++) m += x[o + j];
    m /= c;
    let v = 0;
    for (let j = 0; j < c; j++) v += (x[o + j] - m) ** 2;
    const r = 1 / Math.sqrt(v / c + eps);
    for (let j = 0; j < c; j++) out[o + j] = (x[o + j] - m) * r * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
  return out;
}

test('layerNorm equals the formula, over the last axis and over the last two, with and without gamma and beta', async () => {
  for (const [shape, axis] of [[[4, 3, 50], -1], [[4, 3, 50], 1], [[2, 70], -1]] as const) {
    const x = nt.add(nt.randomNormal([...shape], { seed: 3 }), 5);
    const c = shape.slice(axis < 0 ? shape.length + axis : axis).reduce((a, b) => a * b, 1);
    const gamma = nt.randomNormal([c], { seed: 4 });
    const beta = nt.randomNormal([c], { seed: 5 });
    for (const [g, b] of [[gamma, beta], [null, beta], [gamma, null], [null, null]] as const) {
      const y = await nt.layerNorm(x, g, b, 1e-3, axis).data();
      const want = reference((await x.data()) as Float32Array, g ? ((await g.data()) as Float32Array) : null, b ? ((await b.data()) as Float32Array) : null, c, 1e-3);
      let d = 0;
      for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(y[i] - want[i]));
      assert.ok(d < 1e-4, `shape ${shape} axis ${axis} gamma ${g !== null} beta ${b !== null}: max diff ${d}`);
    }
  }
});

test('layerNorm gradients of x, gamma and beta match central finite differences', async () => {
  const x = nt.randomNormal([3, 20], { seed: 7 });
  const gamma = nt.randomNormal([20], { seed: 8 });
  const beta = nt.randomNormal([20], { seed: 9 });
  const w = nt.randomNormal([3, 20], { seed: 10 });
  const f = (a: nt.Tensor, g: nt.Tensor, b: nt.Tensor): nt.Tensor => nt.sum(nt.mul(nt.layerNorm(a, g, b, 1e-3), w));
  const grads = nt.grads((a: nt.Tensor, g: nt.Tensor, b: nt.Tensor) => f(a, g, b))([x, gamma, beta]);
  const inputs = [x, gamma, beta];
  for (const [k, input] of inputs.entries()) {
    const base = Float64Array.from(await input.data());
    const analytic = await grads[k].data();
    for (let i = 0; i < base.length; i += 3) {
      const at = async (delta: number): Promise<number> => {
        const v = Float32Array.from(base);
        v[i] += delta;
        const args = inputs.map((t, q) => (q === k ? nt.tensor(v, t.shape) : t)) as [nt.Tensor, nt.Tensor, nt.Tensor];
        return (await f(...args).data())[0];
      };
      const h = 1e-2;
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      assert.ok(Math.abs(numeric - analytic[i]) <= 2e-2 * (1 + Math.abs(numeric)), `input ${k} element ${i}: ${analytic[i]} vs ${numeric}`);
    }
  }
});

test('layerNorm refuses parameters of the wrong size and a negative epsilon', () => {
  const x = nt.zeros([2, 5]);
  assert.throws(() => nt.layerNorm(x, nt.ones([4])), /gamma must hold one value per normalized element \(5\)/);
  assert.throws(() => nt.layerNorm(x, null, nt.ones([6])), /beta must hold one value per normalized element/);
  assert.throws(() => nt.layerNorm(x, null, null, -1), /epsilon must be ≥ 0/);
  assert.throws(() => nt.layerNorm(nt.zeros([2, 5], 'int32')), /layerNorm/);
});
