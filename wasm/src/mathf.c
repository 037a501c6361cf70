// float32 exp, log, expm1, log1p and tanh (Cephes' polynomials with Cody–Waite range
// reduction; about 1 ulp), written here because the module links no libc.
#include "nt.h"

static inline float bits_to_float(uint32_t u) { return __builtin_bit_cast(float, u); }
static inline uint32_t float_to_bits(float f) { return __builtin_bit_cast(uint32_t, f); }

#define EXP_HI 88.72283935546875f
#define EXP_LO -103.972084045410f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f

float nt_sqrtf(float x) { return __builtin_sqrtf(x); }

float nt_expf(float x) {
  if (x != x) return x;
  if (x > EXP_HI) return __builtin_inff();
  if (x < EXP_LO) return 0.0f;
  const float n = __builtin_nearbyintf(x * LOG2E);
  const float r = (x - n * LN2_HI) - n * LN2_LO;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  float y = p * r * r + r + 1.0f;
  int e = (int)n;
  if (e > 127) {
    y *= bits_to_float(254u << 23);  // 2^127
    e -= 127;
  } else if (e < -126) {
    y *= bits_to_float(1u << 23);  // 2^-126
    e += 126;
  }
  return y * bits_to_float((uint32_t)(e + 127) << 23);
}

v128_t nt_exp4(v128_t x) {
  const v128_t hi = wasm_f32x4_splat(EXP_HI), lo = wasm_f32x4_splat(-87.33654f);
  const v128_t over = wasm_f32x4_gt(x, hi), under = wasm_f32x4_lt(x, lo);
  const v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(xc, wasm_f32x4_splat(LOG2E)));
  v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
  v128_t p = wasm_f32x4_splat(1.9875691500E-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507E-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073E-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459E-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201E-1f));
  v128_t y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  // 2^n for n in [-126, 127] (the clamp keeps it there).
  const v128_t pow2 = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  y = wasm_f32x4_mul(y, pow2);
  y = wasm_v128_bitselect(wasm_f32x4_splat(__builtin_inff()), y, over);
  y = wasm_v128_andnot(y, under);
  // NaN in, NaN out.
  return wasm_v128_bitselect(x, y, wasm_f32x4_ne(x, x));
}

float nt_logf(float x) {
  if (x != x) return x;
  if (x < 0.0f) return __builtin_nanf("");
  if (x == 0.0f) return -__builtin_inff();
  if (x == __builtin_inff()) return x;
  int e = 0;
  uint32_t u = float_to_bits(x);
  if (u < 0x00800000u) {  // subnormal
    x *= 8388608.0f;        // 2^23
    e -= 23;
    u = float_to_bits(x);
  }
  e += (int)((u >> 23) & 0xff) - 126;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  if (m < 0.707106781186547524f) {
    e -= 1;
    m = m + m - 1.0f;
  } else {
    m = m - 1.0f;
  }
  const float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  const float fe = (float)e;
  y += LN2_LO * fe;
  y += -0.5f * z;
  return m + y + LN2_HI * fe;
}

float nt_log1pf(float x) {
  const float u = 1.0f + x;
  if (u == 1.0f) return x;
  if (u == __builtin_inff()) return u;
  return nt_logf(u) * (x / (u - 1.0f));
}

float nt_expm1f(float x) {
  if (x != x) return x;
  const float u = nt_expf(x);
  if (u == 1.0f) return x;
  const float um1 = u - 1.0f;
  if (um1 == -1.0f) return -1.0f;
  if (u == __builtin_inff()) return u;
  return um1 * x / nt_logf(u);
}

float nt_tanhf(float x) {
  if (x != x) return x;
  const float ax = __builtin_fabsf(x);
  if (ax > 9.0f) return x > 0 ? 1.0f : -1.0f;
  if (ax < 0.625f) {
    const float z = x * x;
    float y = -5.70498872745E-3f;
    y = y * z + 2.06390887954E-2f;
    y = y * z - 5.37397155531E-2f;
    y = y * z + 1.33314422036E-1f;
    y = y * z - 3.33332819422E-1f;
    return y * z * x + x;
  }
  const float e = nt_expf(2.0f * ax);
  const float t = 1.0f - 2.0f / (e + 1.0f);
  return x > 0 ? t : -t;
}
