/**
 * Every optimizer (and variant) against its update formulas, written out here in float64
 * from tf.keras 2's documented algorithms (not by calling any kernel): the first three
 * updates of a 5-element variable with fixed gradients, weights and every state slot.
 *
 * Tolerance: |got − want| ≤ 1e-6·(|want| + mean|want|). Neurite stores weights and slots
 * in float32 (relative rounding 6e-8 per stored value, compounded over three steps) while
 * the reference keeps float64, so agreement is bounded by a few 1e-7; the hyperparameters
 * are chosen so that each step moves the weights by ≥ 1e-3, a thousand times the tolerance,
 * and the variants whose formulas differ between tf.keras 2 and Keras 3 are shown to
 * differ by far more than the tolerance (the checks can tell them apart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/backends/index.js'; // registers native and wasm, so NEURITE_BACKEND can force them
import { Variable, tensor } from '../src/tensor/index.js';
import { Adadelta, Adagrad, Adam, AdamW, Adamax, Nadam, type Optimizer, RMSprop, SGD } from '../src/optimizers/index.js';
import { item } from './helpers/read.js';

const W0 = [0.5, -1.2, 2.0, 0.03, -0.7].map(Math.fround);
const G = [
  [0.1, -0.4, 0.25, 0.0, 1.5],
  [-0.2, -0.35, 0.3, 0.05, 1.1],
  [0.15, 0.5, -0.2, -0.01, 0.9],
].map((row) => row.map(Math.fround));
const N = W0.length;

/** A float64 reference optimizer: `step` updates w in place; `slots` in tf.keras 2's weight order. */
interface Ref {
  step(w: number[], g: readonly number[], iterations: number): void;
  slots(): number[][];
}

const zeros = (): number[] => new Array<number>(N).fill(0);

function tolerance(want: readonly number[]): number {
  return want.reduce((s, x) => s + Math.abs(x), 0) / want.length;
}

function maxViolation(got: ArrayLike<number>, want: readonly number[]): number {
  const mean = tolerance(want);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-6 * (Math.abs(want[i]) + mean)));
  return worst; // ≤ 1 passes
}

function assertClose(got: ArrayLike<number>, want: readonly number[], what: string): void {
  const v = maxViolation(got, want);
  assert.ok(v <= 1, `${what}: got [${Array.from(got).join(', ')}], want [${want.join(', ')}] (${v.toFixed(1)}× the tolerance)`);
}

/** Runs three steps of `opt` and of `ref`, comparing weights and slots after each. */
async function checkSteps(opt: Optimizer, ref: Ref, label: string, extraWeights = 0): Promise<number[][]> {
  const v = new Variable(tensor(W0));
  const w = [...W0];
  const history: number[][] = [];
  for (let s = 0; s < 3; s++) {
    opt.applyGradients([[tensor(G[s]), v]]);
    ref.step(w, G[s], s);
    assertClose(await v.data(), w, `${label}: weights after step ${s + 1}`);
    const weights = opt.getWeights();
    assert.equal(await item(weights[0]), s + 1, `${label}: iterations`);
    const slots = weights.slice(1 + extraWeights);
    const want = ref.slots();
    assert.equal(slots.length, want.length, `${label}: number of slots`);
    for (const [k, t] of slots.entries()) assertClose(await t.data(), want[k], `${label}: slot ${k} after step ${s + 1}`);
    history.push(Array.from(await v.data()));
  }
  return history;
}

// ---- reference formulas (tf.keras 2) ------------------------------------------------------

function sgdRef(lr0: number, momentum = 0, nesterov = false, decay = 0): Ref {
  const velocity = zeros();
  return {
    step(w, g, it) {
      const lr = lr0 / (1 + decay * it);
      for (let i = 0; i < N; i++) {
        if (momentum === 0) {
          w[i] -= lr * g[i];
          continue;
        }
        velocity[i] = momentum * velocity[i] - lr * g[i];
        w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
      }
    },
    slots: () => (momentum > 0 ? [velocity] : []),
  };
}

function adamRef(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false, weightDecay = 0): Ref {
  const m = zeros();
  const v = zeros();
  const vhat = zeros();
  return {
    step(w, g, it) {
      const t = it + 1;
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < N; i++) {
        w[i] -= w[i] * weightDecay * lr;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        vhat[i] = Math.max(vhat[i], v[i]);
        w[i] -= (lrT * m[i]) / (Math.sqrt(amsgrad ? vhat[i] : v[i]) + eps);
      }
    },
    slots: () => (amsgrad ? [m, v, vhat] : [m, v]),
  };
}

function adamaxRef(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): Ref {
  const m = zeros();
  const u = zeros();
  return {
    step(w, g, it) {
      const t = it + 1;
      for (let i = 0; i < N; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
        w[i] -= (lr / (1 - b1 ** t)) * (m[i] / (u[i] + eps));
      }
    },
    slots: () => [m, u],
  };
}

/** tf.keras 2 Nadam (optimizer_v2): momentum schedule with decay 0.004; `keras3` uses 0.96^t and u_product. */
function nadamRef(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, scheduleDecay = 0.004, keras3 = false): Ref {
  const m = zeros();
  const v = zeros();
  let cache = 1;
  const mu = (t: number): number => b1 * (1 - 0.5 * 0.96 ** (keras3 ? t : scheduleDecay * t));
  return {
    step(w, g, it) {
      const t = it + 1;
      const muT = mu(t);
      const muNext = mu(t + 1);
      cache *= muT;
      const scheduleNext = cache * muNext;
      for (let i = 0; i < N; i++) {
        const gPrime = g[i] / (1 - cache);
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        const mPrime = m[i] / (1 - scheduleNext);
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const vPrime = v[i] / (1 - b2 ** t);
        const mBar = (1 - muT) * gPrime + muNext * mPrime;
        w[i] -= (lr * mBar) / (Math.sqrt(vPrime) + eps);
      }
    },
    slots: () => [m, v],
  };
}

/**
 * tf.keras 2 RMSprop: epsilon outside the root without momentum, inside with it ('tf2');
 * 'inside' (Keras 3) and 'outside' force one placement.
 */
function rmspropRef(lr: number, rho = 0.9, momentum = 0, eps = 1e-7, centered = false, placement: 'tf2' | 'inside' | 'outside' = 'tf2'): Ref {
  const ms = zeros();
  const mom = zeros();
  const mg = zeros();
  return {
    step(w, g) {
      for (let i = 0; i < N; i++) {
        ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
        let denom = ms[i];
        if (centered) {
          mg[i] = rho * mg[i] + (1 - rho) * g[i];
          denom = ms[i] - mg[i] * mg[i];
        }
        const inside = placement === 'tf2' ? momentum > 0 : placement === 'inside';
        const increment = inside ? (lr * g[i]) / Math.sqrt(denom + eps) : (lr * g[i]) / (Math.sqrt(denom) + eps);
        if (momentum > 0) {
          mom[i] = momentum * mom[i] + increment;
          w[i] -= mom[i];
        } else {
          w[i] -= increment;
        }
      }
    },
    slots: () => [ms, ...(momentum > 0 ? [mom] : []), ...(centered ? [mg] : [])],
  };
}

/** tf.keras 2 Adagrad (ApplyAdagradV2); `keras3` divides by √(acc + epsilon). */
function adagradRef(lr: number, initial = 0.1, eps = 1e-7, keras3 = false): Ref {
  const acc = new Array<number>(N).fill(initial);
  return {
    step(w, g) {
      for (let i = 0; i < N; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= keras3 ? (lr * g[i]) / Math.sqrt(acc[i] + eps) : (lr * g[i]) / (Math.sqrt(acc[i]) + eps);
      }
    },
    slots: () => [acc],
  };
}

function adadeltaRef(lr: number, rho = 0.95, eps = 1e-7): Ref {
  const accGrad = zeros();
  const accVar = zeros();
  return {
    step(w, g) {
      for (let i = 0; i < N; i++) {
        accGrad[i] = rho * accGrad[i] + (1 - rho) * g[i] * g[i];
        const update = (Math.sqrt(accVar[i] + eps) * g[i]) / Math.sqrt(accGrad[i] + eps);
        accVar[i] = rho * accVar[i] + (1 - rho) * update * update;
        w[i] -= lr * update;
      }
    },
    slots: () => [accGrad, accVar],
  };
}

/** Weights after three steps of a reference alone. */
function refRun(ref: Ref): number[][] {
  const w = [...W0];
  return G.map((g, s) => {
    ref.step(w, g, s);
    return [...w];
  });
}

// ---- the checks -----------------------------------------------------------------------------

test('SGD: plain, momentum, nesterov, legacy decay', async () => {
  await checkSteps(new SGD(), sgdRef(0.01), 'SGD() defaults');
  await checkSteps(new SGD({ learningRate: 0.1 }), sgdRef(0.1), 'SGD lr=0.1');
  await checkSteps(new SGD({ learningRate: 0.1, momentum: 0.9 }), sgdRef(0.1, 0.9), 'SGD momentum');
  await checkSteps(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), sgdRef(0.1, 0.9, true), 'SGD nesterov');
  await checkSteps(new SGD({ learningRate: 0.1, momentum: 0.5, decay: 0.5 }), sgdRef(0.1, 0.5, false, 0.5), 'SGD decay');
  // nesterov without momentum is plain SGD (tf.keras 2 creates no momentum slot).
  await checkSteps(new SGD({ learningRate: 0.1, nesterov: true }), sgdRef(0.1), 'SGD nesterov, momentum 0');
});

test("the seed line SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)", async () => {
  const opt = new SGD({ lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true });
  await checkSteps(opt, sgdRef(0.01, 0.9, true, 1e-6), 'seed line');
  assert.ok(Math.abs(opt.learningRate - 0.01 / (1 + 1e-6 * 3)) < 1e-15);
  const config = opt.getConfig();
  assert.deepEqual([config.learning_rate, config.decay, config.momentum, config.nesterov], [0.01, 1e-6, 0.9, true]);
});

test('Adam, Adam with amsgrad, AdamW', async () => {
  await checkSteps(new Adam(), adamRef(0.001), 'Adam() defaults');
  await checkSteps(new Adam({ learningRate: 0.05, epsilon: 1e-3 }), adamRef(0.05, 0.9, 0.999, 1e-3), 'Adam');
  // beta2 = 0.5 makes v shrink at step 3 for elements 2 and 4, so vhat ≠ v matters.
  const ams = await checkSteps(new Adam({ learningRate: 0.05, beta2: 0.5, amsgrad: true }), adamRef(0.05, 0.9, 0.5, 1e-7, true), 'Adam amsgrad');
  const plain = refRun(adamRef(0.05, 0.9, 0.5));
  assert.ok(maxViolation(ams[2], plain[2]) > 100, 'amsgrad must change the third step');
  await checkSteps(new AdamW({ learningRate: 0.05 }), adamRef(0.05, 0.9, 0.999, 1e-7, false, 0.004), 'AdamW defaults');
  await checkSteps(new AdamW({ learningRate: 0.05, weightDecay: 0.1, amsgrad: true, beta2: 0.5 }), adamRef(0.05, 0.9, 0.5, 1e-7, true, 0.1), 'AdamW amsgrad');
  await checkSteps(new Adam({ learningRate: 0.05, weightDecay: 0.1 }), adamRef(0.05, 0.9, 0.999, 1e-7, false, 0.1), 'Adam weightDecay');
});

test('Adamax', async () => {
  await checkSteps(new Adamax(), adamaxRef(0.001), 'Adamax() defaults');
  await checkSteps(new Adamax({ learningRate: 0.05, beta1: 0.8, beta2: 0.5, epsilon: 1e-3 }), adamaxRef(0.05, 0.8, 0.5, 1e-3), 'Adamax');
});

test('Nadam (tf.keras 2 momentum schedule with decay 0.004, not Keras 3’s)', async () => {
  await checkSteps(new Nadam(), nadamRef(0.001), 'Nadam() defaults', 1);
  const ours = await checkSteps(new Nadam({ learningRate: 0.05 }), nadamRef(0.05), 'Nadam', 1);
  await checkSteps(new Nadam({ learningRate: 0.05, scheduleDecay: 0.5, beta2: 0.9 }), nadamRef(0.05, 0.9, 0.9, 1e-7, 0.5), 'Nadam schedule_decay', 1);
  const keras3 = refRun(nadamRef(0.05, 0.9, 0.999, 1e-7, 0.004, true));
  assert.ok(maxViolation(ours[0], keras3[0]) > 100, 'Keras 3 Nadam must be distinguishable');
  // Nadam's decay is the schedule decay: the learning rate itself does not decay.
  const n = new Nadam({ learningRate: 0.05 });
  n.iterations = 10;
  assert.equal(n.learningRate, 0.05);
  // The momentum cache (Π_t) is the weight after iterations.
  const opt = new Nadam();
  const v = new Variable(tensor(W0));
  opt.applyGradients([[tensor(G[0]), v]]);
  opt.applyGradients([[tensor(G[1]), v]]);
  const mu = (t: number): number => 0.9 * (1 - 0.5 * 0.96 ** (0.004 * t));
  assert.ok(Math.abs((await item(opt.getWeights()[1])) - mu(1) * mu(2)) < 1e-7);
});

test('RMSprop: plain, momentum, centered, centered with momentum (epsilon as tf.keras 2)', async () => {
  await checkSteps(new RMSprop(), rmspropRef(0.001), 'RMSprop() defaults');
  const plain = await checkSteps(new RMSprop({ learningRate: 0.01, epsilon: 0.01 }), rmspropRef(0.01, 0.9, 0, 0.01), 'RMSprop');
  const mom = await checkSteps(new RMSprop({ learningRate: 0.01, momentum: 0.5, epsilon: 0.01 }), rmspropRef(0.01, 0.9, 0.5, 0.01), 'RMSprop momentum');
  await checkSteps(new RMSprop({ learningRate: 0.01, rho: 0.8, centered: true, epsilon: 0.01 }), rmspropRef(0.01, 0.8, 0, 0.01, true), 'RMSprop centered');
  await checkSteps(new RMSprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true, epsilon: 0.01 }), rmspropRef(0.01, 0.8, 0.5, 0.01, true), 'RMSprop centered momentum');
  // Epsilon outside the root without momentum (Keras 3 puts it inside): distinguishable.
  const keras3 = refRun(rmspropRef(0.01, 0.9, 0, 0.01, false, 'inside'));
  assert.ok(maxViolation(plain[0], keras3[0]) > 100, 'Keras 3 RMSprop must be distinguishable');
  // With momentum, epsilon inside (ApplyRMSProp): epsilon outside would be distinguishable.
  const outside = refRun(rmspropRef(0.01, 0.9, 0.5, 0.01, false, 'outside'));
  assert.ok(maxViolation(mom[0], outside[0]) > 100, 'epsilon placement with momentum must be distinguishable');
});

test('Adagrad (accumulator starts at initialAccumulatorValue; epsilon outside the root)', async () => {
  await checkSteps(new Adagrad(), adagradRef(0.001), 'Adagrad() defaults');
  const ours = await checkSteps(new Adagrad({ learningRate: 0.1, epsilon: 0.01 }), adagradRef(0.1, 0.1, 0.01), 'Adagrad');
  await checkSteps(new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.5 }), adagradRef(0.1, 0.5), 'Adagrad initial 0.5');
  await checkSteps(new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0 }), adagradRef(0.1, 0), 'Adagrad initial 0');
  const keras3 = refRun(adagradRef(0.1, 0.1, 0.01, true));
  assert.ok(maxViolation(ours[0], keras3[0]) > 100, 'Keras 3 Adagrad must be distinguishable');
});

test('Adadelta', async () => {
  await checkSteps(new Adadelta(), adadeltaRef(0.001), 'Adadelta() defaults');
  await checkSteps(new Adadelta({ learningRate: 1, rho: 0.9, epsilon: 1e-3 }), adadeltaRef(1, 0.9, 1e-3), 'Adadelta lr=1');
});

test('two variables in one step share the step count and keep separate slots', async () => {
  const opt = new Adam({ learningRate: 0.05 });
  const a = new Variable(tensor(W0));
  const b = new Variable(tensor(W0.map((x) => -x)));
  const refA = adamRef(0.05);
  const refB = adamRef(0.05);
  const wa = [...W0];
  const wb = W0.map((x) => -x);
  for (let s = 0; s < 3; s++) {
    const gb = G[s].map((x) => Math.fround(x * 0.5));
    opt.applyGradients([[tensor(G[s]), a], [tensor(gb), b]]);
    refA.step(wa, G[s], s);
    refB.step(wb, gb, s);
    assertClose(await a.data(), wa, `a after step ${s + 1}`);
    assertClose(await b.data(), wb, `b after step ${s + 1}`);
  }
  assert.equal(opt.iterations, 3);
  const ws = opt.getWeights();
  assert.equal(ws.length, 5); // iterations, m(a), m(b), v(a), v(b)
  assertClose(await ws[1].data(), refA.slots()[0], 'm of a');
  assertClose(await ws[2].data(), refB.slots()[0], 'm of b');
  assertClose(await ws[3].data(), refA.slots()[1], 'v of a');
  assertClose(await ws[4].data(), refB.slots()[1], 'v of b');
});
