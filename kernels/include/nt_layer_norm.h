// Layer normalization over the last axis of x [rows, c], written once for the native addon
// (which runs row ranges on its thread pool) and the WebAssembly kernels:
//   y = (x − mean)·rstd·gamma + beta,  rstd = 1/√(variance + eps)  (biased variance),
// and its gradient, with xhat = (x − mean)·rstd and g = dy·gamma:
//   dx = rstd·(g − (Σg + xhat·Σg·xhat)/c),  dgamma = Σ_rows dy·xhat,  dbeta = Σ_rows dy.
// Row sums run in 16 float lanes (the loops vectorize); the mean is taken first and the
// variance from the centred values, so there is no cancellation. gamma and beta may be null.
#ifndef NT_LAYER_NORM_H
#define NT_LAYER_NORM_H

#include <stdint.h>

#define NT_LN_LANES 16

// Σ (a[j] − shift)^power over j in [0, c), power 1 or 2, in NT_LN_LANES partial sums.
static inline float nt_ln_sum(const float* a, float shift, int power, int64_t c) {
  float lanes[NT_LN_LANES] = {0};
  float s = 0.0f;
  int64_t j = 0;
  if (power == 1) {
    for (; j + NT_LN_LANES <= c; j += NT_LN_LANES)
      for (int l = 0; l < NT_LN_LANES; l++) lanes[l] += a[j + l] - shift;
    for (; j < c; j++) s += a[j] - shift;
  } else {
    for (; j + NT_LN_LANES <= c; j += NT_LN_LANES)
      for (int l = 0; l < NT_LN_LANES; l++) lanes[l] += (a[j + l] - shift) * (a[j + l] - shift);
    for (; j < c; j++) s += (a[j] - shift) * (a[j] - shift);
  }
  for (int l = 0; l < NT_LN_LANES; l++) s += lanes[l];
  return s;
}

// Σ g and Σ g·xhat over a row, g = dy·gamma (gamma null: 1), xhat = (x − m)·rs.
static inline void nt_ln_grad_sums(const float* x, const float* dy, const float* gamma, float m, float rs, int64_t c, float* sg,
                                   float* sgx) {
  float la[NT_LN_LANES] = {0}, lb[NT_LN_LANES] = {0};
  float a = 0.0f, b = 0.0f;
  int64_t j = 0;
  for (; j + NT_LN_LANES <= c; j += NT_LN_LANES) {
    for (int l = 0; l < NT_LN_LANES; l++) {
      const float g = dy[j + l] * (gamma ? gamma[j + l] : 1.0f);
      la[l] += g;
      lb[l] += g * ((x[j + l] - m) * rs);
    }
  }
  for (; j < c; j++) {
    const float g = dy[j] * (gamma ? gamma[j] : 1.0f);
    a += g;
    b += g * ((x[j] - m) * rs);
  }
  for (int l = 0; l < NT_LN_LANES; l++) {
    a += la[l];
    b += lb[l];
  }
  *sg = a;
  *sgx = b;
}

// Rows [r0, r1): y, and each row's mean and rstd (kept for the gradient).
static inline void nt_layer_norm_rows(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                                      float eps, int64_t r0, int64_t r1, int64_t c) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float m = nt_ln_sum(xr, 0.0f, 1, c) / (float)c;
    const float rs = 1.0f / __builtin_sqrtf(nt_ln_sum(xr, m, 2, c) / (float)c + eps);
    mean[r] = m;
    rstd[r] = rs;
    if (gamma && beta) {
      for (int64_t j = 0; j < c; j++) yr[j] = (xr[j] - m) * rs * gamma[j] + beta[j];
    } else if (gamma) {
      for (int64_t j = 0; j < c; j++) yr[j] = (xr[j] - m) * rs * gamma[j];
    } else if (beta) {
      for (int64_t j = 0; j < c; j++) yr[j] = (xr[j] - m) * rs + beta[j];
    } else {
      for (int64_t j = 0; j < c; j++) yr[j] = (xr[j] - m) * rs;
    }
  }
}

// Rows [r0, r1) of dx; dgamma and dbeta of these rows are added into dg and db (length c;
// either may be null).
static inline void nt_layer_norm_grad_rows(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy,
                                           float* dx, float* dg, float* db, int64_t r0, int64_t r1, int64_t c) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    const float m = mean[r], rs = rstd[r];
    float sg, sgx;
    nt_ln_grad_sums(xr, dyr, gamma, m, rs, c, &sg, &sgx);
    const float a = sg / (float)c, b = sgx / (float)c;
    if (gamma) {
      for (int64_t j = 0; j < c; j++) dxr[j] = rs * (dyr[j] * gamma[j] - (a + (xr[j] - m) * rs * b));
    } else {
      for (int64_t j = 0; j < c; j++) dxr[j] = rs * (dyr[j] - (a + (xr[j] - m) * rs * b));
    }
    if (dg) for (int64_t j = 0; j < c; j++) dg[j] += dyr[j] * ((xr[j] - m) * rs);
    if (db) for (int64_t j = 0; j < c; j++) db[j] += dyr[j];
  }
}

#endif
