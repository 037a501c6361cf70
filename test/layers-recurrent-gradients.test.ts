/**
 * Gradients through the sequence layers against central finite differences (see
 * helpers/gradcheck.ts for the method and tolerances): with respect to the input sequence,
 * the initial states and every weight, for SimpleRNN, LSTM, GRU (resetAfter true and
 * false), last output / returnSequences / returnState, goBackwards, masks, dropout and
 * recurrent dropout (seeded), Bidirectional in every merge mode, TimeDistributed,
 * Embedding, Masking and the masked GlobalAveragePooling1D. Sizes are small (batch 2,
 * 4 steps, 3 features, 3 units) so every weight element is compared or sampled.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { checkGradients, randn, totals } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';

after(() => console.log(`# gradcheck (recurrent layers): ${totals.calls} checks, ${totals.elements} input elements compared`));

const MASK = nt.tensor([[1, 1, 0, 1], [0, 1, 1, 0]]);

/** Several outputs as one tensor (flattened and joined), so one cotangent covers them all. */
function joined(out: nt.Tensor | nt.Tensor[]): nt.Tensor {
  const list = Array.isArray(out) ? out : [out];
  return list.length === 1 ? list[0] : nt.concat(list.map((t) => nt.reshape(t, [-1])), 0);
}

interface Case {
  readonly name: string;
  readonly layer: nt.Layer;
  readonly mask?: nt.Tensor;
  readonly training?: boolean;
  /** Extra inputs after the sequence: initial states. */
  readonly states?: number;
}

/** Checks input (and initial-state) gradients and weight gradients of one layer call. */
async function checkCase(c: Case, seed: number): Promise<void> {
  const x = randn([2, 4, 3], seed, 0.6);
  const units = (c.layer as nt.RecurrentLayer).units ?? 3;
  const states = Array.from({ length: c.states ?? 0 }, (_, i) => randn([2, units], seed + 10 + i, 0.5));
  const run = (...ts: nt.Tensor[]): nt.Tensor => {
    if (c.training) nt.setSeed(1234);
    const input = ts.length > 1 ? ts : ts[0];
    return joined(c.layer.apply(input, { mask: c.mask, training: c.training }) as nt.Tensor | nt.Tensor[]);
  };
  run(x, ...states);
  await checkGradients(run, [x, ...states], { name: `${c.name} (input${states.length ? ', initial states' : ''})`, seed, minGradient: 0 });
  await checkWeightGradients(() => run(x, ...states), c.layer.trainableWeights, { name: c.name, seed });
}

test('SimpleRNN, LSTM, GRU: input and weight gradients (outputs, sequences, states, goBackwards)', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  const cases: Case[] = [
    { name: 'SimpleRNN last output', layer: new nt.SimpleRNN({ units: 3 }) },
    { name: 'SimpleRNN sequences, softplus', layer: new nt.SimpleRNN({ units: 3, returnSequences: true, activation: 'softplus' }) },
    { name: 'LSTM sequences', layer: new nt.LSTM({ units: 3, returnSequences: true }) },
    { name: 'LSTM last + returnState [h, c]', layer: new nt.LSTM({ units: 3, returnState: true }) },
    { name: 'GRU resetAfter sequences', layer: new nt.GRU({ units: 3, returnSequences: true }) },
    { name: 'GRU resetAfter=false returnState', layer: new nt.GRU({ units: 3, resetAfter: false, returnState: true }) },
    { name: 'LSTM goBackwards sequences', layer: new nt.LSTM({ units: 3, goBackwards: true, returnSequences: true }) },
    { name: 'GRU goBackwards', layer: new nt.GRU({ units: 3, goBackwards: true }) },
    { name: 'LSTM without bias, tanh gates', layer: new nt.LSTM({ units: 3, useBias: false, recurrentActivation: 'tanh', returnSequences: true }) },
  ];
  for (const [i, c] of cases.entries()) await checkCase(c, 10 + i);
});

test('initial states: gradients reach them (LSTM [x, h0, c0], GRU [x, h0], SimpleRNN)', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  await checkCase({ name: 'LSTM initial states', layer: new nt.LSTM({ units: 3, returnSequences: true }), states: 2 }, 30);
  await checkCase({ name: 'GRU initial state', layer: new nt.GRU({ units: 3, returnState: true }), states: 1 }, 31);
  await checkCase({ name: 'SimpleRNN initial state, masked', layer: new nt.SimpleRNN({ units: 3, returnSequences: true }), states: 1, mask: MASK }, 32);
});

test('masks: gradients with masked steps (first step masked too), goBackwards, returnState', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  const cases: Case[] = [
    { name: 'LSTM masked sequences', layer: new nt.LSTM({ units: 3, returnSequences: true }), mask: MASK },
    { name: 'LSTM masked returnState', layer: new nt.LSTM({ units: 3, returnState: true }), mask: MASK },
    { name: 'GRU masked sequences', layer: new nt.GRU({ units: 3, returnSequences: true }), mask: MASK },
    { name: 'GRU resetAfter=false masked', layer: new nt.GRU({ units: 3, resetAfter: false }), mask: MASK },
    { name: 'SimpleRNN masked, zero output for mask', layer: new nt.SimpleRNN({ units: 3, returnSequences: true, zeroOutputForMask: true }), mask: MASK },
    { name: 'LSTM masked goBackwards', layer: new nt.LSTM({ units: 3, returnSequences: true, goBackwards: true }), mask: MASK },
  ];
  for (const [i, c] of cases.entries()) await checkCase(c, 40 + i);
});

test('masked steps pass no gradient back: d(outputs)/d(x at a masked step) is exactly 0', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  for (const layer of [new nt.LSTM({ units: 3, returnSequences: true, returnState: true }), new nt.GRU({ units: 3, returnSequences: true }), new nt.SimpleRNN({ units: 3, goBackwards: true })]) {
    const x = randn([2, 4, 3], 7);
    const g = nt.grads((t) => nt.sum(nt.square(joined(layer.apply(t, { mask: MASK }) as nt.Tensor | nt.Tensor[]))))([x])[0];
    const gd = (await g.array()) as number[][][];
    const m = (await MASK.array()) as number[][];
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 4; t++) {
        const norm = gd[b][t].reduce((s, v) => s + Math.abs(v), 0);
        if (m[b][t] === 0) assert.equal(norm, 0, `${layer.getClassName()}: gradient at masked step (${b}, ${t})`);
        else assert.ok(norm > 0, `${layer.getClassName()}: no gradient at unmasked step (${b}, ${t})`);
      }
    }
  }
});

test('dropout and recurrent dropout in training (seeded masks): gradients', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  const cases: Case[] = [
    { name: 'LSTM dropout', layer: new nt.LSTM({ units: 3, dropout: 0.3, returnSequences: true }), training: true },
    { name: 'LSTM dropout + recurrentDropout (per-gate masks)', layer: new nt.LSTM({ units: 3, dropout: 0.3, recurrentDropout: 0.3, returnSequences: true }), training: true },
    { name: 'GRU recurrentDropout', layer: new nt.GRU({ units: 3, recurrentDropout: 0.4, returnSequences: true }), training: true },
    { name: 'GRU resetAfter=false dropout + recurrentDropout', layer: new nt.GRU({ units: 3, resetAfter: false, dropout: 0.2, recurrentDropout: 0.4, returnSequences: true }), training: true },
    { name: 'SimpleRNN dropout + recurrentDropout, masked', layer: new nt.SimpleRNN({ units: 3, dropout: 0.25, recurrentDropout: 0.25, returnSequences: true }), training: true, mask: MASK },
  ];
  for (const [i, c] of cases.entries()) await checkCase(c, 60 + i);
});

test('Bidirectional: every merge mode, returnState, masks', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  const cases: Case[] = [
    { name: "Bidirectional(LSTM) 'concat' sequences", layer: new nt.Bidirectional({ layer: new nt.LSTM({ units: 3, returnSequences: true }) }) },
    { name: "Bidirectional(GRU) 'sum'", layer: new nt.Bidirectional({ layer: new nt.GRU({ units: 3 }), mergeMode: 'sum' }) },
    { name: "Bidirectional(SimpleRNN) 'mul' sequences", layer: new nt.Bidirectional({ layer: new nt.SimpleRNN({ units: 3, returnSequences: true }), mergeMode: 'mul' }) },
    { name: "Bidirectional(LSTM) 'ave'", layer: new nt.Bidirectional({ layer: new nt.LSTM({ units: 3 }), mergeMode: 'ave' }) },
    { name: 'Bidirectional(GRU) null (list)', layer: new nt.Bidirectional({ layer: new nt.GRU({ units: 3, returnSequences: true }), mergeMode: null }) },
    { name: 'Bidirectional(LSTM) returnState, masked', layer: new nt.Bidirectional({ layer: new nt.LSTM({ units: 3, returnSequences: true, returnState: true }) }), mask: MASK },
    { name: 'Bidirectional(GRU) masked last output', layer: new nt.Bidirectional({ layer: new nt.GRU({ units: 3 }) }), mask: MASK },
  ];
  for (const [i, c] of cases.entries()) await checkCase(c, 80 + i);
});

test('TimeDistributed(Dense) and TimeDistributed(Conv1D): gradients', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  await checkCase({ name: 'TimeDistributed(Dense tanh)', layer: new nt.TimeDistributed({ layer: new nt.Dense({ units: 2, activation: 'tanh' }) }) }, 100);
  const td = new nt.TimeDistributed({ layer: new nt.Conv1D({ filters: 2, kernelSize: 2 }) });
  const x = randn([2, 3, 4, 2], 101);
  td.apply(x);
  await checkGradients((t) => td.apply(t) as nt.Tensor, [x], { name: 'TimeDistributed(Conv1D) input' });
  await checkWeightGradients(() => td.apply(x) as nt.Tensor, td.trainableWeights, { name: 'TimeDistributed(Conv1D)', seed: 102 });
});

test('Embedding (weights through gather), Embedding(maskZero) → LSTM, Masking → GRU, masked GlobalAveragePooling1D', async () => {
  nt.clearSession();
  nt.setSeed(2024);
  const ids = nt.tensor([[3, 1, 0, 0], [2, 4, 4, 0]], [2, 4], 'int32');
  const emb = new nt.Embedding({ inputDim: 5, outputDim: 3 });
  await checkWeightGradients(() => emb.apply(ids) as nt.Tensor, emb.trainableWeights, { name: 'Embedding', seed: 110 });
  const model = new nt.Sequential([new nt.Embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4 }), new nt.LSTM({ units: 3, returnSequences: true })]);
  await checkWeightGradients(() => model.forward([ids], false)[0], model.trainableWeights, { name: 'Embedding(maskZero) → LSTM', seed: 111 });
  // Masking: the masked steps are held at exactly maskValue inside f, so perturbing them cannot unmask them.
  const keep = nt.tensor([[1, 0, 1, 1], [1, 1, 1, 0]]).reshape([2, 4, 1]);
  const masking = new nt.Masking({ maskValue: 0 });
  const gru = new nt.GRU({ units: 3, returnSequences: true });
  const f = (t: nt.Tensor): nt.Tensor => {
    const xm = nt.mul(t, keep);
    return gru.apply(masking.apply(xm), { mask: masking.computeMask(xm) as nt.Tensor }) as nt.Tensor;
  };
  await checkGradients(f, [randn([2, 4, 3], 112)], { name: 'Masking → GRU input' });
  const gap = new nt.GlobalAveragePooling1D();
  await checkGradients((t) => gap.apply(t, { mask: MASK }) as nt.Tensor, [randn([2, 4, 3], 113)], { name: 'GlobalAveragePooling1D masked', minGradient: 0 });
});
