// Unary activations and their derivatives, broadcasting binary ops, and the backward of
// the fused bias + activation epilogue. Op codes follow src/backends/native/codes.ts;
// a kernel returns 0 for an op it does not implement (sin, cos, erf, gelu, pow) and
// JavaScript runs the reference kernel instead.
#include "nt.h"

#define SELU_ALPHA 1.6732632423543772f
#define SELU_SCALE 1.0507009873554805f
#define SQRT2_OVER_PI 0.7978845608028654f

static inline float sigmoidf(float x) {
  if (x >= 0) return 1.0f / (1.0f + nt_expf(-x));
  const float e = nt_expf(x);
  return e / (1.0f + e);
}

static inline float relu_s(float v) { return v > 0 ? v : (v <= 0 ? 0.0f : v); }

#define MAP(expr)                                 \
  for (int i = 0; i < n; i++) {                   \
    const float v = x[i];                         \
    y[i] = (expr);                                \
  }                                               \
  return 1

int EXPORT(nt_unary)(int op, const float* x, float* y, int n, float a, float b) {
  switch (op) {
    case 0: MAP(-v);
    case 1: MAP(__builtin_fabsf(v));
    case 2: MAP(v > 0 ? 1.0f : v < 0 ? -1.0f : v == 0 ? 0.0f : v);
    case 3: {
      int i = 0;
      for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, nt_exp4(wasm_v128_load(x + i)));
      for (; i < n; i++) y[i] = nt_expf(x[i]);
      return 1;
    }
    case 4: MAP(nt_logf(v));
    case 5: MAP(nt_log1pf(v));
    case 6: MAP(__builtin_sqrtf(v));
    case 7: MAP(1.0f / __builtin_sqrtf(v));
    case 8: MAP(v * v);
    case 9: MAP(1.0f / v);
    case 10: MAP(__builtin_floorf(v));
    case 11: MAP(__builtin_ceilf(v));
    case 12: MAP(__builtin_nearbyintf(v));
    case 16: {
      int i = 0;
      const v128_t z = wasm_f32x4_splat(0);
      for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_max(wasm_v128_load(x + i), z));
      for (; i < n; i++) y[i] = relu_s(x[i]);
      return 1;
    }
    case 17: MAP(v > 0 ? (v < 6 ? v : 6.0f) : v <= 0 ? 0.0f : v);
    case 18: MAP(sigmoidf(v));
    case 19: MAP(nt_tanhf(v));
    case 20: MAP(v > 0 ? v + nt_log1pf(nt_expf(-v)) : nt_log1pf(nt_expf(v)));
    case 21: MAP(v / (1 + __builtin_fabsf(v)));
    case 22: MAP(v > 0 ? v : a * nt_expm1f(v));
    case 23: MAP(SELU_SCALE * (v > 0 ? v : SELU_ALPHA * nt_expm1f(v)));
    case 24: MAP(v > 0 ? v : a * v);
    case 25: {
      for (int i = 0; i < n; i++) {
        const float z = a * x[i] + b;
        y[i] = z > 1 ? 1.0f : z < 0 ? 0.0f : z;
      }
      return 1;
    }
    case 26: MAP(v * sigmoidf(v));
    case 28: MAP(0.5f * v * (1 + nt_tanhf(SQRT2_OVER_PI * (v + 0.044715f * v * v * v))));
    case 29: MAP(v > 0 ? 1.0f : a);
    case 30: MAP(v > a ? v : 0.0f);
    case 31: MAP(v < a ? a : v > b ? b : v);
    default: return 0;
  }
}

#define GRAD(expr)                                \
  for (int i = 0; i < n; i++) {                   \
    const float v = x[i], o = y[i];               \
    (void)v;                                      \
    (void)o;                                      \
    dx[i] = dy[i] * (expr);                       \
  }                                               \
  return 1

int EXPORT(nt_unary_grad)(int op, const float* x, const float* y, const float* dy, float* dx, int n, float a, float b) {
  switch (op) {
    case 0: GRAD(-1.0f);
    case 1: GRAD(v > 0 ? 1.0f : v < 0 ? -1.0f : 0.0f);
    case 2: case 10: case 11: case 12: case 29: GRAD(0.0f);
    case 3: GRAD(o);
    case 4: GRAD(1.0f / v);
    case 5: GRAD(1.0f / (1 + v));
    case 6: GRAD(0.5f / o);
    case 7: GRAD(-0.5f * o * o * o);
    case 8: GRAD(2 * v);
    case 9: GRAD(-o * o);
    case 16: GRAD(v > 0 ? 1.0f : 0.0f);
    case 17: GRAD(v > 0 && v < 6 ? 1.0f : 0.0f);
    case 18: GRAD(o * (1 - o));
    case 19: GRAD(1 - o * o);
    case 20: GRAD(sigmoidf(v));
    case 21: {
      for (int i = 0; i < n; i++) {
        const float d = 1 + __builtin_fabsf(x[i]);
        dx[i] = dy[i] * (1 / (d * d));
      }
      return 1;
    }
    case 22: GRAD(v > 0 ? 1.0f : a * nt_expf(v));
    case 23: GRAD(v > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * nt_expf(v));
    case 24: GRAD(v > 0 ? 1.0f : a);
    case 25: {
      for (int i = 0; i < n; i++) {
        const float z = a * x[i] + b;
        dx[i] = dy[i] * (z > 0 && z < 1 ? a : 0.0f);
      }
      return 1;
    }
    case 26: {
      for (int i = 0; i < n; i++) {
        const float s = sigmoidf(x[i]);
        dx[i] = dy[i] * (s + x[i] * s * (1 - s));
      }
      return 1;
    }
    case 28: {
      for (int i = 0; i < n; i++) {
        const float v = x[i];
        const float t = nt_tanhf(SQRT2_OVER_PI * (v + 0.044715f * v * v * v));
        dx[i] = dy[i] * (0.5f * (1 + t) + 0.5f * v * (1 - t * t) * SQRT2_OVER_PI * (1 + 3 * 0.044715f * v * v));
      }
      return 1;
    }
    case 30: GRAD(v > a ? 1.0f : 0.0f);
    case 31: GRAD(v >= a && v <= b ? 1.0f : 0.0f);
    default: return 0;
  }
}

// ---- binary ------------------------------------------------------------------------------

static inline float bin(int op, float x, float y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 5: return (x >= y || x != x) ? x : y;
    case 6: return (x <= y || x != x) ? x : y;
    case 7: return (x - y) * (x - y);
    case 8: return x == y ? 1.0f : 0.0f;
    case 9: return x != y ? 1.0f : 0.0f;
    case 10: return x < y ? 1.0f : 0.0f;
    case 11: return x <= y ? 1.0f : 0.0f;
    case 12: return x > y ? 1.0f : 0.0f;
    default: return x >= y ? 1.0f : 0.0f;
  }
}

static inline v128_t bin4(int op, v128_t x, v128_t y) {
  switch (op) {
    case 0: return wasm_f32x4_add(x, y);
    case 1: return wasm_f32x4_sub(x, y);
    case 2: return wasm_f32x4_mul(x, y);
    default: return wasm_f32x4_div(x, y);
  }
}

// One row of the broadcast: len elements with inner strides ia, ib (0 or 1 on fast paths).
static void bin_row(int op, const float* a, int ia, const float* b, int ib, float* o, int len) {
  int j = 0;
  if (op <= 3) {
    if (ia == 1 && ib == 1) {
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, wasm_v128_load(a + j), wasm_v128_load(b + j)));
    } else if (ia == 1 && ib == 0) {
      const v128_t vb = wasm_f32x4_splat(b[0]);
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, wasm_v128_load(a + j), vb));
    } else if (ia == 0 && ib == 1) {
      const v128_t va = wasm_f32x4_splat(a[0]);
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, va, wasm_v128_load(b + j)));
    }
  }
  for (; j < len; j++) o[j] = bin(op, a[(size_t)j * ia], b[(size_t)j * ib]);
}

int EXPORT(nt_binary)(int op, const float* a, const float* b, float* out, int rank, const int32_t* dims, const int32_t* sa,
                      const int32_t* sb) {
  if (op == 4 || op < 0 || op > 13) return 0;
  const int len = dims[rank - 1];
  const int ia = sa[rank - 1], ib = sb[rank - 1];
  int rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= dims[d];
  for (int r = 0; r < rows; r++) {
    size_t oa = 0, ob = 0;
    int rem = r;
    for (int d = rank - 2; d >= 0; d--) {
      const int i = rem % dims[d];
      rem /= dims[d];
      oa += (size_t)i * sa[d];
      ob += (size_t)i * sb[d];
    }
    bin_row(op, a + oa, ia, b + ob, ib, out + (size_t)r * len, len);
  }
  return 1;
}

// dpre = dy · act'(y) over [rows, channels]; dbias = column sums of dpre in float64
// (like the reference: Adam turns tiny gradient differences into whole steps).
void EXPORT(nt_bias_activation_grad)(const float* y, const float* dy, float* dpre, float* dbias, int rows, int channels,
                                     int relu) {
  double* acc = (double*)nt_arena_alloc(sizeof(double) * (size_t)channels);
  for (int c = 0; c < channels; c++) acc[c] = 0;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int r = 0; r < rows; r++) {
    const float* yr = y + (size_t)r * channels;
    const float* gr = dy + (size_t)r * channels;
    float* pr = dpre + (size_t)r * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      v128_t g = wasm_v128_load(gr + c);
      if (relu) g = wasm_v128_and(g, wasm_f32x4_gt(wasm_v128_load(yr + c), zero));
      wasm_v128_store(pr + c, g);
      wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), wasm_f64x2_promote_low_f32x4(g)));
      wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(g, g, 2, 3, 0, 1))));
    }
    for (; c < channels; c++) {
      const float g = relu ? (yr[c] > 0 ? gr[c] : 0.0f) : gr[c];
      pr[c] = g;
      acc[c] += g;
    }
  }
  for (int c = 0; c < channels; c++) dbias[c] = (float)acc[c];
}
