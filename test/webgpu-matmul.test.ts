/**
 * The webgpu matmul and convolution kernels against the js reference backend on seeded
 * random data: matmul over odd shapes (edge tiles), batch broadcasting both ways, the four
 * transpose combinations, split-K, the bias/ReLU epilogue; conv2d and both gradients on
 * the shared CONV_CASES plus strides, dilation, groups (GEMM and direct paths),
 * depthwise, 1×1, asymmetric geometry and the epilogue.
 *
 * Tolerance: |gpu − js| ≤ 1e-4·(|js| + mean|js|): the GPU sums in another order (tiles,
 * split-K chunks, fma), an error that scales with the magnitude of the summed terms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv2DInfo, EpilogueActivation, MatmulSpec } from '../src/backends/interface.js';
import { jsBackend } from '../src/backends/js/index.js';
import { matmulKernels } from '../src/backends/webgpu/matmul.js';
import { convKernels } from '../src/backends/webgpu/conv.js';
import type { Gpu } from '../src/backends/webgpu/runtime.js';
import { CONV_CASES, convInfo, data } from './helpers/backend-cases.js';
import { Checks, junk, upload } from './helpers/gpu-compare.js';
import { testGpu, gpuFailure } from './helpers/webgpu.js';
import { unavailable } from './helpers/oracle.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);
const RTOL = 1e-4;

interface MatmulCase {
  readonly spec: MatmulSpec;
  readonly bias: boolean;
  readonly activation: EpilogueActivation | null;
}


function matmulCases(): MatmulCase[] {
  const cases: MatmulCase[] = [];
  // (m, k, n) triples covering every size on every axis, edge tiles and exact tiles.
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 17, 130], [3, 65, 17], [17, 3, 64], [64, 64, 64], [65, 130, 3],
    [130, 17, 65], [64, 1, 17], [17, 130, 1], [130, 65, 130], [3, 3, 3], [65, 64, 17],
  ];
  const batches: [number, number][] = [[1, 1], [3, 3], [1, 3], [3, 1]];
  const epilogues: [boolean, EpilogueActivation | null][] = [[false, null], [true, 'linear'], [true, 'relu'], [false, 'relu']];
  let c = 0;
  for (const [m, k, n] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const [batchA, batchB] = batches[c % batches.length] as [number, number];
        const [bias, activation] = epilogues[(c >> 1) % epilogues.length] as [boolean, EpilogueActivation | null];
        cases.push({ spec: { batchA, batchB, m, k, n, transA, transB }, bias, activation });
        c++;
      }
    }
  }
  // split-K (few output tiles, long K), with broadcasting and the epilogue
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    cases.push({ spec: { batchA: 1, batchB: 2, m: 3, k: 1000, n: 17, transA, transB }, bias: true, activation: 'relu' });
    cases.push({ spec: { batchA: 2, batchB: 1, m: 65, k: 777, n: 130, transA, transB }, bias: false, activation: null });
  }
  // K = 0: the epilogue of zeros
  cases.push({ spec: { batchA: 1, batchB: 1, m: 5, k: 0, n: 7, transA: false, transB: false }, bias: true, activation: 'linear' });
  return cases;
}

test('matmul matches the js reference (shapes, batch broadcast, transposes, split-K, epilogue)', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const kernels = matmulKernels(gpu);
  const checks = new Checks();
  let seed = 1;
  for (const { spec, bias, activation } of matmulCases()) {
    const { batchA, batchB, m, k, n } = spec;
    const a = data(batchA * m * k, seed++);
    const b = data(batchB * k * n, seed++);
    const bv = data(n, seed++);
    const size = Math.max(batchA, batchB) * m * n;
    const epi = activation === null ? undefined : { bias: bias ? bv : null, activation };
    const exp = new Float32Array(size);
    jsBackend.matmul(a, b, exp, spec, epi);
    const [ha, hb, hbias] = [upload(a), upload(b), upload(bv)];
    const h = junk(size);
    kernels.matmul(ha, hb, h, spec, activation === null ? undefined : { bias: bias ? hbias : null, activation });
    checks.add(`matmul ${JSON.stringify(spec)} bias=${bias} ${activation}`, h, exp, RTOL, [ha, hb, hbias]);
  }
  const checked = checks.size;
  await checks.assertAll();
  assert.ok(checked >= 50);
});

test('matmul ReLU epilogue passes NaN through like the reference', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const spec: MatmulSpec = { batchA: 1, batchB: 1, m: 5, k: 9, n: 6, transA: false, transB: false };
  const a = data(45, 7);
  a[10] = Number.NaN; // row 1 becomes NaN
  const b = data(54, 8);
  const bias = data(6, 9);
  const exp = new Float32Array(30);
  jsBackend.matmul(a, b, exp, spec, { bias, activation: 'relu' });
  const [ha, hb, hbias, h] = [upload(a), upload(b), upload(bias), junk(30)];
  matmulKernels(gpu).matmul(ha, hb, h, spec, { bias: hbias, activation: 'relu' });
  assert.ok(exp.slice(6, 12).every(Number.isNaN));
  const checks = new Checks();
  checks.add('matmul relu NaN', h, exp, RTOL, [ha, hb, hbias]);
  await checks.assertAll();
});

/** A Conv2DInfo with separate H/W geometry; the output size may imply extra bottom/right padding. */
function info2(batch: number, inH: number, inW: number, inC: number, outC: number, kH: number, kW: number, sH: number, sW: number, dH: number, dW: number, padTop: number, padLeft: number, padBottom: number, padRight: number, groups: number): Conv2DInfo {
  return {
    batch, inH, inW, inC, outC, kH, kW, strideH: sH, strideW: sW, dilationH: dH, dilationW: dW, padTop, padLeft, groups,
    outH: Math.floor((inH + padTop + padBottom - ((kH - 1) * dH + 1)) / sH) + 1,
    outW: Math.floor((inW + padLeft + padRight - ((kW - 1) * dW + 1)) / sW) + 1,
  };
}

const EXTRA_CASES: readonly Conv2DInfo[] = [
  convInfo(2, 9, 10, 6, 20, 3, 2, 1, 1, 1), // stride 2
  convInfo(2, 11, 9, 5, 18, 3, 1, 2, 2, 1), // dilation 2
  convInfo(2, 9, 9, 8, 36, 3, 1, 1, 1, 2), // groups 2, 18 outputs per group (GEMM path)
  convInfo(2, 8, 7, 6, 4, 3, 2, 2, 2, 2), // groups 2, 2 outputs per group (direct path)
  convInfo(3, 10, 9, 12, 12, 3, 1, 1, 1, 12), // depthwise
  convInfo(2, 9, 8, 6, 12, 3, 2, 1, 1, 6), // depthwise, multiplier 2, stride 2
  convInfo(3, 6, 7, 10, 33, 1, 1, 1, 0, 1), // 1×1
  convInfo(2, 9, 7, 10, 17, 1, 2, 1, 0, 1), // 1×1 stride 2
  info2(2, 10, 9, 5, 19, 3, 2, 2, 1, 1, 2, 1, 0, 1, 2, 1), // asymmetric kernel, strides, dilation, padding
  info2(2, 8, 8, 4, 20, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1), // 'same' stride 2: bottom/right padding only
  info2(1, 7, 9, 32, 32, 3, 2, 1, 2, 2, 1, 2, 1, 2, 0, 2), // groups 2 with 16 per group, asymmetric
  info2(2, 9, 9, 4, 4, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, 4), // depthwise 5×5 stride 3
];

test('conv2d, its input gradient and its filter gradient match the js reference', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const kernels = convKernels(gpu);
  const cases = [...CONV_CASES, ...EXTRA_CASES];
  let checked = 0;
  const failures: string[] = [];
  const checks = new Checks();
  for (let c = 0; c < cases.length; c++) {
    const info = cases[c] as Conv2DInfo;
    const xs = info.batch * info.inH * info.inW * info.inC;
    const ws = info.kH * info.kW * (info.inC / info.groups) * info.outC;
    const ys = info.batch * info.outH * info.outW * info.outC;
    const x = data(xs, 80 + c);
    const w = data(ws, 90 + c);
    const dy = data(ys, 100 + c);
    const bias = data(info.outC, 105 + c);
    const [hx, hw, hdy, hb] = [upload(x), upload(w), upload(dy), upload(bias)];
    const what = `conv ${JSON.stringify(info)}`;
    const expY = new Float32Array(ys);
    jsBackend.conv2d(x, w, expY, info);
    const hy = junk(ys);
    kernels.conv2d(hx, hw, hy, info);
    checks.add(`${what} forward`, hy, expY, RTOL);
    const expYe = new Float32Array(ys);
    const act: EpilogueActivation = c % 2 === 0 ? 'relu' : 'linear';
    jsBackend.conv2d(x, w, expYe, info, { bias, activation: act });
    const hye = junk(ys);
    kernels.conv2d(hx, hw, hye, info, { bias: hb, activation: act });
    checks.add(`${what} forward+bias+${act}`, hye, expYe, RTOL);
    const expR = new Float32Array(ys);
    jsBackend.conv2d(x, w, expR, info, { bias: null, activation: 'relu' });
    const hr = junk(ys);
    kernels.conv2d(hx, hw, hr, info, { bias: null, activation: 'relu' });
    checks.add(`${what} forward+relu`, hr, expR, RTOL);
    const expDx = new Float32Array(xs);
    jsBackend.conv2dBackpropInput(dy, w, expDx, info);
    const hdx = junk(xs);
    kernels.conv2dBackpropInput(hdy, hw, hdx, info);
    checks.add(`${what} input gradient`, hdx, expDx, RTOL);
    const expDw = new Float32Array(ws);
    jsBackend.conv2dBackpropFilter(x, dy, expDw, info);
    const hdw = junk(ws);
    kernels.conv2dBackpropFilter(hx, hdy, hdw, info);
    checks.add(`${what} filter gradient`, hdw, expDw, RTOL, [hx, hw, hdy, hb]);
    checked += checks.size;
    failures.push(...(await checks.failures()));
  }
  assert.deepEqual(failures, []);
  assert.equal(checked, cases.length * 5);
});

test('empty batches: nothing to compute, the filter gradient is zeros', { skip }, async () => {
  const gpu = testGpu as Gpu;
  const conv = convKernels(gpu);
  const checks = new Checks();
  for (const info of [convInfo(0, 7, 7, 4, 20, 3, 1, 1, 1, 1), convInfo(0, 7, 7, 4, 4, 3, 1, 1, 1, 4)]) {
    const ws = info.kH * info.kW * (info.inC / info.groups) * info.outC;
    const [hx, hw, hdy, hy, hdx] = [junk(0), upload(data(ws, 3)), junk(0), junk(0), junk(0)];
    conv.conv2d(hx, hw, hy, info, { bias: null, activation: 'relu' });
    conv.conv2dBackpropInput(hdy, hw, hdx, info);
    const hdw = junk(ws);
    conv.conv2dBackpropFilter(hx, hdy, hdw, info);
    checks.add(`empty ${JSON.stringify(info)} filter gradient`, hdw, new Float32Array(ws), RTOL, [hx, hw, hdy, hy, hdx]);
  }
  const hc = junk(0);
  const [ha, hb] = [junk(0), upload(data(12, 4))];
  matmulKernels(gpu).matmul(ha, hb, hc, { batchA: 1, batchB: 1, m: 0, k: 3, n: 4, transA: false, transB: false });
  checks.add('matmul m = 0', hc, new Float32Array(0), RTOL, [ha, hb]);
  await checks.assertAll();
});
