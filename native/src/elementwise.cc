// Unary activations and their derivatives, fused elementwise chains and broadcasting binary
// ops, with the formulas of the op table (src/backends/op-table.ts → build/gen/nt_ops.h).
// Each binary op is a lambda instantiated into its own loop so the compiler can vectorize it.
#include <algorithm>

#include "kernels.h"
#include "nt_elementwise.h"
#include "nt_math.h"
#include "nt_ops.h"
#include "threadpool.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 14;

bool known_unary(int op) { return op >= 0 && op < NT_UNARY_COUNT; }

}  // namespace

// The loops are those of kernels/include/nt_elementwise.h (shared with the wasm kernels),
// run over ranges on the thread pool.
bool unary(int op, const float* x, float* y, int64_t n, float a, float b) {
  if (!known_unary(op)) return false;
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { nt_unary_range(op, x, y, lo, hi, a, b); });
  return true;
}

bool unary_grad(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float a, float b) {
  if (!known_unary(op)) return false;
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { nt_unary_grad_range(op, x, y, dy, dx, lo, hi, a, b); });
  return true;
}

bool elementwise_chain(int nsteps, const int32_t* codes, const float* params, const float* x, float* y, int64_t n) {
  if (!nt_chain_valid(nsteps, codes)) return false;
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { nt_chain_range(nsteps, codes, params, x, y, lo, hi); });
  return true;
}

namespace {

template <typename F>
void broadcast_loop(const float* a, const float* b, float* out, int rank, const int32_t* dims, const int32_t* sa,
                    const int32_t* sb, F f) {
  const int64_t len = dims[rank - 1];
  const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= dims[d];
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t oa = 0, ob = 0, rem = r;
      for (int d = rank - 2; d >= 0; d--) {
        const int64_t i = rem % dims[d];
        rem /= dims[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      const float* pa = a + oa;
      const float* pb = b + ob;
      float* po = out + r * len;
      if (ia == 1 && ib == 1) for (int64_t j = 0; j < len; j++) po[j] = f(pa[j], pb[j]);
      else if (ia == 1 && ib == 0) { const float v = *pb; for (int64_t j = 0; j < len; j++) po[j] = f(pa[j], v); }
      else if (ia == 0 && ib == 1) { const float v = *pa; for (int64_t j = 0; j < len; j++) po[j] = f(v, pb[j]); }
      else for (int64_t j = 0; j < len; j++) po[j] = f(pa[j * ia], pb[j * ib]);
    }
  });
}

}  // namespace

bool binary(int op, const float* a, const float* b, float* out, int rank, const int32_t* dims, const int32_t* sa,
            const int32_t* sb) {
  auto run = [&](auto f) { broadcast_loop(a, b, out, rank, dims, sa, sb, f); };
  switch (op) {
#define NT_CASE(NAME, F)                              \
  case NT_BINARY_##NAME:                              \
    run([](float a, float b) { return (F); });       \
    return true;
    NT_BINARY_OPS(NT_CASE)
#undef NT_CASE
    default: return false;
  }
}

}  // namespace neurite
