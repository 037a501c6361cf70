/**
 * Gradient checks, data movement: reshape, flatten, expandDims, squeeze, transpose, slice,
 * concat, stack, unstack, split, pad (constant, reflect, edge), gather, tile, broadcastTo,
 * and dropout with a fixed seed. All are linear in their inputs, so the central difference
 * has no truncation error; seeded throughout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { dropoutMask as jsDropoutMask } from '../src/backends/js/random.js';
import { type Fn, type GradCheckOptions, checkGradients, randn, totals } from './helpers/gradcheck.js';

after(() => console.log(`# gradcheck (shape ops, dropout): ${totals.calls} checks, ${totals.elements} input elements compared`));

function check(name: string, f: Fn, makeInputs: () => Tensor[] | Promise<Tensor[]>, options: Omit<GradCheckOptions, 'name'> = {}): void {
  test(name, async () => {
    await checkGradients(f, await makeInputs(), { name, ...options });
  });
}

const x234 = (seed: number): Tensor[] => [randn([2, 3, 4], seed)];

check('reshape [2,3,4] → [4,6]', (x) => nt.reshape(x, [4, 6]), () => x234(5000));
check('reshape [2,3,4] → [-1, 2]', (x) => nt.reshape(x, [-1, 2]), () => x234(5001));
check('reshape then sin (shared storage)', (x) => nt.sin(nt.reshape(x, [24])), () => x234(5002));
check('flatten [2,3,4]', (x) => nt.flatten(x), () => x234(5003));
check('flatten [2,3,4] axis 2', (x) => nt.flatten(x, 2), () => x234(5004));
check('expandDims axis 0', (x) => nt.expandDims(x, 0), () => x234(5005));
check('expandDims axis -1', (x) => nt.expandDims(x, -1), () => x234(5006));
check('squeeze all', (x) => nt.squeeze(x), () => [randn([2, 1, 3, 1], 5007)]);
check('squeeze axis 1', (x) => nt.squeeze(x, 1), () => [randn([2, 1, 3, 1], 5008)]);
check('transpose default (reversed)', (x) => nt.transpose(x), () => x234(5009));
check('transpose [2, 0, 1]', (x) => nt.transpose(x, [2, 0, 1]), () => x234(5010));
check('transpose [0, 2, 1]', (x) => nt.transpose(x, [0, 2, 1]), () => x234(5011));

check('slice [2,3,4] begin [0,1,1] size [2,2,-1]', (x) => nt.slice(x, [0, 1, 1], [2, 2, -1]), () => x234(5020));
check('slice negative begin [-1, 0]', (x) => nt.slice(x, [-1, 0]), () => x234(5021));
check('slice inner window', (x) => nt.slice(x, [1, 1, 1], [1, 1, 2]), () => x234(5022));

check('concat axis 0', (a, b) => nt.concat([a, b], 0), () => [randn([2, 3], 5030), randn([1, 3], 5031)]);
check('concat three inputs axis 1', (a, b, c) => nt.concat([a, b, c], 1), () => [randn([2, 1, 4], 5032), randn([2, 3, 4], 5033), randn([2, 2, 4], 5034)]);
check('concat axis -1', (a, b) => nt.concat([a, b], -1), () => [randn([2, 3, 2], 5035), randn([2, 3, 3], 5036)]);
check('concat same tensor twice', (a) => nt.concat([a, nt.mul(a, 2)], 0), () => [randn([2, 3], 5037)]);

check('stack axis 0', (a, b) => nt.stack([a, b], 0), () => [randn([3, 4], 5040), randn([3, 4], 5041)]);
check('stack axis 1', (a, b, c) => nt.stack([a, b, c], 1), () => [randn([3, 4], 5042), randn([3, 4], 5043), randn([3, 4], 5044)]);
check('stack axis -1', (a, b) => nt.stack([a, b], -1), () => [randn([3, 4], 5045), randn([3, 4], 5046)]);

// unstack/split return several tensors: join them (each kept separate in the output) or
// use one part, so the other parts must get exactly zero gradient.
check('unstack axis 1, all parts', (x) => nt.concat(nt.unstack(x, 1), 0), () => x234(5050));
check('unstack axis 0, one part used', (x) => nt.unstack(x, 0)[1], () => x234(5051));
check('unstack axis -1, parts combined', (x) => {
  const [p, q, r, s] = nt.unstack(x, -1);
  return nt.add(nt.mul(p, q), nt.sub(r, s));
}, () => x234(5052));
check('split into 2 equal parts axis 2', (x) => nt.concat(nt.split(x, 2, 2).reverse(), 2), () => x234(5053));
check('split sizes [1, 2] axis 1, last part used', (x) => nt.split(x, [1, 2], 1)[1], () => x234(5054));
check('split sizes [3, 1] axis -1, parts multiplied', (x) => {
  const [a, b] = nt.split(x, [3, 1], -1);
  return nt.mul(a, b);
}, () => x234(5055));

for (const mode of ['constant', 'reflect', 'edge'] as const) {
  check(`pad ${mode} [3,4] [[1,2],[2,1]]`, (x) => nt.pad(x, [[1, 2], [2, 1]], mode), () => [randn([3, 4], 5060)]);
  // Reflect can pad up to length − 1; edge repeats the edge many times.
  check(`pad ${mode} [2,3,4] [[0,1],[2,2],[3,1]]`, (x) => nt.pad(x, [[0, 1], [2, 2], [3, 1]], mode), () => x234(5061));
  check(`pad ${mode} [5] [[4,3]]`, (x) => nt.pad(x, [[4, 3]], mode), () => [randn([5], 5062)]);
}
check('pad constant with value 1.5', (x) => nt.pad(x, [[1, 1], [0, 2]], 'constant', 1.5), () => [randn([3, 4], 5063)]);

check('gather axis 0 repeated indices', (x) => nt.gather(x, [0, 2, 2, 1, 0, 2]), () => [randn([3, 4], 5070)]);
check('gather axis 1 repeated indices', (x) => nt.gather(x, [2, 0, 2], 1), () => x234(5071));
check('gather axis -1 negative indices', (x) => nt.gather(x, [-1, 0, -1, 1], -1), () => x234(5072));
check('gather 2-D int32 indices', (x) => nt.gather(x, nt.tensor([[1, 1], [0, 2]], undefined, 'int32'), 1), () => x234(5073));
check('gather one index, twice the same', (x) => nt.gather(x, [1, 1], 0), () => [randn([3, 2], 5074)]);

check('tile [2,3] reps [2,1]', (x) => nt.tile(x, [2, 1]), () => [randn([2, 3], 5080)]);
check('tile [2,3] reps [1,3]', (x) => nt.tile(x, [1, 3]), () => [randn([2, 3], 5081)]);
check('tile [2,1,3] reps [2,3,2]', (x) => nt.tile(x, [2, 3, 2]), () => [randn([2, 1, 3], 5082)]);

check('broadcastTo [3,1] → [2,3,4]', (x) => nt.broadcastTo(x, [2, 3, 4]), () => [randn([3, 1], 5090)]);
check('broadcastTo [4] → [2,3,4]', (x) => nt.broadcastTo(x, [2, 3, 4]), () => [randn([4], 5091)]);
check('broadcastTo [2,1,4] → [2,3,4]', (x) => nt.broadcastTo(x, [2, 3, 4]), () => [randn([2, 1, 4], 5092)]);
check('broadcastTo [] → [2,2]', (x) => nt.broadcastTo(x, [2, 2]), () => [nt.scalar(0.3)]);

// ---- dropout ---------------------------------------------------------------------------

test('dropout with a fixed seed drops some elements and scales the rest', async () => {
  const x = nt.ones([4, 5]);
  const y = await nt.dropout(x, 0.5, { seed: 42 }).data();
  const kept = Array.from(y).filter((v) => v === 2).length;
  assert.ok(kept > 0 && kept < 20, `kept ${kept} of 20`);
  assert.ok(Array.from(y).every((v) => v === 0 || v === 2));
});

test('dropout in one pass (mask and output from one kernel, above the native cut-over) is x · mask exactly, its gradient dy · mask', async () => {
  // 70,000 elements: two blocks of the mask generator; NaN, ±Infinity and −0 in x.
  const n = 70_000;
  const xs = (await randn([n], 5103).data()) as Float32Array;
  xs[3] = Number.NaN;
  xs[70] = Number.POSITIVE_INFINITY;
  xs[69_999] = Number.NEGATIVE_INFINITY;
  xs[500] = -0;
  const x = nt.tensor(xs, [100, 700]);
  const mask = new Float32Array(n);
  jsDropoutMask(mask, 0.4, 77);
  const [y, g] = await Promise.all([nt.dropout(x, 0.4, { seed: 77 }).data(), nt.grad((v: Tensor) => nt.dropout(v, 0.4, { seed: 77 }))(x, nt.tensor(xs.map((_, i) => (i % 7) - 3), [100, 700])).data()]);
  for (let i = 0; i < n; i++) {
    if (!Object.is(y[i], Math.fround(xs[i] * mask[i]))) assert.fail(`y[${i}] = ${y[i]}, x · mask = ${xs[i] * mask[i]}`);
    if (!Object.is(g[i], Math.fround(((i % 7) - 3) * mask[i]))) assert.fail(`grad[${i}] = ${g[i]}, dy · mask = ${((i % 7) - 3) * mask[i]}`);
  }
  const dropped = mask.filter((m) => m === 0).length / n;
  assert.ok(Math.abs(dropped - 0.4) < 0.01, `dropped ${dropped}`);
});

check('dropout rate 0.5 seed 42', (x) => nt.dropout(x, 0.5, { seed: 42 }), () => [randn([4, 5], 5100)]);
check('dropout rate 0.3 seed 7 noiseShape [4, 1]', (x) => nt.dropout(x, 0.3, { seed: 7, noiseShape: [4, 1] }), () => [randn([4, 5], 5101)]);
check('dropout feeding sum of squares', (x) => nt.sum(nt.square(nt.dropout(x, 0.25, { seed: 3 }))), () => [randn([3, 4], 5102)]);
