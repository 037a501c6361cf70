// Reductions over the middle axis of [outer, n, inner] (float64 accumulation like the
// reference backend), softmax / log-softmax and their gradients.
#include "nt.h"
#include "nt_ops.h"

static inline double combine(int op, double acc, double v) {
  switch (op) {
    case NT_REDUCE_MAX: return (v > acc || v != v) ? v : acc;
    case NT_REDUCE_MIN: return (v < acc || v != v) ? v : acc;
    case NT_REDUCE_PROD: return acc * v;
    default: return acc + v;
  }
}

static double init_of(int op) {
  switch (op) {
    case NT_REDUCE_MAX: return -__builtin_inf();
    case NT_REDUCE_MIN: return __builtin_inf();
    case NT_REDUCE_PROD: return 1.0;
    default: return 0.0;
  }
}

// Codes: sum, mean, max, min, prod.
int EXPORT(nt_reduce)(int op, const float* x, float* y, int outer, int n, int inner) {
  if (op < 0 || op >= NT_REDUCE_COUNT) return 0;
  const double scale = op == NT_REDUCE_MEAN ? 1.0 / n : 1.0;
  const double init = init_of(op);
  if (inner == 1) {
    for (int o = 0; o < outer; o++) {
      const float* row = x + (size_t)o * n;
      double acc = init;
      if (op == NT_REDUCE_SUM || op == NT_REDUCE_MEAN) {
        // Four partial float64 sums, then one; the order differs from a single running
        // sum by float64 rounding only.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int r = 0;
        for (; r + 4 <= n; r += 4) {
          s0 += row[r];
          s1 += row[r + 1];
          s2 += row[r + 2];
          s3 += row[r + 3];
        }
        for (; r < n; r++) s0 += row[r];
        acc = (s0 + s1) + (s2 + s3);
      } else {
        for (int r = 0; r < n; r++) acc = combine(op, acc, row[r]);
      }
      y[o] = (float)(acc * scale);
    }
    return 1;
  }
  double* acc = (double*)nt_arena_alloc(sizeof(double) * (size_t)inner);
  for (int o = 0; o < outer; o++) {
    for (int i = 0; i < inner; i++) acc[i] = init;
    for (int r = 0; r < n; r++) {
      const float* row = x + ((size_t)o * n + r) * inner;
      if (op == NT_REDUCE_SUM || op == NT_REDUCE_MEAN) {
        for (int i = 0; i < inner; i++) acc[i] += row[i];
      } else {
        for (int i = 0; i < inner; i++) acc[i] = combine(op, acc[i], row[i]);
      }
    }
    for (int i = 0; i < inner; i++) y[(size_t)o * inner + i] = (float)(acc[i] * scale);
  }
  return 1;
}

void EXPORT(nt_softmax)(const float* x, float* y, int outer, int n, int inner, int log) {
  if (inner == 1) {
    for (int o = 0; o < outer; o++) {
      const float* row = x + (size_t)o * n;
      float* out = y + (size_t)o * n;
      float max = -__builtin_inff();
      for (int r = 0; r < n; r++) max = (row[r] > max || row[r] != row[r]) ? row[r] : max;
      const v128_t vmax = wasm_f32x4_splat(max);
      double sum = 0;
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        const v128_t e = nt_exp4(wasm_f32x4_sub(wasm_v128_load(row + r), vmax));
        if (!log) wasm_v128_store(out + r, e);
        sum += (double)wasm_f32x4_extract_lane(e, 0) + wasm_f32x4_extract_lane(e, 1) + wasm_f32x4_extract_lane(e, 2) +
               wasm_f32x4_extract_lane(e, 3);
      }
      for (; r < n; r++) {
        const float e = nt_expf(row[r] - max);
        if (!log) out[r] = e;
        sum += e;
      }
      if (log) {
        const float lse = max + nt_logf((float)sum);
        for (int k = 0; k < n; k++) out[k] = row[k] - lse;
      } else {
        const float inv = (float)(1.0 / sum);
        for (int k = 0; k < n; k++) out[k] *= inv;
      }
    }
    return;
  }
  for (int o = 0; o < outer; o++) {
    for (int i = 0; i < inner; i++) {
      const size_t base = (size_t)o * n * inner + i;
      float max = -__builtin_inff();
      for (int r = 0; r < n; r++) {
        const float v = x[base + (size_t)r * inner];
        max = (v > max || v != v) ? v : max;
      }
      double sum = 0;
      for (int r = 0; r < n; r++) sum += nt_expf(x[base + (size_t)r * inner] - max);
      if (log) {
        const float lse = max + nt_logf((float)sum);
        for (int r = 0; r < n; r++) y[base + (size_t)r * inner] = x[base + (size_t)r * inner] - lse;
      } else {
        const float inv = (float)(1.0 / sum);
        for (int r = 0; r < n; r++) y[base + (size_t)r * inner] = nt_expf(x[base + (size_t)r * inner] - max) * inv;
      }
    }
  }
}

// softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy.
void EXPORT(nt_softmax_grad)(const float* y, const float* dy, float* dx, int outer, int n, int inner, int log) {
  for (int o = 0; o < outer; o++) {
    for (int i = 0; i < inner; i++) {
      const size_t base = (size_t)o * n * inner + i;
      double s = 0;
      if (log) {
        for (int r = 0; r < n; r++) s += dy[base + (size_t)r * inner];
        for (int r = 0; r < n; r++) {
          const size_t k = base + (size_t)r * inner;
          dx[k] = (float)(dy[k] - nt_expf(y[k]) * s);
        }
      } else {
        for (int r = 0; r < n; r++) s += (double)dy[base + (size_t)r * inner] * y[base + (size_t)r * inner];
        for (int r = 0; r < n; r++) {
          const size_t k = base + (size_t)r * inner;
          dx[k] = (float)(y[k] * (dy[k] - s));
        }
      }
    }
  }
}
