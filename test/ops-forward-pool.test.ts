/**
 * Forward values of pooling (max/avg; valid, Keras 'same', explicit pads; strides ≠ pool
 * size; dilation; ceilMode; countIncludePad), global pooling, resize2d/upsample2d (nearest and
 * bilinear; half-pixel centres, align corners, legacy), batchNorm and dropout, against
 * test/helpers/reference.ts, plus the seed examples.
 *
 * Tolerances (u = 2⁻²⁴): max pooling and nearest resizing copy values, so they are exact.
 * Average pooling sums n = kH·kW terms and divides: `sumTolerance` (u·|b| + (n + 1)·u·Σ|terms|).
 * Bilinear resizing sums 4 weighted taps whose float32 weights carry a rounding each (n = 8 in
 * `sumTolerance`); a kernel that, like TF, computes the source coordinate in float32 moves it
 * by ≤ 2u·(input length), which changes the value by at most that times the largest
 * neighbour difference (≤ 2·max|x|) per axis: + 8u·max(H, W)·max|x|.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Pool2DOptions, ResizeOptions } from '../src/index.js';
import {
  type Nd, type Pad2, type PoolOptions, type Shape, Gen, U, absNd, assertClose, assertExact, batchNorm, fromTensor, map, nd, pool2d, reduce, resize2d, shapeText,
  sumTolerance,
} from './helpers/reference.js';

interface PoolCase {
  readonly x: Shape;
  readonly o: PoolOptions & Pool2DOptions;
}

const POOL_FIXED: readonly PoolCase[] = [
  { x: [1, 4, 4, 1], o: {} },
  { x: [2, 5, 5, 3], o: { poolSize: 2, padding: 'same' } },
  { x: [1, 5, 7, 2], o: { poolSize: 3, strides: 2, padding: 'same' } },
  { x: [1, 6, 6, 1], o: { poolSize: 2, strides: 1 } },
  { x: [2, 7, 6, 2], o: { poolSize: [3, 2], strides: [2, 3] } },
  { x: [1, 5, 5, 2], o: { poolSize: 3, strides: 2, padding: [[1, 1], [1, 0]] } },
  { x: [1, 5, 5, 2], o: { poolSize: 3, strides: 2, padding: [[1, 1], [1, 1]], countIncludePad: true } },
  { x: [1, 6, 6, 1], o: { poolSize: 3, strides: 2, ceilMode: true } },
  { x: [1, 5, 6, 1], o: { poolSize: 2, strides: 2, padding: [[1, 1], [0, 1]], ceilMode: true, countIncludePad: true } },
  { x: [1, 8, 8, 2], o: { poolSize: 2, strides: 1, dilations: 2, padding: 'same' } },
  { x: [1, 4, 4, 2], o: { poolSize: 4, strides: 3, padding: 'same' } },
  { x: [2, 33, 31, 8], o: { poolSize: 3, strides: 2, padding: 'same' } },
];

/** A random pooling case whose every window holds at least one real pixel. */
function randomPool(g: Gen, mode: 'max' | 'avg'): PoolCase {
  for (;;) {
    const x = [g.int(1, 2), g.int(1, 9), g.int(1, 9), g.int(1, 3)];
    const k: [number, number] = [g.int(1, 4), g.int(1, 4)];
    const kind = g.pick(['valid', 'same', 'explicit'] as const);
    // Explicit pads up to half the kernel (the PyTorch/ONNX limit).
    const padding: Pad2 = kind === 'explicit' ? [[g.int(0, k[0] >> 1), g.int(0, k[0] >> 1)], [g.int(0, k[1] >> 1), g.int(0, k[1] >> 1)]] : kind;
    const o: PoolCase['o'] = {
      poolSize: k, padding,
      ...(g.bool(0.7) ? { strides: [g.int(1, 3), g.int(1, 3)] as [number, number] } : {}),
      ...(g.bool(0.2) ? { dilations: [g.int(1, 2), g.int(1, 2)] as [number, number] } : {}),
      ...(kind !== 'same' && g.bool(0.3) ? { ceilMode: true } : {}),
      ...(mode === 'avg' && g.bool(0.3) ? { countIncludePad: true } : {}),
    };
    const probe = pool2d(mode, nd(x, new Float64Array(x.reduce((a, b) => a * b, 1))), o);
    if (probe.data.length > 0 && probe.data.every((v) => !Number.isNaN(v))) return { x, o };
  }
}

for (const mode of ['max', 'avg'] as const) {
  test(`${mode}Pool2d: valid/same/explicit, strides ≠ pool size, dilation, ceilMode${mode === 'avg' ? ', countIncludePad' : ''}`, async (t) => {
    const g = new Gen(mode === 'max' ? 4000 : 4001);
    const cases = [...POOL_FIXED, ...Array.from({ length: 24 }, () => randomPool(g, mode))];
    for (const c of cases) {
      const x = g.normal(c.x);
      const xs = await fromTensor(x);
      const expected = pool2d(mode, xs, c.o);
      const y = mode === 'max' ? nt.maxPool2d(x, c.o) : nt.avgPool2d(x, c.o);
      const what = `${mode}Pool2d x ${shapeText(c.x)} ${JSON.stringify(c.o)}`;
      if (mode === 'max') await assertExact(y, expected, what);
      else {
        const [kh, kw] = typeof c.o.poolSize === 'number' ? [c.o.poolSize, c.o.poolSize] : (c.o.poolSize ?? [2, 2]);
        await assertClose(y, expected, what, sumTolerance(expected, pool2d('avg', absNd(xs), c.o), kh * kw));
      }
    }
    t.diagnostic(`${cases.length} cases`);
  });
}

test('pooling seed examples and Keras same-padding averages', async () => {
  const x = nt.tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], [1, 4, 4, 1]);
  await assertExact(nt.maxPool2d(x, { poolSize: 2 }), nd([1, 2, 2, 1], [6, 8, 3, 4]), 'MaxPool2D(2)');
  await assertExact(nt.avgPool2d(x, { poolSize: 2 }), nd([1, 2, 2, 1], [3.25, 5.25, 2, 2]), 'AveragePooling2D(2)');
  // 3×3 input, pool 2, stride 2, 'same': pad 1 after; border windows average only real pixels.
  const y = nt.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  await assertExact(nt.avgPool2d(y, { poolSize: 2, padding: 'same' }), nd([1, 2, 2, 1], [3, 4.5, 7.5, 9]), "avg 'same' divides by real pixels");
  await assertExact(nt.avgPool2d(y, { poolSize: 2, padding: 'same', countIncludePad: true }), nd([1, 2, 2, 1], [3, 2.25, 3.75, 2.25]), 'countIncludePad divides by 4');
  await assertExact(nt.maxPool2d(nt.neg(y), { poolSize: 2, padding: 'same' }), nd([1, 2, 2, 1], [-1, -3, -7, -9]), 'padding never wins a max');
  await assertExact(nt.maxPool2d(y, { poolSize: 2, strides: 2, ceilMode: true }), nd([1, 2, 2, 1], [5, 6, 8, 9]), 'ceilMode keeps the partial last window');
});

test('globalAvgPool2d and globalMaxPool2d', async () => {
  const g = new Gen(4100);
  for (const s of [[2, 3, 4, 5], [1, 1, 1, 3], [3, 7, 5, 2]] as Shape[]) {
    const x = g.normal(s);
    const xs = await fromTensor(x);
    const mean = reduce(xs, 'mean', [1, 2], false);
    await assertClose(nt.globalAvgPool2d(x), mean, `globalAvgPool2d ${shapeText(s)}`, sumTolerance(mean, reduce(absNd(xs), 'mean', [1, 2]), s[1] * s[2]));
    await assertExact(nt.globalMaxPool2d(x, true), reduce(xs, 'max', [1, 2], true), `globalMaxPool2d keepDims ${shapeText(s)}`);
  }
});

const maxAbs = (x: Nd): number => x.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('resize2d: nearest and bilinear; half-pixel centres, align corners, legacy', async (t) => {
  const g = new Gen(4200);
  const n = 30;
  for (let i = 0; i < n; i++) {
    const xShape = [g.int(1, 2), g.int(1, 6), g.int(1, 6), g.int(1, 2)];
    const size: [number, number] = [g.int(1, 9), g.int(1, 9)];
    const method = i % 2 === 0 ? 'nearest' : 'bilinear';
    const variant = g.pick(['half', 'align', 'legacy'] as const);
    const o: ResizeOptions = { method, ...(variant === 'align' ? { alignCorners: true } : variant === 'legacy' ? { halfPixelCenters: false } : {}) };
    const x = g.normal(xShape);
    const xs = await fromTensor(x);
    const expected = resize2d(xs, size, o);
    const what = `resize2d ${shapeText(xShape)} → ${shapeText(size)} ${JSON.stringify(o)}`;
    if (method === 'nearest') await assertExact(nt.resize2d(x, size, o), expected, what);
    else {
      const tol = sumTolerance(expected, resize2d(absNd(xs), size, o), 8);
      await assertClose(nt.resize2d(x, size, o), expected, what, map(tol, (v) => v + 8 * U * Math.max(xShape[1], xShape[2]) * maxAbs(xs)));
    }
  }
  t.diagnostic(`${n} cases`);
});

test('resize2d: every length pair 1–12 → 1–16, both methods, all three coordinate modes', async (t) => {
  // One channel, one row: the width axis sees every (in, out) pair, including the exact
  // half-way and integer source positions where rounding the coordinate could flip a tap.
  const g = new Gen(4250);
  let cases = 0;
  for (let inW = 1; inW <= 12; inW++) {
    const x = g.normal([1, 1, inW, 1]);
    const xs = await fromTensor(x);
    for (let outW = 1; outW <= 16; outW++) {
      for (const o of [{}, { alignCorners: true }, { halfPixelCenters: false }] as ResizeOptions[]) {
        for (const method of ['nearest', 'bilinear'] as const) {
          const oo = { ...o, method };
          const expected = resize2d(xs, [1, outW], oo);
          const tol = method === 'nearest' ? 0 : map(sumTolerance(expected, resize2d(absNd(xs), [1, outW], oo), 8), (v) => v + 8 * U * inW * maxAbs(xs));
          await assertClose(nt.resize2d(x, [1, outW], oo), expected, `resize2d width ${inW} → ${outW} ${JSON.stringify(oo)}`, tol);
          cases++;
        }
      }
    }
  }
  t.diagnostic(`${cases} cases`);
});

test('upsample2d: nearest repeats rows and columns; bilinear is TF2 half-pixel resize', async (t) => {
  const x = nt.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
  await assertExact(nt.upsample2d(x), nd([1, 4, 4, 1], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]), 'UpSampling2D nearest [[1, 2], [3, 4]]');
  const row = nt.tensor([1, 2], [1, 1, 2, 1]);
  await assertExact(nt.upsample2d(row, [1, 2], 'bilinear'), nd([1, 1, 4, 1], [1, 1.25, 1.75, 2]), 'bilinear [1, 2] by 2 in width');
  const g = new Gen(4300);
  const n = 10;
  for (let i = 0; i < n; i++) {
    const s = [g.int(1, 2), g.int(1, 5), g.int(1, 5), g.int(1, 3)];
    const f: [number, number] = [g.int(1, 3), g.int(1, 3)];
    const method = g.pick(['nearest', 'bilinear'] as const);
    const xr = g.normal(s);
    const xs = await fromTensor(xr);
    const expected = resize2d(xs, [s[1] * f[0], s[2] * f[1]], { method });
    const tol = map(sumTolerance(expected, resize2d(absNd(xs), [s[1] * f[0], s[2] * f[1]], { method }), 8), (v) => v + 8 * U * Math.max(s[1], s[2]) * maxAbs(xs));
    await assertClose(nt.upsample2d(xr, f, method), expected, `upsample2d ${shapeText(s)} by ${JSON.stringify(f)} ${method}`, method === 'nearest' ? 0 : tol);
  }
  t.diagnostic(`${n + 2} cases`);
});

test('batchNorm: per-channel parameters on any axis, optional offset/scale', async (t) => {
  const g = new Gen(4400);
  const cases: [Shape, number][] = [[[2, 3, 4, 5], -1], [[2, 3, 4, 5], 1], [[6, 4], 0], [[3, 7], -1], [[1, 1, 1, 3], 3], [[4, 5, 6, 30], -1], [[8, 16, 5, 5], 1], [[5], 0]];
  for (const [s, axis] of cases) {
    const c = s[axis < 0 ? axis + s.length : axis];
    const x = g.normal(s, 2);
    const mean = g.normal([c]);
    const variance = g.uniform([c], 0.1, 3);
    const offset = g.bool(0.7) ? g.normal([c]) : null;
    const scale = g.bool(0.7) ? g.normal([c]) : null;
    const eps = g.pick([1e-3, 1e-5, 0.1]);
    const expected = batchNorm(await fromTensor(x), await fromTensor(mean), await fromTensor(variance), offset && await fromTensor(offset), scale && await fromTensor(scale), eps, axis);
    // (x − m), sqrt, division, ×scale, +offset: ≤ 6 roundings of quantities ≤ |x − m|/σ·|scale| + |offset|.
    const bound = batchNorm(absNd(await fromTensor(x)), map(await fromTensor(mean), (v) => -Math.abs(v)), await fromTensor(variance), offset && absNd(await fromTensor(offset)), scale && absNd(await fromTensor(scale)), eps, axis);
    await assertClose(nt.batchNorm(x, mean, variance, offset, scale, eps, axis), expected, `batchNorm ${shapeText(s)} axis ${axis} eps ${eps}`, map(bound, (v) => 8 * U * Math.abs(v)));
  }
  const known = nt.batchNorm(nt.tensor([[1, 2], [3, 4]]), nt.tensor([1, 2]), nt.tensor([4, 1]), nt.tensor([10, 0]), nt.tensor([2, 1]), 0);
  await assertExact(known, nd([2, 2], [10, 0, 12, 2]), 'batchNorm known (eps 0)');
  t.diagnostic(`${cases.length + 1} cases`);
});

test('dropout: seeded, about rate zeroed, survivors scaled by 1/(1 − rate), noiseShape drops whole channels', async (t) => {
  const x = nt.add(new Gen(4500).uniform([40, 50, 12], 0, 1), 1); // all ≥ 1: a zero can only come from the mask
  const xv = await x.data();
  for (const rate of [0.1, 0.3, 0.5, 0.8]) {
    const a = nt.dropout(x, rate, { seed: 42 });
    const av = await a.data();
    assert.deepEqual([...av], [...(await nt.dropout(x, rate, { seed: 42 }).data())], `rate ${rate}: same seed, same result`);
    const other = await nt.dropout(x, rate, { seed: 43 }).data();
    assert.ok(av.some((v, i) => v !== other[i]), `rate ${rate}: another seed, another mask`);
    let zeros = 0;
    for (let i = 0; i < a.size; i++) {
      if (av[i] === 0) zeros++;
      else assert.ok(Math.abs(av[i] - xv[i] / (1 - rate)) <= 4 * U * Math.abs(av[i]), `rate ${rate}: survivor ${i} is ${av[i]}, expected ${xv[i] / (1 - rate)}`);
    }
    // 24000 Bernoulli(rate) draws: standard deviation ≤ 0.0033 of the fraction; allow 6σ = 0.02.
    assert.ok(Math.abs(zeros / a.size - rate) < 0.02, `rate ${rate}: ${zeros} of ${a.size} zeroed`);
  }
  assert.equal(nt.dropout(x, 0), x, 'rate 0 is the identity');
  const img = nt.add(new Gen(4501).uniform([4, 5, 6, 30], 0, 1), 1);
  const y = nt.dropout(img, 0.5, { seed: 7, noiseShape: [4, 1, 1, 30] });
  const yv = await y.data();
  let dropped = 0;
  for (let n = 0; n < 4; n++) {
    for (let c = 0; c < 30; c++) {
      const lane = Array.from({ length: 30 }, (_, p) => yv[(n * 30 + p) * 30 + c]);
      const off = lane.filter((v) => v === 0).length;
      assert.ok(off === 0 || off === 30, `noiseShape [N, 1, 1, C]: channel ${c} of image ${n} is partly dropped (${off} of 30)`);
      if (off === 30) dropped++;
    }
  }
  assert.ok(dropped > 20 && dropped < 100, `about half of the 120 channels dropped; got ${dropped}`);
  const backends = nt.availableBackends();
  const current = nt.getBackendName();
  const masks: number[][] = [];
  for (const b of backends) {
    await nt.setBackend(b);
    masks.push([...(await nt.dropout(x, 0.3, { seed: 9 }).data())]);
  }
  await nt.setBackend(current as nt.BackendName);
  masks.forEach((m, i) => assert.deepEqual(m, masks[0], `dropout mask on ${backends[i]} equals ${backends[0]}'s (same seed)`));
  t.diagnostic(`4 rates, 1 noiseShape case, ${backends.length} backends compared`);
});
