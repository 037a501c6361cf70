import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

// The example of docs/layers.md, verbatim.
class Scale extends nt.Layer {
  static override readonly className = 'Scale';
  factor: nt.Variable | null = null;
  override build(inputShape: nt.LayerShape): void {
    this.factor = this.addWeight('factor', [inputShape[inputShape.length - 1] as number], { initializer: 'ones' });
  }
  call(x: nt.Tensor | nt.Tensor[]): nt.Tensor {
    return nt.mul(x as nt.Tensor, this.factor as nt.Variable);
  }
  computeOutputShape(s: nt.LayerShape): nt.LayerShape {
    return s;
  }
  static fromConfig(config: nt.ConfigDict): Scale {
    return new Scale(nt.baseArgs(config));
  }
}

test('a custom layer trains, and loads from a config once registered', async () => {
  const model = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [2] }), new Scale()]);
  const cfg = JSON.parse(JSON.stringify(model.getConfig()));
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
