// The math vocabulary of the op table's formulas in C (twin of src/backends/math.ts): the
// generated kernels (nt_ops.h) call NT_EXP(x), NT_SIGMOID(x), ... Shared by the native
// addon (C++, libm) and the WebAssembly kernels (C, no libc: wasm/src/mathf.c).
#ifndef NT_MATH_H
#define NT_MATH_H

#if defined(__wasm__)
float nt_expf(float x);
float nt_expm1f(float x);
float nt_logf(float x);
float nt_log1pf(float x);
float nt_tanhf(float x);
float nt_sinf(float x);
float nt_cosf(float x);
float nt_erff(float x);
float nt_powf(float x, float y);
#define NT_EXP(v) nt_expf(v)
#define NT_EXPM1(v) nt_expm1f(v)
#define NT_LOG(v) nt_logf(v)
#define NT_LOG1P(v) nt_log1pf(v)
#define NT_TANH(v) nt_tanhf(v)
#define NT_SIN(v) nt_sinf(v)
#define NT_COS(v) nt_cosf(v)
#define NT_ERF(v) nt_erff(v)
#define NT_POW(v, w) nt_powf(v, w)
#define NT_SQRT(v) __builtin_sqrtf(v)
#define NT_FLOOR(v) __builtin_floorf(v)
#define NT_CEIL(v) __builtin_ceilf(v)
#define NT_ABS(v) __builtin_fabsf(v)
// f32.nearest: round half to even.
#define NT_RINT(v) __builtin_nearbyintf(v)
#define NT_DSQRT(v) __builtin_sqrt(v)
#else
#include <math.h>
#define NT_EXP(v) expf(v)
#define NT_EXPM1(v) expm1f(v)
#define NT_LOG(v) logf(v)
#define NT_LOG1P(v) log1pf(v)
#define NT_TANH(v) tanhf(v)
#define NT_SIN(v) sinf(v)
#define NT_COS(v) cosf(v)
#define NT_ERF(v) erff(v)
// Math.pow's special cases where C's powf differs: pow(±1, NaN) and pow(±1, ±inf) are NaN.
static inline float nt_pow_js(float x, float y) {
  if (y == 0) return 1.0f;
  if (y != y || (fabsf(x) == 1.0f && isinf(y))) return NAN;
  return powf(x, y);
}
#define NT_POW(v, w) nt_pow_js(v, w)
#define NT_SQRT(v) sqrtf(v)
#define NT_FLOOR(v) floorf(v)
#define NT_CEIL(v) ceilf(v)
#define NT_ABS(v) fabsf(v)
#define NT_RINT(v) nearbyintf(v)
#define NT_DSQRT(v) sqrt(v)
#endif

// e^r for the reduced argument |r| ≤ ln2/2 of exp(x) = 2^n·e^r: Cephes' degree-6 polynomial,
// shared by the wasm scalar expf (mathf.c) and the native vectorizable exp (kernels.h).
static inline float nt_exp_reduced(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// 1 / (1 + e^-x) without overflow for large |x|.
static inline float nt_sigmoidf(float x) {
  if (x >= 0) return 1.0f / (1.0f + NT_EXP(-x));
  const float e = NT_EXP(x);
  return e / (1.0f + e);
}
#define NT_SIGMOID(v) nt_sigmoidf(v)

#endif
