/**
 * The layer contract (Keras' run_layer_test, keras/src/testing/test_case.py), for EVERY
 * layer class the registry knows: the table is test/helpers/layer-contract-cases.ts, and a
 * registered class without an entry fails the first test, named.
 *
 * Per entry:
 *  - shape: built and called on seeded inputs, each output's shape equals
 *    computeOutputShape(input shapes) (batch axis included);
 *  - symbolic: apply() on Input()s gives the same shapes, with a known and an unknown batch;
 *  - params: countParams() and the trainable / non-trainable split equal Keras' formula,
 *    computed by hand in the table;
 *  - config: getConfig() → JSON → deserializeLayer({ class_name, config }) gives the same
 *    config, and the rebuilt layer with the original's weights gives the same output
 *    (|Δ| ≤ 1e-6·max(1, |y|); bit-exact is expected, the tolerance allows other backends'
 *    reduction orders);
 *  - weights: names `<layer>/<weight>` as Keras names them, unique, trainable ones first;
 *  - training: two inference calls agree exactly; training: true changes the output exactly
 *    for the layers that should (dropout, noise, batch statistics) and nothing else.
 * Engine file: it runs on every backend, so inputs are tiny (the whole file ~1-2 s on native).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Layer, LayerShape, SymbolicTensor, Tensor } from '../src/index.js';
import { CASES, SPECIAL, type Check, type ContractCase, callArg, makeInputs, run, symbolicInputs } from './helpers/layer-contract-cases.js';

/** A computeOutputShape result as a list of shapes. */
function shapeList(s: LayerShape | LayerShape[]): LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]) ? (s as LayerShape[]) : [s as LayerShape];
}

const fmt = (shapes: readonly (readonly (number | null)[])[]): string => shapes.map((s) => `[${s.join(', ')}]`).join(', ');

async function values(ts: readonly Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map(async (t) => Float32Array.from((await t.data()) as ArrayLike<number>)));
}

/** Largest |a − b| / max(1, |a|) over all outputs (shapes must agree). */
function maxScaledDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  assert.equal(a.length, b.length, 'number of outputs');
  let worst = 0;
  a.forEach((x, k) => {
    assert.equal(x.length, b[k].length, `output ${k}: number of elements`);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - b[k][i]) / Math.max(1, Math.abs(x[i]));
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    }
  });
  return worst;
}

function inputShapes(c: ContractCase): LayerShape | LayerShape[] {
  const shapes = c.inputs.map((s) => [...s.shape] as LayerShape);
  return shapes.length > 1 || c.asList ? shapes : shapes[0];
}

const todo = (c: ContractCase, check: Check): { todo?: string } => (c.todo?.[check] ? { todo: c.todo[check] } : {});

test('every registered layer class has a contract entry (and every entry a registered class)', () => {
  const registered = nt.registeredLayerNames();
  assert.ok(registered.includes('Dense') && registered.length > 50, `registeredLayerNames() lists the built-in layers; got ${registered.length}`);
  const covered = new Set([...CASES.map((c) => c.className), ...Object.keys(SPECIAL)]);
  const missing = registered.filter((n) => !covered.has(n));
  assert.deepEqual(missing, [], `registered layer classes with no entry in test/helpers/layer-contract-cases.ts: ${missing.join(', ')}`);
  const stale = [...covered].filter((n) => !registered.includes(n));
  assert.deepEqual(stale, [], `contract entries for classes the registry does not know: ${stale.join(', ')}`);
  const labels = CASES.map((c) => c.label);
  assert.equal(new Set(labels).size, labels.length, 'entry labels are unique');
  for (const c of CASES) assert.equal(c.make().getClassName(), c.className, `${c.label}: make() builds a ${c.className}`);
});

test('InputLayer: config round trip, the symbolic tensor it makes, and a model from input to output', async () => {
  // InputLayer is special: Input() makes one and returns its output; it is never applied.
  const layer = new nt.InputLayer({ batchInputShape: [null, 3, 2], name: 'contract_input' });
  assert.deepEqual([...layer.output.shape], [null, 3, 2]);
  assert.equal(layer.countParams(), 0);
  assert.equal(layer.weights.length, 0);
  const config = layer.getConfig();
  assert.deepEqual(config, { batch_input_shape: [null, 3, 2], dtype: 'float32', sparse: false, ragged: false, name: 'contract_input' });
  const copy = nt.deserializeLayer(JSON.parse(JSON.stringify({ class_name: 'InputLayer', config })));
  assert.ok(copy instanceof nt.InputLayer);
  assert.deepEqual(copy.getConfig(), config);
  assert.deepEqual([...copy.output.shape], [null, 3, 2]);
  const model = new nt.Model({ inputs: layer.output, outputs: layer.output });
  const x = nt.randomNormal([2, 3, 2], { seed: 4 });
  assert.deepEqual(Array.from(await (model.predict(x) as Tensor).data()), Array.from(await x.data()), 'a model from an input to itself is the identity');
});

for (const c of CASES) {
  test(`contract: ${c.label}`, async (t) => {
    const xs = makeInputs(c);

    await t.test('shape: float32 outputs of computeOutputShape(input shape), batch included, finite', todo(c, 'shape'), async () => {
      const layer = c.make();
      const out = run(c, layer, xs, false);
      const want = shapeList(layer.computeOutputShape(inputShapes(c)));
      assert.deepEqual(
        out.map((o) => [...o.shape]),
        want.map((s) => [...s]),
        `${c.label}: output shape(s) ${fmt(out.map((o) => o.shape))}; computeOutputShape says ${fmt(want)}`,
      );
      for (const [k, o] of out.entries()) {
        assert.equal(o.dtype, c.outputDtype ?? 'float32', `${c.label}: output ${k} dtype`);
        const v = (await o.data()) as ArrayLike<number>;
        for (let i = 0; i < v.length; i++) assert.ok(Number.isFinite(v[i]), `${c.label}: output ${k}[${i}] = ${v[i]}`);
      }
    });

    await t.test('symbolic: apply(Input(...)) gives the same shapes', todo(c, 'symbolic'), () => {
      const concrete = c.make();
      const want = shapeList(concrete.computeOutputShape(inputShapes(c)));
      for (const batch of ['keep', 'null'] as const) {
        const layer = c.make();
        const out = layer.apply(callArg(c, symbolicInputs(c, batch)));
        const got = (Array.isArray(out) ? (out as SymbolicTensor[]) : [out as SymbolicTensor]).map((s) => [...s.shape]);
        const expected = want.map((s) => (batch === 'keep' ? [...s] : [null, ...s.slice(1)]));
        assert.deepEqual(got, expected, `${c.label}: symbolic output shape(s) with ${batch === 'keep' ? 'a known' : 'an unknown'} batch: ${fmt(got)}, expected ${fmt(expected)}`);
      }
    });

    await t.test(`params: ${c.trainable} trainable + ${c.nonTrainable} non-trainable (Keras' formula)`, todo(c, 'params'), () => {
      const layer = c.make();
      run(c, layer, xs, false);
      assert.ok(layer.built, `${c.label}: built after a call`);
      const count = (ws: readonly nt.Variable[]): number => ws.reduce((s, w) => s + w.size, 0);
      assert.equal(layer.countParams(), c.trainable + c.nonTrainable, `${c.label}: countParams()`);
      assert.equal(count(layer.trainableWeights), c.trainable, `${c.label}: trainable parameters (${layer.trainableWeights.map((w) => `${w.name} [${w.shape.join(', ')}]`).join(', ')})`);
      assert.equal(count(layer.nonTrainableWeights), c.nonTrainable, `${c.label}: non-trainable parameters (${layer.nonTrainableWeights.map((w) => w.name).join(', ')})`);
    });

    await t.test('config: JSON round trip through deserializeLayer, same config and same output', todo(c, 'config'), async () => {
      const layer = c.make();
      const y = await values(run(c, layer, xs, false));
      const config = layer.getConfig();
      const serialized = JSON.parse(JSON.stringify({ class_name: layer.getClassName(), config }));
      const copy = nt.deserializeLayer(serialized);
      assert.equal(copy.getClassName(), c.className);
      assert.deepEqual(JSON.parse(JSON.stringify(copy.getConfig())), serialized.config, `${c.label}: the rebuilt layer's config`);
      run(c, copy, xs, false); // builds it
      assert.deepEqual(JSON.parse(JSON.stringify(copy.getConfig())), serialized.config, `${c.label}: the rebuilt layer's config after building`);
      copy.setWeights(layer.getWeights());
      const y2 = await values(run(c, copy, xs, false));
      const d = maxScaledDiff(y, y2);
      assert.ok(d <= 1e-6, `${c.label}: the rebuilt layer's output differs by ${d}`);
    });

    await t.test('weights: Keras names <layer>/<weight>, unique, trainable first', todo(c, 'weights'), () => {
      const layer: Layer = c.make();
      run(c, layer, xs, false);
      const names = layer.weights.map((w) => w.name);
      const want = c.weights.map((n) => (c.weightsAbsolute ? n : `${layer.name}/${n}`));
      const pattern = (n: string): RegExp => new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{n\\\}/g, '(_\\d+)?')}$`);
      assert.ok(names.length === want.length && names.every((n, i) => pattern(want[i]).test(n)), `${c.label}: weight names ${JSON.stringify(names)}, expected ${JSON.stringify(want)} ({n}: an optional _<number>)`);
      assert.equal(new Set(names).size, names.length, `${c.label}: weight names are unique`);
      assert.deepEqual(layer.trainableWeights.map((w) => w.name), names.slice(0, layer.trainableWeights.length), `${c.label}: trainable weights come first`);
    });

    await t.test(c.trainingDiffers ? 'training: true changes the output; inference is deterministic' : 'training: true gives the inference output; inference is deterministic', todo(c, 'training'), async () => {
      const layer = c.make();
      const a = await values(run(c, layer, xs, false));
      const b = await values(run(c, layer, xs, false));
      assert.equal(maxScaledDiff(a, b), 0, `${c.label}: two inference calls differ`);
      const tr = await values(run(c, layer, xs, true)); // last: BatchNormalization updates its moving statistics here
      const d = maxScaledDiff(a, tr);
      if (c.trainingDiffers) assert.ok(d > 1e-3, `${c.label}: training: true should change the output; max |Δ| ${d}`);
      else assert.equal(d, 0, `${c.label}: training: true changed the output by ${d}`);
    });
  });
}
