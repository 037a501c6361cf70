/**
 * The autograd tape itself: .grad accumulation, several paths, retainGraph, noGrad,
 * gradients() with respect to intermediates and inputs, unconnected inputs, seeds for
 * non-scalar outputs, very long chains, dtype rules and detach().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';
import { item } from './helpers/read.js';

/** A float32 leaf that requires gradients. */
function leaf(values: number[] | Tensor, shape?: number[]): Tensor {
  const t = values instanceof nt.Tensor ? values.detach() : nt.tensor(values, shape);
  t.requiresGrad = true;
  return t;
}

/** Element-wise comparison with an absolute tolerance (float32 results vs float64 expectations). */
async function assertClose(actual: Tensor | null, expected: readonly number[], tol = 1e-5, what = 'value'): Promise<void> {
  assert.ok(actual !== null, `${what}: expected a tensor, got null`);
  assert.equal(actual.size, expected.length, `${what}: size ${actual.size}, expected ${expected.length}`);
  (await actual.data()).forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}] = ${v}, expected ${expected[i]} (±${tol})`);
  });
}

test('.grad accumulates across two backward() calls', async () => {
  const x = leaf([1, 2, 3]);
  nt.sum(nt.mul(x, 3)).backward();
  await assertClose(x.grad, [3, 3, 3], 0, 'after the first backward');
  nt.sum(nt.square(x)).backward();
  await assertClose(x.grad, [5, 7, 9], 0, 'after the second backward (3 + 2x)');
  x.grad = null;
  nt.sum(nt.square(x)).backward();
  await assertClose(x.grad, [2, 4, 6], 0, 'after zeroing');
});

test('gradients along two paths add up', async () => {
  const x = leaf([0.5, -1, 2]);
  const z = nt.mul(x, 2); // z = 2x is used twice below
  const y = nt.sum(nt.add(nt.mul(z, x), z)); // y = 2x² + 2x → dy/dx = 4x + 2
  y.backward();
  await assertClose(x.grad, [4, -2, 10], 1e-6, 'dy/dx');
  const w = leaf([1.5, -0.5]);
  nt.sum(nt.mul(w, w)).backward(); // the same tensor as both operands of one op
  await assertClose(w.grad, [3, -1], 0, 'd(w·w)/dw');
});

test('a second backward() through a released graph throws a clear error', async () => {
  const x = leaf([1, 2]);
  const y = nt.sum(nt.exp(x));
  y.backward();
  const first = Array.from(x.grad ? await x.grad.data() : []);
  assert.throws(() => y.backward(), /retainGraph/, 'the second pass over the same output must throw, naming retainGraph');
  assert.deepEqual(Array.from(x.grad ? await x.grad.data() : []), first, 'the failed pass must not change .grad');
});

test('backward() into a sub-graph released by an earlier pass throws a clear error', () => {
  const x = leaf([1, 2]);
  const z = nt.exp(x);
  const y1 = nt.sum(z);
  const y2 = nt.sum(nt.mul(z, 2));
  y1.backward();
  assert.throws(() => y2.backward(), /retainGraph/, 'z\'s node was released by the first pass');
});

test('retainGraph keeps the tape for a second pass', async () => {
  const x = leaf([1, 2]);
  const y = nt.sum(nt.exp(x));
  y.backward(undefined, { retainGraph: true });
  await assertClose(x.grad, [Math.E, Math.E ** 2], 1e-5, 'first pass');
  y.backward();
  await assertClose(x.grad, [2 * Math.E, 2 * Math.E ** 2], 1e-5, 'second pass adds the same gradient again');
});

test('noGrad records nothing; enableGrad records again', async () => {
  const x = leaf([1, 2, 3]);
  const y = nt.noGrad(() => {
    assert.equal(nt.isGradEnabled(), false);
    return nt.sum(nt.mul(x, 2));
  });
  assert.equal(nt.isGradEnabled(), true);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => y.backward(), /does not require gradients/);
  assert.equal(x.grad, null);
  const z = nt.noGrad(() => nt.enableGrad(() => nt.sum(nt.mul(x, 2))));
  assert.equal(z.requiresGrad, true);
  assert.equal(z.gradFn?.op, 'sum');
  z.backward();
  await assertClose(x.grad, [2, 2, 2], 0);
});

test('gradients() with respect to an intermediate tensor and an input, without touching .grad', async () => {
  const x = leaf([1, -2, 0.5]);
  const h = nt.mul(x, 3);
  const y = nt.sum(nt.square(h)); // y = Σ(3x)²
  const [gh, gx] = nt.gradients(y, [h, x]);
  await assertClose(gh, [6, -12, 3], 1e-6, 'dy/dh = 2h');
  await assertClose(gx, [18, -36, 9], 1e-5, 'dy/dx = 18x');
  const [gxOnly] = nt.gradients(y, [x]); // the tape is kept by default: a second call works
  await assertClose(gxOnly, [18, -36, 9], 1e-5, 'dy/dx again');
  assert.equal(x.grad, null, 'gradients() must not accumulate into .grad');
});

/** d(Σ of output channel `oc` of a valid conv)/d(image), by direct summation over windows. */
async function channelSumInputGradient(w: Tensor, inH: number, inW: number, oc: number): Promise<number[]> {
  const [kH, kW, inC, outC] = w.shape;
  const outH = inH - kH + 1;
  const outW = inW - kW + 1;
  const g = new Array<number>(inH * inW * inC).fill(0);
  const wv = await w.data();
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          for (let c = 0; c < inC; c++) g[((oh + kh) * inW + ow + kw) * inC + c] += wv[((kh * kW + kw) * inC + c) * outC + oc];
        }
      }
    }
  }
  return g;
}

test('gradients() with respect to an input image (filter visualisation)', async () => {
  const image = leaf(randn([1, 5, 6, 2], 8000));
  const w = randn([3, 3, 2, 4], 8001); // fixed weights: no gradient wanted for them
  const y = nt.conv2d(image, w);
  const activation = nt.sum(nt.slice(y, [0, 0, 0, 1], [-1, -1, -1, 1])); // channel 1's total response
  const [g] = nt.gradients(activation, [image]);
  assert.deepEqual([...g.shape], [1, 5, 6, 2]);
  const expected = await channelSumInputGradient(w, 5, 6, 1);
  await assertClose(g, expected, 1e-5, 'd activation / d image');
  // The functional form differentiates with respect to data just the same.
  const viaGrad = nt.grad((img) => nt.sum(nt.slice(nt.conv2d(img, w), [0, 0, 0, 1], [-1, -1, -1, 1])))(image.detach());
  await assertClose(viaGrad, expected, 1e-5, 'grad(f)(image)');
});

test('an input that the output does not depend on gets zeros', async () => {
  const a = leaf([1, 2]);
  const b = leaf([3, 4, 5], [3]);
  const y = nt.sum(nt.mul(a, 2));
  const [ga, gb] = nt.gradients(y, [a, b]);
  await assertClose(ga, [2, 2], 0);
  assert.deepEqual([...gb.shape], [3]);
  await assertClose(gb, [0, 0, 0], 0, 'unconnected input');
  const gs = nt.grads((p, _q) => nt.sum(nt.square(p)))([nt.tensor([1, 2]), nt.tensor([[7, 8]])]);
  await assertClose(gs[0], [2, 4], 0);
  assert.deepEqual([...gs[1].shape], [1, 2]);
  await assertClose(gs[1], [0, 0], 0, 'grads() of an unused argument');
  y.backward();
  assert.equal(b.grad, null, 'backward() leaves an unconnected leaf alone');
});

test('backward() of a non-scalar output needs a gradient of its shape', async () => {
  const x = leaf([1, 2, 3]);
  const y = nt.mul(x, 2);
  assert.throws(() => y.backward(), (e: unknown) => e instanceof RangeError && /shape \[3\]/.test(e.message) && /pass a gradient/.test(e.message));
  assert.throws(() => y.backward(nt.ones([2])), (e: unknown) => e instanceof RangeError && /\[2\].*\[3\]/.test(e.message));
  y.backward(nt.tensor([1, 0.5, -1]));
  await assertClose(x.grad, [2, 1, -2], 0);
  assert.throws(() => nt.gradients(nt.mul(x, 2), [x]), /shape \[3\]/);
});

/** x·c applied n times; returns the output. */
function mulChain(x: Tensor, c: number, n: number): Tensor {
  let y = x;
  for (let i = 0; i < n; i++) y = nt.mul(y, c);
  return y;
}

for (const n of [10_000, 100_000]) {
  test(`a chain of ${n} ops backpropagates without stack overflow`, async () => {
    const c = 1 + 1 / n;
    const x = leaf([0.5]);
    const y = mulChain(x, c, n);
    y.backward();
    // The backward rule multiplies the float32 gradient by c (stored as float32, cf) n times,
    // so the exact expected value is that same float32 recurrence; cf^n ≈ e is the analytic one.
    const cf = Math.fround(c);
    let expected = 1;
    for (let i = 0; i < n; i++) expected = Math.fround(expected * cf);
    assert.equal(x.grad ? await item(x.grad) : undefined, expected);
    const analytic = Math.pow(cf, n);
    assert.ok(Math.abs(expected - analytic) / analytic < 1e-3, `float32 chain ${expected} vs analytic c^n ${analytic}`);
    const yv = await item(y);
    assert.ok(Math.abs((yv - 0.5 * analytic) / (0.5 * analytic)) < 1e-3, `forward value ${yv}`);
  });
}

test('100,000 ops that each reuse the input sum their gradients exactly', async () => {
  const x = leaf([0.25]);
  let y = x;
  for (let i = 0; i < 100_000; i++) y = nt.add(y, x); // y = 100001·x
  const [g] = nt.gradients(y, [x]);
  assert.equal(await item(g), 100_001);
});

test('requiresGrad on an int32 tensor throws', () => {
  const t = nt.tensor([1, 2, 3], undefined, 'int32');
  assert.throws(() => {
    t.requiresGrad = true;
  }, (e: unknown) => e instanceof TypeError && /float32/.test(e.message) && /int32/.test(e.message));
  assert.equal(t.requiresGrad, false);
  assert.throws(() => nt.grad((v) => nt.sum(v))(t), /float32/);
});

test('detach() cuts the graph', async () => {
  const x = leaf([1, 2, 3]);
  const d = nt.mul(x, 2).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  assert.ok(d.isLeaf);
  const y = nt.sum(nt.mul(d, x)); // without the cut dy/dx would be 4x; with it, d = 2x
  y.backward();
  await assertClose(x.grad, [2, 4, 6], 0, 'gradient through the detached branch is not counted');
  const [gd] = nt.gradients(nt.sum(nt.mul(d, x)), [d]);
  await assertClose(gd, [0, 0, 0], 0, 'd is not on the tape, so it gets zeros');
});

test('retainGrad keeps the gradient of an intermediate tensor', async () => {
  const x = leaf([1, 2]);
  const h = nt.exp(x).retainGrad();
  nt.sum(nt.mul(h, 3)).backward();
  await assertClose(h.grad, [3, 3], 0, 'h.grad');
  await assertClose(x.grad, [3 * Math.E, 3 * Math.E ** 2], 1e-5, 'x.grad');
});
