// In-place optimizer updates: the formulas of kernels/include/nt_optim.h (shared with the
// WebAssembly kernels; the reference is src/backends/js/optimizers.ts), run over ranges of
// elements on the thread pool. Each step's scalars arrive as the op table's named struct
// (nt_<rule>_hyper).
#include "kernels.h"
#include "threadpool.h"

// Keep `a * b + c` as two roundings, as in JavaScript: fused multiply-adds would make the
// native results differ from the reference in the last bit.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "nt_optim.h"

namespace neurite {

bool apply_update(int rule, float* param, const float* grad, float* const* slots, int nslots, const double* hyper,
                  int64_t n) {
  if (rule < 0 || rule >= NT_UPDATE_COUNT) return false;
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) { nt_update_range(rule, param, grad, slots, nslots, hyper, b, e); });
  return true;
}

}  // namespace neurite
