/**
 * Finite-difference checks of a layer's WEIGHT gradients, with the method and tolerances
 * of gradcheck.ts (central differences over the float32 step actually taken, a seeded
 * cotangent r, L = Σ y·r summed in float64, tolerance atol + c·ε₃₂·Sⱼ/h + rtol·max|g|).
 * Weights are Variables the layer reads directly, so they are perturbed in place with
 * assign (and restored); the input gradient is checked with checkGradients itself.
 */
import assert from 'node:assert/strict';
import * as nt from '../../src/index.js';
import type { Tensor, Variable } from '../../src/index.js';
import { EPS32, affectedScale, cotangent, dot, sampleIndices, totals } from './gradcheck.js';

export interface WeightCheckOptions {
  readonly name: string;
  readonly seed?: number;
  readonly h?: number;
  readonly rtol?: number;
  readonly atol?: number;
  readonly roundoff?: number;
  /** At most this many elements per weight (a seeded sample). Default 40. */
  readonly maxSamples?: number;
}

/**
 * Checks d(Σ f()·r)/dw for each weight against central differences. `f` must be
 * deterministic (seed any randomness inside it). Returns the worst |diff|/tol.
 */
export async function checkWeightGradients(f: () => Tensor, weights: readonly Variable[], options: WeightCheckOptions): Promise<number> {
  const { name, seed = 1, h = 1e-2, rtol = 1e-3, atol = 1e-5, roundoff = 8, maxSamples = 40 } = options;
  const y = f();
  const r = (await cotangent(y.shape, seed).data()) as Float32Array;
  const analytic = nt.gradients(nt.sum(nt.mul(y, nt.tensor(r, y.shape))), weights);
  const y0 = ((await nt.noGrad(f).data()) as Float32Array).slice();
  const rng = new nt.Rng(seed * 104729 + 5);
  let worst = 0;
  let elements = 0;
  for (const [k, w] of weights.entries()) {
    const data = ((await w.data()) as Float32Array).slice(); // data() may be the live array: perturb a copy and assign it
    const grad = await analytic[k].data();
    let peak = 0;
    for (const j of sampleIndices(w.size, maxSamples, rng)) {
      const keep = data[j];
      const xp = Math.fround(keep + h);
      const xm = Math.fround(keep - h);
      data[j] = xp;
      w.assign(data);
      const yp = ((await nt.noGrad(f).data()) as Float32Array).slice();
      data[j] = xm;
      w.assign(data);
      const ym = ((await nt.noGrad(f).data()) as Float32Array).slice();
      data[j] = keep;
      w.assign(data);
      const numeric = (dot(yp, r) - dot(ym, r)) / (xp - xm);
      const a = grad[j];
      const tol = atol + (roundoff * EPS32 * affectedScale(y0, yp, ym, r)) / h + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      worst = Math.max(worst, Math.abs(a - numeric) / tol);
      peak = Math.max(peak, Math.abs(numeric));
      assert.ok(Math.abs(a - numeric) <= tol, `${name}: weight ${w.name}[${j}]: analytic ${a} vs numeric ${numeric} (tol ${tol.toExponential(2)})`);
      elements++;
    }
    assert.ok(peak > 1e-3, `${name}: weight ${w.name} has no gradient above 1e-3 anywhere checked; the check would be vacuous`);
  }
  totals.calls++;
  totals.elements += elements;
  if (process.env.GRADCHECK_VERBOSE) console.log(`# ${name} (weights): ${elements} elements, worst |diff|/tol ${worst.toFixed(4)}`);
  return worst;
}
