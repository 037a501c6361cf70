/**
 * PolynomialDecay and CosineDecayRestarts: Keras' formulas, and PyTorch's PolynomialLR and
 * CosineAnnealingWarmRestarts (python3-torch) step by step where the two define the same
 * schedule; configs round-trip through the optimizer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const torchMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 ? null : 'python3-torch is not installed (scripts/setup.sh installs it)';
})();

test('PolynomialDecay and CosineDecayRestarts follow Keras\' formulas (cycle, tMul 1 and 2, mMul, alpha)', () => {
  const p = new nt.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 0.5 });
  assert.equal(p.call(0), 0.1);
  assert.ok(Math.abs(p.call(5) - (0.09 * Math.sqrt(0.5) + 0.01)) < 1e-12);
  assert.equal(p.call(10), 0.01);
  assert.equal(p.call(25), 0.01);
  const cyc = new nt.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, cycle: true });
  // Step 15: decay over 20 steps → (0.1 − 1e-4)·(1 − 15/20) + 1e-4.
  assert.ok(Math.abs(cyc.call(15) - ((0.1 - 1e-4) * 0.25 + 1e-4)) < 1e-12);
  assert.equal(cyc.call(0), 0.1);
  const r = new nt.CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 1, mMul: 0.5, alpha: 0.1 });
  // Restart 1, a third of the way: 0.9·½·0.5·(1 + cos(π/3)) + 0.1.
  assert.ok(Math.abs(r.call(13 + 1 / 3) - (0.9 * 0.5 * 0.5 * (1 + Math.cos(Math.PI / 3)) + 0.1)) < 1e-9);
  const g = new nt.CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10 });
  // tMul 2: periods 10, 20, 40 → step 20 is halfway through the second period.
  assert.ok(Math.abs(g.call(20) - 0.5) < 1e-9);
  assert.ok(Math.abs(g.call(30) - 1) < 1e-9, 'a restart at step 30');
  assert.throws(() => new nt.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 0 }), /decaySteps/);
  assert.throws(() => new nt.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul: 0 }), /tMul/);
});

test('they equal PyTorch PolynomialLR and CosineAnnealingWarmRestarts step by step (python3-torch)', { skip: unavailable(torchMissing) }, () => {
  const script = `
import json, torch
def run(make, n):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    s = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]['lr'])
        opt.step(); s.step()
    return out
poly = run(lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=12, power=2.0), 20)
sgdr = run(lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.03), 40)
flat = run(lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=1, eta_min=0.0), 30)
print(json.dumps({'poly': poly, 'sgdr': sgdr, 'flat': flat}))
`;
  const r = spawnSync(PYTHON, ['-W', 'ignore', '-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const torch = JSON.parse(r.stdout) as { poly: number[]; sgdr: number[]; flat: number[] };
  // PyTorch's PolynomialLR decays to 0: endLearningRate 0.
  const poly = new nt.PolynomialDecay({ initialLearningRate: 0.3, decaySteps: 12, power: 2, endLearningRate: 0 });
  const sgdr = new nt.CosineDecayRestarts({ initialLearningRate: 0.3, firstDecaySteps: 5, tMul: 2, alpha: 0.1 });
  const flat = new nt.CosineDecayRestarts({ initialLearningRate: 0.3, firstDecaySteps: 7, tMul: 1 });
  for (const [name, s, ref] of [['poly', poly, torch.poly], ['sgdr', sgdr, torch.sgdr], ['flat', flat, torch.flat]] as const) {
    ref.forEach((lr, step) => assert.ok(Math.abs(s.call(step) - lr) < 1e-9, `${name} step ${step}: ${s.call(step)} vs PyTorch ${lr}`));
  }
});

test('the new schedules drive an optimizer and round-trip through its config', async () => {
  const s = new nt.CosineDecayRestarts({ initialLearningRate: 0.2, firstDecaySteps: 4, mMul: 0.8 });
  const opt = new nt.SGD({ learningRate: s });
  const back = nt.getOptimizer(JSON.parse(JSON.stringify(nt.serializeOptimizer(opt))) as nt.Serialized);
  const sched = (back.getConfig().learning_rate as { class_name: string }).class_name;
  assert.equal(sched, 'CosineDecayRestarts');
  const p2 = nt.getSchedule(JSON.parse(JSON.stringify(nt.serializeSchedule(new nt.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 7, cycle: true, power: 3 })))) as nt.Serialized) as nt.PolynomialDecay;
  assert.deepEqual([p2.decaySteps, p2.cycle, p2.power, p2.endLearningRate], [7, true, 3, 1e-4]);
  const w = new nt.Variable(nt.tensor([1]));
  for (let i = 0; i < 3; i++) opt.applyGradients([[nt.tensor([1]), w]]);
  // Steps 0, 1, 2 of the schedule: the parameter moved by their sum.
  const moved = 1 - (await w.data())[0];
  assert.ok(Math.abs(moved - (s.call(0) + s.call(1) + s.call(2))) < 1e-6, `moved ${moved}`);
});
