// Batch normalization with per-channel statistics over [outer, c, inner], and layer
// normalization over the last axis (the loops of kernels/include/nt_layer_norm.h).
#include <cmath>
#include <vector>

#include "kernels.h"
#include "nt_layer_norm.h"
#include "threadpool.h"

namespace neurite {

void batch_norm(const float* x, const float* mean, const float* var, const float* offset, const float* scale, float* y,
                float eps, int64_t outer, int64_t c, int64_t inner) {
  std::vector<float> mul(c), add(c);
  for (int64_t k = 0; k < c; k++) {
    const double r = 1.0 / std::sqrt(static_cast<double>(var[k]) + eps);
    mul[k] = static_cast<float>(r * (scale ? scale[k] : 1.0f));
    add[k] = static_cast<float>((offset ? offset[k] : 0.0f) - mean[k] * static_cast<double>(mul[k]));
  }
  parallel_for(outer, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, c * inner)), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t k = 0; k < c; k++) {
        const float m = mul[k], a = add[k];
        const float* xp = x + (o * c + k) * inner;
        float* yp = y + (o * c + k) * inner;
        if (inner == 1) yp[0] = xp[0] * m + a;
        else for (int64_t j = 0; j < inner; j++) yp[j] = xp[j] * m + a;
      }
    }
  });
}

void batch_norm_grad(const float* x, const float* mean, const float* var, const float* scale, const float* dy,
                     float* dx, float* dmean, float* dvar, float* dscale, float* doffset, float eps, int64_t outer,
                     int64_t c, int64_t inner) {
  std::vector<double> r(c);
  for (int64_t k = 0; k < c; k++) r[k] = 1.0 / std::sqrt(static_cast<double>(var[k]) + eps);
  const int threads = num_threads();
  std::vector<std::vector<double>> sumDy(threads, std::vector<double>(c, 0.0));
  std::vector<std::vector<double>> sumDyXc(threads, std::vector<double>(c, 0.0));
  const int64_t tasks = std::min<int64_t>(outer, threads * 4);
  parallel_tasks(tasks, [&](int64_t t, int thread) {
    double* s1 = sumDy[thread].data();
    double* s2 = sumDyXc[thread].data();
    for (int64_t o = t * outer / tasks; o < (t + 1) * outer / tasks; o++) {
      for (int64_t k = 0; k < c; k++) {
        const float m = mean[k];
        const float f = static_cast<float>(r[k] * (scale ? scale[k] : 1.0f));
        const int64_t base = (o * c + k) * inner;
        double a = 0, b = 0;
        for (int64_t j = 0; j < inner; j++) {
          const float g = dy[base + j];
          a += g;
          b += static_cast<double>(g) * (x[base + j] - m);
          dx[base + j] = g * f;
        }
        s1[k] += a;
        s2[k] += b;
      }
    }
  });
  for (int64_t k = 0; k < c; k++) {
    double a = 0, b = 0;
    for (int t = 0; t < threads; t++) {
      a += sumDy[t][k];
      b += sumDyXc[t][k];
    }
    const double s = scale ? scale[k] : 1.0;
    doffset[k] = static_cast<float>(a);
    dscale[k] = static_cast<float>(b * r[k]);
    dmean[k] = static_cast<float>(-s * r[k] * a);
    dvar[k] = static_cast<float>(-0.5 * s * r[k] * r[k] * r[k] * b);
  }
}

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd, float eps, int64_t rows,
                int64_t c) {
  parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, c)),
               [&](int64_t r0, int64_t r1) { nt_layer_norm_rows(x, gamma, beta, y, mean, rstd, eps, r0, r1, c); });
}

// dx by rows across the threads; each thread adds its rows' dgamma/dbeta into its own
// partial sums, which are added up at the end.
void layer_norm_grad(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy, float* dx, float* dgamma,
                     float* dbeta, int64_t rows, int64_t c) {
  const int threads = num_threads();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(threads, rows * c / (1 << 14)));
  std::vector<float> partial(static_cast<size_t>(chunks) * 2 * c, 0.0f);
  parallel_tasks(chunks, [&](int64_t t, int) {
    float* dg = dgamma ? partial.data() + t * 2 * c : nullptr;
    float* db = dbeta ? partial.data() + t * 2 * c + c : nullptr;
    nt_layer_norm_grad_rows(x, gamma, mean, rstd, dy, dx, dg, db, rows * t / chunks, rows * (t + 1) / chunks, c);
  });
  for (int64_t j = 0; j < c; j++) {
    float g = 0.0f, b = 0.0f;
    for (int64_t t = 0; t < chunks; t++) {
      g += partial[t * 2 * c + j];
      b += partial[t * 2 * c + c + j];
    }
    if (dgamma) dgamma[j] = g;
    if (dbeta) dbeta[j] = b;
  }
}

}  // namespace neurite
