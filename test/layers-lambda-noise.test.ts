/**
 * Lambda (registered TypeScript functions; a file's Python code is never run),
 * AlphaDropout (SELU-preserving statistics) and SpatialDropout3D.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';

test('Lambda runs its function, infers its output shape, trains inside a model and saves by registered name', async () => {
  nt.registerLambda('square_then_sum', (x, args) => nt.mul(nt.sum(nt.square(x as Tensor), -1, true), args.scale as number));
  const lam = new nt.Lambda({ function: 'square_then_sum', arguments: { scale: 2 } });
  const x = randn([3, 4], 1);
  const y = lam.apply(x);
  assert.deepEqual(y.shape, [3, 1]);
  const xd = await x.data();
  const yd = await y.data();
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(yd[r] - 2 * [0, 1, 2, 3].reduce((s, c) => s + xd[r * 4 + c] ** 2, 0)) < 1e-5);
  await checkGradients((v: Tensor) => lam.apply(v), [x], { name: 'Lambda' });
  const inp = nt.Input({ shape: [4] });
  const out = new nt.Dense({ units: 1 }).apply(new nt.Lambda({ function: 'square_then_sum', arguments: { scale: 0.5 } }).apply(inp));
  const model = new nt.Model({ inputs: inp, outputs: out });
  assert.deepEqual(model.outputs[0].shape, [null, 1], 'shape found by calling the function on zeros');
  const copy = nt.Model.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
  copy.setWeights(model.getWeights());
  assert.deepEqual(await (copy.predict(x) as Tensor).data(), await (model.predict(x) as Tensor).data());
  // An unregistered function cannot be saved; a Keras file's Python lambda needs a registration.
  assert.throws(() => new nt.Lambda({ function: (v) => v as Tensor }).getConfig(), /has no registered name/);
  assert.throws(() => nt.deserializeLayer({ class_name: 'Lambda', config: { name: 'lambda_7', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda' } }), /Python code .* never runs; register a TypeScript function with nt.registerLambda\('lambda_7'/);
  nt.registerLambda('lambda_7', (v) => nt.neg(v as Tensor));
  const fromKeras = nt.deserializeLayer({ class_name: 'Lambda', config: { name: 'lambda_7', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda', output_shape: null } }) as nt.Lambda;
  assert.deepEqual(Array.from(await fromKeras.apply(nt.tensor([1, -2])).data()), [-1, 2]);
  assert.throws(() => new nt.Lambda({ function: 'nope' }), /no function is registered as 'nope'/);
});

test('AlphaDropout keeps a SELU activation\'s mean and variance, sets dropped values to −λα before the affine map, and is the identity at inference', async () => {
  const layer = new nt.AlphaDropout({ rate: 0.2, seed: 3 });
  const x = randn([200000], 4);
  assert.equal(layer.apply(x), x, 'inference');
  const y = (await layer.apply(x, { training: true }).data()) as Float32Array;
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.02, `mean ${mean}, variance ${variance}`);
  // Every output is either a·x + b (kept) or a·(−λα) + b (dropped).
  const alphaP = -1.6732632423543772 * 1.0507009873554805;
  const a = (0.8 * (1 + 0.2 * alphaP * alphaP)) ** -0.5;
  const b = -a * alphaP * 0.2;
  const xd = await x.data();
  let dropped = 0;
  for (let i = 0; i < y.length; i++) {
    if (Math.abs(y[i] - (a * alphaP + b)) < 1e-5) dropped++;
    else assert.ok(Math.abs(y[i] - (a * xd[i] + b)) < 1e-5, `element ${i}`);
  }
  assert.ok(Math.abs(dropped / y.length - 0.2) < 0.01, `dropped ${dropped / y.length}`);
  assert.equal((nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(layer)))) as nt.AlphaDropout).rate, 0.2);
});

test('SpatialDropout3D drops whole channels of 5-D inputs', async () => {
  const layer = new nt.SpatialDropout3D({ rate: 0.5, seed: 1 });
  const x = nt.ones([2, 3, 3, 3, 8]);
  const y = await layer.apply(x, { training: true }).data();
  for (let n = 0; n < 2; n++) for (let c = 0; c < 8; c++) {
    const vals = new Set<number>();
    for (let p = 0; p < 27; p++) vals.add(y[(n * 27 + p) * 8 + c]);
    assert.equal(vals.size, 1, `sample ${n} channel ${c} is all kept or all dropped`);
    assert.ok(vals.has(0) || vals.has(2));
  }
  assert.throws(() => layer.apply(nt.ones([2, 3, 8])), /expected input of rank 5/);
});
