/**
 * The layer contract, gradients part: for every entry of test/helpers/layer-contract-cases.ts
 * (every registered layer class), the gradients of the layer's output (inference mode; the
 * outputs of a multi-output layer concatenated) with respect to its float inputs and its
 * trainable weights, against central finite differences (test/helpers/gradcheck.ts and
 * layer-gradcheck.ts: the method and tolerances are explained there). Weights whose gradient
 * is zero by the layer's math are checked to be zero; entries without a differentiable input
 * or weight say why in the table.
 *
 * A gradient-check file (scripts/engine-files.mjs GRADIENT_CHECKS): it runs on native, js,
 * wasm and webgpu in Node, so each check samples few elements (INPUT_SAMPLES per input,
 * WEIGHT_SAMPLES per weight): enough to catch a wrong rule, which shows on most elements.
 * About 2 s of CPU on native.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, totals } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';
import { CASES, type ContractCase, isFloatInput, makeInputs, run } from './helpers/layer-contract-cases.js';

// On the emulated GPU every evaluation is a few dispatches and a read back: half the weight
// samples there (the gradient rules are the same code on every backend; its kernels are
// compared with js elsewhere). Inputs keep 16: max pooling passes a gradient to one input in 8,
// and fewer samples could miss them all.
const gpu = nt.getBackendName() === 'webgpu';
const INPUT_SAMPLES = 16;
const WEIGHT_SAMPLES = gpu ? 4 : 8;

after(() => console.log(`# layer contract gradients: ${totals.calls} checks, ${totals.elements} elements`));

/** The layer's outputs as one tensor: the only output, or all of them flattened and concatenated. */
function joined(outs: readonly Tensor[]): Tensor {
  return outs.length === 1 ? outs[0] : nt.concat(outs.map((o) => nt.reshape(o, [o.size])), 0);
}

function reason(c: ContractCase): string | false {
  if (c.gradients?.skip) return c.gradients.skip;
  return false;
}

for (const c of CASES) {
  test(`gradients: ${c.label}`, { skip: reason(c), ...(c.todo?.gradients ? { todo: c.todo.gradients } : {}) }, async () => {
    const plan = c.gradients ?? {};
    const layer = c.make();
    const xs = makeInputs(c, 7, plan.inputSpecs);
    const floatAt = c.inputs.map((s, i) => (isFloatInput(s) ? i : -1)).filter((i) => i >= 0);
    /** The output as a function of the float inputs (the others fixed). */
    const f = (...floats: Tensor[]): Tensor => {
      const all = [...xs];
      floatAt.forEach((i, k) => {
        all[i] = floats[k];
      });
      return joined(run(c, layer, all, false));
    };
    const floats = floatAt.map((i) => xs[i]);
    f(...floats); // builds the layer
    let checked = 0;
    const tolerances = { ...(plan.h ? { h: plan.h } : {}), ...(plan.rtol ? { rtol: plan.rtol } : {}), ...(plan.roundoff ? { roundoff: plan.roundoff } : {}) };
    if ((plan.inputs ?? true) && floats.length > 0) {
      await checkGradients(f, floats, { name: `${c.label} (inputs)`, maxSamples: INPUT_SAMPLES, ...tolerances });
      checked++;
    }
    const zero = plan.zeroWeights ?? {};
    const local = (w: nt.Variable): string => w.name.slice(layer.name.length + 1);
    const weights = layer.trainableWeights.filter((w) => !(local(w) in zero));
    if ((plan.weights ?? true) && weights.length > 0) {
      await checkWeightGradients(() => f(...floats), weights, { name: c.label, maxSamples: WEIGHT_SAMPLES, ...tolerances });
      checked++;
    }
    const zeros = layer.trainableWeights.filter((w) => local(w) in zero);
    assert.equal(zeros.length, Object.keys(zero).length, `${c.label}: every weight listed with a zero gradient exists (${Object.keys(zero).join(', ')})`);
    if (zeros.length > 0) {
      const y = f(...floats);
      const grads = nt.gradients(nt.sum(nt.mul(y, nt.randomNormal(y.shape, { seed: 3 }))), zeros);
      for (const [k, g] of grads.entries()) {
        const peak = Math.max(...Array.from((await g.data()) as Float32Array, Math.abs));
        assert.ok(peak < 1e-5, `${c.label}: the gradient of ${zeros[k].name} should be zero (${zero[local(zeros[k])]}); max |g| ${peak}`);
      }
      checked++;
    }
    assert.ok(checked > 0, `${c.label}: nothing was checked; give the entry a gradients.skip reason instead`);
  });
}
