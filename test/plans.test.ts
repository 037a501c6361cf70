/**
 * Planned execution (engine/plan.ts, fuse.ts, planner.ts) on the running backend: plans
 * give the results of eager execution (bit for bit where no fusion changes the arithmetic,
 * to float rounding where batch norm is folded), fuse what they should, are invalidated when
 * layers are frozen or the optimizer changes, see in-place weight changes without a
 * rebuild, and a model that reads values while it runs stays eager with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { NO_SYNC_READS, syncReads } from './helpers/read.js';

async function maxDiff(a: nt.Tensor, b: nt.Tensor): Promise<number> {
  const x = await a.data();
  const y = await b.data();
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

const eager = (m: nt.Model, xs: nt.Tensor[]): nt.Tensor[] => nt.noGrad(() => m.forward(xs, false));

/** Predicts (one batch) enough times for the plan to be built and replayed; returns the replayed result. */
function planned(m: nt.Model, x: nt.Tensor | nt.Tensor[]): nt.Tensor | nt.Tensor[] {
  for (let i = 0; i < 3; i++) m.predict(x, { batchSize: 1024 });
  return m.predict(x, { batchSize: 1024 });
}

function stateOf(m: nt.Model): nt.PlanState {
  const states = [...m.plans.states().values()];
  assert.equal(states.length, 1, 'one signature');
  return states[0];
}

test('an MLP predicts from a plan: bias and ReLU fused into the matmuls, the same numbers as eager', async () => {
  nt.setSeed(1);
  const m = new nt.Sequential([new nt.Dense({ units: 32, activation: 'relu', inputShape: [20] }), new nt.Dense({ units: 16, activation: 'relu' }), new nt.Dense({ units: 4, activation: 'softmax' })]);
  const x = nt.randomUniform([5, 20], { seed: 2 });
  const y = planned(m, x) as nt.Tensor;
  assert.equal(await maxDiff(y, eager(m, [x])[0]), 0);
  const s = stateOf(m);
  assert.equal(s.reason, null);
  assert.deepEqual(s.kernels, ['matmul', 'matmul', 'matmul', 'softmax']);
});

test('inference batch norm is folded into the convolution and the dense layer, and refolded when the statistics change', async () => {
  nt.setSeed(3);
  const m = new nt.Sequential([
    new nt.Conv2D({ filters: 8, kernelSize: 3, inputShape: [9, 9, 2] }), new nt.BatchNormalization(), new nt.Activation({ activation: 'relu' }),
    new nt.Flatten(), new nt.Dense({ units: 6 }), new nt.BatchNormalization(), new nt.Dense({ units: 3 }),
  ]);
  m.compile({ optimizer: new nt.SGD({ learningRate: 0.05 }), loss: 'mse' });
  const x = nt.randomUniform([4, 9, 9, 2], { seed: 4 });
  await m.fit(x, nt.randomUniform([4, 3], { seed: 5 }), { epochs: 2, verbose: 0 }); // moving statistics away from 0/1
  const y = planned(m, x) as nt.Tensor;
  assert.ok(await maxDiff(y, eager(m, [x])[0]) < 1e-5, 'folded ≈ unfolded');
  const kernels = stateOf(m).kernels ?? [];
  assert.ok(!kernels.includes('batchNorm'), `batch norm folded: ${kernels.join(', ')}`);
  assert.equal(kernels.filter((k) => k === 'foldBatchNorm').length, 2);
  assert.ok(!kernels.includes('unary'), 'the ReLU after the folded batch norm is fused into the convolution');
  // Changing the moving statistics in place (training, or setWeights) is seen at the next call.
  await m.fit(x, nt.randomUniform([4, 3], { seed: 6 }), { epochs: 1, verbose: 0 });
  assert.ok(await maxDiff(m.predict(x, { batchSize: 1024 }) as nt.Tensor, eager(m, [x])[0]) < 1e-5);
  const bn = m.layers.find((l) => l instanceof nt.BatchNormalization) as nt.BatchNormalization;
  bn.setWeights(bn.getWeights().map((w) => nt.mul(w, 1.5)));
  assert.ok(await maxDiff(m.predict(x, { batchSize: 1024 }) as nt.Tensor, eager(m, [x])[0]) < 1e-5, 'refolded after setWeights');
});

test('elementwise chains are fused into one kernel with the same results', async () => {
  nt.setSeed(7);
  const m = new nt.Sequential([
    new nt.Dense({ units: 24, inputShape: [10] }), new nt.Activation({ activation: 'sigmoid' }), new nt.Activation({ activation: 'softplus' }),
    new nt.LeakyReLU({ alpha: 0.2 }), new nt.Activation({ activation: 'tanh' }),
  ]);
  const x = nt.randomUniform([64, 10], { seed: 8, minval: -3, maxval: 3 });
  const y = planned(m, x) as nt.Tensor;
  assert.equal(await maxDiff(y, eager(m, [x])[0]), 0, 'each step rounds to float32 as separate kernels do');
  assert.deepEqual(stateOf(m).kernels, ['matmul', 'elementwiseChain']);
});

test('a functional model with two inputs and two outputs, an LSTM and an embedding predicts from a plan', async () => {
  nt.setSeed(9);
  const tokens = nt.Input({ shape: [6], dtype: 'int32' });
  const feats = nt.Input({ shape: [3] });
  const seq = new nt.LSTM({ units: 8 }).apply(new nt.Embedding({ inputDim: 20, outputDim: 5, maskZero: true }).apply(tokens)) as nt.SymbolicTensor;
  const joined = new nt.Concatenate().apply([seq, feats]) as nt.SymbolicTensor;
  const a = new nt.Dense({ units: 2, activation: 'softmax', name: 'a' }).apply(joined) as nt.SymbolicTensor;
  const b = new nt.Dense({ units: 1, name: 'b' }).apply(joined) as nt.SymbolicTensor;
  const m = new nt.Model({ inputs: [tokens, feats], outputs: [a, b] });
  const t = nt.tensor([[1, 4, 0, 0, 0, 0], [3, 3, 9, 12, 0, 0], [5, 6, 7, 8, 9, 19]], undefined, 'int32');
  const f = nt.randomUniform([3, 3], { seed: 10 });
  const [ya, yb] = planned(m, [t, f]) as nt.Tensor[];
  const [ea, eb] = eager(m, [t, f]);
  assert.equal(await maxDiff(ya, ea), 0);
  assert.equal(await maxDiff(yb, eb), 0);
  assert.equal(stateOf(m).reason, null);
  // The embedding's index check runs in the plan too.
  assert.throws(() => m.predict([nt.tensor([[1, 2, 3, 4, 5, 20], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], undefined, 'int32'), f]), /index 20 at position 5 .*outside \[0, 20\)/);
});

test('planned training follows eager training step by step (dropout masks included)', async () => {
  const run = async (runEagerly: boolean): Promise<{ losses: number[]; weights: nt.Tensor[]; state: nt.PlanState | null }> => {
    nt.setSeed(11);
    const m = new nt.Sequential([
      new nt.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }), new nt.MaxPooling2D({ poolSize: 2 }),
      new nt.Dropout({ rate: 0.3, seed: 5 }), new nt.Flatten(), new nt.Dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: new nt.SGD({ learningRate: 0.1, momentum: 0.5 }), loss: 'categorical_crossentropy', metrics: ['accuracy'], runEagerly });
    const x = nt.randomUniform([6, 8, 8, 1], { seed: 12 });
    const y = nt.utils.toCategorical(nt.tensor([0, 1, 2, 0, 1, 2], undefined, 'int32'), 3);
    const losses: number[] = [];
    for (let s = 0; s < 6; s++) losses.push(((await m.trainOnBatch(x, y)) as number[])[0]);
    const trainer = (m as unknown as { trainer: { plans: nt.Planner } }).trainer;
    return { losses, weights: m.getWeights(), state: [...trainer.plans.states().values()][0] ?? null };
  };
  const a = await run(true);
  const b = await run(false);
  assert.equal(a.state, null, 'runEagerly makes no plans');
  assert.ok(b.state?.kernels && b.state.kernels.includes('dropout'), 'the training step runs from a plan');
  assert.ok(b.state.kernels.includes('pool2dGradBiasRelu') && !b.state.kernels.includes('pool2dGrad'), `the pooling and conv epilogue gradients are fused: ${b.state.kernels.join(', ')}`);
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) < 1e-6, `step ${i}: eager ${l}, planned ${b.losses[i]}`));
  for (const [i, w] of a.weights.entries()) assert.ok(await maxDiff(w, b.weights[i]) < 1e-6, `weight ${i}`);
});

test('an EinsumDense bias over two trailing axes ([heads, keyDim], as attention projections have) moves into the matmul epilogue; a LayerNormalization is one kernel', async () => {
  nt.setSeed(4);
  const inp = nt.Input({ shape: [6, 16] });
  const q = new nt.EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 4, 8], biasAxes: 'de' }).apply(inp) as nt.SymbolicTensor;
  const out = new nt.LayerNormalization().apply(new nt.Reshape({ targetShape: [6, 32] }).apply(q) as nt.SymbolicTensor) as nt.SymbolicTensor;
  const m = new nt.Model({ inputs: inp, outputs: out });
  const x = nt.randomNormal([3, 6, 16], { seed: 5 });
  const y = planned(m, x) as nt.Tensor;
  assert.ok((await maxDiff(y, eager(m, [x])[0])) < 1e-5);
  const s = stateOf(m);
  assert.deepEqual(s.kernels, ['matmul', 'layerNorm'], `the bias add is gone, the normalization one kernel: ${(s.kernels ?? []).join(', ')}`);
});

test('regression: planned training through a fork (one output read by two matmuls, as attention q/k/v projections do) follows eager training', async () => {
  // Autograd sums the fork's two gradients as a flat [size] + [size] add right after a
  // matmul; the epilogue pass once took that for a bias over the matmul's last axis.
  const build = (): nt.Model => {
    nt.setSeed(3);
    const inp = nt.Input({ shape: [8] });
    const h = new nt.Dense({ units: 8 }).apply(inp) as nt.SymbolicTensor;
    const sum = new nt.Add().apply([new nt.Dense({ units: 8 }).apply(h) as nt.SymbolicTensor, new nt.Dense({ units: 8 }).apply(h) as nt.SymbolicTensor]);
    return new nt.Model({ inputs: inp, outputs: new nt.Dense({ units: 1 }).apply(sum) as nt.SymbolicTensor });
  };
  const planned = build();
  const eager = build();
  eager.setWeights(planned.getWeights());
  planned.compile({ optimizer: new nt.SGD({ learningRate: 0.1 }), loss: 'mse' });
  eager.compile({ optimizer: new nt.SGD({ learningRate: 0.1 }), loss: 'mse', runEagerly: true });
  const y = nt.randomNormal([16, 1], { seed: 6 });
  for (let s = 0; s < 5; s++) {
    const x = nt.randomNormal([16, 8], { seed: 50 + s });
    await planned.trainOnBatch(x, y);
    await eager.trainOnBatch(x, y);
  }
  for (const [i, w] of planned.getWeights().entries()) assert.ok(await maxDiff(w, eager.getWeights()[i]) < 1e-5, `weight ${i}`);
});

test('planned training with the fused max-pool/ReLU gradient at sizes the accelerated kernels take follows eager training', async () => {
  const run = async (runEagerly: boolean): Promise<{ losses: number[]; weights: nt.Tensor[]; kernels: readonly string[] }> => {
    nt.setSeed(21);
    const m = new nt.Sequential([
      new nt.Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 3] }), new nt.MaxPooling2D({ poolSize: 2 }),
      new nt.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), new nt.MaxPooling2D({ poolSize: 3, strides: 2 }),
      new nt.Flatten(), new nt.Dense({ units: 4, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'], runEagerly });
    const x = nt.randomNormal([8, 16, 16, 3], { seed: 22 });
    const y = nt.utils.toCategorical(nt.tensor([0, 1, 2, 3, 0, 1, 2, 3], undefined, 'int32'), 4);
    const losses: number[] = [];
    for (let s = 0; s < 5; s++) losses.push(((await m.trainOnBatch(x, y)) as number[])[0]);
    const trainer = (m as unknown as { trainer: { plans: nt.Planner } }).trainer;
    return { losses, weights: m.getWeights(), kernels: [...trainer.plans.states().values()][0]?.kernels ?? [] };
  };
  const a = await run(true);
  const b = await run(false);
  // Both pooling layers follow a conv with ReLU: the tiling one and the overlapping one (3×3 stride 2) fuse.
  assert.equal(b.kernels.filter((k) => k === 'pool2dGradBiasRelu').length, 2, b.kernels.join(', '));
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) < 1e-5, `step ${i}: eager ${l}, planned ${b.losses[i]}`));
  for (const [i, w] of a.weights.entries()) assert.ok(await maxDiff(w, b.weights[i]) < 1e-5, `weight ${i}`);
});

test('planned training with gradient clipping (clipnorm, globalClipnorm, computed in tensor ops) follows eager training', async () => {
  for (const clip of [{ clipnorm: 0.05 }, { globalClipnorm: 0.05 }]) {
    const run = async (runEagerly: boolean): Promise<{ losses: number[]; weights: nt.Tensor[]; state: nt.PlanState | null }> => {
      nt.setSeed(21);
      const m = new nt.Sequential([new nt.Dense({ units: 5, activation: 'relu', inputShape: [4] }), new nt.Dense({ units: 2 })]);
      m.compile({ optimizer: new nt.SGD({ learningRate: 0.5, ...clip }), loss: 'mse', runEagerly });
      const x = nt.randomUniform([8, 4], { seed: 22 });
      const y = nt.randomUniform([8, 2], { seed: 23, minval: 2, maxval: 3 });
      const losses: number[] = [];
      for (let s = 0; s < 6; s++) losses.push((await m.trainOnBatch(x, y)) as number);
      const trainer = (m as unknown as { trainer: { plans: nt.Planner } }).trainer;
      return { losses, weights: m.getWeights(), state: [...trainer.plans.states().values()][0] ?? null };
    };
    const a = await run(true);
    const b = await run(false);
    assert.equal(b.state?.reason ?? null, null, `${JSON.stringify(clip)}: traced`);
    assert.ok((b.state?.kernels?.length ?? 0) > 0, `${JSON.stringify(clip)}: the training step runs from a plan`);
    a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) < 1e-5, `${JSON.stringify(clip)} step ${i}: eager ${l}, planned ${b.losses[i]}`));
    for (const [i, w] of a.weights.entries()) assert.ok(await maxDiff(w, b.weights[i]) < 1e-5, `${JSON.stringify(clip)} weight ${i}`);
  }
});

test('freezing a layer or compiling with another optimizer rebuilds the plans', async () => {
  nt.setSeed(13);
  const first = new nt.Dense({ units: 4, activation: 'relu', inputShape: [3] });
  const m = new nt.Sequential([first, new nt.Dense({ units: 2 })]);
  m.compile({ optimizer: new nt.SGD({ learningRate: 0.1 }), loss: 'mse' });
  const x = nt.randomUniform([8, 3], { seed: 14 });
  const y = nt.randomUniform([8, 2], { seed: 15 });
  for (let s = 0; s < 4; s++) await m.trainOnBatch(x, y);
  const plans = (): nt.Planner => (m as unknown as { trainer: { plans: nt.Planner } }).trainer.plans;
  assert.ok(([...plans().states().values()][0]?.kernels?.length ?? 0) > 0, 'planned');
  const frozen = first.getWeights();
  first.trainable = false;
  await m.trainOnBatch(x, y);
  assert.equal([...plans().states().values()][0]?.calls, 1, 'the plan was dropped: this call started over');
  for (let s = 0; s < 3; s++) await m.trainOnBatch(x, y);
  for (const [i, w] of first.getWeights().entries()) assert.equal(await maxDiff(w, frozen[i]), 0, 'the frozen layer does not change');
  const before = m.getWeights();
  m.compile({ optimizer: new nt.SGD({ learningRate: 0 }), loss: 'mse' });
  for (let s = 0; s < 4; s++) await m.trainOnBatch(x, y);
  for (const [i, w] of m.getWeights().entries()) assert.equal(await maxDiff(w, before[i]), 0, 'learning rate 0: nothing moves');
});

test('a layer that reads tensor values while it runs stays eager, with the reason; results stay right', { skip: !syncReads && NO_SYNC_READS }, async () => {
  class Peek extends nt.Layer {
    static override readonly className = 'Peek';
    call(inputs: nt.Tensor | nt.Tensor[]): nt.Tensor {
      const x = inputs as nt.Tensor;
      return x.dataSync()[0] > 0 ? nt.mul(x, 2) : nt.mul(x, 3);
    }
    override computeOutputShape(s: nt.LayerShape | readonly nt.LayerShape[]): nt.LayerShape {
      return s as nt.LayerShape;
    }
  }
  const m = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2] }), new Peek()]);
  const x = nt.tensor([[1, 2], [3, -4]]);
  for (let i = 0; i < 4; i++) m.predict(x);
  const s = stateOf(m);
  assert.equal(s.kernels, null);
  assert.match(s.reason ?? '', /reads tensor values while it runs \(dataSync\)/);
  assert.equal(await maxDiff(m.predict(x) as nt.Tensor, eager(m, [x])[0]), 0);
});

test('NEURITE_PLANS=0 turns plans off (for comparisons)', () => {
  const saved = process.env.NEURITE_PLANS;
  process.env.NEURITE_PLANS = '0';
  try {
    const m = new nt.Sequential([new nt.Dense({ units: 2, inputShape: [2] })]);
    for (let i = 0; i < 4; i++) m.predict(nt.ones([1, 2]));
    assert.equal(m.plans.states().size, 0);
  } finally {
    if (saved === undefined) delete process.env.NEURITE_PLANS;
    else process.env.NEURITE_PLANS = saved;
  }
});
