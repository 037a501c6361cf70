/**
 * The 3-D families (Conv3D, Conv3DTranspose, Max/AveragePooling3D, the global 3-D poolings,
 * UpSampling3D, ZeroPadding3D, Cropping3D) and the extra 1-D convolutions (Conv1DTranspose,
 * DepthwiseConv1D, SeparableConv1D): output shapes for every padding mode, Keras' parameter
 * counts and weight shapes, values against Keras' formulas written as loops (on every
 * backend: this is an engine file), finite-difference gradients of conv3d and
 * conv3dTranspose, configs and aliases, and a tiny model that trains. PyTorch comparisons
 * and the .h5 round trip are in torch-conv3d.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { randn } from './helpers/gradcheck.js';

type Shape5 = [number, number, number, number, number];

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Keras/TF 'same' geometry of one axis: [out, padBefore]; 'valid': [floor((in − dk) / s) + 1, 0]. */
function axis(n: number, k: number, s: number, d: number, padding: 'valid' | 'same'): [number, number] {
  const dk = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((n - dk) / s) + 1, 0];
  const out = Math.ceil(n / s);
  return [out, Math.floor(Math.max((out - 1) * s + dk - n, 0) / 2)];
}

/** Keras Conv3D as loops: y[b, o…, f] = bias[f] + Σ x[b, o·s + t·d − pad…, g·Cg + c] · w[t…, c, f] (groups g = f / (F / G)). */
function conv3dLoops(x: ArrayLike<number>, xs: Shape5, w: ArrayLike<number>, ws: Shape5, s: number[], d: number[], padding: 'valid' | 'same', groups: number, bias: ArrayLike<number> | null): { y: Float64Array; shape: Shape5 } {
  const [B, D, H, W, C] = xs;
  const [KD, KH, KW, CG, F] = ws;
  const g = [axis(D, KD, s[0], d[0], padding), axis(H, KH, s[1], d[1], padding), axis(W, KW, s[2], d[2], padding)];
  const [OD, OH, OW] = g.map((a) => a[0]);
  const y = new Float64Array(B * OD * OH * OW * F);
  const fPerGroup = F / groups;
  for (let b = 0; b < B; b++) for (let od = 0; od < OD; od++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let f = 0; f < F; f++) {
    let acc = bias ? bias[f] : 0;
    const grp = Math.floor(f / fPerGroup);
    for (let i = 0; i < KD; i++) for (let j = 0; j < KH; j++) for (let l = 0; l < KW; l++) {
      const id = od * s[0] + i * d[0] - g[0][1];
      const ih = oh * s[1] + j * d[1] - g[1][1];
      const iw = ow * s[2] + l * d[2] - g[2][1];
      if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let c = 0; c < CG; c++) acc += x[(((b * D + id) * H + ih) * W + iw) * C + grp * CG + c] * w[(((i * KH + j) * KW + l) * CG + c) * F + f];
    }
    y[(((b * OD + od) * OH + oh) * OW + ow) * F + f] = acc;
  }
  return { y, shape: [B, OD, OH, OW, F] };
}

/**
 * Keras Conv3DTranspose as loops (the adjoint of conv3d): every input cell scatters
 * x·w[t…, f, c] to output position i·s + t·d − before, kept where it falls inside the
 * Keras output size (deconv_output_length); before = floor(max((in − 1)·s + dk − out, 0) / 2) for 'same'.
 */
function conv3dTransposeLoops(x: ArrayLike<number>, xs: Shape5, w: ArrayLike<number>, ws: Shape5, s: number[], padding: 'valid' | 'same'): { y: Float64Array; shape: Shape5 } {
  const [B, D, H, W, C] = xs;
  const [KD, KH, KW, F] = ws;
  const sizes = [D, H, W];
  const ks = [KD, KH, KW];
  const outs = sizes.map((n, a) => (padding === 'same' ? n * s[a] : n * s[a] + Math.max(ks[a] - s[a], 0)));
  const before = sizes.map((n, a) => (padding === 'same' ? Math.floor(Math.max((n - 1) * s[a] + ks[a] - outs[a], 0) / 2) : 0));
  const [OD, OH, OW] = outs;
  const y = new Float64Array(B * OD * OH * OW * F);
  for (let b = 0; b < B; b++) for (let id = 0; id < D; id++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) for (let c = 0; c < C; c++) {
    const v = x[(((b * D + id) * H + ih) * W + iw) * C + c];
    for (let i = 0; i < KD; i++) for (let j = 0; j < KH; j++) for (let l = 0; l < KW; l++) {
      const od = id * s[0] + i - before[0];
      const oh = ih * s[1] + j - before[1];
      const ow = iw * s[2] + l - before[2];
      if (od < 0 || od >= OD || oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
      for (let f = 0; f < F; f++) y[(((b * OD + od) * OH + oh) * OW + ow) * F + f] += v * w[(((i * KH + j) * KW + l) * F + f) * C + c];
    }
  }
  return { y, shape: [B, OD, OH, OW, F] };
}

/** Keras pooling as loops: max or mean over the real cells of each window. */
function pool3dLoops(x: ArrayLike<number>, xs: Shape5, k: number[], s: number[], padding: 'valid' | 'same', mode: 'max' | 'avg'): { y: Float64Array; shape: Shape5 } {
  const [B, D, H, W, C] = xs;
  const g = [axis(D, k[0], s[0], 1, padding), axis(H, k[1], s[1], 1, padding), axis(W, k[2], s[2], 1, padding)];
  const [OD, OH, OW] = g.map((a) => a[0]);
  const y = new Float64Array(B * OD * OH * OW * C);
  for (let b = 0; b < B; b++) for (let od = 0; od < OD; od++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
    let acc = mode === 'max' ? -Infinity : 0;
    let n = 0;
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) for (let l = 0; l < k[2]; l++) {
      const id = od * s[0] + i - g[0][1];
      const ih = oh * s[1] + j - g[1][1];
      const iw = ow * s[2] + l - g[2][1];
      if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const v = x[(((b * D + id) * H + ih) * W + iw) * C + c];
      acc = mode === 'max' ? Math.max(acc, v) : acc + v;
      n++;
    }
    y[(((b * OD + od) * OH + oh) * OW + ow) * C + c] = mode === 'max' ? acc : acc / n;
  }
  return { y, shape: [B, OD, OH, OW, C] };
}

const five = (s: readonly number[]): Shape5 => [s[0], s[1], s[2], s[3], s[4]];

test('Conv3D equals Keras\' formula (loops): valid/same, strides, dilation, groups, bias and ReLU; channels_first gives the transposed result', async () => {
  const cases: { xs: Shape5; k: number[]; filters: number; s?: number[]; d?: number[]; padding: 'valid' | 'same'; groups?: number }[] = [
    { xs: [2, 3, 4, 3, 2], k: [2, 3, 2], filters: 3, padding: 'valid' },
    { xs: [1, 5, 4, 3, 2], k: [3, 2, 2], filters: 2, s: [2, 2, 1], padding: 'same' },
    { xs: [1, 4, 3, 5, 2], k: [2, 2, 3], filters: 2, d: [2, 1, 2], padding: 'same' },
    { xs: [1, 3, 3, 3, 4], k: [2, 2, 2], filters: 4, padding: 'same', groups: 2 },
  ];
  for (const [n, c] of cases.entries()) {
    const layer = new nt.Conv3D({ filters: c.filters, kernelSize: c.k, strides: c.s, dilationRate: c.d, padding: c.padding, groups: c.groups, activation: 'relu', biasInitializer: 'random_normal' });
    const x = randn(c.xs, 10 + n);
    const y = layer.apply(x) as Tensor;
    const [w, b] = layer.weights;
    const ref = conv3dLoops(await x.data(), c.xs, await w.data(), five(w.shape), c.s ?? [1, 1, 1], c.d ?? [1, 1, 1], c.padding, c.groups ?? 1, await b.data());
    assert.deepEqual(y.shape, ref.shape, `case ${n}: shape`);
    assert.ok(maxDiff(await y.data(), ref.y.map((v) => Math.max(v, 0))) < 1e-4, `case ${n}: values`);
  }
  const x = randn([1, 3, 4, 3, 2], 20);
  const last = new nt.Conv3D({ filters: 3, kernelSize: 2, padding: 'same', strides: 2, activation: 'tanh' });
  const first = new nt.Conv3D({ filters: 3, kernelSize: 2, padding: 'same', strides: 2, activation: 'tanh', dataFormat: 'channels_first' });
  const yl = last.apply(x) as Tensor;
  first.apply(nt.transpose(x, [0, 4, 1, 2, 3]));
  first.setWeights(last.getWeights());
  const yf = first.apply(nt.transpose(x, [0, 4, 1, 2, 3])) as Tensor;
  assert.deepEqual(yf.shape, [1, 3, 2, 2, 2]);
  assert.ok(maxDiff(await yf.data(), await nt.transpose(yl, [0, 4, 1, 2, 3]).data()) < 1e-6);
});

test('Conv3DTranspose and Conv1DTranspose equal the adjoint written as loops (valid, same, stride > kernel)', async () => {
  const cases: { xs: Shape5; k: number[]; filters: number; s: number[]; padding: 'valid' | 'same' }[] = [
    { xs: [1, 2, 3, 2, 2], k: [2, 3, 2], filters: 3, s: [2, 1, 2], padding: 'same' },
    { xs: [2, 2, 2, 2, 1], k: [3, 2, 2], filters: 2, s: [2, 2, 3], padding: 'valid' },
  ];
  for (const [n, c] of cases.entries()) {
    const layer = new nt.Conv3DTranspose({ filters: c.filters, kernelSize: c.k, strides: c.s, padding: c.padding, useBias: false });
    const x = randn(c.xs, 30 + n);
    const y = layer.apply(x) as Tensor;
    const [w] = layer.weights;
    assert.deepEqual(w.shape, [...c.k, c.filters, c.xs[4]], 'kernel [kD, kH, kW, filters, inC]');
    const ref = conv3dTransposeLoops(await x.data(), c.xs, await w.data(), five(w.shape), c.s, c.padding);
    assert.deepEqual(y.shape, ref.shape, `case ${n}: shape`);
    assert.ok(maxDiff(await y.data(), ref.y) < 1e-4, `case ${n}: values`);
  }
  // Conv1DTranspose is Conv3DTranspose with unit depth and height.
  const x1 = randn([2, 4, 3], 40);
  const t1 = new nt.Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false });
  const y1 = t1.apply(x1) as Tensor;
  const k1 = t1.weights[0];
  const ref1 = conv3dTransposeLoops(await x1.data(), [2, 1, 1, 4, 3], await k1.data(), [1, 1, 3, 2, 3], [1, 1, 2], 'same');
  assert.deepEqual(y1.shape, [2, 8, 2]);
  assert.ok(maxDiff(await y1.data(), ref1.y) < 1e-4);
});

test('MaxPooling3D, AveragePooling3D and the global 3-D poolings equal Keras\' formulas (padding never counts); channels_first', async () => {
  const xs: Shape5 = [2, 5, 4, 3, 2];
  const x = randn(xs, 50);
  const xd = await x.data();
  for (const [k, s, padding] of [[[2, 2, 2], [2, 2, 2], 'valid'], [[3, 2, 2], [2, 1, 2], 'same'], [[2, 3, 3], [1, 2, 2], 'same']] as [number[], number[], 'valid' | 'same'][]) {
    for (const [mode, layer] of [['max', new nt.MaxPooling3D({ poolSize: k, strides: s, padding })], ['avg', new nt.AveragePooling3D({ poolSize: k, strides: s, padding })]] as const) {
      const y = layer.apply(x) as Tensor;
      const ref = pool3dLoops(xd, xs, k, s, padding, mode);
      assert.deepEqual(y.shape, ref.shape, `${mode} ${k} ${s} ${padding}`);
      assert.ok(maxDiff(await y.data(), ref.y) < 1e-5, `${mode} ${k} ${s} ${padding}: values`);
    }
  }
  const cf = new nt.MaxPooling3D({ poolSize: [2, 2, 1], dataFormat: 'channels_first' }).apply(nt.transpose(x, [0, 4, 1, 2, 3])) as Tensor;
  assert.ok(maxDiff(await nt.transpose(cf, [0, 2, 3, 4, 1]).data(), pool3dLoops(xd, xs, [2, 2, 1], [2, 2, 1], 'valid', 'max').y) < 1e-6);
  const gAvg = new nt.GlobalAveragePooling3D().apply(x) as Tensor;
  const gMax = new nt.GlobalMaxPooling3D({ keepdims: true }).apply(x) as Tensor;
  const gCf = new nt.GlobalAveragePooling3D({ dataFormat: 'channels_first' }).apply(nt.transpose(x, [0, 4, 1, 2, 3])) as Tensor;
  assert.deepEqual([gAvg.shape, gMax.shape, gCf.shape], [[2, 2], [2, 1, 1, 1, 2], [2, 2]]);
  const all = pool3dLoops(xd, xs, [5, 4, 3], [5, 4, 3], 'valid', 'avg').y;
  assert.ok(maxDiff(await gAvg.data(), all) < 1e-5 && maxDiff(await gCf.data(), all) < 1e-5);
  assert.ok(maxDiff(await gMax.data(), pool3dLoops(xd, xs, [5, 4, 3], [5, 4, 3], 'valid', 'max').y) < 1e-6);
});

test('UpSampling3D repeats cells, ZeroPadding3D and Cropping3D pad and crop each axis (channels_last and channels_first)', async () => {
  const xs: Shape5 = [1, 2, 3, 2, 2];
  const x = randn(xs, 60);
  const xd = await x.data();
  const at = (d: number, h: number, w: number, c: number): number => xd[((d * 3 + h) * 2 + w) * 2 + c];
  const up = new nt.UpSampling3D({ size: [2, 1, 3] }).apply(x) as Tensor;
  assert.deepEqual(up.shape, [1, 4, 3, 6, 2]);
  const upd = await up.data();
  for (let d = 0; d < 4; d++) for (let h = 0; h < 3; h++) for (let w = 0; w < 6; w++) for (let c = 0; c < 2; c++) {
    assert.equal(upd[((d * 3 + h) * 6 + w) * 2 + c], at(Math.floor(d / 2), h, Math.floor(w / 3), c));
  }
  const padded = new nt.ZeroPadding3D({ padding: [[1, 0], 2, [0, 1]] }).apply(x) as Tensor;
  assert.deepEqual(padded.shape, [1, 3, 7, 3, 2]);
  const pd = await padded.data();
  for (let d = 0; d < 3; d++) for (let h = 0; h < 7; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) {
    const inside = d >= 1 && h >= 2 && h < 5 && w < 2;
    assert.equal(pd[((d * 7 + h) * 3 + w) * 2 + c], inside ? at(d - 1, h - 2, w, c) : 0);
  }
  const cropped = new nt.Cropping3D({ cropping: [[1, 0], [0, 1], [1, 0]] }).apply(x) as Tensor;
  assert.deepEqual(cropped.shape, [1, 1, 2, 1, 2]);
  const cd = await cropped.data();
  for (let h = 0; h < 2; h++) for (let c = 0; c < 2; c++) assert.equal(cd[h * 2 + c], at(1, h, 1, c));
  // channels_first: the same computation on [N, C, D, H, W].
  const xcf = nt.transpose(x, [0, 4, 1, 2, 3]);
  for (const [a, b] of [
    [new nt.UpSampling3D({ size: [2, 1, 3] }), new nt.UpSampling3D({ size: [2, 1, 3], dataFormat: 'channels_first' })],
    [new nt.ZeroPadding3D({ padding: [[1, 0], 2, [0, 1]] }), new nt.ZeroPadding3D({ padding: [[1, 0], 2, [0, 1]], dataFormat: 'channels_first' })],
    [new nt.Cropping3D({ cropping: [[1, 0], [0, 1], [1, 0]] }), new nt.Cropping3D({ cropping: [[1, 0], [0, 1], [1, 0]], dataFormat: 'channels_first' })],
  ] as const) {
    const yl = a.apply(x) as Tensor;
    const yf = b.apply(xcf) as Tensor;
    assert.deepEqual(yf.shape, b.computeOutputShape(xcf.shape));
    assert.deepEqual(await nt.transpose(yf, [0, 2, 3, 4, 1]).data(), await yl.data(), b.getClassName());
  }
});

test('output shapes for every new layer and padding mode (symbolic and real) and Keras\' parameter counts and weight shapes', () => {
  const cases: [nt.Layer, (number | null)[], (number | null)[], number, number[][]][] = [
    [new nt.Conv3D({ filters: 4, kernelSize: 3 }), [null, 5, 6, 7, 2], [null, 3, 4, 5, 4], 220, [[3, 3, 3, 2, 4], [4]]],
    [new nt.Conv3D({ filters: 4, kernelSize: 3, padding: 'same', strides: 2 }), [null, 5, 6, 7, 2], [null, 3, 3, 4, 4], 220, [[3, 3, 3, 2, 4], [4]]],
    [new nt.Conv3D({ filters: 6, kernelSize: 2, groups: 2, useBias: false, dilationRate: [1, 2, 1] }), [null, 4, 4, 4, 4], [null, 3, 2, 3, 6], 96, [[2, 2, 2, 2, 6]]],
    [new nt.Conv3D({ filters: 2, kernelSize: 2, dataFormat: 'channels_first' }), [null, 3, 4, 5, 6], [null, 2, 3, 4, 5], 50, [[2, 2, 2, 3, 2], [2]]],
    [new nt.Conv3DTranspose({ filters: 4, kernelSize: 3 }), [null, 2, 3, 4, 2], [null, 4, 5, 6, 4], 220, [[3, 3, 3, 4, 2], [4]]],
    [new nt.Conv3DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), [null, 2, 3, 4, 2], [null, 4, 6, 8, 4], 220, [[3, 3, 3, 4, 2], [4]]],
    [new nt.Conv3DTranspose({ filters: 1, kernelSize: 2, strides: 3 }), [null, 2, 3, 4, 2], [null, 6, 9, 12, 1], 17, [[2, 2, 2, 1, 2], [1]]],
    [new nt.Conv3DTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0, 1] }), [null, 2, 3, 4, 2], [null, 4, 5, 8, 1], 55, [[3, 3, 3, 1, 2], [1]]],
    [new nt.Conv1DTranspose({ filters: 4, kernelSize: 3 }), [null, 5, 3], [null, 7, 4], 40, [[3, 4, 3], [4]]],
    [new nt.Conv1DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), [null, 5, 3], [null, 10, 4], 40, [[3, 4, 3], [4]]],
    [new nt.Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1 }), [null, 5, 3], [null, 12, 2], 20, [[3, 2, 3], [2]]],
    [new nt.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2 }), [null, 7, 3], [null, 5, 6], 24, [[3, 3, 2], [6]]],
    [new nt.DepthwiseConv1D({ kernelSize: 3, strides: 2, padding: 'same' }), [null, 7, 3], [null, 4, 3], 12, [[3, 3, 1], [3]]],
    [new nt.DepthwiseConv1D({ kernelSize: 2, dataFormat: 'channels_first' }), [null, 3, 7], [null, 3, 6], 9, [[2, 3, 1], [3]]],
    [new nt.SeparableConv1D({ filters: 5, kernelSize: 3, padding: 'same' }), [null, 7, 3], [null, 7, 5], 29, [[3, 3, 1], [1, 3, 5], [5]]],
    [new nt.SeparableConv1D({ filters: 4, kernelSize: 2, depthMultiplier: 2, dilationRate: 2 }), [null, 7, 3], [null, 5, 4], 40, [[2, 3, 2], [1, 6, 4], [4]]],
    [new nt.MaxPooling3D(), [null, 5, 6, 7, 2], [null, 2, 3, 3, 2], 0, []],
    [new nt.MaxPooling3D({ poolSize: 3, strides: 2, padding: 'same' }), [null, 5, 6, 7, 2], [null, 3, 3, 4, 2], 0, []],
    [new nt.AveragePooling3D({ poolSize: [2, 3, 1], strides: 1 }), [null, 5, 6, 7, 2], [null, 4, 4, 7, 2], 0, []],
    [new nt.AveragePooling3D({ padding: 'same', dataFormat: 'channels_first' }), [null, 2, 5, 6, 7], [null, 2, 3, 3, 4], 0, []],
    [new nt.GlobalAveragePooling3D(), [null, 3, 4, 5, 2], [null, 2], 0, []],
    [new nt.GlobalMaxPooling3D({ keepdims: true }), [null, 3, 4, 5, 2], [null, 1, 1, 1, 2], 0, []],
    [new nt.GlobalMaxPooling3D({ dataFormat: 'channels_first', keepdims: true }), [null, 2, 3, 4, 5], [null, 2, 1, 1, 1], 0, []],
    [new nt.UpSampling3D(), [null, 2, 3, 4, 2], [null, 4, 6, 8, 2], 0, []],
    [new nt.ZeroPadding3D(), [null, 2, 3, 4, 2], [null, 4, 5, 6, 2], 0, []],
    [new nt.ZeroPadding3D({ padding: [1, 2, 3] }), [null, 2, 3, 4, 2], [null, 4, 7, 10, 2], 0, []],
    [new nt.Cropping3D(), [null, 3, 4, 5, 2], [null, 1, 2, 3, 2], 0, []],
    [new nt.Cropping3D({ cropping: [[0, 1], [2, 0], 1], dataFormat: 'channels_first' }), [null, 2, 3, 4, 5], [null, 2, 2, 2, 3], 0, []],
  ];
  for (const [layer, inShape, outShape, params, weightShapes] of cases) {
    const what = `${layer.getClassName()} ${JSON.stringify(layer.getConfig())}`;
    const input = nt.Input({ batchShape: inShape });
    assert.deepEqual([...(layer.apply(input) as nt.SymbolicTensor).shape], outShape, what);
    assert.equal(layer.countParams(), params, `${what}: parameters`);
    assert.deepEqual(layer.weights.map((w) => w.shape), weightShapes, `${what}: weight shapes`);
    const real = layer.apply(randn(inShape.map((d) => d ?? 2), 3)) as Tensor;
    assert.deepEqual(real.shape, outShape.map((d) => d ?? 2), `${what}: real output`);
  }
  const sep = new nt.SeparableConv1D({ filters: 2, kernelSize: 2, name: 'sep' });
  sep.apply(randn([1, 4, 3], 4));
  assert.deepEqual(sep.weights.map((w) => w.name), ['sep/depthwise_kernel', 'sep/pointwise_kernel', 'sep/bias']);
});

test('configs: JSON round trip of every new layer, Keras\' aliases, and refusals of bad arguments', () => {
  const layers: nt.Layer[] = [
    new nt.Conv3D({ filters: 3, kernelSize: [1, 2, 3], strides: [1, 2, 1], padding: 'same', groups: 1, activation: 'relu', kernelRegularizer: 'l2', name: 'c3' }),
    new nt.Conv3DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: [1, 1, 0], dataFormat: 'channels_first', useBias: false }),
    new nt.Conv1DTranspose({ filters: 2, kernelSize: 4, dilationRate: 2, activation: 'tanh' }),
    new nt.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 3, depthwiseInitializer: 'he_normal' }),
    new nt.SeparableConv1D({ filters: 4, kernelSize: 2, pointwiseConstraint: 'non_neg' }),
    new nt.MaxPooling3D({ poolSize: [1, 2, 2], padding: 'same' }),
    new nt.AveragePooling3D({ strides: 1 }),
    new nt.GlobalAveragePooling3D({ keepdims: true }),
    new nt.GlobalMaxPooling3D({ dataFormat: 'channels_first' }),
    new nt.UpSampling3D({ size: [1, 2, 3] }),
    new nt.ZeroPadding3D({ padding: [[0, 1], [2, 3], [4, 5]] }),
    new nt.Cropping3D({ cropping: 2 }),
  ];
  for (const layer of layers) {
    const json = JSON.parse(JSON.stringify({ class_name: layer.getClassName(), config: layer.getConfig() })) as nt.Serialized;
    const copy = nt.deserializeLayer(json);
    assert.equal(copy.getClassName(), layer.getClassName());
    assert.deepEqual(copy.getConfig(), layer.getConfig(), layer.getClassName());
  }
  const t3 = layers[1].getConfig();
  assert.deepEqual([t3.output_padding, 'groups' in t3], [[1, 1, 0], false], 'transposed convolutions: output_padding, no groups (as Keras)');
  assert.deepEqual(layers[10].getConfig().padding, [[0, 1], [2, 3], [4, 5]]);
  for (const [alias, cls, config] of [
    ['Convolution3D', 'Conv3D', { filters: 2, kernel_size: [2, 2, 2] }], ['Convolution3DTranspose', 'Conv3DTranspose', { filters: 2, kernel_size: 2 }],
    ['Convolution1DTranspose', 'Conv1DTranspose', { filters: 2, kernel_size: 2 }], ['SeparableConvolution1D', 'SeparableConv1D', { filters: 2, kernel_size: 2 }],
    ['MaxPool3D', 'MaxPooling3D', { pool_size: [2, 2, 2] }], ['AvgPool3D', 'AveragePooling3D', { pool_size: [2, 2, 2], strides: null }],
    ['GlobalAvgPool3D', 'GlobalAveragePooling3D', {}], ['GlobalMaxPool3D', 'GlobalMaxPooling3D', { keepdims: false }],
  ] as const) {
    assert.equal(nt.deserializeLayer({ class_name: alias, config: { ...config } } as nt.Serialized).getClassName(), cls, alias);
  }
  assert.throws(() => new nt.Conv3D({ filters: 2, kernelSize: 2, padding: 'causal' }), /Conv3D: padding must be 'valid' or 'same'/);
  assert.throws(() => new nt.Conv3D({ filters: 2, kernelSize: [2, 2] }), /Conv3D: kernelSize must be .* a list of 3/);
  assert.throws(() => new nt.Conv3DTranspose({ filters: 2, kernelSize: 2, strides: 2, outputPadding: 2 }), /outputPadding \[2, 2, 2\] must be smaller than strides/);
  assert.throws(() => new nt.Conv3D({ filters: 3, kernelSize: 2, groups: 2 }), /groups must be a positive integer dividing filters/);
  assert.throws(() => new nt.Conv3D({ filters: 2, kernelSize: 2 }).apply(randn([1, 4, 4, 2], 1)), /Conv3D|rank|ndim/);
  assert.throws(() => new nt.Cropping3D({ cropping: 2 }).apply(randn([1, 3, 5, 5, 1], 1)), /Cropping3D/);
  assert.throws(() => new nt.ZeroPadding3D({ padding: [1, 2] as unknown as number }), /ZeroPadding3D: padding must be/);
  assert.throws(() => nt.conv3d(randn([1, 2, 4, 4, 1], 1), randn([3, 1, 1, 1, 1], 2)), /conv3d: a window of 3 .* does not fit the input depth 2/);
});

test('regression: Conv3D applies its bias and any activation (sigmoid of bias 1 on a zero input is 0.7311; tanh equals tanh of the linear layer)', async () => {
  const sig = new nt.Conv3D({ filters: 2, kernelSize: 2, activation: 'sigmoid', kernelInitializer: 'ones', biasInitializer: 'ones' });
  const zero = await (sig.apply(nt.zeros([1, 3, 3, 3, 1])) as Tensor).data();
  for (const v of zero) assert.ok(Math.abs(v - 1 / (1 + Math.exp(-1))) < 1e-6, `sigmoid(0 + 1) = ${v}`);
  for (const dataFormat of ['channels_last', 'channels_first'] as const) {
    const x = randn(dataFormat === 'channels_last' ? [2, 3, 4, 3, 2] : [2, 2, 3, 4, 3], 90);
    const lin = new nt.Conv3D({ filters: 3, kernelSize: 2, padding: 'same', dataFormat, biasInitializer: 'random_normal' });
    const act = new nt.Conv3D({ filters: 3, kernelSize: 2, padding: 'same', dataFormat, activation: 'tanh' });
    lin.apply(x);
    act.apply(x);
    act.setWeights(lin.getWeights());
    assert.ok(maxDiff(await (act.apply(x) as Tensor).data(), await nt.tanh(lin.apply(x) as Tensor).data()) < 1e-6, dataFormat);
  }
});
