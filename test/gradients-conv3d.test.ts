/**
 * The finite-difference gradients of the conv3d, conv3dTranspose and 3-D pooling ops (a
 * gradient-check file: scripts/engine-files.mjs GRADIENT_CHECKS).
 */
import { test } from 'node:test';
import * as nt from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';

test('finite-difference gradients of conv3d (groups, same, strides) and conv3dTranspose (same, stride 2, outputPadding) with respect to input and kernel', async () => {
  await checkGradients((x, w) => nt.conv3d(x, w, { strides: [2, 1, 1], padding: 'same', groups: 2 }), [randn([1, 3, 3, 2, 2], 70), randn([2, 2, 2, 1, 2], 71)], { name: 'conv3d', maxSamples: 24 });
  await checkGradients((x, w) => nt.conv3d(x, w, { dilations: [2, 1, 1] }), [randn([1, 4, 2, 3, 1], 72), randn([2, 2, 2, 1, 2], 73)], { name: 'conv3d dilated', maxSamples: 24 });
  await checkGradients((x, w) => nt.conv3dTranspose(x, w, { strides: 2, padding: 'same', outputPadding: [1, 0, 1] }), [randn([1, 2, 2, 2, 2], 74), randn([3, 2, 2, 1, 2], 75)], { name: 'conv3dTranspose', maxSamples: 24 });
  await checkGradients((x, w) => nt.conv3dTranspose(x, w, { strides: [1, 3, 2] }), [randn([1, 2, 2, 1, 1], 76), randn([2, 2, 3, 2, 1], 77)], { name: 'conv3dTranspose valid', maxSamples: 24 });
  // Pooling: distinct values ≥ 0.1 apart, so no max changes within the ±h step.
  const order = Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => (i * 7) % 36);
  const x = nt.tensor(order.map((v) => 0.1 * v - 1.7), [1, 2, 3, 3, 2]);
  await checkGradients((t) => nt.maxPool3d(t, { poolSize: 2, strides: 1, padding: 'same' }), [x], { name: 'maxPool3d' });
  await checkGradients((t) => nt.avgPool3d(t, { poolSize: [2, 3, 2], strides: 2, padding: 'same' }), [x], { name: 'avgPool3d' });
});
