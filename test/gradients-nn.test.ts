/**
 * Gradient checks, neural-network family: conv2d (valid, same with odd and even kernels,
 * strides, dilation, explicit asymmetric padding, groups, depthwise, 1×1), depthwiseConv2d,
 * conv2dTranspose, maxPool2d/avgPool2d, resize2d/upsample2d and batchNorm (direct and fed by
 * moments). Convolutions, average pooling and resizing are linear in each input, so the
 * central difference has no truncation error; the round-off term grows with the number
 * of outputs each element feeds, which the helper measures. Seeded throughout.
 */
import { test, after } from 'node:test';
import * as nt from '../src/index.js';
import type { Conv2DOptions, Conv2DTransposeOptions, Pool2DOptions, ResizeOptions, Shape, Tensor } from '../src/index.js';
import { type Fn, type GradCheckOptions, checkGradients, distinct, randn, totals, uniform } from './helpers/gradcheck.js';

after(() => console.log(`# gradcheck (conv, pool, resize, batchNorm): ${totals.calls} checks, ${totals.elements} input elements compared`));

function check(name: string, f: Fn, makeInputs: () => Tensor[] | Promise<Tensor[]>, options: Omit<GradCheckOptions, 'name'> = {}): void {
  test(name, async () => {
    await checkGradients(f, await makeInputs(), { name, ...options });
  });
}

const fmt = (s: Shape): string => nt.formatShape(s);

// ---- conv2d ----------------------------------------------------------------------------

interface ConvCase {
  readonly label: string;
  readonly x: Shape;
  readonly filter: Shape;
  readonly options: Conv2DOptions;
}

const CONV: readonly ConvCase[] = [
  { label: 'valid 3×3', x: [2, 5, 5, 3], filter: [3, 3, 3, 4], options: { padding: 'valid' } },
  { label: 'same, odd kernel 3×3', x: [2, 5, 5, 3], filter: [3, 3, 3, 4], options: { padding: 'same' } },
  { label: 'same, even kernel 2×2', x: [2, 5, 5, 3], filter: [2, 2, 3, 2], options: { padding: 'same' } },
  { label: 'same, even kernel 4×2', x: [1, 6, 5, 2], filter: [4, 2, 2, 3], options: { padding: 'same' } },
  { label: 'valid, strides 2', x: [2, 7, 6, 2], filter: [3, 3, 2, 3], options: { strides: 2 } },
  { label: 'same, strides [2, 3]', x: [2, 7, 7, 2], filter: [3, 2, 2, 3], options: { padding: 'same', strides: [2, 3] } },
  { label: 'valid, dilation 2', x: [1, 7, 7, 2], filter: [3, 3, 2, 3], options: { dilations: 2 } },
  { label: 'same, dilation [2, 1], strides 2', x: [1, 7, 6, 2], filter: [2, 3, 2, 2], options: { padding: 'same', dilations: [2, 1], strides: 2 } },
  { label: 'explicit padding [[1, 0], [2, 1]]', x: [2, 4, 5, 2], filter: [3, 3, 2, 3], options: { padding: [[1, 0], [2, 1]] } },
  { label: 'explicit padding [[0, 2], [1, 0]], strides 2', x: [1, 5, 5, 2], filter: [2, 3, 2, 2], options: { padding: [[0, 2], [1, 0]], strides: 2 } },
  { label: 'groups 2', x: [2, 5, 5, 4], filter: [3, 3, 2, 6], options: { groups: 2, padding: 'same' } },
  { label: 'groups 3, strides 2', x: [1, 6, 6, 6], filter: [2, 2, 2, 3], options: { groups: 3, strides: 2 } },
  { label: 'depthwise (groups = channels, multiplier 2)', x: [2, 5, 5, 3], filter: [3, 3, 1, 6], options: { groups: 3, padding: 'same' } },
  { label: 'valid, 16 input channels (k = 144 > one kernel block)', x: [1, 4, 4, 16], filter: [3, 3, 16, 2], options: {} },
  { label: '1×1 pointwise', x: [2, 3, 3, 4], filter: [1, 1, 4, 3], options: {} },
  { label: '1×1, strides 2', x: [1, 5, 5, 2], filter: [1, 1, 2, 3], options: { strides: 2 } },
];

CONV.forEach((c, j) => {
  const name = `conv2d ${c.label}: x ${fmt(c.x)}, filter ${fmt(c.filter)}`;
  check(name, (x, w) => nt.conv2d(x, w, c.options), () => [randn(c.x, 6000 + j), randn(c.filter, 6100 + j, 0.5)]);
});

const DEPTHWISE: readonly { readonly label: string; readonly filter: Shape; readonly options: Omit<Conv2DOptions, 'groups'> }[] = [
  { label: 'valid, multiplier 1', filter: [3, 3, 3, 1], options: {} },
  { label: 'same, multiplier 2, strides 2', filter: [3, 3, 3, 2], options: { padding: 'same', strides: 2 } },
  { label: 'same, even kernel, dilation 2', filter: [2, 2, 3, 2], options: { padding: 'same', dilations: 2 } },
];

DEPTHWISE.forEach((c, j) => {
  const name = `depthwiseConv2d ${c.label}: x [2, 5, 5, 3], filter ${fmt(c.filter)}`;
  check(name, (x, w) => nt.depthwiseConv2d(x, w, c.options), () => [randn([2, 5, 5, 3], 6200 + j), randn(c.filter, 6300 + j, 0.5)]);
});

// ---- conv2dTranspose (filter [kH, kW, outC, inC]) ---------------------------------------

const TRANSPOSE: readonly { readonly label: string; readonly x: Shape; readonly filter: Shape; readonly options: Conv2DTransposeOptions }[] = [
  { label: 'valid', x: [2, 3, 3, 4], filter: [3, 3, 2, 4], options: {} },
  { label: 'same', x: [2, 3, 3, 4], filter: [3, 3, 2, 4], options: { padding: 'same' } },
  { label: 'valid, strides 2', x: [1, 3, 4, 3], filter: [3, 3, 2, 3], options: { strides: 2 } },
  { label: 'same, strides 2, even kernel', x: [1, 3, 3, 3], filter: [2, 2, 2, 3], options: { padding: 'same', strides: 2 } },
  { label: 'valid, strides 2, outputPadding 1', x: [1, 3, 3, 2], filter: [3, 3, 2, 2], options: { strides: 2, outputPadding: 1 } },
  { label: 'same, strides [2, 3], outputPadding [1, 2]', x: [1, 3, 3, 2], filter: [3, 3, 2, 2], options: { padding: 'same', strides: [2, 3], outputPadding: [1, 2] } },
  { label: 'valid, dilation 2', x: [1, 3, 3, 2], filter: [3, 3, 3, 2], options: { dilations: 2 } },
  { label: 'explicit padding [[1, 0], [0, 1]], strides 2', x: [1, 3, 3, 2], filter: [3, 3, 2, 2], options: { padding: [[1, 0], [0, 1]], strides: 2 } },
  { label: '1×1', x: [2, 3, 3, 4], filter: [1, 1, 3, 4], options: {} },
];

TRANSPOSE.forEach((c, j) => {
  const name = `conv2dTranspose ${c.label}: x ${fmt(c.x)}, filter ${fmt(c.filter)}`;
  check(name, (x, w) => nt.conv2dTranspose(x, w, c.options), () => [randn(c.x, 6400 + j), randn(c.filter, 6500 + j, 0.5)]);
});

// ---- pooling ---------------------------------------------------------------------------

const POOL: readonly { readonly label: string; readonly x: Shape; readonly options: Pool2DOptions }[] = [
  { label: 'valid 2×2', x: [2, 4, 6, 2], options: {} },
  { label: 'same 3×3, strides 2', x: [2, 5, 5, 2], options: { poolSize: 3, strides: 2, padding: 'same' } },
  { label: 'valid 3×3, strides 1 (overlapping)', x: [1, 5, 6, 2], options: { poolSize: 3, strides: 1 } },
  { label: 'valid 2×2, strides 3 (gaps)', x: [1, 7, 8, 2], options: { poolSize: 2, strides: 3 } },
  { label: 'valid [2, 3], strides [1, 2]', x: [1, 5, 7, 2], options: { poolSize: [2, 3], strides: [1, 2] } },
  { label: 'ceilMode 2×2 on 5×5', x: [1, 5, 5, 2], options: { ceilMode: true } },
  { label: 'ceilMode 3×3, strides 2 on 6×6', x: [1, 6, 6, 2], options: { poolSize: 3, strides: 2, ceilMode: true } },
  { label: 'explicit padding [[1, 0], [1, 1]], 3×3 strides 2', x: [1, 5, 6, 2], options: { poolSize: 3, strides: 2, padding: [[1, 0], [1, 1]] } },
  { label: 'same 2×2, strides 1 (asymmetric pad)', x: [1, 4, 4, 3], options: { poolSize: 2, strides: 1, padding: 'same' } },
];

POOL.forEach((c, j) => {
  // maxPool: all values distinct, 0.1 apart, so no window has a tie within h = 1e-2.
  const maxName = `maxPool2d ${c.label}: x ${fmt(c.x)}`;
  check(maxName, (x) => nt.maxPool2d(x, c.options), () => [distinct(c.x, 6600 + j, 0.1)]);
  const avgName = `avgPool2d ${c.label}: x ${fmt(c.x)}`;
  check(avgName, (x) => nt.avgPool2d(x, c.options), () => [randn(c.x, 6700 + j)]);
  if (c.options.padding !== undefined || c.options.ceilMode) {
    const incl = `avgPool2d ${c.label}, countIncludePad: x ${fmt(c.x)}`;
    check(incl, (x) => nt.avgPool2d(x, { ...c.options, countIncludePad: true }), () => [randn(c.x, 6800 + j)]);
  }
});
check('maxPool2d dilation 2, 2×2: x [1, 6, 6, 2]', (x) => nt.maxPool2d(x, { poolSize: 2, strides: 1, dilations: 2 }), () => [distinct([1, 6, 6, 2], 6690, 0.1)]);
check('avgPool2d dilation 2, same, countIncludePad: x [1, 5, 5, 2]', (x) => nt.avgPool2d(x, { poolSize: 2, strides: 1, dilations: 2, padding: 'same', countIncludePad: true }), () => [randn([1, 5, 5, 2], 6691)]);

// ---- resize ----------------------------------------------------------------------------

const RESIZE: readonly { readonly label: string; readonly size: readonly [number, number]; readonly options: ResizeOptions }[] = [
  { label: 'nearest, up', size: [5, 7], options: { method: 'nearest' } },
  { label: 'nearest, down', size: [2, 3], options: { method: 'nearest' } },
  { label: 'nearest, alignCorners', size: [5, 7], options: { method: 'nearest', alignCorners: true } },
  { label: 'nearest, halfPixelCenters false', size: [5, 7], options: { method: 'nearest', halfPixelCenters: false } },
  { label: 'bilinear, up', size: [5, 7], options: { method: 'bilinear' } },
  { label: 'bilinear, down', size: [2, 3], options: { method: 'bilinear' } },
  { label: 'bilinear, alignCorners', size: [5, 7], options: { method: 'bilinear', alignCorners: true } },
  { label: 'bilinear, halfPixelCenters false', size: [5, 7], options: { method: 'bilinear', halfPixelCenters: false } },
  { label: 'bilinear, halfPixelCenters false, down', size: [2, 3], options: { method: 'bilinear', halfPixelCenters: false } },
];

RESIZE.forEach((c, j) => {
  const name = `resize2d ${c.label}: [2, 3, 4, 2] → ${fmt(c.size)}`;
  check(name, (x) => nt.resize2d(x, c.size, c.options), () => [randn([2, 3, 4, 2], 6900 + j)]);
});
check('upsample2d nearest ×2', (x) => nt.upsample2d(x), () => [randn([1, 3, 3, 2], 6950)]);
check('upsample2d nearest [2, 3]', (x) => nt.upsample2d(x, [2, 3]), () => [randn([1, 3, 3, 2], 6951)]);
check('upsample2d bilinear ×2', (x) => nt.upsample2d(x, 2, 'bilinear'), () => [randn([1, 3, 3, 2], 6952)]);

// ---- batchNorm -------------------------------------------------------------------------

/** x, mean, variance in [0.5, 1.5] (away from 0, where 1/sqrt varies fast), offset, scale. */
function bnInputs(x: Shape, c: number, seed: number): Tensor[] {
  return [randn(x, seed), randn([c], seed + 1, 0.5), uniform([c], seed + 2, 0.5, 1.5), randn([c], seed + 3), randn([c], seed + 4)];
}

check('batchNorm last axis: x, mean, variance, offset, scale', (x, m, v, o, s) => nt.batchNorm(x, m, v, o, s), () => bnInputs([4, 3], 3, 7000));
check('batchNorm last axis, NHWC [2,3,3,4]', (x, m, v, o, s) => nt.batchNorm(x, m, v, o, s, 1e-3, -1), () => bnInputs([2, 3, 3, 4], 4, 7010));
check('batchNorm axis 1, [2,3,2,2]', (x, m, v, o, s) => nt.batchNorm(x, m, v, o, s, 1e-3, 1), () => bnInputs([2, 3, 2, 2], 3, 7020));
check('batchNorm axis 1, no offset and scale', (x, m, v) => nt.batchNorm(x, m, v, null, null, 1e-3, 1), () => bnInputs([2, 3, 4], 3, 7030).slice(0, 3));
check('batchNorm epsilon 0.1, offset only', (x, m, v, o) => nt.batchNorm(x, m, v, o, null, 0.1), () => bnInputs([5, 2], 2, 7040).slice(0, 4));

/** Training-mode batch norm: statistics from moments over every axis but `axis`. */
function trainingBatchNorm(axis: number): (x: Tensor, o: Tensor, s: Tensor) => Tensor {
  return (x, o, s) => {
    const ax = axis < 0 ? axis + x.rank : axis;
    const axes = x.shape.map((_, i) => i).filter((i) => i !== ax);
    const { mean, variance } = nt.moments(x, axes);
    return nt.batchNorm(x, mean, variance, o, s, 1e-3, axis);
  };
}

// The full training-mode composite: every output of a channel depends on every x of that
// channel through the batch mean and variance (checked w.r.t. x, offset and scale).
check('batchNorm fed by moments, last axis [2,3,3,4]', trainingBatchNorm(-1), () => [randn([2, 3, 3, 4], 7100), randn([4], 7101), randn([4], 7102)]);
check('batchNorm fed by moments, axis 1 [3,3,2,2]', trainingBatchNorm(1), () => [randn([3, 3, 2, 2], 7110), randn([3], 7111), randn([3], 7112)]);
check('moments (mean, variance) over axes [0, 2]', (x) => {
  const { mean, variance } = nt.moments(x, [0, 2]);
  return nt.concat([mean, variance], 0);
}, () => [randn([2, 3, 4], 7120)]);
check('moments keepDims, axis -1', (x) => {
  const { mean, variance } = nt.moments(x, -1, true);
  return nt.mul(mean, variance);
}, () => [randn([3, 5], 7121)]);
