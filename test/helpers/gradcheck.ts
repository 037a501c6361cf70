/**
 * Gradient checking against central finite differences, for float32 kernels.
 *
 * For f: (x₁, …, xₖ) ↦ y we draw a fixed random cotangent r of y's shape (seeded) and check
 * the scalar L(xs) = Σᵢ yᵢ·rᵢ, summed in float64 from the float32 output so that every
 * output element contributes. Neurite's analytic gradient of L is `grads(f)(xs, r)`
 * (the vector–Jacobian product Jᵀr); the numeric one, per input element xⱼ, is
 *
 *     (L(x₊) − L(x₋)) / (x₊ − x₋),   x₊ = fround(xⱼ + h), x₋ = fround(xⱼ − h),
 *
 * dividing by the step actually taken in float32 rather than by 2h.
 *
 * Choice of h and tolerances. The central difference has two error sources:
 *  - truncation, ≈ (h²/6)·|∂³L/∂xⱼ³|: relative to the gradient that is ≈ 1.7e-5 for
 *    h = 1e-2 and smooth functions of O(1) inputs (exp, sin, tanh…). Inputs of functions
 *    with large third derivatives (1/x, log, rsqrt, pow) are kept in [0.5, 2], where it
 *    stays below ~4e-4 (and those tests use h = 5e-3 where 1/x⁴ terms appear). Linear ops
 *    (matmul, conv, pooling, resizing, data movement) have no truncation error at all.
 *  - round-off: each float32 output yᵢ that xⱼ influences carries an error of about
 *    ε₃₂·|yᵢ| per rounding (ε₃₂ = 2⁻²³), and a kernel that accumulates in float32 (dot
 *    products, windows) rounds a few times. With k roundings, L(x₊) − L(x₋) is off by
 *    ≲ 2k·ε₃₂·Sⱼ, Sⱼ = Σ|yᵢ·rᵢ| over those outputs, and the quotient by ≲ k·ε₃₂·Sⱼ/h:
 *    the "~ε₃₂·Σ|f·r|/h" estimate, with Sⱼ in place of the whole sum.
 * Outputs that xⱼ does not influence are recomputed bit-identically (the kernels are
 * deterministic) and cancel exactly, so Sⱼ is measured from the outputs that actually
 * moved in the two evaluations; a dependence too weak to move an output by one ulp
 * (|∂y/∂x|·h < ε₃₂·|y|) does not occur at these shapes and steps. The test is
 *
 *     |analytic − numeric| ≤ atol + c·ε₃₂·Sⱼ/h + rtol·max(|analytic|, |numeric|)
 *
 * with defaults h = 1e-2 (round-off ≈ 1e-4·Sⱼ at worst, truncation ≈ 2e-5 relative),
 * c = 8 (room for k = 8 roundings per output; the measured worst case is ~0.5 of the
 * tolerance, see GRADCHECK_VERBOSE),
 * rtol = 1e-3 (above truncation and the float32 error of the analytic gradient, far below
 * the O(1) errors of a wrong rule; the self-test in gradients.test.ts shows a 1 % error
 * is caught) and atol = 1e-5 as a floor for gradients near zero. Tests of piecewise
 * functions keep inputs farther than h from every kink and tie, so x ± h never straddles
 * one; tests with extra float32 round-off (composites) raise c and say why.
 *
 * GRADCHECK_VERBOSE=1 prints, per check, the number of elements and the worst
 * |analytic − numeric| / tolerance.
 */
import assert from 'node:assert/strict';
import * as nt from '../../src/index.js';
import type { Shape, Tensor } from '../../src/index.js';

/** A differentiable function of one or more float32 tensors. */
export type Fn = (...xs: Tensor[]) => Tensor;

export interface GradCheckOptions {
  /** Op or case name, used in failure messages. */
  readonly name: string;
  /** Seed of the cotangent r and of the element sample. Default 1. */
  readonly seed?: number;
  /** Finite-difference step. Default 1e-2. */
  readonly h?: number;
  /** Relative tolerance. Default 1e-3. */
  readonly rtol?: number;
  /** Absolute tolerance floor. Default 1e-5. */
  readonly atol?: number;
  /** c in the round-off term c·ε₃₂·Sⱼ/h. Default 8. */
  readonly roundoff?: number;
  /** At most this many elements per input are checked (a seeded sample). Default 60. */
  readonly maxSamples?: number;
  /** Indices of the inputs to check. Default: all. */
  readonly wrt?: readonly number[];
  /**
   * Each checked input must show some element with |numeric| above this, so a check that
   * compares zeros with zeros cannot pass silently. Default 1e-3; 0 turns the guard off.
   */
  readonly minGradient?: number;
}

export interface GradCheckReport {
  /** Input elements compared. */
  readonly elements: number;
  /** Largest |analytic − numeric| / tolerance seen (≤ 1 when passing). */
  readonly worstRatio: number;
}

export const EPS32 = 2 ** -23;

/** Totals over the process, for the summary line each test file prints. */
export const totals = { calls: 0, elements: 0 };

interface Mismatch {
  readonly input: number;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly tol: number;
}

/** The seeded cotangent r of L = Σ y·r. */
export function cotangent(shape: Shape, seed: number): Tensor {
  const rng = new nt.Rng(seed * 7919 + 17);
  const n = shape.reduce((a, b) => a * b, 1);
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = rng.normal(); // float32-rounded on store; L uses these exact values
  return nt.tensor(r, shape);
}

/** All indices when the input is small, else a seeded sample without repetition. */
export function sampleIndices(size: number, max: number, rng: nt.Rng): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (size <= max) return all;
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(size - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

async function evaluate(f: Fn, xs: readonly Tensor[]): Promise<Float32Array> {
  const y = nt.noGrad(() => f(...xs));
  assert.equal(y.dtype, 'float32', 'gradcheck: f must return a float32 tensor');
  return ((await y.data()) as Float32Array).slice();
}

export function dot(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

/** Σ|yᵢ·rᵢ| over the outputs that differ between the two perturbed evaluations and y₀. */
export function affectedScale(y0: Float32Array, yp: Float32Array, ym: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y0.length; i++) {
    if (yp[i] !== y0[i] || ym[i] !== y0[i]) s += Math.max(Math.abs(y0[i]), Math.abs(yp[i]), Math.abs(ym[i])) * Math.abs(r[i]);
  }
  return s;
}

function unravel(index: number, shape: Shape): string {
  const out: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `[${out.join(', ')}]`;
}

interface Settings {
  readonly h: number;
  readonly rtol: number;
  readonly atol: number;
  readonly roundoff: number;
}

/** Compares one input's sampled elements; returns the mismatches, the worst ratio and max |numeric|. */
async function checkInput(f: Fn, inputs: readonly Tensor[], k: number, analytic: Float32Array, r: Float32Array, y0: Float32Array, indices: readonly number[], s: Settings): Promise<{ bad: Mismatch[]; worst: number; peak: number }> {
  const x = inputs[k];
  const data = ((await x.data()) as Float32Array).slice(); // tensors are immutable: perturb a private copy
  // A new tensor per evaluation: a backend with its own memory (wasm) copies the values in
  // when the tensor is first used, so later writes into `data` would not reach it.
  const argsNow = (): Tensor[] => inputs.map((t, i) => (i === k ? nt.tensor(data.slice(), x.shape) : t));
  const bad: Mismatch[] = [];
  let worst = 0;
  let peak = 0;
  for (const j of indices) {
    const x0 = data[j];
    const xp = Math.fround(x0 + s.h);
    const xm = Math.fround(x0 - s.h);
    data[j] = xp;
    const yp = await evaluate(f, argsNow());
    data[j] = xm;
    const ym = await evaluate(f, argsNow());
    data[j] = x0;
    const numeric = (dot(yp, r) - dot(ym, r)) / (xp - xm);
    const a = analytic[j];
    const tol = s.atol + (s.roundoff * EPS32 * affectedScale(y0, yp, ym, r)) / s.h + s.rtol * Math.max(Math.abs(a), Math.abs(numeric));
    const err = Math.abs(a - numeric);
    peak = Math.max(peak, Math.abs(numeric));
    worst = Math.max(worst, err / tol);
    if (!(err <= tol)) bad.push({ input: k, index: j, analytic: a, numeric, tol });
  }
  return { bad, worst, peak };
}

function describe(name: string, inputs: readonly Tensor[], outShape: Shape, bad: readonly Mismatch[]): string {
  const shapes = inputs.map((t) => nt.formatShape(t.shape)).join(', ');
  const lines = bad.slice(0, 6).map(
    (m) =>
      `  input ${m.input} element ${m.index} ${unravel(m.index, inputs[m.input].shape)}: analytic ${m.analytic.toPrecision(8)} vs numeric ${m.numeric.toPrecision(8)} ` +
      `(|diff| ${Math.abs(m.analytic - m.numeric).toExponential(3)} > tol ${m.tol.toExponential(3)})`,
  );
  const more = bad.length > 6 ? `\n  … and ${bad.length - 6} more` : '';
  return `${name}: gradient mismatch in ${bad.length} element(s); input shapes ${shapes}, output shape ${nt.formatShape(outShape)}\n${lines.join('\n')}${more}`;
}

/**
 * Checks Neurite's gradients of f at `inputs` against central finite differences (see the
 * file comment for the method and tolerances). Throws an AssertionError naming the op,
 * input, element, both values and the shapes on any mismatch.
 */
export async function checkGradients(f: Fn, inputs: readonly Tensor[], options: GradCheckOptions): Promise<GradCheckReport> {
  const { name, seed = 1, maxSamples = 60, minGradient = 1e-3 } = options;
  const settings: Settings = { h: options.h ?? 1e-2, rtol: options.rtol ?? 1e-3, atol: options.atol ?? 1e-5, roundoff: options.roundoff ?? 8 };
  inputs.forEach((x, i) => assert.equal(x.dtype, 'float32', `${name}: input ${i} must be float32`));
  const y = nt.noGrad(() => f(...inputs));
  assert.equal(y.dtype, 'float32', `${name}: f must return a float32 tensor`);
  const outShape = y.shape;
  const y0 = ((await y.data()) as Float32Array).slice();
  assert.ok(y0.every((v) => Number.isFinite(v)), `${name}: f has non-finite outputs at the check point`);
  const r = cotangent(outShape, seed);
  const analytic = nt.grads(f)(inputs, r);
  const rng = new nt.Rng(seed * 104729 + 3);
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  const bad: Mismatch[] = [];
  let elements = 0;
  let worst = 0;
  for (const k of wrt) {
    const g = analytic[k];
    assert.deepEqual([...g.shape], [...inputs[k].shape], `${name}: gradient ${k} has shape ${nt.formatShape(g.shape)}, input ${nt.formatShape(inputs[k].shape)}`);
    const indices = sampleIndices(inputs[k].size, maxSamples, rng);
    const res = await checkInput(f, inputs, k, (await g.data()) as Float32Array, (await r.data()) as Float32Array, y0, indices, settings);
    bad.push(...res.bad);
    elements += indices.length;
    worst = Math.max(worst, res.worst);
    if (minGradient > 0 && res.bad.length === 0) {
      assert.ok(res.peak > minGradient, `${name}: input ${k} (shape ${nt.formatShape(inputs[k].shape)}) has no gradient above ${minGradient} anywhere checked; the check would be vacuous`);
    }
  }
  totals.calls++;
  totals.elements += elements;
  if (process.env.GRADCHECK_VERBOSE) console.log(`# ${name}: ${elements} elements, worst |diff|/tol ${worst.toFixed(4)}`);
  if (bad.length > 0) assert.fail(describe(name, inputs, outShape, bad));
  return { elements, worstRatio: worst };
}

// ---- seeded inputs -------------------------------------------------------------------

function fromFn(shape: Shape, seed: number, draw: (rng: nt.Rng, i: number) => number): Tensor {
  const rng = new nt.Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw(rng, i);
  return nt.tensor(out, shape);
}

/** Standard normal values times `scale`. */
export function randn(shape: Shape, seed: number, scale = 1): Tensor {
  return fromFn(shape, seed, (rng) => scale * rng.normal());
}

/** Uniform values in [lo, hi). */
export function uniform(shape: Shape, seed: number, lo: number, hi: number): Tensor {
  return fromFn(shape, seed, (rng) => lo + (hi - lo) * rng.uniform());
}

/** Random sign, magnitude uniform in [lo, hi): keeps values at least lo away from 0. */
export function awayFromZero(shape: Shape, seed: number, lo = 0.1, hi = 2): Tensor {
  return fromFn(shape, seed, (rng) => (rng.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.uniform()));
}

/**
 * Values uniform in [lo, hi) but at least `margin` away from every point in `kinks`
 * (redrawn until they are), for piecewise functions.
 */
export function awayFrom(shape: Shape, seed: number, lo: number, hi: number, kinks: readonly number[], margin: number): Tensor {
  return fromFn(shape, seed, (rng) => {
    for (;;) {
      const v = lo + (hi - lo) * rng.uniform();
      if (kinks.every((k) => Math.abs(v - k) >= margin)) return v;
    }
  });
}

/**
 * A random permutation of evenly spaced values `spacing` apart, centred on `center`: no
 * two elements are within `spacing` of each other, so max/min/pooling never meet a tie
 * when the step h is below spacing / 2.
 */
export function distinct(shape: Shape, seed: number, spacing = 0.1, center = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const rng = new nt.Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return nt.tensor(Float32Array.from(order, (k) => center + (k - (n - 1) / 2) * spacing), shape);
}

/**
 * A pair (a, b) of the given shapes whose broadcast elements differ by at least `margin`
 * everywhere: the operand with the full broadcast shape is drawn as the other one plus a
 * random ±[margin, margin + 1) offset, so maximum/minimum never meet a tie. One of the
 * two shapes must be the broadcast shape.
 */
export function separatedPair(shapeA: Shape, shapeB: Shape, seed: number, margin = 0.1): [Tensor, Tensor] {
  const out = nt.broadcastShapes(shapeA, shapeB, 'separatedPair');
  const aIsFull = nt.shapesEqual(out, shapeA);
  assert.ok(aIsFull || nt.shapesEqual(out, shapeB), 'separatedPair: one shape must be the broadcast shape');
  const small = randn(aIsFull ? shapeB : shapeA, seed);
  const base = nt.broadcastTo(small, out);
  const offset = awayFromZero(out, seed + 1, margin, margin + 1);
  const full = nt.add(base, offset);
  return aIsFull ? [full, small] : [small, full];
}
