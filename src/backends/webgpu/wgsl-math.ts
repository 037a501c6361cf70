import type { MathName } from '../math.js';

/**
 * The op table's math vocabulary (backends/math.ts, `M.*`) in WGSL, for the formulas that
 * wgsl-expr.ts translates. Each function matches its JavaScript twin's semantics in f32:
 * NaN propagation, infinities, signed zeros, Math.pow's special cases.
 *
 * GPU builtins are used only where WGSL defines them exactly (abs, floor, ceil, round —
 * which WGSL defines as half to even —, sqrt). The transcendental functions are written
 * here, because WGSL's builtins are loose (sin/cos have an absolute error bound only
 * inside [-π, π], log an absolute one near 1, pow is undefined for negative bases) and
 * drivers mishandle special values (SwiftShader's exp(NaN) is inf, log(0) is finite,
 * tanh(inf) is NaN, and NaN == NaN compiles to an ordered test). Special values are
 * therefore tested on the bits (m_isnan, m_isinf), never with `x != x`, and infinity is
 * produced at run time (WGSL rejects an infinite constant).
 *
 * Accuracy (f32, against the double-precision reference rounded to f32):
 *  - exp, expm1, log, log1p: a few ulp over the whole range (Cody–Waite reduction by ln 2,
 *    Taylor polynomials; expm1 and log1p use series near 0, so they are accurate for tiny |x|).
 *  - sin, cos: a few ulp for every finite x (reduction by π/2: Cody–Waite below 2^16,
 *    Payne–Hanek with 2/π's bits above).
 *  - tanh, sigmoid: from expm1/exp, stable for large |x| (no inf/inf).
 *  - erf: math.ts's algorithm (Maclaurin series below 0.84375, the Chebyshev erfc fit above).
 *  - pow: exact special cases; repeated squaring for integral |b| ≤ 64, else exp(b·log|a|),
 *    whose relative error grows like |b·log a|·2⁻²⁴.
 * Denormal inputs and results may be flushed to zero by the hardware (SwiftShader does).
 */

/** One WGSL helper: its source and the helpers it calls. */
interface Helper {
  readonly deps: readonly string[];
  readonly code: string;
}

const HELPERS: Readonly<Record<string, Helper>> = {
  m_special: {
    deps: [],
    code: /* wgsl */ `
var<private> m_inf_bits: u32 = 0x7f800000u;
var<private> m_nan_bits: u32 = 0x7fc00000u;
/** +inf and a quiet NaN, made at run time (an infinite constant is a WGSL error). */
fn m_inf() -> f32 { return bitcast<f32>(m_inf_bits); }
fn m_nan() -> f32 { return bitcast<f32>(m_nan_bits); }
fn m_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn m_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
/** |x| with the sign of s. */
fn m_copysign(x: f32, s: f32) -> f32 { return bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u)); }
/** x · 2^e for e in [-300, 300] (WGSL's ldexp takes exponents up to 128). */
fn m_ldexp(x: f32, e: i32) -> f32 { let h = e / 2; return ldexp(ldexp(x, h), e - h); }`,
  },
  m_to_i32: {
    deps: ['m_special'],
    code: /* wgsl */ `
/**
 * JavaScript's ToInt32 (what storing a number into an Int32Array does): truncation toward
 * zero, NaN and ±inf to 0, values beyond the int32 range wrapped modulo 2^32. (A plain
 * i32() saturates, and gives INT_MIN for NaN on some drivers.) An f32 of magnitude ≥ 2^31
 * is a multiple of 256, so the reduction below is exact.
 */
fn m_to_i32(v: f32) -> i32 {
  if (m_isnan(v) || m_isinf(v)) { return 0; }
  if (abs(v) < 2147483648.0) { return i32(v); }
  var r = v - 4294967296.0 * floor(v / 4294967296.0);
  if (r >= 2147483648.0) { r = r - 4294967296.0; }
  return i32(r);
}`,
  },
  m_div_i32: {
    deps: [],
    code: /* wgsl */ `
/** ToInt32(a / b) for int32 a, b: the quotient truncated toward zero; 0 where b is 0 (±inf or NaN in JavaScript); INT_MIN / -1 wraps to INT_MIN. */
fn m_div_i32(a: i32, b: i32) -> i32 {
  // WGSL defines a / b as a where b is 0 and for INT_MIN / -1 (the wrapped result).
  return select(a / b, 0, b == 0);
}`,
  },
  m_pow_i32: {
    deps: [],
    code: /* wgsl */ `
/**
 * ToInt32(Math.pow(a, b)) for int32 a, b: repeated squaring with wrapping products (equal to
 * the reference while |a^b| < 2^53, where the double result is exact). Negative exponents:
 * 1 for a = 1, ±1 for a = -1, 0 otherwise (a fraction truncated, or 1/0 = inf → 0).
 */
fn m_pow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  },
  m_exp: {
    deps: ['m_special'],
    code: /* wgsl */ `
/** e^x: x = k·ln2 + r (|r| ≤ ln2/2, ln2 split so k·hi is exact), a degree-9 Taylor polynomial in r, scaled by 2^k. */
fn m_exp(x: f32) -> f32 {
  if (m_isnan(x)) { return x; }
  if (x > 89.0) { return m_inf(); }
  if (x < -104.0) { return 0.0; }
  let k = round(x * 1.44269504);
  let r = (x - k * 0.693115234375) - k * 3.194618329871446e-5;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.166666667 + r * (0.0416666667 + r * (0.00833333333 +
    r * (0.00138888889 + r * (1.98412698e-4 + r * (2.48015873e-5 + r * 2.75573192e-6))))))));
  return m_ldexp(p, i32(k));
}`,
  },
  m_expm1: {
    deps: ['m_exp'],
    code: /* wgsl */ `
/** e^x − 1: the Taylor series for |x| < 0.5 (accurate for tiny x, keeps −0), else exp(x) − 1. */
fn m_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x + x * (x * (0.5 + x * (0.166666667 + x * (0.0416666667 + x * (0.00833333333 +
      x * (0.00138888889 + x * (1.98412698e-4 + x * (2.48015873e-5 + x * 2.75573192e-6))))))));
  }
  return m_exp(x) - 1.0;
}`,
  },
  m_log_series: {
    deps: [],
    code: /* wgsl */ `
/** 2·atanh(s) = log((1 + s) / (1 − s)) for |s| ≤ 1/3 (series to s^17). */
fn m_log_series(s: f32) -> f32 {
  let z = s * s;
  return 2.0 * s * (1.0 + z * (0.333333333 + z * (0.2 + z * (0.142857143 + z * (0.111111111 +
    z * (0.0909090909 + z * (0.0769230769 + z * (0.0666666667 + z * 0.0588235294))))))));
}`,
  },
  m_log: {
    deps: ['m_special', 'm_log_series'],
    code: /* wgsl */ `
/** Natural log: x = m·2^e with m in [√½, √2), log m = 2·atanh((m − 1)/(m + 1)), plus e·ln2 (split). */
fn m_log(x: f32) -> f32 {
  if (m_isnan(x)) { return x; }
  if (x < 0.0) { return m_nan(); }
  if (x == 0.0) { return -m_inf(); }
  if (m_isinf(x)) { return x; }
  var v = x;
  var e = 0;
  if (v < 1.17549435e-38) { v = v * 16777216.0; e = -24; }
  let bits = bitcast<u32>(v);
  e = e + i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) { m = m * 0.5; e = e + 1; }
  let fe = f32(e);
  return fe * 0.693115234375 + (m_log_series((m - 1.0) / (m + 1.0)) + fe * 3.194618329871446e-5);
}`,
  },
  m_log1p: {
    deps: ['m_special', 'm_log', 'm_log_series'],
    code: /* wgsl */ `
/** log(1 + x): the atanh series in s = x/(2 + x) for |x| < 0.5 (accurate for tiny x, keeps −0), else log(1 + x). */
fn m_log1p(x: f32) -> f32 {
  if (abs(x) < 0.5) { return m_log_series(x / (2.0 + x)); }
  if (x == -1.0) { return -m_inf(); }
  return m_log(1.0 + x);
}`,
  },
  m_reduce_large: {
    deps: [],
    code: /* wgsl */ `
/** 2/π in binary, one zero word first: bit 32 of the array (MSB of word 1) has weight 2^-1. */
var<private> m_two_over_pi: array<u32, 8> = array<u32, 8>(0u, 0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu);
/** The 64-bit product a·b as (low, high) words. */
fn m_mul32(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2u((p00 & 0xffffu) | (mid << 16u), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}
/** 32 bits of m_two_over_pi starting at bit pos (0 = the MSB of word 0). */
fn m_two_over_pi_bits(pos: u32) -> u32 {
  let w = pos / 32u;
  let s = pos % 32u;
  return (m_two_over_pi[w] << s) | select(m_two_over_pi[w + 1u] >> (32u - s), 0u, s == 0u);
}
/**
 * Payne–Hanek reduction for |x| ≥ 2^16: |x| = M·2^E (M the 24-bit significand), and
 * |x|·2/π mod 4 = M·W·2^-94 mod 4, where W is the 96-bit window of 2/π's bits that
 * matters (earlier bits give multiples of 4, later ones less than 2^-70). The product's
 * bits 95..94 are the quadrant, the 64 bits below the fraction f; f ≥ ½ rounds up to the
 * next quadrant (r = (f − 1)·π/2). Returns (r, k) with x = k·π/2 + r, |r| ≤ π/4.
 */
fn m_reduce_large(x: f32) -> vec2f {
  let bits = bitcast<u32>(x) & 0x7fffffffu;
  let m = (bits & 0x7fffffu) | 0x800000u;
  let pos = (bits >> 23u) - 120u;
  let p2 = m_mul32(m, m_two_over_pi_bits(pos));
  let p1 = m_mul32(m, m_two_over_pi_bits(pos + 32u));
  let p0 = m_mul32(m, m_two_over_pi_bits(pos + 64u));
  let l1 = p0.y + p1.x;
  let l2 = p1.y + p2.x + select(0u, 1u, l1 < p0.y);
  var q = l2 >> 30u;
  var hi = (l2 << 2u) | (l1 >> 30u);
  var lo = (l1 << 2u) | (p0.x >> 30u);
  var sign = 1.0;
  if ((hi & 0x80000000u) != 0u) {
    q = q + 1u;
    hi = ~hi;
    lo = ~lo + 1u;
    if (lo == 0u) { hi = hi + 1u; }
    sign = -1.0;
  }
  let r = sign * (f32(hi) * 2.3283064365386963e-10 + f32(lo) * 5.421010862427522e-20) * 1.5707963267948966;
  let k = f32(q & 3u);
  return select(vec2f(r, k), vec2f(-r, -k), x < 0.0);
}`,
  },
  m_sincos_reduce: {
    deps: ['m_reduce_large'],
    code: /* wgsl */ `
/**
 * x − k·π/2 with k = round(x·2/π), returned as (r, k). Below 2^16, Cody–Waite: π/2 in four
 * parts, the first three of 8 bits so that their products by k (< 2^16) are exact; above,
 * Payne–Hanek (m_reduce_large).
 */
fn m_sincos_reduce(x: f32) -> vec2f {
  if (abs(x) >= 65536.0) { return m_reduce_large(x); }
  let k = round(x * 0.636619772);
  let r = (((x - k * 1.5703125) - k * 0.0004825592041015625) - k * 0.0000012665987014770508) - k * 9.920935184482005e-10;
  return vec2f(r, k);
}
/** sin r for |r| ≤ π/4 (Taylor to r^13). */
fn m_sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-0.166666667 + z * (0.00833333333 + z * (-1.98412698e-4 + z * (2.75573192e-6 +
    z * (-2.50521084e-8 + z * 1.60590438e-10)))));
}
/** cos r for |r| ≤ π/4 (Taylor to r^14). */
fn m_cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 + z * (-0.5 + z * (0.0416666667 + z * (-0.00138888889 + z * (2.48015873e-5 +
    z * (-2.75573192e-7 + z * (2.08767570e-9 + z * -1.14707456e-11))))));
}`,
  },
  m_sin: {
    deps: ['m_special', 'm_sincos_reduce'],
    code: /* wgsl */ `
fn m_sin(x: f32) -> f32 {
  if (m_isnan(x) || m_isinf(x)) { return m_nan(); }
  if (x == 0.0) { return x; }
  let rk = m_sincos_reduce(x);
  let q = i32(rk.y) & 3;
  let v = select(m_sin_poly(rk.x), m_cos_poly(rk.x), (q & 1) == 1);
  return select(v, -v, q >= 2);
}`,
  },
  m_cos: {
    deps: ['m_special', 'm_sincos_reduce'],
    code: /* wgsl */ `
fn m_cos(x: f32) -> f32 {
  if (m_isnan(x) || m_isinf(x)) { return m_nan(); }
  let rk = m_sincos_reduce(x);
  let q = i32(rk.y) & 3;
  let v = select(m_cos_poly(rk.x), m_sin_poly(rk.x), (q & 1) == 1);
  return select(v, -v, q == 1 || q == 2);
}`,
  },
  m_tanh: {
    deps: ['m_special', 'm_expm1'],
    code: /* wgsl */ `
/** tanh x = t/(t + 2) with t = expm1(2|x|), sign restored; ±1 beyond |x| = 9.1 (where it rounds to 1 in f32). */
fn m_tanh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 9.1) { return m_copysign(1.0, x); }
  let t = m_expm1(2.0 * a);
  return m_copysign(t / (t + 2.0), x);
}`,
  },
  m_sigmoid: {
    deps: ['m_exp'],
    code: /* wgsl */ `
/** 1/(1 + e^−x) as math.ts computes it: e^x/(1 + e^x) below 0, so nothing overflows. */
fn m_sigmoid(x: f32) -> f32 {
  let e = m_exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}`,
  },
  m_erf: {
    deps: ['m_exp'],
    code: /* wgsl */ `
/** erf as math.ts: the Maclaurin series (12 terms) below |x| = 0.84375, the Chebyshev erfc fit (Press et al.) above. */
fn m_erf(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.84375) {
    let x2 = x * x;
    var term = x;
    var sum = x;
    for (var n = 1; n < 12; n++) {
      term = term * (-x2 / f32(n));
      sum = sum + term / f32(2 * n + 1);
    }
    return sum * 1.12837917;
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * m_exp(-z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}`,
  },
  m_pow: {
    deps: ['m_special', 'm_exp', 'm_log'],
    code: /* wgsl */ `
/** Math.pow in f32, special cases included (ECMAScript's: pow(±1, ±inf) and pow(±1, NaN) are NaN, pow(NaN, 0) is 1). */
fn m_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (m_isnan(a) || m_isnan(b)) { return m_nan(); }
  let aa = abs(a);
  if (m_isinf(b)) {
    if (aa == 1.0) { return m_nan(); }
    return select(0.0, m_inf(), (aa > 1.0) == (b > 0.0));
  }
  let integral = trunc(b) == b;
  // Every f32 of magnitude ≥ 2^24 is even.
  let odd = integral && abs(b) < 16777216.0 && (i32(b) & 1) == 1;
  let negate = odd && (bitcast<u32>(a) & 0x80000000u) != 0u;
  var r: f32;
  if (m_isinf(a)) {
    r = select(0.0, m_inf(), b > 0.0);
  } else if (aa == 0.0) {
    r = select(0.0, m_inf(), b < 0.0);
  } else if (a < 0.0 && !integral) {
    return m_nan();
  } else if (integral && abs(b) <= 64.0) {
    var e = u32(abs(b));
    var base = aa;
    r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    if (b < 0.0) { r = 1.0 / r; }
  } else {
    r = m_exp(b * m_log(aa));
  }
  return select(r, -r, negate);
}`,
  },
};

/**
 * Each M function: the WGSL helper for f32 arguments (`f`) and, where the function maps
 * integers to integers exactly, what it is on an i32 argument (`i`: a WGSL function, or ''
 * for the identity). A function without `i` converts i32 arguments to f32.
 * `satisfies` makes a new M function without a WGSL twin a compile error.
 */
export const MATH_WGSL = {
  exp: { f: 'm_exp' },
  expm1: { f: 'm_expm1' },
  log: { f: 'm_log' },
  log1p: { f: 'm_log1p' },
  sqrt: { f: 'sqrt' },
  tanh: { f: 'm_tanh' },
  sin: { f: 'm_sin' },
  cos: { f: 'm_cos' },
  floor: { f: 'floor', i: '' },
  ceil: { f: 'ceil', i: '' },
  abs: { f: 'abs', i: 'abs' },
  pow: { f: 'm_pow' },
  erf: { f: 'm_erf' },
  sigmoid: { f: 'm_sigmoid' },
  rint: { f: 'round', i: '' },
} as const satisfies Record<MathName, { readonly f: string; readonly i?: string }>;

/** The WGSL source of the named helpers and everything they call (builtins and unknown names are skipped), each once. */
export function mathSource(names: Iterable<string>): string {
  const done = new Set<string>();
  const parts: string[] = [];
  const add = (name: string): void => {
    const h = HELPERS[name];
    if (h === undefined || done.has(name)) return;
    done.add(name);
    for (const d of h.deps) add(d);
    parts.push(h.code);
  };
  for (const n of names) add(n);
  return parts.join('\n');
}
