/**
 * conv2d with a fused bias + ReLU epilogue must equal conv2d → add(bias) → relu, in value
 * and in the gradients of x, the filter and the bias (the composed ops are checked against
 * finite differences elsewhere), on the js kernels and on both native convolution engines
 * (oneDNN with folded post-ops, and im2col with its own epilogue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { unavailable } from './helpers/oracle.js';

function close(a: nt.Tensor, b: nt.Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  const av = a.dataSync();
  const bv = b.dataSync();
  let scale = 0;
  for (let i = 0; i < b.size; i++) scale = Math.max(scale, Math.abs(bv[i]));
  for (let i = 0; i < a.size; i++) {
    if (Math.abs(av[i] - bv[i]) > 1e-5 * (1 + scale)) assert.fail(`${what}: element ${i}: fused ${av[i]} vs composed ${bv[i]}`);
  }
}

const cases: { name: string; x: number[]; f: number[]; opts: nt.Conv2DOptions }[] = [
  { name: '3x3 valid', x: [3, 9, 8, 5], f: [3, 3, 5, 7], opts: {} },
  { name: '3x3 same stride 2', x: [2, 11, 10, 4], f: [3, 3, 4, 6], opts: { padding: 'same', strides: 2 } },
  { name: '1x1', x: [2, 5, 5, 8], f: [1, 1, 8, 3], opts: {} },
  { name: 'dilated', x: [2, 12, 12, 3], f: [3, 3, 3, 4], opts: { dilations: 2 } },
  { name: 'large (several chunks)', x: [8, 30, 30, 16], f: [3, 3, 16, 32], opts: { padding: 'same' } },
];

function run(label: string): void {
  cases.forEach(({ name, x: xs, f: fs, opts }, k) => {
    for (const activation of ['linear', 'relu'] as const) {
      for (const withBias of [true, false]) {
        const x = nt.randomNormal(xs, { seed: 10 + k });
        const f = nt.randomNormal(fs, { seed: 20 + k, stddev: 0.3 });
        const bias = nt.randomNormal([fs[3]], { seed: 30 + k });
        const fused = (a: nt.Tensor, w: nt.Tensor, b: nt.Tensor): nt.Tensor => nt.conv2d(a, w, { ...opts, bias: withBias ? b : null, activation });
        const composed = (a: nt.Tensor, w: nt.Tensor, b: nt.Tensor): nt.Tensor => {
          let y = nt.conv2d(a, w, opts);
          if (withBias) y = nt.add(y, b);
          return activation === 'relu' ? nt.relu(y) : y;
        };
        const what = `${label} ${name} ${activation} bias=${withBias}`;
        const yf = nt.noGrad(() => fused(x, f, bias));
        const yc = nt.noGrad(() => composed(x, f, bias));
        close(yf, yc, `${what} output`);
        const r = nt.randomNormal(yc.shape, { seed: 40 + k });
        const loss = (fn: typeof fused) => (a: nt.Tensor, w: nt.Tensor, b: nt.Tensor): nt.Tensor => nt.sum(nt.mul(fn(a, w, b), r));
        const gf = nt.grads(loss(fused))([x, f, bias]);
        const gc = nt.grads(loss(composed))([x, f, bias]);
        ['x', 'filter', 'bias'].forEach((n, i) => close(gf[i], gc[i], `${what} d${n}`));
      }
    }
  });
}

test('fused conv epilogue equals the composed ops (js backend)', () => {
  const before = nt.getBackendName();
  nt.setBackend('js');
  try {
    run('js');
  } finally {
    nt.setBackend(before as nt.BackendName);
  }
});

const addon = nt.nativeAddon();
test('fused conv epilogue equals the composed ops (native: oneDNN and im2col engines)', { skip: unavailable(!addon && 'native backend not built') }, () => {
  const before = nt.getBackendName();
  nt.setBackend('native');
  try {
    for (const engine of ['direct', 'dnnl', 'im2col'] as const) {
      const now = addon!.setConvEngine(engine);
      if (now !== engine) continue; // built without oneDNN
      run(`native/${engine}`);
    }
  } finally {
    addon!.setConvEngine('auto');
    nt.setBackend(before as nt.BackendName);
  }
});

/** dense(x, W, b, act) against matmul → add → relu: values and all three gradients. */
function runDense(label: string): void {
  const shapes: [number[], number][] = [[[7, 5], 3], [[300, 64], 48], [[2, 3, 9], 4], [[1024, 40], 33]];
  shapes.forEach(([xs, units], k) => {
    for (const activation of ['linear', 'relu'] as const) {
      for (const withBias of [true, false]) {
        const x = nt.randomNormal(xs, { seed: 50 + k });
        const w = nt.randomNormal([xs[xs.length - 1], units], { seed: 60 + k, stddev: 0.3 });
        const bias = nt.randomNormal([units], { seed: 70 + k });
        const fused = (a: nt.Tensor, kk: nt.Tensor, b: nt.Tensor): nt.Tensor => nt.dense(a, kk, withBias ? b : null, activation);
        const composed = (a: nt.Tensor, kk: nt.Tensor, b: nt.Tensor): nt.Tensor => {
          let y = nt.matmul(a, kk);
          if (withBias) y = nt.add(y, b);
          return activation === 'relu' ? nt.relu(y) : y;
        };
        const what = `${label} dense ${JSON.stringify(xs)}→${units} ${activation} bias=${withBias}`;
        const yc = nt.noGrad(() => composed(x, w, bias));
        close(nt.noGrad(() => fused(x, w, bias)), yc, `${what} output`);
        const r = nt.randomNormal(yc.shape, { seed: 80 + k });
        const loss = (fn: typeof fused) => (a: nt.Tensor, kk: nt.Tensor, b: nt.Tensor): nt.Tensor => nt.sum(nt.mul(fn(a, kk, b), r));
        const gf = nt.grads(loss(fused))([x, w, bias]);
        const gc = nt.grads(loss(composed))([x, w, bias]);
        ['x', 'kernel', 'bias'].forEach((n, i) => close(gf[i], gc[i], `${what} d${n}`));
      }
    }
  });
  assert.throws(() => nt.dense(nt.ones([2, 3]), nt.ones([4, 5])), /dense: the last axis of x \[2, 3\] must match the kernel's 4 inputs/);
}

test('fused dense (matmul + bias + ReLU) equals the composed ops on every backend', () => {
  const before = nt.getBackendName();
  try {
    for (const b of nt.availableBackends()) {
      nt.setBackend(b);
      runDense(b);
    }
  } finally {
    nt.setBackend(before as nt.BackendName);
  }
});
