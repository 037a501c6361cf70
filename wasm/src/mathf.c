// float32 exp, log, expm1, log1p and tanh (Cephes' polynomials with Cody–Waite range
// reduction; about 1 ulp), written here because the module links no libc.
#include "nt.h"
#include "nt_math.h"

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
  float y = nt_exp_reduced(r);
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

// ---- double-precision helpers (pow and erf need more than float range reduction) ---------

static inline double bits_to_double(uint64_t u) { return __builtin_bit_cast(double, u); }
static inline uint64_t double_to_bits(double d) { return __builtin_bit_cast(uint64_t, d); }

#define LN2_HI_D 6.93147180369123816490e-01
#define LN2_LO_D 1.90821492927058770002e-10

// e^x: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series (error below 1e-16), times 2^k.
static double exp_d(double x) {
  if (x != x) return x;
  if (x > 709.78) return __builtin_inf();
  if (x < -745.2) return 0.0;
  const double k = __builtin_nearbyint(x * 1.44269504088896338700);
  const double r = (x - k * LN2_HI_D) - k * LN2_LO_D;
  double p = 1.0 / 479001600.0;  // 1/12!
  static const double inv_fact[] = {1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
                                    1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
  for (int i = 0; i < 12; i++) p = p * r + inv_fact[i];
  int ki = (int)k;
  // 2^k in two steps so that subnormal results stay exact enough.
  const int k1 = ki / 2, k2 = ki - k1;
  return p * bits_to_double((uint64_t)(1023 + k1) << 52) * bits_to_double((uint64_t)(1023 + k2) << 52);
}

// log x for x > 0: x = m·2^e with m in [√½, √2), log m = 2·atanh(s), s = (m − 1)/(m + 1).
static double log_d(double x) {
  if (x != x || x < 0) return __builtin_nan("");
  if (x == 0) return -__builtin_inf();
  if (x == __builtin_inf()) return x;
  uint64_t u = double_to_bits(x);
  int e = (int)((u >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: scale up first
    x *= 18014398509481984.0;  // 2^54
    u = double_to_bits(x);
    e = (int)((u >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  double m = bits_to_double((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    e += 1;
  }
  const double s = (m - 1) / (m + 1), s2 = s * s;
  double t = 0, term = s;
  for (int i = 1; i <= 27; i += 2) {
    t += term / i;
    term *= s2;
  }
  return 2 * t + e * LN2_HI_D + e * LN2_LO_D;
}

float nt_powf(float xf, float yf) {
  const double x = xf, y = yf;
  if (y == 0) return 1.0f;
  if (x != x || y != y) return __builtin_nanf("");
  const double ay = __builtin_fabs(y);
  const int integer = __builtin_floor(y) == y;
  const int odd = integer && ay < 9007199254740992.0 && ay - 2.0 * __builtin_floor(ay * 0.5) == 1.0;
  if (__builtin_fabs(x) == 1 && ay == __builtin_inf()) return __builtin_nanf("");  // as Math.pow
  if (x == 0) {
    if (y > 0) return odd ? xf : 0.0f;
    return odd ? 1.0f / xf : __builtin_inff();
  }
  if (x == -__builtin_inf()) {  // before the non-integer test: Math.pow(-inf, 0.5) is inf
    if (y > 0) return odd ? -__builtin_inff() : __builtin_inff();
    return odd ? -0.0f : 0.0f;
  }
  if (x < 0 && !integer) return __builtin_nanf("");
  const double r = exp_d(y * log_d(__builtin_fabs(x)));
  return (float)(x < 0 && odd ? -r : r);
}

// sin and cos: x = k·π/2 + r (|r| ≤ π/4, in double), then the Taylor series of sin or cos
// of r (error below 1e-16) picked and signed by the quadrant k mod 4.
static double sin_poly(double r) {
  const double r2 = r * r;
  double p = -1.0 / 1307674368000.0;  // −1/15!
  static const double c[] = {1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0, 1.0};
  for (int i = 0; i < 7; i++) p = p * r2 + c[i];
  return p * r;
}

static double cos_poly(double r) {
  const double r2 = r * r;
  double p = 1.0 / 20922789888000.0;  // 1/16!
  static const double c[] = {-1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0, 1.0 / 40320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5, 1.0};
  for (int i = 0; i < 8; i++) p = p * r2 + c[i];
  return p;
}

static float sincos_f(float xf, int cosine) {
  if (xf != xf || __builtin_fabsf(xf) == __builtin_inff()) return __builtin_nanf("");
  const double x = xf;
  const double k = __builtin_nearbyint(x * 0.63661977236758134308);  // 2/π
  // π/2 in three parts (Cody–Waite), exact products for |k| < 2^20.
  const double r = ((x - k * 1.5707963267341256) - k * 6.077100506506192e-11) - k * 2.0222662487959506e-21;
  const int q = ((int)(k - 4.0 * __builtin_floor(k * 0.25)) + cosine) & 3;
  const double v = (q & 1) ? cos_poly(r) : sin_poly(r);
  return (float)((q & 2) ? -v : v);
}

float nt_sinf(float x) { return sincos_f(x, 0); }
float nt_cosf(float x) { return sincos_f(x, 1); }

// erf: the Maclaurin series near 0 and the Chebyshev fit of erfc (Press et al., |error| <
// 1.2e-7) beyond: the same algorithm as the reference (src/backends/math.ts).
float nt_erff(float xf) {
  if (xf != xf) return xf;
  const double x = xf, z = __builtin_fabs(x);
  if (z < 0.84375) {
    const double x2 = x * x;
    double term = x, sum = x;
    for (int n = 1; n < 12; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return (float)(sum * 1.1283791670955126);
  }
  const double t = 1 / (1 + 0.5 * z);
  const double r = t * exp_d(-z * z - 1.26551223 +
                             t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                             t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return (float)(x >= 0 ? 1 - r : r - 1);
}
