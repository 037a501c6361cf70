// In-place optimizer updates: the formulas of kernels/include/nt_optim.h (shared with the
// native addon; the reference is src/backends/js/optimizers.ts), one thread. `hyper` is
// the rule's nt_<rule>_hyper struct; slot counts are validated in JavaScript.
#include "nt.h"
#include "nt_optim.h"

int EXPORT(nt_apply_update)(int rule, float* p, const float* g, float* const* slots, int nslots, const double* hyper, int n) {
  return nt_update_range(rule, p, g, slots, nslots, hyper, 0, n);
}
