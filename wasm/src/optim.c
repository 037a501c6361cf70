// In-place optimizer updates with the formulas, slot layouts and operation order of
// src/backends/js/optimizers.ts (float64 arithmetic, one rounding per stored value).
// Codes: sgd, adam, adamax, nadam, rmsprop, adagrad, adadelta.
#include "nt.h"

static inline double dsqrt(double x) { return __builtin_sqrt(x); }

int EXPORT(nt_apply_update)(int rule, float* p, const float* g, float* const* slots, int nslots, const double* h, int n) {
  switch (rule) {
    case 0: {
      const double lr = h[0], mu = h[1];
      if (nslots == 0) {
        for (int i = 0; i < n; i++) p[i] = (float)(p[i] - lr * g[i]);
        return 1;
      }
      float* v = slots[0];
      const int nesterov = h[2] != 0;
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double vi = mu * v[i] - lr * gi;
        v[i] = (float)vi;
        p[i] = (float)(nesterov ? p[i] + (mu * vi - lr * gi) : p[i] + vi);
      }
      return 1;
    }
    case 1: {
      const double lr = h[0], b1 = h[1], b2 = h[2], eps = h[3], b1p = h[4], b2p = h[5], decay = h[6];
      const double alpha = (lr * dsqrt(1 - b2p)) / (1 - b1p), c1 = 1 - b1, c2 = 1 - b2;
      float *m = slots[0], *v = slots[1], *vhat = nslots == 3 ? slots[2] : 0;
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double mi = b1 * m[i] + c1 * gi;
        double vi = b2 * v[i] + c2 * (gi * gi);
        m[i] = (float)mi;
        v[i] = (float)vi;
        if (vhat) {
          const double old = vhat[i];
          vi = old > vi ? old : vi;
          vhat[i] = (float)vi;
        }
        const double pi = p[i];
        p[i] = (float)(pi - decay * pi - (alpha * mi) / (dsqrt(vi) + eps));
      }
      return 1;
    }
    case 2: {
      const double lr = h[0], b1 = h[1], b2 = h[2], eps = h[3], b1p = h[4];
      const double step = lr / (1 - b1p), c1 = 1 - b1;
      float *m = slots[0], *u = slots[1];
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double mi = b1 * m[i] + c1 * gi;
        const double decayed = b2 * u[i];
        const double ag = gi < 0 ? -gi : gi;
        const double ui = decayed > ag ? decayed : ag;
        m[i] = (float)mi;
        u[i] = (float)ui;
        p[i] = (float)(p[i] - (step * mi) / (ui + eps));
      }
      return 1;
    }
    case 3: {
      const double lr = h[0], b1 = h[1], b2 = h[2], eps = h[3], muT = h[4], muNext = h[5], prodT = h[6], prodNext = h[7],
                   b2p = h[8];
      const double c1 = 1 - b1, c2 = 1 - b2, gScale = 1 / (1 - prodT), mScale = 1 / (1 - prodNext), vScale = 1 / (1 - b2p);
      const double oneMinusMu = 1 - muT;
      float *m = slots[0], *v = slots[1];
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double mi = b1 * m[i] + c1 * gi;
        const double vi = b2 * v[i] + c2 * (gi * gi);
        m[i] = (float)mi;
        v[i] = (float)vi;
        const double mBar = oneMinusMu * (gi * gScale) + muNext * (mi * mScale);
        p[i] = (float)(p[i] - (lr * mBar) / (dsqrt(vi * vScale) + eps));
      }
      return 1;
    }
    case 4: {
      const double lr = h[0], rho = h[1], mu = h[2], eps = h[3];
      const int centered = h[4] != 0;
      const double c = 1 - rho;
      float* ms = slots[0];
      float* mom = mu > 0 ? slots[1] : 0;
      float* mg = centered ? slots[nslots - 1] : 0;
      for (int i = 0; i < n; i++) {
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
          const double mi = mu * mom[i] + (lr * gi) / dsqrt(d + eps);
          mom[i] = (float)mi;
          p[i] = (float)(p[i] - mi);
        } else {
          p[i] = (float)(p[i] - (lr * gi) / (dsqrt(d) + eps));
        }
      }
      return 1;
    }
    case 5: {
      const double lr = h[0], eps = h[1];
      float* a = slots[0];
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double ai = a[i] + gi * gi;
        a[i] = (float)ai;
        p[i] = (float)(p[i] - (lr * gi) / (dsqrt(ai) + eps));
      }
      return 1;
    }
    case 6: {
      const double lr = h[0], rho = h[1], eps = h[2], c = 1 - rho;
      float *ag = slots[0], *av = slots[1];
      for (int i = 0; i < n; i++) {
        const double gi = g[i];
        const double agi = rho * ag[i] + c * (gi * gi);
        const double delta = (dsqrt(av[i] + eps) / dsqrt(agi + eps)) * gi;
        ag[i] = (float)agi;
        av[i] = (float)(rho * av[i] + c * (delta * delta));
        p[i] = (float)(p[i] - lr * delta);
      }
      return 1;
    }
    default: return 0;
  }
}
