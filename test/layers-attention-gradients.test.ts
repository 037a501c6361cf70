/**
 * Gradients of the attention layers against finite differences: inputs and every weight
 * of MultiHeadAttention (causal), Attention (scaled dot and concat) and AdditiveAttention.
 * A gradient-check file (scripts/engine-files.mjs): thousands of tiny ops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';

test('MultiHeadAttention gradients (inputs and every weight) match finite differences', async () => {
  const mha = new nt.MultiHeadAttention({ numHeads: 2, keyDim: 3, biasInitializer: 'random_normal' });
  const q = randn([1, 3, 4], 21);
  const v = randn([1, 4, 5], 22);
  const run = (a: Tensor, b: Tensor): Tensor => mha.apply([a, b], { useCausalMask: true } as nt.MultiHeadAttentionCallOptions) as Tensor;
  run(q, v);
  await checkGradients(run, [q, v], { name: 'MultiHeadAttention inputs (causal)' });
  // The key bias adds the same q·b to every score of a row, which the softmax removes: its gradient is exactly zero (in Keras too).
  const keyBias = mha.trainableWeights.find((w) => w.name.endsWith('/key/bias')) as nt.Variable;
  await checkWeightGradients(() => run(q, v), mha.trainableWeights.filter((w) => w !== keyBias), { name: 'MultiHeadAttention weights', seed: 23 });
  const [g] = nt.gradients(run(q, v), [keyBias], { gradYs: [randn([1, 3, 4], 24)] });
  assert.ok(Math.max(...Array.from(await g.data(), Math.abs)) < 1e-6, 'the key bias gradient is not zero');
});

test('Attention and AdditiveAttention gradients (inputs and weights, causal) match finite differences', async () => {
  const q = randn([1, 3, 4], 51);
  const v = randn([1, 4, 4], 52);
  for (const layer of [new nt.Attention({ useScale: true }), new nt.Attention({ useScale: true, scoreMode: 'concat' }), new nt.AdditiveAttention()]) {
    const run = (a: Tensor, b: Tensor): Tensor => layer.apply([a, b], { useCausalMask: true } as nt.AttentionCallOptions) as Tensor;
    run(q, v);
    await checkGradients(run, [q, v], { name: `${layer.getClassName()} inputs` });
    await checkWeightGradients(() => run(q, v), layer.trainableWeights, { name: `${layer.getClassName()} weights`, seed: 53 });
  }
});
