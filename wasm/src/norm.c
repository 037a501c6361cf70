// Batch normalization over [outer, c, inner] and its gradient (float64 sums, like the
// reference backend); layer normalization over the last axis (kernels/include/nt_layer_norm.h).
#include "nt.h"
#include "nt_layer_norm.h"

void EXPORT(nt_batch_norm)(const float* x, const float* mean, const float* variance, const float* offset, const float* scale,
                           float* y, double eps, int outer, int c, int inner) {
  double* mul = (double*)nt_arena_alloc(sizeof(double) * (size_t)c * 2);
  double* add = mul + c;
  for (int k = 0; k < c; k++) {
    const double r = 1.0 / __builtin_sqrt((double)variance[k] + (double)eps);
    mul[k] = r * (scale ? scale[k] : 1.0);
    add[k] = (offset ? offset[k] : 0.0) - mean[k] * mul[k];
  }
  size_t i = 0;
  for (int o = 0; o < outer; o++) {
    for (int k = 0; k < c; k++) {
      const double m = mul[k], a = add[k];
      for (int j = 0; j < inner; j++, i++) y[i] = (float)(x[i] * m + a);
    }
  }
}

void EXPORT(nt_batch_norm_grad)(const float* x, const float* mean, const float* variance, const float* scale, const float* dy,
                                float* dx, float* dMean, float* dVariance, float* dScale, float* dOffset, double eps, int outer,
                                int c, int inner) {
  double* sumDy = (double*)nt_arena_alloc(sizeof(double) * (size_t)c * 3);
  double* sumDyXc = sumDy + c;
  double* r = sumDyXc + c;
  for (int k = 0; k < c; k++) {
    sumDy[k] = 0;
    sumDyXc[k] = 0;
    r[k] = 1.0 / __builtin_sqrt((double)variance[k] + (double)eps);
  }
  size_t i = 0;
  for (int o = 0; o < outer; o++) {
    for (int k = 0; k < c; k++) {
      const double m = mean[k];
      const double f = r[k] * (scale ? scale[k] : 1.0);
      double s = 0, sx = 0;
      for (int j = 0; j < inner; j++, i++) {
        const double g = dy[i];
        s += g;
        sx += g * (x[i] - m);
        dx[i] = (float)(g * f);
      }
      sumDy[k] += s;
      sumDyXc[k] += sx;
    }
  }
  for (int k = 0; k < c; k++) {
    const double s = scale ? scale[k] : 1.0;
    dOffset[k] = (float)sumDy[k];
    dScale[k] = (float)(sumDyXc[k] * r[k]);
    dMean[k] = (float)(-s * r[k] * sumDy[k]);
    dVariance[k] = (float)(-0.5 * s * r[k] * r[k] * r[k] * sumDyXc[k]);
  }
}

void EXPORT(nt_layer_norm)(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd, double eps, int rows,
                           int c) {
  nt_layer_norm_rows(x, gamma, beta, y, mean, rstd, (float)eps, 0, rows, c);
}

void EXPORT(nt_layer_norm_grad)(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy, float* dx,
                                float* dGamma, float* dBeta, int rows, int c) {
  for (int j = 0; j < c; j++) {
    if (dGamma) dGamma[j] = 0.0f;
    if (dBeta) dBeta[j] = 0.0f;
  }
  nt_layer_norm_grad_rows(x, gamma, mean, rstd, dy, dx, dGamma, dBeta, 0, rows, c);
}
