/**
 * CTC loss against PyTorch's torch.nn.functional.ctc_loss (python3-torch, float64) on random
 * logits: per-sample values and gradients with respect to the logits, for Keras 3's
 * convention (`nt.losses.CTC`: blank 0, labels 0-padded, every time step) and for
 * `ctcLoss` with per-sample output lengths and the blank last (Keras 2 / TensorFlow's
 * convention). PyTorch takes log-probabilities [time, batch, classes], so it gets
 * log_softmax of the same logits; its gradient is taken through that log_softmax, with
 * respect to the logits, as ours. Not an engine file: it spawns python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const torchMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-torch is not installed (Debian python3-torch; scripts/setup.sh installs it)';
})();

interface TorchCase {
  readonly logits: number[];
  readonly shape: number[];
  readonly targets: number[];
  readonly maxLabel: number;
  readonly targetLengths: number[];
  readonly inputLengths: number[];
  readonly blank: number;
  /** The cotangent of the per-sample losses (their weights in the scalar whose gradient is compared); empty: no gradient. */
  readonly weights: number[];
}

/** PyTorch's per-sample losses and d(Σ w·loss)/d(logits), in float64. */
function torchCtc(cases: readonly TorchCase[]): { loss: number[]; grad: number[] }[] {
  const script = `
import json, sys, torch
out = []
for c in json.load(sys.stdin):
    B, T, K = c['shape']
    x = torch.tensor(c['logits'], dtype=torch.float64).reshape(B, T, K).requires_grad_(True)
    lp = torch.log_softmax(x, -1).transpose(0, 1)
    tg = torch.tensor(c['targets'], dtype=torch.long).reshape(B, c['maxLabel'])
    loss = torch.nn.functional.ctc_loss(lp, tg, torch.tensor(c['inputLengths']), torch.tensor(c['targetLengths']), blank=c['blank'], reduction='none', zero_infinity=False)
    if not c['weights']:
        out.append({'loss': loss.tolist(), 'grad': []})
        continue
    (loss * torch.tensor(c['weights'], dtype=torch.float64)).sum().backward()
    out.append({'loss': loss.tolist(), 'grad': x.grad.reshape(-1).tolist()})
json.dump(out, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  // Python's json writes an infinite loss as Infinity.
  return JSON.parse(r.stdout.replace(/-?Infinity/g, (m) => (m.startsWith('-') ? '-1e999' : '1e999'))) as { loss: number[]; grad: number[] }[];
}

function assertClose(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  assert.ok(worst <= tol, `${what}: worst relative difference ${worst.toExponential(2)} > ${tol}\n got  ${Array.from(got).slice(0, 8).join(', ')}\n want ${want.slice(0, 8).join(', ')}`);
}

/** d(Σ w·loss)/d(logits) and the per-sample losses by Neurite. */
function neurite(f: (x: Tensor) => Tensor, logits: Tensor, weights: readonly number[]): { loss: Tensor; grad: Tensor } {
  const loss = f(logits);
  const [grad] = nt.grads((x: Tensor) => nt.sum(nt.mul(f(x), nt.tensor([...weights]))))([logits]);
  return { loss, grad };
}

/** The three cases, one python process for all (importing torch takes most of the time). */
const KERAS = { B: 5, T: 12, K: 6, L: 5, logits: nt.mul(randn([5, 12, 6], 7), 2), weights: [0.7, -1.3, 0.4, 1.1, 0.9],
  // Repeats (2, 2 needs a blank between them), an empty sequence, a full-length one.
  labels: [[2, 2, 3, 0, 0], [1, 5, 4, 3, 2], [0, 0, 0, 0, 0], [4, 0, 0, 0, 0], [3, 3, 3, 1, 0]] };
const LENGTHS = { B: 4, T: 9, K: 5, L: 4, logits: randn([4, 9, 5], 21), weights: [1, 0.5, -0.8, 1.6],
  // Label 0 is a class here (the blank is K − 1); padding past the lengths holds arbitrary values (9).
  labels: [[0, 0, 1, 3], [2, 1, 3, 3], [3, 9, 9, 9], [1, 2, 0, 3]], targetLengths: [3, 4, 1, 4], inputLengths: [9, 7, 2, 8] };
// [1, 1] needs 3 steps (1, blank, 1); there are 2.
const SHORT = { logits: randn([1, 2, 3], 5) };

let reference: Promise<{ loss: number[]; grad: number[] }[]> | null = null;
function torchReference(): Promise<{ loss: number[]; grad: number[] }[]> {
  reference ??= (async () => torchCtc([
    { logits: Array.from(await KERAS.logits.data()), shape: [KERAS.B, KERAS.T, KERAS.K], targets: KERAS.labels.flat(), maxLabel: KERAS.L, targetLengths: KERAS.labels.map((r) => r.filter((v) => v !== 0).length), inputLengths: Array(KERAS.B).fill(KERAS.T), blank: 0, weights: KERAS.weights },
    { logits: Array.from(await LENGTHS.logits.data()), shape: [LENGTHS.B, LENGTHS.T, LENGTHS.K], targets: LENGTHS.labels.flat().map((v) => (v === 9 ? 0 : v)), maxLabel: LENGTHS.L, targetLengths: LENGTHS.targetLengths, inputLengths: LENGTHS.inputLengths, blank: LENGTHS.K - 1, weights: LENGTHS.weights },
    { logits: Array.from(await SHORT.logits.data()), shape: [1, 2, 3], targets: [1, 1], maxLabel: 2, targetLengths: [2], inputLengths: [2], blank: 0, weights: [] },
  ]))();
  return reference;
}

test('CTC (Keras 3: blank 0, 0-padded labels, every time step) equals torch ctc_loss in values and gradients', { skip: unavailable(torchMissing) }, async () => {
  const { B, logits, labels, weights } = KERAS;
  const yTrue = nt.tensor(labels);
  const ctc = new nt.losses.CTC({ reduction: 'none' });
  const ours = neurite((x) => ctc.compute(yTrue, x), logits, weights);
  const [ref] = await torchReference();
  assertClose(await ours.loss.data(), ref.loss, 2e-6, 'per-sample losses');
  assertClose(await ours.grad.data(), ref.grad, 2e-5, 'gradients');
  // The default reduction is the mean over the batch (not PyTorch's 'mean', which divides by label lengths first).
  const mean = (await new nt.losses.CTC().compute(yTrue, logits).data())[0];
  assert.ok(Math.abs(mean - ref.loss.reduce((a, b) => a + b, 0) / B) < 1e-4, `mean ${mean}`);
  // By name and from int32 labels alike.
  const byName = await nt.losses.getLoss('ctc').compute(nt.cast(yTrue, 'int32'), logits).data();
  assert.ok(Math.abs(byName[0] - mean) < 1e-6);
});

test('ctcLoss with per-sample output lengths and the blank last equals torch ctc_loss', { skip: unavailable(torchMissing) }, async () => {
  const { T, K, logits, labels, weights, targetLengths, inputLengths } = LENGTHS;
  const ours = neurite((x) => nt.losses.ctcLoss(nt.tensor(labels), x, targetLengths, nt.tensor(inputLengths), K - 1), logits, weights);
  const [, ref] = await torchReference();
  assertClose(await ours.loss.data(), ref.loss, 2e-6, 'per-sample losses');
  assertClose(await ours.grad.data(), ref.grad, 2e-5, 'gradients');
  // Steps past a sample's output length get no gradient, in both.
  const g = await ours.grad.data();
  for (let t = 2; t < T; t++) for (let k = 0; k < K; k++) assert.equal(g[(2 * T + t) * K + k], 0, `sample 2, step ${t}`);
});

test('a label sequence that needs more steps than there are gets a huge finite loss (PyTorch: inf)', { skip: unavailable(torchMissing) }, async () => {
  const loss = (await nt.losses.ctc(nt.tensor([[1, 1]]), SHORT.logits).data())[0];
  const [, , ref] = await torchReference();
  assert.equal(ref.loss[0], Infinity);
  assert.ok(Number.isFinite(loss) && loss > 1e29, `${loss}`);
});
