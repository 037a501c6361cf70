/**
 * CTC loss on cases small enough to enumerate by hand: two time steps, three classes
 * (blank 0), where every alignment is listed; its gradient against the hand-computed
 * softmax − posterior and by finite differences; the Keras 3 conventions (0-padded labels,
 * blank 0, logits), config and name, refusals, and a model trained with it. PyTorch is the
 * oracle on larger random cases in torch-ctc.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';

// Per-step probabilities of (blank, 1, 2); their logs are logits whose softmax is themselves.
const P = [
  [0.5, 0.3, 0.2],
  [0.1, 0.6, 0.3],
];
const logits = (batch: number): Tensor => nt.tensor(Array.from({ length: batch }, () => P.map((row) => row.map(Math.log))));

const near = (got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}: [${Array.from(got).join(', ')}] vs [${want.join(', ')}]`);
};

test('two steps by hand: every alignment of each label sequence, summed', async () => {
  // [1]: (1,1), (1,−), (−,1); [1, 2]: (1,2); []: (−,−); [2, 1]: (2,1).
  const want = [
    -Math.log(P[0][1] * P[1][1] + P[0][1] * P[1][0] + P[0][0] * P[1][1]),
    -Math.log(P[0][1] * P[1][2]),
    -Math.log(P[0][0] * P[1][0]),
    -Math.log(P[0][2] * P[1][1]),
  ];
  const yTrue = nt.tensor([[1, 0], [1, 2], [0, 0], [2, 1]]);
  near(await nt.losses.ctc(yTrue, logits(4)).data(), want, 1e-5, 'per sample');
  near(await new nt.losses.CTC().compute(yTrue, logits(4)).data(), [want.reduce((a, b) => a + b) / 4], 1e-5, 'mean over the batch');
  near(await new nt.losses.CTC({ reduction: 'sum' }).compute(yTrue, logits(4), nt.tensor([1, 0, 0, 2])).data(), [want[0] + 2 * want[3]], 1e-5, 'weighted sum');
  // [1, 1] needs a blank between the two 1s: three steps, and there are two.
  assert.ok((await nt.losses.ctc(nt.tensor([[1, 1]]), logits(1)).data())[0] > 1e29);
  // ctcLoss with the lengths given: the padding after a length is ignored, whatever it holds.
  near(await nt.losses.ctcLoss(nt.tensor([[1, 2], [2, 2]]), logits(2), [1, 1], [2, 2]).data(), [want[0], -Math.log(P[0][2] * P[1][2] + P[0][2] * P[1][0] + P[0][0] * P[1][2])], 1e-5, 'ctcLoss');
  // An output length of 1: only the first step counts ([1]: the path (1)).
  near(await nt.losses.ctcLoss(nt.tensor([[1]]), logits(1), [1], [1]).data(), [-Math.log(P[0][1])], 1e-5, 'one step');
});

test('the gradient is softmax − the posterior occupancy of each class (by hand), and matches finite differences', async () => {
  const x = logits(1);
  const [g] = nt.grads((z: Tensor) => nt.sum(nt.losses.ctc(nt.tensor([[1]]), z)))([x]);
  // Paths of [1] with probability 0.18 (1,1), 0.03 (1,−), 0.30 (−,1); total 0.51.
  const post = [
    [0.3 / 0.51, 0.21 / 0.51, 0],
    [0.03 / 0.51, 0.48 / 0.51, 0],
  ];
  near(await g.data(), P.flatMap((row, t) => row.map((p, k) => p - post[t][k])), 1e-5, 'gradient');
  // [1, 2, 2] in 4 steps: one alignment per position of the blank the repeat needs, and a skip-free path.
  await checkGradients((z: Tensor) => nt.losses.ctc(nt.tensor([[1, 2, 2]]), z), [randn([1, 4, 3], 3)], { name: 'ctc' });
});

test('CTC: name, config, Keras 3 conventions and refusals', async () => {
  const loss = nt.losses.getLoss('ctc');
  assert.equal(loss.getClassName(), 'CTC');
  assert.deepEqual(loss.getConfig(), { name: 'ctc', reduction: 'sum_over_batch_size' });
  const back = nt.losses.getLoss({ class_name: 'CTC', config: { name: 'my_ctc', reduction: 'sum', dtype: 'float32' } });
  assert.deepEqual(back.getConfig(), { name: 'my_ctc', reduction: 'sum' });
  assert.throws(() => nt.losses.ctc(nt.tensor([1, 2]), logits(1)), /ctc: y_true must have shape \[batch, maxLabelLength\]/);
  assert.throws(() => nt.losses.ctc(nt.tensor([[1]]), nt.tensor([[0.1, 0.2]])), /ctc: y_pred must have shape \[batch, time, classes\]/);
  // Value checks throw from the call where the values can be read then, else (made on a GPU) from the next read.
  const rejects = (f: () => Tensor, message: RegExp): Promise<void> => assert.rejects(async () => {
    await f().data();
  }, message);
  await rejects(() => nt.losses.ctc(nt.tensor([[3]]), logits(1)), /label 3 \(sample 0, position 0\) is outside \[0, 3\)/);
  await rejects(() => nt.losses.ctcLoss(nt.tensor([[1]]), logits(1), [2], null), /label length 2 of sample 0 is outside \[0, 1\]/);
  await rejects(() => nt.losses.ctcLoss(nt.tensor([[1]]), logits(1), [1], [3]), /output length 3 of sample 0 is outside \[1, 2\]/);
  assert.throws(() => nt.losses.ctcLoss(nt.tensor([[1]]), logits(1), [1], null, 3), /maskIndex must be an integer in \[0, 3\)/);
  assert.throws(() => nt.losses.ctcLoss(nt.tensor([[1], [1]]), logits(1), [1, 1], null), /different batch sizes/);
});

test('a model trained with loss "ctc" learns to emit its label sequences', async () => {
  const [B, T, F, K] = [6, 4, 3, 4];
  const x = randn([B, T, F], 11);
  const y = nt.tensor(Array.from({ length: B }, (_, b) => [1 + (b % 3), 1 + ((b + 1) % 3)]));
  const model = new nt.Sequential([new nt.Dense({ units: 16, activation: 'tanh', inputShape: [T, F] }), new nt.Dense({ units: K })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.05 }), loss: 'ctc' });
  const history = await model.fit(x, y, { epochs: 10, batchSize: 3, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
});
