// In-place optimizer updates, written once for the native addon (which runs ranges on its
// thread pool) and the WebAssembly kernels. Formulas, slot layouts and operation order are
// those of the reference (src/backends/js/optimizers.ts): elements are read into double,
// updated in double and rounded once when stored, so every backend gives the same float32
// results. Each step's scalars arrive as the named struct the op table defines
// (nt_<rule>_hyper in the generated nt_ops.h). Maxima are written `a > b ? a : b` so that
// backends agree even on NaN.
#ifndef NT_OPTIM_H
#define NT_OPTIM_H

#include <stdint.h>

#include "nt_math.h"
#include "nt_ops.h"

#define NT_DMAX(a, b) ((a) > (b) ? (a) : (b))

// 'sgd' — slots: [] (momentum = 0) or [velocity].
static inline void nt_sgd(float* p, const float* g, float* const* s, const nt_sgd_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, mu = h->momentum;
  if (!(mu > 0)) {
    for (int64_t i = b; i < e; i++) p[i] = (float)(p[i] - lr * (double)g[i]);
    return;
  }
  float* v = s[0];
  if (h->nesterov != 0) {
    for (int64_t i = b; i < e; i++) {
      const double gi = g[i];
      const double vi = mu * v[i] - lr * gi;
      v[i] = (float)vi;
      p[i] = (float)(p[i] + (mu * vi - lr * gi));
    }
  } else {
    for (int64_t i = b; i < e; i++) {
      const double vi = mu * v[i] - lr * (double)g[i];
      v[i] = (float)vi;
      p[i] = (float)(p[i] + vi);
    }
  }
}

// 'adam' — slots: [m, v] or, with amsgrad, [m, v, vhat] (vhat: the running maximum of v).
static inline void nt_adam(float* p, const float* g, float* const* s, int ns, const nt_adam_hyper* h, int64_t b, int64_t e) {
  const double b1 = h->beta1, b2 = h->beta2, eps = h->epsilon, decay = h->decay;
  const double alpha = (h->lr * NT_DSQRT(1 - h->beta2Power)) / (1 - h->beta1Power);
  const double c1 = 1 - b1, c2 = 1 - b2;
  float* m = s[0];
  float* v = s[1];
  float* vhat = ns == 3 ? s[2] : 0;
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double mi = b1 * m[i] + c1 * gi;
    double vi = b2 * v[i] + c2 * (gi * gi);
    m[i] = (float)mi;
    v[i] = (float)vi;
    if (vhat) {
      vi = NT_DMAX((double)vhat[i], vi);
      vhat[i] = (float)vi;
    }
    const double pi = p[i];
    p[i] = (float)(pi - decay * pi - (alpha * mi) / (NT_DSQRT(vi) + eps));
  }
}

// 'adamax' — slots: [m, u] (u: the exponentially weighted infinity norm).
static inline void nt_adamax(float* p, const float* g, float* const* s, const nt_adamax_hyper* h, int64_t b, int64_t e) {
  const double b1 = h->beta1, b2 = h->beta2, eps = h->epsilon;
  const double step = h->lr / (1 - h->beta1Power), c1 = 1 - b1;
  float* m = s[0];
  float* u = s[1];
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double mi = b1 * m[i] + c1 * gi;
    const double ui = NT_DMAX(b2 * u[i], __builtin_fabs(gi));  // fabs: +0 for -0, as Math.abs
    m[i] = (float)mi;
    u[i] = (float)ui;
    p[i] = (float)(p[i] - (step * mi) / (ui + eps));
  }
}

// 'nadam' — slots: [m, v].
static inline void nt_nadam(float* p, const float* g, float* const* s, const nt_nadam_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, b1 = h->beta1, b2 = h->beta2, eps = h->epsilon, muNext = h->muNext;
  const double c1 = 1 - b1, c2 = 1 - b2;
  const double gScale = 1 / (1 - h->muProduct), mScale = 1 / (1 - h->muProductNext), vScale = 1 / (1 - h->beta2Power);
  const double oneMinusMu = 1 - h->mu;
  float* m = s[0];
  float* v = s[1];
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double mi = b1 * m[i] + c1 * gi;
    const double vi = b2 * v[i] + c2 * (gi * gi);
    m[i] = (float)mi;
    v[i] = (float)vi;
    const double mBar = oneMinusMu * (gi * gScale) + muNext * (mi * mScale);
    p[i] = (float)(p[i] - (lr * mBar) / (NT_DSQRT(vi * vScale) + eps));
  }
}

// 'rmsprop' — slots: [ms], then [mom] if momentum > 0, then [mg] if centered.
static inline void nt_rmsprop(float* p, const float* g, float* const* s, int ns, const nt_rmsprop_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, rho = h->rho, mu = h->momentum, eps = h->epsilon, c = 1 - rho;
  float* ms = s[0];
  float* mom = mu > 0 ? s[1] : 0;
  float* mg = h->centered != 0 ? s[ns - 1] : 0;
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double msi = rho * ms[i] + c * (gi * gi);
    ms[i] = (float)msi;
    double d = msi;
    if (mg) {
      const double mgi = rho * mg[i] + c * gi;
      mg[i] = (float)mgi;
      d = msi - mgi * mgi;
    }
    if (mom) {
      const double mi = mu * mom[i] + (lr * gi) / NT_DSQRT(d + eps);
      mom[i] = (float)mi;
      p[i] = (float)(p[i] - mi);
    } else {
      p[i] = (float)(p[i] - (lr * gi) / (NT_DSQRT(d) + eps));
    }
  }
}

// 'adagrad' — slots: [accumulator].
static inline void nt_adagrad(float* p, const float* g, float* const* s, const nt_adagrad_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, eps = h->epsilon;
  float* a = s[0];
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double ai = a[i] + gi * gi;
    a[i] = (float)ai;
    p[i] = (float)(p[i] - (lr * gi) / (NT_DSQRT(ai) + eps));
  }
}

// 'adadelta' — slots: [accum_grad, accum_var].
static inline void nt_adadelta(float* p, const float* g, float* const* s, const nt_adadelta_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, rho = h->rho, eps = h->epsilon, c = 1 - rho;
  float* ag = s[0];
  float* av = s[1];
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double agi = rho * ag[i] + c * (gi * gi);
    const double delta = (NT_DSQRT(av[i] + eps) / NT_DSQRT(agi + eps)) * gi;
    ag[i] = (float)agi;
    av[i] = (float)(rho * av[i] + c * (delta * delta));
    p[i] = (float)(p[i] - lr * delta);
  }
}

// 'lion' — slots: [m]. sign as `c > 0 ? 1 : c < 0 ? -1 : c` (0 and NaN pass through), as the reference.
static inline void nt_lion(float* p, const float* g, float* const* s, const nt_lion_hyper* h, int64_t b, int64_t e) {
  const double lr = h->lr, b1 = h->beta1, b2 = h->beta2, c1 = 1 - b1, c2 = 1 - b2;
  float* m = s[0];
  for (int64_t i = b; i < e; i++) {
    const double gi = g[i];
    const double c = b1 * m[i] + c1 * gi;
    const double sg = c > 0 ? 1.0 : c < 0 ? -1.0 : c;
    p[i] = (float)(p[i] - lr * sg);
    m[i] = (float)(b2 * m[i] + c2 * gi);
  }
}

// One rule over elements [b, e). `hyper` points at the rule's nt_<rule>_hyper; the slot
// count was validated by the caller (src/backends/accelerated.ts). Returns 0 for an
// unknown rule.
static inline int nt_update_range(int rule, float* p, const float* g, float* const* s, int ns, const double* hyper, int64_t b, int64_t e) {
  switch (rule) {
    case NT_UPDATE_SGD: nt_sgd(p, g, s, (const nt_sgd_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_ADAM: nt_adam(p, g, s, ns, (const nt_adam_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_ADAMAX: nt_adamax(p, g, s, (const nt_adamax_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_NADAM: nt_nadam(p, g, s, (const nt_nadam_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_RMSPROP: nt_rmsprop(p, g, s, ns, (const nt_rmsprop_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_ADAGRAD: nt_adagrad(p, g, s, (const nt_adagrad_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_ADADELTA: nt_adadelta(p, g, s, (const nt_adadelta_hyper*)hyper, b, e); return 1;
    case NT_UPDATE_LION: nt_lion(p, g, s, (const nt_lion_hyper*)hyper, b, e); return 1;
    default: return 0;
  }
}

#endif
