/**
 * The layer contract, files part: every entry of test/helpers/layer-contract-cases.ts (every
 * registered layer class) wrapped in a functional model (one Input per input, the layer's
 * outputs as the model's) with seeded random weights, then
 *  (a) the native single-file format: model.save(tmp/x.nw) + nt.loadModel → same config,
 *      same predictions;
 *  (b) Keras .h5: model.save(tmp/x.h5) + nt.loadModel → same config, same predictions; then
 *      h5py (/usr/bin/python3, one run for all files) reads each file as Keras' loader does:
 *      model_weights/<layer>/ with weight_names `<weight name>:0` and the values we saved;
 *  (c) ONNX: nt.io.exportOnnx(model, tmp/x.onnx) either succeeds and onnxruntime-node gives
 *      predict's outputs within |Δ| ≤ 1e-4·max(1, |y|), or refuses with an Error whose message
 *      names the layer's class. Any other failure (a crash, an ONNX file onnxruntime rejects,
 *      a wrong value, a refusal that does not say which layer) fails. The lists of exported and
 *      refused classes are printed.
 * Not an engine file (scripts/engine-files.mjs leaves it out): native backend only, it writes
 * temporary files.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { CASES, type Check, type ContractCase, makeInputs, wrapInModel } from './helpers/layer-contract-cases.js';
import { unavailable } from './helpers/oracle.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-contract-io-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const fileName = (c: ContractCase, ext: string): string => join(dir, `${c.label.replace(/[^A-Za-z0-9]+/g, '_')}.${ext}`);
const todo = (c: ContractCase, check: Check): { todo?: string } => (c.todo?.[check] ? { todo: c.todo[check] } : {});

/** A model around the entry's layer with seeded weights (variances and gammas kept positive). */
function seededModel(c: ContractCase): nt.Model {
  return seededWrap(c).model;
}

function seededWrap(c: ContractCase): { model: nt.Model; layer: nt.Layer } {
  const { model, layer } = wrapInModel(c);
  model.weights.forEach((w, i) => {
    const positive = /moving_variance|gamma|(^|\/)variance$/.test(w.name);
    w.assign(nt.randomUniform(w.shape, { seed: 100 + i, minval: positive ? 0.5 : -0.5, maxval: positive ? 1.5 : 0.5 }));
  });
  return { model, layer };
}

/** What each .h5 file must hold for its layer (read back by h5py after the .h5 test). */
interface H5Expectation {
  readonly label: string;
  readonly path: string;
  readonly layer: string;
  readonly weights: { name: string; shape: number[]; values: number[] }[];
}
const h5Written: H5Expectation[] = [];

function predictAll(model: nt.Model, xs: Tensor[]): Tensor[] {
  const y = model.predict(xs.length === 1 ? xs[0] : xs);
  return Array.isArray(y) ? y : [y];
}

function assertSame(label: string, want: readonly Tensor[], got: readonly Tensor[], tol: number): void {
  assert.equal(got.length, want.length, `${label}: number of outputs`);
  want.forEach((w, k) => {
    assert.deepEqual([...got[k].shape], [...w.shape], `${label}: shape of output ${k}`);
    const a = w.dataSync();
    const b = got[k].dataSync();
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (!(d <= tol * Math.max(1, Math.abs(a[i])))) assert.fail(`${label}: output ${k}[${i}] = ${b[i]}, expected ${a[i]} (|Δ| ${d})`);
    }
  });
}

const configJson = (m: nt.Model): unknown => JSON.parse(JSON.stringify(m.getConfig()));

/**
 * Weight names with the `_<number>` of inner auto-named layers dropped: a recurrent layer
 * names its cell as tf.keras 2 does ('lstm_7/lstm_cell_12/kernel'), and the cell a loaded
 * layer creates gets the next free number. The first part (the layer's own name) must match.
 */
const stableNames = (m: nt.Model): string[] => m.weights.map((w) => w.name.split('/').map((p, i) => (i === 0 ? p : p.replace(/_\d+$/, ''))).join('/'));

for (const [check, ext] of [['native', 'nw'], ['h5', 'h5']] as const) {
  test(`${check === 'native' ? 'native format (.nw)' : 'Keras .h5'}: save + loadModel gives the same config and predictions, for every layer`, async (t) => {
    for (const c of CASES) {
      await t.test(c.label, todo(c, check), async () => {
        const { model, layer } = seededWrap(c);
        const xs = makeInputs(c);
        const want = predictAll(model, xs);
        const path = fileName(c, ext);
        await model.save(path);
        if (check === 'h5') h5Written.push({ label: c.label, path, layer: layer.name, weights: layer.weights.map((w) => ({ name: `${w.name}:0`, shape: [...w.shape], values: Array.from(w.dataSync()) })) });
        const loaded = await nt.loadModel(path);
        assert.deepEqual(configJson(loaded), configJson(model), `${c.label}: config after ${check} save + load`);
        assert.deepEqual(stableNames(loaded), stableNames(model), `${c.label}: weight names after ${check} save + load`);
        assertSame(`${c.label} (${check})`, want, predictAll(loaded, xs), 1e-6);
      });
    }
  });
}

const PYTHON = '/usr/bin/python3';

// Keras 2's hdf5 loader's view of each file: model_weights/<layer> lists weight_names, each a dataset.
const H5PY_CHECK = String.raw`
import sys, json
import numpy as np
import h5py

def strs(v):
    return [x.decode('utf8') if hasattr(x, 'decode') else x for x in v]

out = {}
for e in json.load(open(sys.argv[1])):
    problems = []
    try:
        with h5py.File(e['path'], 'r') as f:
            for a in ('keras_version', 'backend', 'model_config'):
                if a not in f.attrs: problems.append('no root attribute ' + a)
            g = f['model_weights']
            if e['layer'] not in strs(g.attrs['layer_names']):
                problems.append('layer %s not in model_weights layer_names %r' % (e['layer'], strs(g.attrs['layer_names'])))
            else:
                lg = g[e['layer']]
                names = strs(lg.attrs['weight_names'])
                if names != [w['name'] for w in e['weights']]:
                    problems.append('weight_names %r, expected %r' % (names, [w['name'] for w in e['weights']]))
                for w in e['weights']:
                    if w['name'] not in lg:
                        problems.append('no dataset ' + w['name']); continue
                    ds = lg[w['name']]
                    if ds.dtype != np.float32 or list(ds.shape) != w['shape']:
                        problems.append('%s: %s %r, expected float32 %r' % (w['name'], ds.dtype, list(ds.shape), w['shape']))
                    elif not np.array_equal(ds[()].reshape(-1), np.array(w['values'], dtype=np.float32)):
                        problems.append(w['name'] + ': values differ')
    except Exception as ex:
        problems.append('h5py: %r' % ex)
    out[e['label']] = problems
print(json.dumps(out))
`;

test('Keras .h5: h5py finds each layer under model_weights/<layer> with its weight names and values', { skip: unavailable(existsSync(PYTHON) ? null : `${PYTHON} (python3-h5py) is missing`) }, async (t) => {
  assert.ok(h5Written.length > 0, 'the .h5 test wrote files');
  const manifest = join(dir, 'h5-manifest.json');
  writeFileSync(manifest, JSON.stringify(h5Written));
  const r = spawnSync(PYTHON, ['-c', H5PY_CHECK, manifest], { encoding: 'utf8' });
  assert.equal(r.status, 0, `h5py failed:\n${r.stderr}`);
  const problems = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, string[]>;
  for (const e of h5Written) {
    const c = CASES.find((k) => k.label === e.label) as ContractCase;
    await t.test(e.label, todo(c, 'h5'), () => {
      assert.ok(e.label in problems, `${e.label}: h5py did not report on the file`);
      assert.deepEqual(problems[e.label], [], `${e.label}: ${problems[e.label].join('; ')}`);
    });
  }
});

test('ONNX: every layer exports and matches onnxruntime-node, or refuses naming its class', async (t) => {
  const exported: string[] = [];
  const refused: string[] = [];
  for (const c of CASES) {
    await t.test(c.label, todo(c, 'onnx'), async () => {
      const model = seededModel(c);
      const xs = makeInputs(c);
      const path = fileName(c, 'onnx');
      try {
        await nt.io.exportOnnx(model, path);
      } catch (e) {
        assert.ok(e instanceof Error, `${c.label}: exportOnnx threw a non-Error: ${String(e)}`);
        assert.ok(e.message.includes(c.className), `${c.label}: exportOnnx failed without naming the class ${c.className}: ${e.message}`);
        assert.ok(!/Cannot read propert|is not a function|is not iterable|undefined|internal error/.test(e.message), `${c.label}: exportOnnx crashed: ${e.message}`);
        refused.push(`${c.label}: ${e.message}`);
        return;
      }
      const session = await ort.InferenceSession.create(path);
      const feeds: Record<string, ort.Tensor> = {};
      session.inputNames.forEach((name, i) => {
        const x = xs[i];
        feeds[name] = x.dtype === 'int32' ? new ort.Tensor('int32', x.dataSync() as Int32Array, [...x.shape]) : new ort.Tensor('float32', x.dataSync() as Float32Array, [...x.shape]);
      });
      const result = await session.run(feeds);
      const got = session.outputNames.map((name) => {
        const r = result[name];
        return nt.tensor(Float32Array.from(r.data as Float32Array), [...r.dims]);
      });
      await session.release();
      assertSame(`${c.label} (onnx)`, predictAll(model, xs), got, 1e-4);
      exported.push(c.label);
    });
  }
  t.diagnostic(`exported and equal (${exported.length}): ${exported.join(', ')}`);
  t.diagnostic(`refused (${refused.length}):\n${refused.join('\n')}`);
  console.log(`ONNX: exported and equal (${exported.length}): ${exported.join(', ')}\nONNX: refused (${refused.length}):\n  ${refused.join('\n  ')}`);
});
