/**
 * The WebGPU optimizer-update and fused recurrent kernels against the js reference backend:
 * every update rule and its variants over several steps, and rnnForward / rnnBackward for
 * every cell and option combination, on seeded random data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RnnCell, RnnInfo, UpdateHyper, UpdateRule } from '../src/backends/interface.js';
import { jsBackend } from '../src/backends/js/index.js';
import { rnnGates, rnnOutputSize, rnnReserveSize } from '../src/backends/js/rnn.js';
import type { GpuBuffer } from '../src/backends/webgpu/runtime.js';
import { optimizerKernels } from '../src/backends/webgpu/optimizers.js';
import { rnnKernels } from '../src/backends/webgpu/rnn.js';
import { testGpu, gpuFailure } from './helpers/webgpu.js';
import { assertClose, rng, upload } from './helpers/gpu-compare.js';
import { unavailable } from './helpers/oracle.js';

const skip = unavailable(testGpu === null && `no WebGPU adapter: ${gpuFailure}`);

function uniform(r: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

// ---- optimizers ----------------------------------------------------------------------

/** Per-element arithmetic runs in f32 on the GPU (float64 in the reference): a few ulps per operation. */
const OPT_RTOL = 1e-4;

/** One hyperparameter set of a rule, as a function of the step t (bias-correction powers change with t). */
interface OptCase {
  readonly rule: UpdateRule;
  readonly name: string;
  readonly slots: number;
  /** Slot k holds a second moment (kept positive) rather than a signed quantity. */
  readonly positive: readonly boolean[];
  readonly hyper: (t: number) => Record<string, number>;
}

function nadamHyper(lr: number, b1: number, b2: number, eps: number): (t: number) => Record<string, number> {
  const mu = (t: number): number => b1 * (1 - 0.5 * 0.96 ** (0.004 * t));
  const prod = (t: number): number => {
    let p = 1;
    for (let s = 1; s <= t; s++) p *= mu(s);
    return p;
  };
  return (t) => ({ lr, beta1: b1, beta2: b2, epsilon: eps, mu: mu(t), muNext: mu(t + 1), muProduct: prod(t), muProductNext: prod(t + 1), beta2Power: b2 ** t });
}

const adamHyper = (lr: number, b1: number, b2: number, eps: number, decay: number) => (t: number) => ({ lr, beta1: b1, beta2: b2, epsilon: eps, beta1Power: b1 ** t, beta2Power: b2 ** t, decay });

const OPT_CASES: readonly OptCase[] = [
  { rule: 'sgd', name: 'plain', slots: 0, positive: [], hyper: () => ({ lr: 0.1, momentum: 0, nesterov: 0 }) },
  { rule: 'sgd', name: 'momentum', slots: 1, positive: [false], hyper: () => ({ lr: 0.05, momentum: 0.9, nesterov: 0 }) },
  { rule: 'sgd', name: 'nesterov', slots: 1, positive: [false], hyper: () => ({ lr: 0.01, momentum: 0.5, nesterov: 1 }) },
  { rule: 'adam', name: 'default', slots: 2, positive: [false, true], hyper: adamHyper(0.001, 0.9, 0.999, 1e-7, 0) },
  { rule: 'adam', name: 'amsgrad', slots: 3, positive: [false, true, true], hyper: adamHyper(0.01, 0.8, 0.99, 1e-3, 0) },
  { rule: 'adam', name: 'decay (AdamW)', slots: 2, positive: [false, true], hyper: adamHyper(0.003, 0.9, 0.999, 1e-7, 0.003 * 0.004) },
  { rule: 'adamax', name: 'default', slots: 2, positive: [false, true], hyper: (t) => ({ lr: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9 ** t }) },
  { rule: 'adamax', name: 'fast decay', slots: 2, positive: [false, true], hyper: (t) => ({ lr: 0.05, beta1: 0.5, beta2: 0.6, epsilon: 1e-3, beta1Power: 0.5 ** t }) },
  { rule: 'nadam', name: 'default', slots: 2, positive: [false, true], hyper: nadamHyper(0.002, 0.9, 0.999, 1e-7) },
  { rule: 'nadam', name: 'other', slots: 2, positive: [false, true], hyper: nadamHyper(0.01, 0.7, 0.9, 1e-3) },
  { rule: 'rmsprop', name: 'plain', slots: 1, positive: [true], hyper: () => ({ lr: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 0 }) },
  { rule: 'rmsprop', name: 'momentum', slots: 2, positive: [true, false], hyper: () => ({ lr: 0.01, rho: 0.8, momentum: 0.9, epsilon: 0.05, centered: 0 }) },
  { rule: 'rmsprop', name: 'centered', slots: 2, positive: [true, false], hyper: () => ({ lr: 0.01, rho: 0.9, momentum: 0, epsilon: 0.1, centered: 1 }) },
  { rule: 'rmsprop', name: 'momentum centered', slots: 3, positive: [true, false, false], hyper: () => ({ lr: 0.005, rho: 0.95, momentum: 0.5, epsilon: 1e-6, centered: 1 }) },
  { rule: 'adagrad', name: 'default', slots: 1, positive: [true], hyper: () => ({ lr: 0.01, epsilon: 1e-7 }) },
  { rule: 'adagrad', name: 'large eps', slots: 1, positive: [true], hyper: () => ({ lr: 0.5, epsilon: 0.1 }) },
  { rule: 'adadelta', name: 'default', slots: 2, positive: [true, true], hyper: () => ({ lr: 1, rho: 0.95, epsilon: 1e-7 }) },
  { rule: 'adadelta', name: 'other', slots: 2, positive: [true, true], hyper: () => ({ lr: 0.1, rho: 0.5, epsilon: 1e-3 }) },
];

test('webgpu applyUpdate matches the js reference for every rule and variant over 3 steps', { skip }, async () => {
  const gpu = testGpu!;
  const k = optimizerKernels(gpu);
  let seed = 1;
  for (const c of OPT_CASES) {
    for (const n of [1, 517, 1000]) {
      const r = rng(seed++);
      const param = uniform(r, n, -1, 1);
      // Second moments positive (and, for centered rmsprop, above mg²: mg stays within ±0.1).
      const slots = Array.from({ length: c.slots }, (_, s) => (c.positive[s] ? uniform(r, n, 0.1, 1) : uniform(r, n, -0.1, 0.1)));
      const gP = upload(param);
      const gS = slots.map(upload);
      for (let t = 1; t <= 3; t++) {
        const grad = uniform(r, n, -2, 2);
        const hyper = c.hyper(t) as UpdateHyper<typeof c.rule>;
        jsBackend.applyUpdate(c.rule, param, grad, slots, hyper);
        const gG = upload(grad);
        k.applyUpdate(c.rule, gP, gG, gS, hyper);
        gpu.memory.free(gG);
      }
      const what = `${c.rule} (${c.name}), n=${n}`;
      assertClose(await gpu.memory.read(gP), param, OPT_RTOL, `${what}: param`);
      for (let s = 0; s < c.slots; s++) assertClose(await gpu.memory.read(gS[s]), slots[s], OPT_RTOL, `${what}: slot ${s}`);
      gpu.memory.free(gP);
      gS.forEach((h) => gpu.memory.free(h));
    }
  }
});

test('webgpu applyUpdate rejects malformed calls with the reference errors', { skip }, () => {
  const gpu = testGpu!;
  const k = optimizerKernels(gpu);
  const bad: [UpdateRule, number, number, Record<string, number>][] = [
    ['sgd', 0, 8, { lr: 0.1, momentum: 0.9, nesterov: 0 }], // momentum needs a slot
    ['rmsprop', 1, 8, { lr: 0.1, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: 1 }], // centered needs mg
    ['adam', 2, 7, { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, beta1Power: 0.9, beta2Power: 0.999, decay: 0 }], // wrong gradient size
    ['adagrad', 1, 8, { lr: 0.1 }], // missing epsilon
  ];
  for (const [rule, nslots, gradSize, hyper] of bad) {
    const h = hyper as UpdateHyper<typeof rule>;
    let jsError: Error | null = null;
    try {
      jsBackend.applyUpdate(rule, new Float32Array(8), new Float32Array(gradSize), Array.from({ length: nslots }, () => new Float32Array(8)), h);
    } catch (e) {
      jsError = e as Error;
    }
    assert.ok(jsError !== null, `js accepts ${rule}`);
    const p = gpu.memory.alloc('float32', 8);
    const g = gpu.memory.alloc('float32', gradSize);
    const slots = Array.from({ length: nslots }, () => gpu.memory.alloc('float32', 8));
    assert.throws(() => k.applyUpdate(rule, p, g, slots, h), (e: Error) => e.constructor === jsError!.constructor && e.message === jsError!.message);
  }
});

// ---- recurrent -------------------------------------------------------------------------

/**
 * The forward pass runs sigmoid and tanh through the GPU's f32 exp (a few ulps, against the
 * reference's float64 Math functions) and sums in f32; errors compound over the 5 steps, so
 * 1e-4 relative to the scale of the values is kept with some room. The backward pass is
 * plain f32 arithmetic on the reserve.
 */
const RNN_RTOL = 1e-4;

interface RnnCase {
  readonly info: RnnInfo;
  readonly mask: 'none' | 'f32' | 'i32';
  readonly bias: boolean;
}

function rnnCases(): RnnCase[] {
  const out: RnnCase[] = [];
  let u = 0;
  for (const cell of ['lstm', 'gru', 'gruResetBefore'] as RnnCell[]) {
    for (const sequence of [true, false]) {
      for (const goBackwards of [false, true]) {
        for (const mask of ['none', 'zeros'] as const) {
          for (const zeroOutputForMask of [false, true]) {
            const units = 4 + (u++ % 4);
            // Masks alternate float32 and int32; one 'gru' case runs without its recurrent bias.
            const m = mask === 'none' ? 'none' : u % 2 === 0 ? 'f32' : 'i32';
            out.push({ info: { cell, batch: 3, time: 5, units, goBackwards, sequence, zeroOutputForMask }, mask: m, bias: cell === 'gru' && !(sequence && goBackwards && mask === 'none' && !zeroOutputForMask) });
          }
        }
      }
    }
  }
  return out;
}

/** A mask with zeros: row 0 masked at its first step (both ends, for goBackwards), row 1 at random, row 2 all ones. */
function makeMask(r: () => number, B: number, T: number, int: boolean): Int32Array | Float32Array {
  const m = int ? new Int32Array(B * T) : new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      let on = 1;
      if (b === 0) on = t === 0 || t === T - 1 || t === 2 ? 0 : 1;
      else if (b === 1) on = r() < 0.4 ? 0 : 1;
      m[b * T + t] = on;
    }
  }
  return m;
}

async function checkRnn(c: RnnCase, seed: number): Promise<void> {
  const gpu = testGpu!;
  const k = rnnKernels(gpu);
  const { info } = c;
  const { batch: B, time: T, units: U, cell } = info;
  const GU = rnnGates(cell) * U;
  const lstm = cell === 'lstm';
  const r = rng(seed);
  const xw = uniform(r, B * T * GU, -1.5, 1.5);
  const kernel = uniform(r, U * GU, -0.6, 0.6);
  const bias = c.bias ? uniform(r, GU, -0.5, 0.5) : null;
  const h0 = uniform(r, B * U, -1, 1);
  const c0 = lstm ? uniform(r, B * U, -1, 1) : null;
  const mask = c.mask === 'none' ? null : makeMask(r, B, T, c.mask === 'i32');
  const ySize = rnnOutputSize(info);
  const rSize = rnnReserveSize(info);
  const what = `${cell} seq=${info.sequence} back=${info.goBackwards} mask=${c.mask} zero=${info.zeroOutputForMask} bias=${c.bias} U=${U}`;

  // Forward, with and without the reserve.
  const y = new Float32Array(ySize);
  const reserve = new Float32Array(rSize);
  jsBackend.rnnForward(info, xw, kernel, bias, h0, c0, mask, y, reserve);
  const gXw = upload(xw);
  const gK = upload(kernel);
  const gBias = bias ? upload(bias) : null;
  const gH0 = upload(h0);
  const gC0 = c0 ? upload(c0) : null;
  const gMask = mask ? upload(mask) : null;
  const gY = gpu.memory.alloc('float32', ySize);
  const gRes = gpu.memory.alloc('float32', rSize);
  k.rnnForward(info, gXw, gK, gBias, gH0, gC0, gMask, gY, gRes);
  assertClose(await gpu.memory.read(gY), y, RNN_RTOL, `${what}: y`);
  assertClose(await gpu.memory.read(gRes), reserve, RNN_RTOL, `${what}: reserve`);
  const gY2 = gpu.memory.alloc('float32', ySize);
  k.rnnForward(info, gXw, gK, gBias, gH0, gC0, gMask, gY2, null);
  assertClose(await gpu.memory.read(gY2), y, RNN_RTOL, `${what}: y (inference)`);

  // Backward from the reference's reserve (the GPU reserve was compared above).
  const dy = uniform(r, ySize, -1, 1);
  const g = {
    dxw: new Float32Array(B * T * GU),
    dKernel: new Float32Array(U * GU),
    dBias: cell === 'gru' ? new Float32Array(GU) : null,
    dh0: new Float32Array(B * U),
    dc0: lstm ? new Float32Array(B * U) : null,
  };
  jsBackend.rnnBackward(info, dy, kernel, mask, reserve, g);
  const gDy = upload(dy);
  const gReserve = upload(reserve);
  const gg = {
    dxw: gpu.memory.alloc('float32', B * T * GU),
    dKernel: gpu.memory.alloc('float32', U * GU),
    dBias: cell === 'gru' ? gpu.memory.alloc('float32', GU) : null,
    dh0: gpu.memory.alloc('float32', B * U),
    dc0: lstm ? gpu.memory.alloc('float32', B * U) : null,
  };
  k.rnnBackward(info, gDy, gK, gMask, gReserve, gg);
  assertClose(await gpu.memory.read(gg.dxw), g.dxw, RNN_RTOL, `${what}: dxw`);
  assertClose(await gpu.memory.read(gg.dKernel), g.dKernel, RNN_RTOL, `${what}: dKernel`);
  assertClose(await gpu.memory.read(gg.dh0), g.dh0, RNN_RTOL, `${what}: dh0`);
  if (g.dBias && gg.dBias) assertClose(await gpu.memory.read(gg.dBias), g.dBias, RNN_RTOL, `${what}: dBias`);
  if (g.dc0 && gg.dc0) assertClose(await gpu.memory.read(gg.dc0), g.dc0, RNN_RTOL, `${what}: dc0`);

  for (const h of [gXw, gK, gBias, gH0, gC0, gMask, gY, gRes, gY2, gDy, gReserve, ...Object.values(gg)]) if (h) gpu.memory.free(h);
}

for (const cell of ['lstm', 'gru', 'gruResetBefore'] as RnnCell[]) {
  test(`webgpu rnnForward/rnnBackward (${cell}) match the js reference over every option`, { skip }, async () => {
    const cases = rnnCases().filter((c) => c.info.cell === cell);
    let seed = 100;
    for (const c of cases) await checkRnn(c, seed++);
  });
}

test('webgpu rnn kernels: larger rows (units past a workgroup), empty time, null optional gradients', { skip }, async () => {
  const gpu = testGpu!;
  const k = rnnKernels(gpu);
  // 3 × 33 = 99 invocations per step: more than one workgroup of 64.
  await checkRnn({ info: { cell: 'lstm', batch: 3, time: 3, units: 33, goBackwards: true, sequence: true, zeroOutputForMask: false }, mask: 'f32', bias: false }, 7);
  await checkRnn({ info: { cell: 'gru', batch: 2, time: 4, units: 40, goBackwards: false, sequence: false, zeroOutputForMask: true }, mask: 'i32', bias: true }, 8);

  // time 0: y = [last 0 | h0 | c0]; backward gives dh0 = dy_h, dc0 = dy_c, zero dKernel.
  const info: RnnInfo = { cell: 'lstm', batch: 2, time: 0, units: 3, goBackwards: false, sequence: true, zeroOutputForMask: false };
  const r = rng(9);
  const h0 = uniform(r, 6, -1, 1);
  const c0 = uniform(r, 6, -1, 1);
  const y = new Float32Array(rnnOutputSize(info));
  jsBackend.rnnForward(info, new Float32Array(0), uniform(r, 36, -1, 1), null, h0, c0, null, y, new Float32Array(0));
  const gY = gpu.memory.alloc('float32', y.length);
  k.rnnForward(info, gpu.memory.alloc('float32', 0), upload(uniform(r, 36, -1, 1)), null, upload(h0), upload(c0), null, gY, gpu.memory.alloc('float32', 0));
  assertClose(await gpu.memory.read(gY), y, 0, 'time 0: y');
  const dy = uniform(r, y.length, -1, 1);
  const gg = { dxw: gpu.memory.alloc('float32', 0), dKernel: gpu.memory.alloc('float32', 36), dBias: null, dh0: gpu.memory.alloc('float32', 6), dc0: null };
  k.rnnBackward(info, upload(dy), upload(uniform(r, 36, -1, 1)), null, gpu.memory.alloc('float32', 0), gg);
  assertClose(await gpu.memory.read(gg.dKernel), new Float32Array(36), 0, 'time 0: dKernel');
  assertClose(await gpu.memory.read(gg.dh0), dy.subarray(6, 12), 0, 'time 0: dh0');
});

test('webgpu rnn kernels reject handles of the wrong size', { skip }, () => {
  const gpu = testGpu!;
  const k = rnnKernels(gpu);
  const info: RnnInfo = { cell: 'gru', batch: 2, time: 3, units: 4, goBackwards: false, sequence: true, zeroOutputForMask: false };
  const a = (n: number): GpuBuffer => gpu.memory.alloc('float32', n);
  assert.throws(() => k.rnnForward(info, a(2 * 3 * 12 - 1), a(48), a(12), a(8), null, null, a(rnnOutputSize(info)), null), /xw has 71 elements; expected 72/);
  assert.throws(() => k.rnnForward(info, a(72), a(48), a(12), a(8), null, a(5), a(rnnOutputSize(info)), null), /mask has 5 elements; expected 6/);
});
