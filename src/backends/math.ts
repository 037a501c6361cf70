/**
 * The math vocabulary of the op table's formulas (backends/op-table.ts). Every function
 * here has a C twin of the same name in kernels/include/nt_math.h (the generated kernels
 * call NT_<NAME>), so a formula written once with `M.*` runs in JavaScript (the js
 * reference backend) and in C (native, wasm). Constants in `K` are substituted as
 * literals into the C code.
 */

/**
 * erf to float32 accuracy: the Maclaurin series near 0 (where a fit of erfc would leave an
 * absolute error that is large relative to erf itself), and the Chebyshev fit of erfc
 * (W. H. Press et al., |error| < 1.2e-7) beyond.
 */
function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 0.84375) {
    // 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)); 12 terms reach 1e-12 at |x| = 0.84.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 12; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return sum * 1.1283791670955126;
  }
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** 1 / (1 + e^−x) without overflow for large |x|. */
function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Rounds half to even, like NumPy, TensorFlow and C's nearbyint. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const M = {
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  abs: Math.abs,
  pow: Math.pow,
  erf,
  sigmoid,
  rint,
} as const;

export type MathName = keyof typeof M;

/** Constants the formulas use by name (SELU's are Klambauer et al.'s, as in Keras). */
export const K = {
  SELU_ALPHA: 1.6732632423543772,
  SELU_SCALE: 1.0507009873554805,
  SQRT_2_OVER_PI: 0.7978845608028654,
  INV_SQRT_2: 0.7071067811865476,
  INV_SQRT_2PI: 0.3989422804014327,
  TWO_OVER_SQRT_PI: 1.1283791670955126,
  GELU_C: 0.044715,
} as const;
