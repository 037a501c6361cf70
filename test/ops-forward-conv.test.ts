/**
 * Forward values of conv2d (strides, dilation, 'valid'/'same'/explicit padding, groups),
 * depthwiseConv2d and conv2dTranspose (Keras output-size rules, outputPadding, outputShape)
 * against the 7-loop and scatter references of test/helpers/reference.ts, plus the seed
 * examples with known values.
 *
 * Tolerance: every output is a sum of n = kH·kW·(input channels per group) products, so the
 * summation bound of `sumTolerance` applies: |a − b| ≤ u·|b| + (n + 1)·u·Σ|x·w| (u = 2⁻²⁴),
 * with Σ|x·w| per output computed by the same reference on |x| and |w|. It holds for any
 * order of float32 accumulation (GEMM blocking, threads); a wrong tap or channel changes an
 * output by a whole |x·w| term, several thousand times the bound at these sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Conv2DOptions, Conv2DTransposeOptions } from '../src/index.js';
import {
  type ConvOptions, type ConvTransposeOptions, type Pad2, type Shape, Gen, absNd, assertClose, assertExact, conv2d, conv2dTranspose, depthwiseConv2d, fromTensor, nd,
  shapeText, sumTolerance, transposeGeometry, window1d,
} from './helpers/reference.js';

interface ConvCase {
  readonly x: Shape;
  readonly w: Shape;
  readonly o: ConvOptions & Conv2DOptions;
}

const FIXED: readonly ConvCase[] = [
  { x: [2, 5, 5, 3], w: [3, 3, 3, 4], o: { padding: 'same' } },
  { x: [1, 6, 5, 2], w: [4, 2, 2, 3], o: { padding: 'same' } },
  { x: [1, 5, 5, 1], w: [4, 4, 1, 1], o: { padding: 'same', strides: 2 } },
  { x: [2, 7, 6, 2], w: [3, 3, 2, 3], o: { strides: [2, 3] } },
  { x: [1, 9, 9, 2], w: [3, 2, 2, 2], o: { padding: 'same', dilations: [2, 3] } },
  { x: [2, 4, 5, 2], w: [3, 3, 2, 3], o: { padding: [[1, 0], [2, 1]] } },
  { x: [2, 5, 5, 4], w: [3, 3, 2, 6], o: { groups: 2, padding: 'same' } },
  { x: [1, 6, 6, 6], w: [2, 2, 2, 3], o: { groups: 3, strides: 2 } },
  { x: [2, 5, 5, 3], w: [3, 3, 1, 6], o: { groups: 3, padding: 'same' } },
  { x: [2, 3, 3, 4], w: [1, 1, 4, 3], o: {} },
  { x: [1, 1, 1, 3], w: [1, 1, 3, 2], o: { padding: 'same', strides: 2 } },
  { x: [2, 12, 11, 16], w: [3, 3, 16, 8], o: { padding: 'same' } },
  { x: [1, 17, 15, 8], w: [5, 4, 8, 12], o: { strides: 2, padding: 'same' } },
];

/** A random case whose window fits (output ≥ 1 along both axes). */
function randomConv(g: Gen): ConvCase {
  for (;;) {
    const groups = g.pick([1, 1, 2, 3]);
    const x = [g.int(1, 2), g.int(1, 9), g.int(1, 9), groups * g.int(1, 3)];
    const w = [g.int(1, 4), g.int(1, 4), x[3] / groups, groups * g.int(1, 3)];
    const kind = g.pick(['valid', 'same', 'explicit'] as const);
    const pads: [[number, number], [number, number]] = [[g.int(0, 2), g.int(0, 2)], [g.int(0, 2), g.int(0, 2)]];
    const padding: Pad2 = kind === 'explicit' ? pads : kind;
    const strides: [number, number] = [g.int(1, 3), g.int(1, 3)];
    const dilations: [number, number] = g.bool(0.3) ? [g.int(1, 2), g.int(1, 2)] : [1, 1];
    const fits = [0, 1].every((i) => window1d(x[1 + i], w[i], strides[i], dilations[i], kind === 'explicit' ? pads[i] : kind).out > 0);
    if (fits) return { x, w, o: { strides, dilations, padding, groups } };
  }
}

const describeConv = (c: ConvCase): string => `x ${shapeText(c.x)} w ${shapeText(c.w)} ${JSON.stringify(c.o)}`;

test('conv2d: strides, dilation, valid/same/explicit padding, groups', async (t) => {
  const g = new Gen(3000);
  const cases = [...FIXED, ...Array.from({ length: 22 }, () => randomConv(g))];
  for (const c of cases) {
    const x = g.normal(c.x);
    const w = g.normal(c.w);
    const xs = await fromTensor(x);
    const ws = await fromTensor(w);
    const expected = conv2d(xs, ws, c.o);
    const n = c.w[0] * c.w[1] * c.w[2];
    await assertClose(nt.conv2d(x, w, c.o), expected, `conv2d ${describeConv(c)}`, sumTolerance(expected, conv2d(absNd(xs), absNd(ws), c.o), n));
  }
  t.diagnostic(`${cases.length} cases`);
});

test('depthwiseConv2d: channel c·M + m sees only input channel c', async (t) => {
  const g = new Gen(3100);
  const n = 12;
  for (let i = 0; i < n; i++) {
    const C = g.int(1, 4);
    const xShape = [g.int(1, 2), g.int(3, 8), g.int(3, 8), C];
    const wShape = [g.int(1, 3), g.int(1, 3), C, g.int(1, 3)];
    const o = { strides: g.int(1, 2), padding: g.pick(['valid', 'same'] as const), dilations: g.bool(0.3) ? 2 : 1 };
    const x = g.normal(xShape);
    const w = g.normal(wShape);
    const expected = depthwiseConv2d(await fromTensor(x), await fromTensor(w), o);
    const tol = sumTolerance(expected, depthwiseConv2d(absNd(await fromTensor(x)), absNd(await fromTensor(w)), o), wShape[0] * wShape[1]);
    await assertClose(nt.depthwiseConv2d(x, w, o), expected, `depthwiseConv2d x ${shapeText(xShape)} w ${shapeText(wShape)} ${JSON.stringify(o)}`, tol);
  }
  t.diagnostic(`${n} cases`);
});

interface TransposeCase {
  readonly x: Shape;
  readonly w: Shape;
  readonly o: ConvTransposeOptions & Conv2DTransposeOptions;
}

/** A random transposed-convolution case: Keras padding modes with and without outputPadding/outputShape, or explicit pads. */
function randomTranspose(g: Gen): TransposeCase {
  for (;;) {
    const x = [g.int(1, 2), g.int(1, 5), g.int(1, 5), g.int(1, 3)];
    const w = [g.int(1, 4), g.int(1, 4), g.int(1, 3), x[3]];
    const strides: [number, number] = [g.int(1, 3), g.int(1, 3)];
    const dilations: [number, number] = g.bool(0.25) ? [g.int(1, 2), g.int(1, 2)] : [1, 1];
    const dk = [0, 1].map((i) => (w[i] - 1) * dilations[i] + 1);
    const variant = g.pick(['plain', 'outputPadding', 'outputShape', 'explicit'] as const);
    const mode = g.pick(['valid', 'same'] as const);
    let o: TransposeCase['o'] = { strides, dilations, padding: mode };
    if (variant === 'outputPadding') o = { ...o, outputPadding: [g.int(0, strides[0] - 1), g.int(0, strides[1] - 1)] };
    if (variant === 'outputShape') {
      // Any length that a conv2d with these settings maps back onto the input length.
      const pick = (i: number): number => (mode === 'same' ? (x[1 + i] - 1) * strides[i] + g.int(1, strides[i]) : (x[1 + i] - 1) * strides[i] + dk[i] + g.int(0, strides[i] - 1));
      o = { ...o, outputShape: [pick(0), pick(1)] };
    }
    if (variant === 'explicit') o = { strides, dilations, padding: [[g.int(0, 2), g.int(0, 2)], [g.int(0, 2), g.int(0, 2)]], ...(g.bool() ? { outputPadding: [g.int(0, strides[0] - 1), g.int(0, strides[1] - 1)] } : {}) };
    const p = o.padding;
    const op = o.outputPadding === undefined ? undefined : typeof o.outputPadding === 'number' ? [o.outputPadding, o.outputPadding] : o.outputPadding;
    const outs = [0, 1].map((i) => transposeGeometry(x[1 + i], w[i], strides[i], dilations[i], p === undefined || p === 'valid' || p === 'same' ? (p ?? 'valid') : p[i], op?.[i], o.outputShape?.[i]).out);
    if (outs.every((v) => v > 0)) return { x, w, o };
  }
}

test('conv2dTranspose: scatter definition, Keras output sizes, outputPadding, outputShape, explicit pads', async (t) => {
  const g = new Gen(3200);
  const fixed: TransposeCase[] = [
    { x: [1, 3, 3, 2], w: [3, 3, 4, 2], o: { strides: 2, padding: 'same' } },
    { x: [1, 3, 3, 2], w: [3, 3, 4, 2], o: { strides: 2, padding: 'valid' } },
    { x: [2, 4, 3, 3], w: [4, 4, 2, 3], o: { strides: 2, padding: 'same' } },
    { x: [1, 3, 4, 2], w: [2, 2, 3, 2], o: { strides: 3, padding: 'valid' } },
    { x: [1, 4, 4, 1], w: [3, 3, 1, 1], o: { strides: 2, padding: 'same', outputPadding: 1 } },
    { x: [1, 4, 4, 1], w: [4, 4, 2, 1], o: { strides: 2, padding: 'same', outputPadding: [1, 0] } },
    { x: [1, 3, 3, 2], w: [3, 3, 2, 2], o: { strides: 2, padding: 'valid', outputPadding: 1 } },
    { x: [1, 3, 3, 1], w: [3, 2, 2, 1], o: { padding: 'same', dilations: 2 } },
    { x: [1, 3, 3, 2], w: [3, 3, 1, 2], o: { padding: 'same', dilations: 2, strides: 2, outputPadding: 1 } },
    { x: [1, 3, 2, 1], w: [2, 3, 2, 1], o: { padding: 'valid', dilations: [2, 1], strides: 3, outputPadding: [2, 1] } },
    { x: [2, 9, 8, 16], w: [3, 3, 8, 16], o: { strides: 2, padding: 'same' } },
  ];
  const cases = [...fixed, ...Array.from({ length: 21 }, () => randomTranspose(g))];
  for (const c of cases) {
    const x = g.normal(c.x);
    const w = g.normal(c.w);
    const xs = await fromTensor(x);
    const ws = await fromTensor(w);
    const expected = conv2dTranspose(xs, ws, c.o);
    const n = c.w[0] * c.w[1] * c.w[3];
    const tol = sumTolerance(expected, conv2dTranspose(absNd(xs), absNd(ws), c.o), n);
    await assertClose(nt.conv2dTranspose(x, w, c.o), expected, `conv2dTranspose x ${shapeText(c.x)} w ${shapeText(c.w)} ${JSON.stringify(c.o)}`, tol);
  }
  t.diagnostic(`${cases.length} cases`);
});

test('conv2dTranspose output lengths follow Keras deconv_output_length', async () => {
  // (in, k, stride, dilation, padding, outputPadding) → Keras length, worked by hand.
  const table: [number, number, number, number, 'valid' | 'same', number | undefined, number][] = [
    [3, 3, 2, 1, 'valid', undefined, 7], // 3·2 + max(3 − 2, 0)
    [3, 2, 3, 1, 'valid', undefined, 9], // 3·3 + max(2 − 3, 0)
    [3, 3, 2, 1, 'same', undefined, 6], // 3·2
    [4, 3, 2, 1, 'same', 1, 8], // (4 − 1)·2 + 3 − 2·1 + 1
    [4, 4, 2, 1, 'same', 1, 7], // (4 − 1)·2 + 4 − 2·2 + 1
    [3, 3, 2, 1, 'valid', 1, 8], // (3 − 1)·2 + 3 + 1
    [3, 3, 1, 2, 'valid', undefined, 7], // dilated kernel 5: 3 + max(5 − 1, 0)
  ];
  for (const [len, k, s, d, p, op, want] of table) {
    assert.equal(transposeGeometry(len, k, s, d, p, op, undefined).out, want, 'reference rule');
    const y = nt.conv2dTranspose(nt.ones([1, len, 1, 1]), nt.ones([k, 1, 1, 1]), { strides: [s, 1], dilations: [d, 1], padding: p, ...(op === undefined ? {} : { outputPadding: [op, 0] as [number, number] }) });
    assert.equal(y.shape[1], want, `conv2dTranspose in ${len} k ${k} stride ${s} dilation ${d} ${p} outputPadding ${op}`);
  }
  // Row [1, 2], kernel [1, 1, 1], stride 2: full scatter [1, 1, 1 + 2, 2, 2]; 'same' keeps 4 from offset 0.
  const x = nt.tensor([1, 2], [1, 1, 2, 1]);
  const w = nt.ones([1, 3, 1, 1]);
  await assertExact(nt.conv2dTranspose(x, w, { strides: [1, 2] }), nd([1, 1, 5, 1], [1, 1, 3, 2, 2]), 'valid known values');
  await assertExact(nt.conv2dTranspose(x, w, { strides: [1, 2], padding: 'same' }), nd([1, 1, 4, 1], [1, 1, 3, 2]), 'same known values');
});

test('conv2d seed example: 5×5 image with the X kernel', async () => {
  const image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]];
  const kernel = [[1, 0, 1], [0, 1, 0], [1, 0, 1]];
  const y = nt.conv2d(nt.tensor(image.flat(), [1, 5, 5, 1]), nt.tensor(kernel.flat(), [3, 3, 1, 1]));
  await assertExact(y, nd([1, 3, 3, 1], [4, 3, 4, 2, 4, 3, 2, 3, 4]), 'conv2d 5×5 ⊛ 3×3');
});

test("Keras 'same' puts the odd padding pixel at the bottom/right", async () => {
  // Width 5, kernel 4, stride 2: out = ceil(5/2) = 3, total pad = (3 − 1)·2 + 4 − 5 = 3 → 1 before, 2 after.
  assert.deepEqual(window1d(5, 4, 2, 1, 'same'), { out: 3, before: 1, after: 2 });
  const g = new Gen(3300);
  const x = g.normal([1, 5, 5, 2]);
  const w = g.normal([4, 4, 2, 3]);
  const same = nt.conv2d(x, w, { padding: 'same', strides: 2 });
  const explicit = nt.conv2d(x, w, { padding: [[1, 2], [1, 2]], strides: 2 });
  const flipped = nt.conv2d(x, w, { padding: [[2, 1], [2, 1]], strides: 2 });
  const expected = conv2d(await fromTensor(x), await fromTensor(w), { padding: [[1, 2], [1, 2]], strides: 2 });
  const tol = sumTolerance(expected, conv2d(absNd(await fromTensor(x)), absNd(await fromTensor(w)), { padding: [[1, 2], [1, 2]], strides: 2 }), 32);
  await assertClose(same, expected, "conv2d 'same' k 4 stride 2 width 5 vs reference [[1, 2], [1, 2]]", tol);
  await assertClose(explicit, await fromTensor(same), "explicit [[1, 2], [1, 2]] equals 'same'", tol);
  const sameValues = await same.data();
  assert.ok((await flipped.data()).some((v, i) => Math.abs(v - sameValues[i]) > 1e-3), 'the extra pixel on the top/left gives different values');
});
