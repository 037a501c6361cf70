import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

// The example of docs/layers.md, verbatim (but for registerLayer, which the first test calls).
const SCALE_ARGS = nt.declareArgs('Scale', {
  /** The factor's initial value. */
  initial: nt.arg.number({ default: 1 }),
});

/** Multiplies each feature by a learned factor. */
class Scale extends nt.Layer {
  static override readonly className = 'Scale';
  static override readonly args = SCALE_ARGS;
  readonly initial: number;
  factor: nt.Variable | null = null;

  constructor(args: nt.LayerArgs & nt.ArgsIn<typeof SCALE_ARGS> = {}) {
    super(args);
    this.initial = this.declared(SCALE_ARGS, args).initial;
  }

  override build(inputShape: nt.LayerShape): void {
    this.factor = this.addWeight('factor', [inputShape[inputShape.length - 1] as number], { initializer: new nt.initializers.Constant(this.initial) });
  }

  call(x: nt.Tensor | nt.Tensor[]): nt.Tensor {
    return nt.mul(x as nt.Tensor, this.factor as nt.Variable);
  }
}

test('a custom layer trains, and loads from a config once registered', async () => {
  const model = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2] }), new Scale({ initial: 0.5 })]);
  const cfg = JSON.parse(JSON.stringify(model.getConfig()));
  // The config comes from the declaration: Keras' snake_case keys, the default filled in.
  assert.deepEqual(cfg.layers[2].config.initial, 0.5);
  assert.deepEqual(new Scale().getConfig().initial, 1);
  assert.throws(() => new Scale({ initial: Number.NaN }), /Scale: initial must be a number; got NaN/);
  assert.throws(() => nt.Sequential.fromConfig(cfg), /Unknown layer class 'Scale'/);
  nt.registerLayer(Scale);
  const copy = nt.Sequential.fromConfig(cfg);
  copy.setWeights(model.getWeights());
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = nt.randomNormal([16, 2], { seed: 1 });
  const before = (model.layers[1] as Scale).factor?.read().toArray();
  await model.fit(x, nt.zeros([16, 3]), { epochs: 2, verbose: 0 });
  assert.notDeepEqual((model.layers[1] as Scale).factor?.read().toArray(), before, 'the custom weight was trained');
  assert.deepEqual((copy.predict(x) as nt.Tensor).shape, [16, 3]);
});

test('build() called directly marks a layer built, so weights set afterwards survive the first call (Keras)', () => {
  const dense = new nt.Dense({ units: 2 });
  assert.equal(dense.built, false);
  dense.build([null, 3]);
  assert.equal(dense.built, true);
  const kernel = nt.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
  const bias = nt.tensor([0.5, -0.5], [2]);
  dense.setWeights([kernel, bias]);
  const y = dense.apply(nt.tensor([1, 1, 1], [1, 3])) as nt.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [9.5, 11.5]);
  // A custom layer's own build is the one that runs, and the wrapper is not part of its config.
  const s = new Scale();
  s.build([null, 4]);
  assert.equal(s.built, true);
  assert.equal(s.weights.length, 1);
  assert.ok(!Object.keys(s).includes('build'));
});

/** No computeOutputShape of its own: its output shape is traced from call. */
class PairSum extends nt.Layer {
  static override readonly className = 'PairSum';
  static override readonly args = nt.declareArgs('PairSum', {});
  call(x: nt.Tensor | nt.Tensor[]): nt.Tensor {
    const t = x as nt.Tensor;
    // [B, T, F] → [B, F]: the sum over time, concatenated with the first step.
    return nt.concat([nt.sum(t, 1), nt.slice(t, [0, 0, 0], [t.shape[0], 1, t.shape[2]]).reshape([t.shape[0], t.shape[2]])], 1);
  }
}

test('computeOutputShape defaults to tracing call: known sizes kept, sizes that follow an unknown one are null', () => {
  const layer = new PairSum();
  assert.deepEqual(layer.computeOutputShape([null, 5, 3]), [null, 6]);
  assert.deepEqual(layer.computeOutputShape([4, null, 3]), [4, 6]);
  assert.deepEqual(layer.computeOutputShape([2, 5, null]), [2, null]);
  const input = nt.Input({ shape: [null, 3] });
  const out = layer.apply(input) as nt.SymbolicTensor;
  assert.deepEqual(out.shape, [null, 6]);
  const model = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 2 }).apply(out) });
  assert.deepEqual((model.predict(nt.randomNormal([3, 7, 3], { seed: 1 })) as nt.Tensor).shape, [3, 2]);
  // Tracing runs in inference mode without recording, and leaves the layer's state alone.
  assert.equal(nt.isGradEnabled(), true);
});

