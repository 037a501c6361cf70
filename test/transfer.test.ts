import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { convBase, denseHead, runTransfer } from '../examples/transfer-fashion-mnist.js';

function snapshot(layers: readonly nt.Layer[]): Float32Array[] {
  return layers.flatMap((l) => l.weights.map((w) => Float32Array.from(w.dataSync() as Float32Array)));
}

function maxChange(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0;
  a.forEach((arr, i) => arr.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

function toyData(n: number, classes: number, seed: number): { x: nt.Tensor; y: nt.Tensor } {
  const x = nt.randomUniform([n, 28, 28, 1], { seed });
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  return { x, y: nt.toCategorical(nt.tensor(labels), classes) };
}

const count = (ws: readonly nt.Variable[]): number => ws.reduce((s, w) => s + w.size, 0);

test('a frozen base keeps its weights through fit and is left out of trainableWeights and the summary counts', async () => {
  const base = convBase(3);
  const first = new nt.Sequential([...base, ...denseHead(5, 3)]);
  const baseParams = base.reduce((s, l) => s + l.countParams(), 0);
  assert.equal(baseParams, 32 * 9 + 32 + 64 * 32 * 9 + 64);
  for (const l of base) l.trainable = false;
  // Replacing the head: the same base layer objects under a new head with another class count.
  const head = denseHead(3, 4);
  const model = new nt.Sequential([...base, ...head]);
  const headParams = head.reduce((s, l) => s + l.countParams(), 0);
  assert.equal(headParams, 1600 * 64 + 64 + 64 * 3 + 3);
  assert.equal(count(model.trainableWeights), headParams);
  assert.equal(count(model.nonTrainableWeights), baseParams);
  for (const w of model.trainableWeights) assert.ok(!base.some((l) => l.weights.includes(w)), `${w.name} is a base weight`);
  const lines: string[] = [];
  model.summary({ printFn: (l) => lines.push(l) });
  const text = lines.join('\n');
  const num = (label: string): number => Number((new RegExp(`${label}: ([\\d,]+)`).exec(text) as RegExpExecArray)[1].replace(/,/g, ''));
  assert.equal(num('Trainable params'), headParams);
  assert.equal(num('Non-trainable params'), baseParams);
  assert.equal(num('Total params'), headParams + baseParams);

  const before = snapshot(base);
  const headBefore = snapshot(head);
  model.compile({ optimizer: new nt.Adam({ learningRate: 1e-2 }), loss: 'categorical_crossentropy' });
  const data = toyData(24, 3, 5);
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
  assert.equal(maxChange(before, snapshot(base)), 0, 'frozen base weights changed');
  assert.ok(maxChange(headBefore, snapshot(head)) > 1e-4, 'the new head did not train');
  assert.deepEqual((model.predict(nt.slice(data.x, [0, 0, 0, 0], [2, 28, 28, 1])) as nt.Tensor).shape, [2, 3]);
  // The first model shares the (frozen) layers: its base is frozen too.
  assert.equal(count(first.nonTrainableWeights), baseParams);

  // Unfreezing makes the base train again.
  for (const l of base) l.trainable = true;
  assert.equal(count(model.trainableWeights), headParams + baseParams);
  assert.equal(count(model.nonTrainableWeights), 0);
  model.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const unfrozen = snapshot(base);
  await model.fit(data.x, data.y, { epochs: 1, batchSize: 8, verbose: 0, seed: 2 });
  assert.ok(maxChange(unfrozen, snapshot(base)) > 1e-5, 'unfrozen base did not train');
});

test('freezing a whole nested model freezes its layers; copying weights into a fresh base works too', () => {
  const base = new nt.Sequential(convBase(8));
  base.trainable = false;
  assert.equal(base.trainableWeights.length, 0);
  const fresh = convBase(9);
  const copy = new nt.Sequential(fresh);
  copy.setWeights(base.getWeights());
  const x = nt.randomUniform([2, 28, 28, 1], { seed: 3 });
  const a = (base.predict(x) as nt.Tensor).dataSync();
  const b = (copy.predict(x) as nt.Tensor).dataSync();
  for (let i = 0; i < a.length; i++) assert.equal(a[i], b[i]);
  base.trainable = true;
  assert.equal(count(base.trainableWeights), count(copy.trainableWeights));
});

test('smoke run of the transfer example: the frozen pretrained base beats training from scratch', async () => {
  const lines: string[] = [];
  const r = await runTransfer({ smoke: true, log: (l) => lines.push(l) });
  console.log(lines.join('\n'));
  assert.ok(r.baseAccuracy > 0.5, `pretraining accuracy ${r.baseAccuracy}`);
  assert.ok(r.transferAccuracy > r.scratchAccuracy + 0.05, `transfer ${r.transferAccuracy} vs scratch ${r.scratchAccuracy}`);
  assert.equal(r.fineTunedAccuracy, null);
  assert.ok(lines.some((l) => l.includes('classes 5–9 test accuracy: transfer')));
});
