/**
 * GroupNormalization, RMSNormalization, UnitNormalization and Identity: Keras' formulas
 * written out as loops, PyTorch's group_norm (python3-torch) on the same values, gradients
 * by finite differences, configs and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const torchMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 ? null : 'python3-torch is not installed (scripts/setup.sh installs it)';
})();

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Group normalization of NHWC data [B, P, C] (P = every axis between), as loops. */
function groupNormReference(x: ArrayLike<number>, B: number, P: number, C: number, G: number, eps: number, gamma: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  const out = new Float64Array(B * P * C);
  const per = C / G;
  for (let b = 0; b < B; b++) for (let g = 0; g < G; g++) {
    let s = 0;
    for (let p = 0; p < P; p++) for (let c = g * per; c < (g + 1) * per; c++) s += x[(b * P + p) * C + c];
    const mean = s / (P * per);
    let v = 0;
    for (let p = 0; p < P; p++) for (let c = g * per; c < (g + 1) * per; c++) v += (x[(b * P + p) * C + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / (P * per) + eps);
    for (let p = 0; p < P; p++) for (let c = g * per; c < (g + 1) * per; c++) out[(b * P + p) * C + c] = (x[(b * P + p) * C + c] - mean) * inv * gamma[c] + beta[c];
  }
  return out;
}

test('GroupNormalization equals the formula (groups 4, instance normalization -1, and 1), with Keras defaults', async () => {
  const x = randn([2, 5, 3, 8], 1, 2);
  const xd = await x.data();
  for (const groups of [4, -1, 1]) {
    const layer = new nt.GroupNormalization({ groups, gammaInitializer: 'random_normal', betaInitializer: 'random_normal' });
    const y = await layer.apply(x).data();
    const [gamma, beta] = await Promise.all(layer.weights.map((w) => w.data()));
    const G = groups === -1 ? 8 : groups;
    assert.equal(layer.groups, G);
    assert.ok(maxDiff(y, groupNormReference(xd, 2, 15, 8, G, 1e-3, gamma, beta)) < 2e-5, `groups ${groups}`);
  }
  const d = new nt.GroupNormalization();
  assert.deepEqual([d.groups, d.epsilon, d.center, d.scale], [32, 1e-3, true, true]);
  assert.throws(() => new nt.GroupNormalization({ groups: 3 }).apply(x), /8 channels do not split into 3 groups/);
  assert.throws(() => new nt.GroupNormalization({ groups: 16 }).apply(x), /16 groups cannot be more than the 8 channels/);
  assert.throws(() => new nt.GroupNormalization({ groups: 0 }), /groups must be a positive integer or -1/);
});

test('GroupNormalization equals PyTorch group_norm on the same values (python3-torch)', { skip: unavailable(torchMissing) }, async () => {
  const layer = new nt.GroupNormalization({ groups: 2, epsilon: 1e-5, gammaInitializer: 'random_normal', betaInitializer: 'random_normal' });
  const x = randn([3, 4, 6, 6], 2);
  const y = await layer.apply(x).data();
  const [gamma, beta] = await Promise.all(layer.weights.map((w) => w.data()));
  const script = `
import json, sys, torch
p = json.load(sys.stdin)
x = torch.tensor(p['x'], dtype=torch.float64).reshape(3, 4, 6, 6).permute(0, 3, 1, 2)  # NHWC → NCHW
y = torch.nn.functional.group_norm(x, 2, torch.tensor(p['gamma'], dtype=torch.float64), torch.tensor(p['beta'], dtype=torch.float64), 1e-5)
json.dump(y.permute(0, 2, 3, 1).reshape(-1).tolist(), sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ x: Array.from(await x.data()), gamma: Array.from(gamma), beta: Array.from(beta) }), encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const d = maxDiff(y, JSON.parse(r.stdout) as number[]);
  assert.ok(d < 2e-5, `max |Neurite − PyTorch| = ${d}`);
});

test('RMSNormalization and UnitNormalization equal their formulas; UnitNormalization keeps a zero vector finite', async () => {
  const x = randn([3, 4, 5], 3, 2);
  const xd = await x.data();
  const rms = new nt.RMSNormalization({ epsilon: 1e-6 });
  const y = await rms.apply(x).data();
  assert.deepEqual(rms.weights.map((w) => [w.name.split('/').pop(), w.shape]), [['scale', [5]]]);
  const ref = new Float64Array(60);
  for (let r = 0; r < 12; r++) {
    let s = 0;
    for (let c = 0; c < 5; c++) s += xd[r * 5 + c] ** 2;
    for (let c = 0; c < 5; c++) ref[r * 5 + c] = xd[r * 5 + c] / Math.sqrt(s / 5 + 1e-6);
  }
  assert.ok(maxDiff(y, ref) < 2e-6);
  // Over axes [1, 2]: one scale per (step, feature).
  const both = new nt.RMSNormalization({ axis: [1, 2] });
  both.apply(x);
  assert.deepEqual(both.weights[0].shape, [4, 5]);

  const unit = await new nt.UnitNormalization().apply(x).data();
  for (let r = 0; r < 12; r++) {
    let s = 0;
    for (let c = 0; c < 5; c++) s += xd[r * 5 + c] ** 2;
    for (let c = 0; c < 5; c++) assert.ok(Math.abs(unit[r * 5 + c] - xd[r * 5 + c] / Math.sqrt(s)) < 2e-6);
  }
  const zero = await new nt.UnitNormalization().apply(nt.zeros([2, 3])).data();
  assert.deepEqual(Array.from(zero), [0, 0, 0, 0, 0, 0]);
});

test('GroupNormalization, RMSNormalization, UnitNormalization: gradients of inputs and weights match finite differences', async () => {
  const x = randn([2, 3, 4], 4);
  const gn = new nt.GroupNormalization({ groups: 2, gammaInitializer: 'random_normal', betaInitializer: 'random_normal' });
  const rms = new nt.RMSNormalization({ axis: [1, 2] });
  const unit = new nt.UnitNormalization({ axis: [1, 2] });
  for (const [name, layer] of [['GroupNormalization', gn], ['RMSNormalization', rms], ['UnitNormalization', unit]] as const) {
    const run = (v: Tensor): Tensor => layer.apply(v);
    run(x);
    await checkGradients(run, [x], { name: `${name} input` });
    if (layer.trainableWeights.length > 0) await checkWeightGradients(() => run(x), layer.trainableWeights, { name: `${name} weights`, seed: 5 });
  }
});

test('Identity passes its input (and a list) through; the new layers round-trip through their configs', async () => {
  const x = randn([2, 3], 6);
  const id = new nt.Identity();
  assert.equal(id.apply(x), x);
  const pair = id.apply([x, x] as unknown as nt.Tensor) as unknown as Tensor[];
  assert.equal(pair.length, 2);
  const model = new nt.Sequential([new nt.Dense({ units: 4, inputShape: [3] }), new nt.Identity(), new nt.GroupNormalization({ groups: 2 }), new nt.RMSNormalization(), new nt.UnitNormalization()]);
  const copy = nt.Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
  copy.setWeights(model.getWeights());
  assert.ok(maxDiff(await (model.predict(x) as Tensor).data(), await (copy.predict(x) as Tensor).data()) < 1e-7);
  // Planned predict (from its second call) equals the layers applied eagerly one by one.
  const eager = model.layers.reduce((t: Tensor, l) => l.apply(t) as Tensor, x);
  for (let i = 0; i < 3; i++) assert.ok(maxDiff(await (model.predict(x) as Tensor).data(), await eager.data()) < 1e-6, `predict call ${i}`);
  const cfg = model.getConfig() as unknown as { layers: { class_name: string; config: Record<string, unknown> }[] };
  const byClass = Object.fromEntries(cfg.layers.map((l) => [l.class_name, l.config]));
  assert.equal(byClass.GroupNormalization.groups, 2);
  assert.equal(byClass.RMSNormalization.epsilon, 1e-6);
  assert.equal(byClass.UnitNormalization.axis, -1);
});
