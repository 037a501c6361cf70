/**
 * Finite-difference gradients (test/helpers/gradcheck.ts, layer-gradcheck.ts) of recurrent
 * cells inside RNN, where the cell's step runs inside `scan`: LSTMCell with a non-default
 * recurrent activation and a mask (weights and input), a stack of GRUCell (resetAfter false)
 * and SimpleRNNCell, a user-written cell (its weights reach `scan` as params), ConvLSTM2D.
 * A gradient-check file (scripts/engine-files.mjs GRADIENT_CHECKS): tiny shapes, a few
 * sampled elements per weight.
 */
import { test } from 'node:test';
import * as nt from '../src/index.js';
import type { Tensor, Variable } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';

/** A user-written cell: h = tanh(x·W + h₋₁·U), weights read from its own properties. */
class TinyCell extends nt.Layer {
  static override readonly className = 'TinyCell';
  readonly stateSize: number;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;

  constructor(readonly units: number) {
    super();
    this.stateSize = units;
  }

  override build(inputShape: nt.LayerShape | readonly nt.LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as nt.LayerShape;
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1] as number, this.units]);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units]);
  }

  call(inputs: Tensor | Tensor[]): Tensor[] {
    const [x, h] = inputs as Tensor[];
    const out = nt.tanh(nt.add(nt.matmul(x, this.kernel as Tensor), nt.matmul(h, this.recurrentKernel as Tensor)));
    return [out, out];
  }

  override computeOutputShape(inputShape: nt.LayerShape | readonly nt.LayerShape[]): nt.LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as nt.LayerShape;
    return [[shape[0], this.units], [shape[0], this.units]];
  }
}

function randomize(layer: nt.Layer, seed: number): void {
  layer.setWeights(layer.weights.map((w, i) => randn(w.shape, seed + i, 0.5)));
}

test('cells inside RNN: weight and input gradients equal finite differences (scan path, mask, stack, user cell)', async () => {
  const x = randn([2, 3, 2], 13);
  const mask = nt.tensor([[1, 1, 0], [1, 1, 1]]);
  const cases: [string, nt.RNN, boolean][] = [
    ['LSTMCell (hard_sigmoid) with a mask', new nt.RNN({ cell: new nt.LSTMCell({ units: 2, recurrentActivation: 'hard_sigmoid' }), returnSequences: true }), true],
    ['stack GRUCell (resetAfter false) + SimpleRNNCell', new nt.RNN({ cell: [new nt.GRUCell({ units: 2, resetAfter: false, recurrentActivation: 'tanh' }), new nt.SimpleRNNCell({ units: 2 })], returnSequences: true }), false],
    ['user cell', new nt.RNN({ cell: new TinyCell(2), returnSequences: true }), false],
  ];
  for (const [i, [name, rnn, masked]] of cases.entries()) {
    rnn.apply(x);
    randomize(rnn, 500 + 10 * i);
    const m = masked ? mask : undefined;
    await checkWeightGradients(() => rnn.apply(x, { mask: m }) as Tensor, rnn.trainableWeights, { name, maxSamples: 4 });
    if (i === 0) await checkGradients((xx) => rnn.apply(xx, { mask: m }) as Tensor, [x], { name: `${name}: input` });
  }
});

test('ConvLSTM2D: weight gradients equal finite differences', async () => {
  const conv = new nt.ConvLSTM2D({ filters: 1, kernelSize: 2, padding: 'same', returnSequences: true });
  const x = randn([1, 2, 3, 3, 1], 14);
  conv.apply(x);
  randomize(conv, 600);
  await checkWeightGradients(() => conv.apply(x) as Tensor, conv.trainableWeights, { name: 'ConvLSTM2D', maxSamples: 4 });
});
