/**
 * Shape errors name the layer (`Layer <name> (<Class>)`), what it expected and what it
 * received, as Keras' "Input 0 of layer "dense_2" is incompatible with the layer" does.
 * The naming happens in one place (Layer.apply); these tests cover the built-in checks
 * (InputSpec), layer-specific checks (merge layers), errors raised deeper (an op inside a
 * custom layer's call), nested models, and a model given x of the wrong shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { Model, Sequential } from '../src/models/index.js';
import { Add, Concatenate, Conv2D, Dense, Flatten, Input, Layer, type CallOptions, type LayerShape } from '../src/layers/index.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, 'an Error is thrown');
    return e;
  }
  assert.fail('expected an error');
}

test('Dense on an input of the wrong rank names the layer and both shapes', () => {
  const e = thrown(() => new Dense({ units: 3, name: 'dense_2' }).apply(nt.ones([4])));
  assert.ok(e instanceof RangeError);
  assert.match(e.message, /^Layer dense_2 \(Dense\): expected input of rank ≥ 2; got input shape \(4,\)$/);
});

test('Dense built for 4 features, called on 5: expected (None, 4), received (2, 5)', () => {
  const d = new Dense({ units: 3, name: 'dense_2' });
  d.apply(nt.ones([2, 4]));
  assert.match(thrown(() => d.apply(nt.ones([2, 5]))).message, /^Layer dense_2 \(Dense\): expected input shape \(None, 4\) \(axis -1 = 4\); got input shape \(2, 5\)$/);
  // Symbolic calls are checked the same way.
  assert.match(thrown(() => d.apply(Input({ shape: [7] }))).message, /^Layer dense_2 \(Dense\): expected input shape \(None, 4\).*got input shape \(None, 7\)$/);
});

test('Conv2D on a rank-3 input', () => {
  const e = thrown(() => new Conv2D({ filters: 2, kernelSize: 3, name: 'conv_a' }).apply(Input({ shape: [8, 8] })));
  assert.match(e.message, /^Layer conv_a \(Conv2D\): expected input of rank 4; got input shape \(None, 8, 8\)$/);
  assert.match(thrown(() => new Conv2D({ filters: 2, kernelSize: 3, name: 'conv_b' }).apply(nt.ones([1, 8, 8]))).message, /^Layer conv_b \(Conv2D\): expected input of rank 4; got input shape \(1, 8, 8\)$/);
});

test('Concatenate with shapes that differ off the concatenation axis', () => {
  const e = thrown(() => new Concatenate({ axis: -1, name: 'cat' }).apply([Input({ shape: [4, 3] }), Input({ shape: [5, 2] })]));
  assert.match(e.message, /^Layer cat \(Concatenate\): inputs must match except along axis -1; got \(None, 4, 3\) and \(None, 5, 2\)/);
});

test('Add on different shapes gets the class name added centrally', () => {
  const e = thrown(() => new Add({ name: 'sum' }).apply([nt.ones([2, 4]), nt.ones([2, 5])]));
  assert.ok(e instanceof RangeError);
  assert.match(e.message, /^Layer sum \(Add\): inputs with shapes \(2, 4\) and \(2, 5\) cannot be merged elementwise/);
});

/** A user's layer whose call fails inside an op (the op knows nothing about layers). */
class Project extends Layer {
  static override readonly className = 'Project';
  call(inputs: nt.Tensor | nt.Tensor[], _options: CallOptions): nt.Tensor {
    return nt.matmul(inputs as nt.Tensor, nt.ones([3, 2]));
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), 2];
  }
}

test('an error from an op inside call is prefixed with the layer and the input shape received, keeping its class and cause', () => {
  const e = thrown(() => new Project({ name: 'proj' }).apply(nt.ones([2, 5])));
  assert.ok(e instanceof RangeError, `a ${e.constructor.name}`);
  assert.match(e.message, /^Layer proj \(Project\): matmul.* \(input shape \(2, 5\)\)$/);
  assert.ok(e.cause instanceof Error && /^matmul/.test(e.cause.message), 'the original error is the cause');
  // The same layer on a fitting input works.
  assert.deepEqual(new Project({ name: 'proj2' }).apply(nt.ones([2, 3])).shape, [2, 2]);
});

test('inside a nested model the innermost layer is named, not re-wrapped by the outer model', () => {
  const inner = new Sequential({ name: 'inner', layers: [new Project({ name: 'deep_proj' })] });
  const outer = new Sequential({ name: 'outer', layers: [new Dense({ units: 5, name: 'pre' }), inner] });
  const e = thrown(() => outer.predict(nt.ones([2, 4])));
  assert.match(e.message, /^Layer deep_proj \(Project\): matmul/);
  assert.doesNotMatch(e.message, /Layer (inner|outer)|Model/);
});

test('a model given x of the wrong shape in predict and fit names the input layer and both shapes', async () => {
  const m = new Sequential({ name: 'clf', layers: [new Dense({ units: 4, inputShape: [6], name: 'hidden' }), new Dense({ units: 2, name: 'out' })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  assert.match(thrown(() => m.predict(nt.ones([3, 5]))).message, /^Model clf: input 'hidden_input' expects shape \(None, 6\); got \[3, 5\]$/);
  assert.match(thrown(() => m.predict(nt.ones([3, 6, 1]))).message, /expects shape \(None, 6\); got \[3, 6, 1\]/);
  await assert.rejects(m.fit(nt.ones([3, 5]), nt.ones([3, 2]), { verbose: 0 }), /^RangeError: Model clf: input 'hidden_input' expects shape \(None, 6\); got \[3, 5\]$/);
  // A functional model whose first Dense meets a flattened input of the wrong width at build time.
  const inp = Input({ shape: [4, 4], name: 'img' });
  const f = new Flatten({ name: 'flat' }).apply(inp);
  const d = new Dense({ units: 2, name: 'head' });
  d.apply(Input({ shape: [10] }));
  assert.match(thrown(() => new Model({ inputs: inp, outputs: d.apply(f) })).message, /^Layer head \(Dense\): expected input shape \(None, 10\) \(axis -1 = 10\); got input shape \(None, 16\)$/);
});
