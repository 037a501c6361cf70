/**
 * The fused LSTM/GRU kernels (backend rnnForward/rnnBackward, op fusedRnn) and the layers'
 * routing to them:
 *  - layers: the fused path equals the step-by-step `scan` path (setRecurrentFusion(false))
 *    in outputs and in the gradients of inputs, initial states and weights, over masks,
 *    goBackwards, returnSequences, returnState, initial states, zeroOutputForMask, useBias;
 *  - the op's gradient rule against central finite differences (helpers/gradcheck.ts);
 *  - native kernels against the js reference (tolerance of backend-native.test.ts);
 *  - which configurations take the fused path and which fall back to scan.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import { setRecurrentFusion } from '../src/layers/recurrent/rnn.js';
import { jsBackend } from '../src/backends/js/index.js';
import { createNativeBackend } from '../src/backends/native/backend.js';
import type { Backend, RnnCell, RnnInfo } from '../src/backends/interface.js';
import { rnnOutputSize, rnnReserveSize } from '../src/backends/js/rnn.js';
import { checkGradients, randn, totals } from './helpers/gradcheck.js';
import { unavailable } from './helpers/oracle.js';

after(() => console.log(`# gradcheck (fused recurrent): ${totals.calls} checks, ${totals.elements} input elements compared`));

const addon = nt.nativeAddon();
const native: Backend | null = addon ? createNativeBackend(addon) : null;
const skipNative = unavailable(native === null && `native backend not available: ${nt.backendFailure('native') ?? 'not built'}`);

/** |got − want| ≤ rtol·(|want| + mean|want|) elementwise (float32 sums in different orders). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let mean = 0;
  for (let i = 0; i < want.length; i++) mean += Math.abs(want[i]);
  mean /= Math.max(1, want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = rtol * (Math.abs(want[i]) + mean);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]} (tolerance ${tol.toExponential(2)})`);
  }
}

/** Names of the ops recorded on the way to t. */
function opsOf(t: nt.Tensor): Set<string> {
  const names = new Set<string>();
  const seen = new Set<nt.Tensor>();
  const stack = [t];
  while (stack.length > 0) {
    const x = stack.pop() as nt.Tensor;
    if (seen.has(x) || x.gradFn === null) continue;
    seen.add(x);
    names.add(x.gradFn.op);
    stack.push(...x.gradFn.inputs);
  }
  return names;
}

function withFusion<T>(on: boolean, fn: () => T): T {
  const was = setRecurrentFusion(on);
  try {
    return fn();
  } finally {
    setRecurrentFusion(was);
  }
}

// ---- layers: fused = scan ---------------------------------------------------------------

interface LayerCase {
  readonly name: string;
  readonly make: () => nt.RecurrentLayer;
  readonly states: number;
  readonly mask?: boolean;
  readonly zeroOutputForMask?: boolean;
  readonly initialStates?: boolean;
}

const BATCH = 4;
const TIME = 7;
const FEATURES = 5;
const UNITS = 6;
const MASK = nt.tensor([
  [1, 1, 0, 1, 1, 0, 1],
  [0, 1, 1, 1, 0, 0, 1],
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1, 0],
]);

/** Outputs, then gradients of Σ outputs·r with respect to x, the initial states and every weight. */
function runLayer(c: LayerCase, layer: nt.RecurrentLayer, x: nt.Tensor, init: nt.Tensor[]): Float32Array[] {
  nt.setSeed(1234); // the same dropout mask on both paths
  const input = init.length > 0 ? [x, ...init] : x;
  const out = layer.call(input as nt.Tensor | nt.Tensor[], { mask: c.mask ? MASK : undefined, training: true });
  const list = Array.isArray(out) ? out : [out];
  let loss = nt.scalar(0);
  list.forEach((t, i) => {
    loss = nt.add(loss, nt.sum(nt.mul(t, randn(t.shape, 100 + i))));
  });
  const grads = nt.gradients(loss, [x, ...init, ...layer.trainableWeights]);
  return [...list, ...grads].map((t) => t.dataSync() as Float32Array);
}

function compareLayer(c: LayerCase, seed: number): void {
  nt.setSeed(seed);
  const layer = c.make();
  if (c.zeroOutputForMask) layer.zeroOutputForMask = true;
  const x = randn([BATCH, TIME, FEATURES], seed, 0.8);
  const init = c.initialStates ? Array.from({ length: c.states }, (_, i) => randn([BATCH, UNITS], seed + 1 + i, 0.5)) : [];
  for (const t of [x, ...init]) t.requiresGrad = true;
  layer.apply(init.length > 0 ? [x, ...init] : x); // build
  // Non-zero biases so that every bias path is exercised.
  if (layer.bias) layer.bias.assign(randn(layer.bias.shape, seed + 7, 0.3));
  const fused = withFusion(true, () => runLayer(c, layer, x, init));
  const scanned = withFusion(false, () => runLayer(c, layer, x, init));
  assert.equal(fused.length, scanned.length);
  fused.forEach((f, i) => close(f, scanned[i], 1e-5, `${c.name}: result ${i}`));
}

const LAYER_CASES: LayerCase[] = [
  { name: 'LSTM last output', make: () => new nt.LSTM({ units: UNITS }), states: 2 },
  { name: 'LSTM sequences, returnState, mask', make: () => new nt.LSTM({ units: UNITS, returnSequences: true, returnState: true }), states: 2, mask: true },
  { name: 'LSTM goBackwards, mask, initial states', make: () => new nt.LSTM({ units: UNITS, goBackwards: true, returnState: true }), states: 2, mask: true, initialStates: true },
  { name: 'LSTM sequences, goBackwards, zeroOutputForMask', make: () => new nt.LSTM({ units: UNITS, goBackwards: true, returnSequences: true }), states: 2, mask: true, zeroOutputForMask: true },
  { name: 'LSTM no bias, input dropout (training)', make: () => new nt.LSTM({ units: UNITS, useBias: false, dropout: 0.3, returnSequences: true }), states: 2 },
  { name: 'GRU last output', make: () => new nt.GRU({ units: UNITS }), states: 1 },
  { name: 'GRU sequences, returnState, mask, initial states', make: () => new nt.GRU({ units: UNITS, returnSequences: true, returnState: true }), states: 1, mask: true, initialStates: true },
  { name: 'GRU goBackwards, zeroOutputForMask, sequences', make: () => new nt.GRU({ units: UNITS, goBackwards: true, returnSequences: true }), states: 1, mask: true, zeroOutputForMask: true },
  { name: 'GRU no bias', make: () => new nt.GRU({ units: UNITS, useBias: false, returnState: true }), states: 1, mask: true },
  { name: 'GRU resetAfter=false', make: () => new nt.GRU({ units: UNITS, resetAfter: false, returnSequences: true }), states: 1 },
  { name: 'GRU resetAfter=false, goBackwards, mask, initial state', make: () => new nt.GRU({ units: UNITS, resetAfter: false, goBackwards: true, returnState: true }), states: 1, mask: true, initialStates: true },
  { name: 'GRU resetAfter=false, zeroOutputForMask, no bias', make: () => new nt.GRU({ units: UNITS, resetAfter: false, useBias: false, returnSequences: true }), states: 1, mask: true, zeroOutputForMask: true },
];

test('layers: the fused path equals the scan path (outputs and gradients of inputs, initial states, weights)', () => {
  LAYER_CASES.forEach((c, i) => compareLayer(c, 50 + i));
});

test('layers: the fused path equals the scan path at the benchmark shape (LSTM and GRU, 64 × 30 steps × 32 → 128)', () => {
  for (const [Cls, states] of [[nt.LSTM, 2], [nt.GRU, 1]] as const) {
    nt.setSeed(9);
    const layer = new Cls({ units: 128, returnState: true });
    const x = randn([64, 30, 32], 3, 0.7);
    x.requiresGrad = true;
    layer.apply(x);
    const c: LayerCase = { name: `${Cls.className} 64×30×32→128`, make: () => layer, states };
    const fused = withFusion(true, () => runLayer(c, layer, x, []));
    const scanned = withFusion(false, () => runLayer(c, layer, x, []));
    fused.forEach((f, i) => close(f, scanned[i], 1e-5, `${c.name}: result ${i}`));
  }
});

test('routing: default LSTM/GRU use fusedRnn; other activations and recurrent dropout in training use scan', () => {
  const x = randn([2, 3, 4], 1);
  x.requiresGrad = true;
  const ops = (layer: nt.RecurrentLayer, training = true): Set<string> => opsOf(layer.apply(x, { training }) as nt.Tensor);
  assert.ok(ops(new nt.LSTM({ units: 3 })).has('fusedRnn'));
  assert.ok(ops(new nt.GRU({ units: 3 })).has('fusedRnn'));
  assert.ok(ops(new nt.GRU({ units: 3, resetAfter: false })).has('fusedRnn'));
  assert.ok(ops(new nt.LSTM({ units: 3, dropout: 0.5 })).has('fusedRnn'), 'input dropout alone keeps the fused path');
  assert.ok(ops(new nt.LSTM({ units: 3, recurrentDropout: 0.5 }), false).has('fusedRnn'), 'recurrent dropout is off in inference');
  for (const layer of [
    new nt.LSTM({ units: 3, activation: 'relu' }),
    new nt.LSTM({ units: 3, recurrentActivation: 'hard_sigmoid' }),
    new nt.GRU({ units: 3, activation: 'softsign' }),
    new nt.LSTM({ units: 3, recurrentDropout: 0.5 }),
    new nt.SimpleRNN({ units: 3 }),
  ]) {
    const names = ops(layer);
    assert.ok(names.has('scan') && !names.has('fusedRnn'), `${layer.getClassName()} ${JSON.stringify(layer.getConfig())}: ${[...names].join(', ')}`);
  }
  withFusion(false, () => assert.ok(ops(new nt.LSTM({ units: 3 })).has('scan')));
});

// ---- the op: gradients by finite differences ----------------------------------------------

interface OpCase {
  readonly cell: RnnCell;
  readonly goBackwards: boolean;
  readonly sequence: boolean;
  readonly mask: boolean;
  readonly zeroOutputForMask?: boolean;
  readonly bias?: boolean;
}

const OP_MASK = nt.tensor([
  [0, 1, 1, 0, 1],
  [1, 1, 0, 1, 0],
  [1, 0, 1, 1, 1],
]);

function checkOp(c: OpCase, seed: number): void {
  const [B, T, U] = [3, 5, 4];
  const G = c.cell === 'lstm' ? 4 : 3;
  const lstm = c.cell === 'lstm';
  const inputs = [randn([B, T, G * U], seed, 0.8), randn([U, G * U], seed + 1, 0.4)];
  if (c.bias) inputs.push(randn([G * U], seed + 2, 0.3));
  inputs.push(randn([B, U], seed + 3, 0.5));
  if (lstm) inputs.push(randn([B, U], seed + 4, 0.5));
  const f = (...ts: nt.Tensor[]): nt.Tensor => {
    const [xw, kernel] = ts;
    const bias = c.bias ? ts[2] : null;
    const states = ts.slice(c.bias ? 3 : 2);
    const r = nt.fusedRnn(xw, kernel, bias, states, { cell: c.cell, goBackwards: c.goBackwards, sequence: c.sequence, mask: c.mask ? OP_MASK : null, zeroOutputForMask: c.zeroOutputForMask });
    const parts = [...(r.outputs ? [r.outputs] : []), r.lastOutput, ...r.states];
    return nt.concat(parts.map((t) => nt.reshape(t, [-1])), 0);
  };
  checkGradients(f, inputs, { name: `fusedRnn ${JSON.stringify(c)}`, seed });
}

test('fusedRnn: gradients against finite differences (every cell, masks, goBackwards, sequences, zeroOutputForMask, GRU bias)', () => {
  const cases: OpCase[] = [];
  for (const cell of ['lstm', 'gru', 'gruResetBefore'] as const) {
    cases.push({ cell, goBackwards: false, sequence: true, mask: false, bias: cell === 'gru' });
    cases.push({ cell, goBackwards: true, sequence: false, mask: true, bias: cell === 'gru' });
    cases.push({ cell, goBackwards: false, sequence: true, mask: true, zeroOutputForMask: true });
    cases.push({ cell, goBackwards: true, sequence: true, mask: true });
  }
  cases.forEach((c, i) => checkOp(c, 200 + i));
});

test('fusedRnn: argument errors name the op and the shapes', () => {
  const xw = nt.zeros([2, 3, 8]);
  const k = nt.zeros([2, 8]);
  const h = nt.zeros([2, 2]);
  assert.throws(() => nt.fusedRnn(xw, k, null, [h], { cell: 'lstm' }), /fusedRnn: the 'lstm' cell needs 2 initial state\(s\)/);
  assert.throws(() => nt.fusedRnn(xw, nt.zeros([2, 6]), null, [h, h], { cell: 'lstm' }), /fusedRnn: the recurrent kernel must have shape \[units, 4·units\]; got \[2, 6\]/);
  assert.throws(() => nt.fusedRnn(nt.zeros([2, 3, 6]), nt.zeros([2, 6]), nt.zeros([6]), [h], { cell: 'gruResetBefore' }), /only the 'gru' cell takes a recurrent bias/);
  assert.throws(() => nt.fusedRnn(xw, k, null, [h, nt.zeros([3, 2])], { cell: 'lstm' }), /initialStates\[1\] must have shape \[2, 2\]; got \[3, 2\]/);
  assert.throws(() => nt.fusedRnn(xw, k, null, [h, h], { cell: 'lstm', mask: nt.ones([3, 2]) }), /mask must have shape \[2, 3\]/);
});

// ---- native kernels against the js reference --------------------------------------------------

function data(n: number, seed: number, scale: number): Float32Array {
  return randn([n], seed, scale).dataSync() as Float32Array;
}

type Ins = { xw: Float32Array; kernel: Float32Array; bias: Float32Array | null; h0: Float32Array; c0: Float32Array | null; mask: Float32Array | null };

/** Runs a host backend's rnnForward into fresh (NaN-filled) outputs. */
function forward(b: Backend, info: RnnInfo, i: Ins, train: boolean): { y: Float32Array; reserve: Float32Array | null } {
  const y = new Float32Array(rnnOutputSize(info)).fill(Number.NaN);
  const reserve = train ? new Float32Array(rnnReserveSize(info)).fill(Number.NaN) : null;
  b.rnnForward(info, i.xw, i.kernel, i.bias, i.h0, i.c0, i.mask, y, reserve);
  return { y, reserve };
}

function backward(b: Backend, info: RnnInfo, dy: Float32Array, kernel: Float32Array, mask: Float32Array | null, reserve: Float32Array): { dxw: Float32Array; dKernel: Float32Array; dBias: Float32Array | null; dh0: Float32Array; dc0: Float32Array | null } {
  const gu = (info.cell === 'lstm' ? 4 : 3) * info.units;
  const bu = info.batch * info.units;
  const nan = (n: number): Float32Array => new Float32Array(n).fill(Number.NaN);
  const g = { dxw: nan(info.batch * info.time * gu), dKernel: nan(info.units * gu), dBias: info.cell === 'gru' ? nan(gu) : null, dh0: nan(bu), dc0: info.cell === 'lstm' ? nan(bu) : null };
  b.rnnBackward(info, dy, kernel, mask, reserve, g);
  return g;
}

function maskData(B: number, T: number, seed: number): Float32Array {
  const rng = new nt.Rng(seed);
  return Float32Array.from({ length: B * T }, () => (rng.uniform() < 0.3 ? 0 : 1));
}

function compareKernels(info: RnnInfo, withMask: boolean, seed: number): void {
  const { batch: B, time: T, units: U } = info;
  const G = info.cell === 'lstm' ? 4 : 3;
  const xw = data(B * T * G * U, seed, 1);
  const kernel = data(U * G * U, seed + 1, 1 / Math.sqrt(U));
  const bias = info.cell === 'gru' ? data(G * U, seed + 2, 0.3) : null;
  const h0 = data(B * U, seed + 3, 0.5);
  const c0 = info.cell === 'lstm' ? data(B * U, seed + 4, 0.5) : null;
  const mask = withMask ? maskData(B, T, seed + 5) : null;
  const what = `${JSON.stringify(info)}${withMask ? ' masked' : ''}`;
  const ins: Ins = { xw, kernel, bias, h0, c0, mask };
  const want = forward(jsBackend, info, ins, true);
  const got = forward(native as Backend, info, ins, true);
  close(got.y, want.y, 1e-4, `${what}: y`);
  close(got.reserve as Float32Array, want.reserve as Float32Array, 1e-4, `${what}: reserve`);
  const inference = forward(native as Backend, info, ins, false);
  assert.equal(inference.reserve, null);
  assert.deepEqual(inference.y, got.y, `${what}: inference and training forward agree exactly`);
  const dy = data(want.y.length, seed + 6, 1);
  const gw = backward(jsBackend, info, dy, kernel, mask, want.reserve as Float32Array);
  const gg = backward(native as Backend, info, dy, kernel, mask, want.reserve as Float32Array);
  close(gg.dxw, gw.dxw, 1e-4, `${what}: dxw`);
  close(gg.dKernel, gw.dKernel, 1e-4, `${what}: dKernel`);
  close(gg.dh0, gw.dh0, 1e-4, `${what}: dh0`);
  if (gw.dc0) close(gg.dc0 as Float32Array, gw.dc0, 1e-4, `${what}: dc0`);
  if (info.cell === 'gru') close(gg.dBias as Float32Array, gw.dBias as Float32Array, 1e-4, `${what}: dBias`);
}

test('native rnnForward/rnnBackward equal the js reference (odd sizes, masks, goBackwards, sequences)', { skip: skipNative }, () => {
  let seed = 300;
  for (const cell of ['lstm', 'gru', 'gruResetBefore'] as const) {
    for (const [batch, time, units] of [[3, 5, 7], [17, 9, 33], [64, 6, 128]]) {
      for (const goBackwards of [false, true]) {
        const info: RnnInfo = { cell, batch, time, units, goBackwards, sequence: !goBackwards, zeroOutputForMask: goBackwards };
        compareKernels(info, false, seed++);
        compareKernels({ ...info, sequence: goBackwards, zeroOutputForMask: !goBackwards }, true, seed++);
      }
    }
  }
});

test('native rnn kernels: saturated gates (|pre-activations| up to 40) stay finite and match', { skip: skipNative }, () => {
  const info: RnnInfo = { cell: 'lstm', batch: 5, time: 4, units: 9, goBackwards: false, sequence: true, zeroOutputForMask: false };
  const xw = data(5 * 4 * 36, 7, 20);
  const kernel = data(9 * 36, 8, 2);
  const h0 = data(45, 9, 1);
  const c0 = data(45, 10, 1);
  const want = forward(jsBackend, info, { xw, kernel, bias: null, h0, c0, mask: null }, false);
  const got = forward(native as Backend, info, { xw, kernel, bias: null, h0, c0, mask: null }, false);
  assert.ok(got.y.every((v) => Number.isFinite(v)));
  close(got.y, want.y, 1e-4, 'saturated LSTM y');
});
