// Unary activations and their derivatives, and broadcasting binary ops, with the formulas
// of the op table (src/backends/op-table.ts → build/gen/nt_ops.h). Each op is a lambda
// instantiated into its own loop so the compiler can vectorize it.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "nt_math.h"
#include "nt_ops.h"
#include "threadpool.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 14;
template <typename F>
void map1(const float* x, float* y, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) y[i] = f(x[i]);
  });
}

template <typename F>
void map_grad(const float* x, const float* y, const float* dy, float* dx, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) dx[i] = dy[i] * f(x[i], y[i]);
  });
}

}  // namespace

// One loop per op, generated from the op table (nt_ops.h): each formula is a lambda of
// x (and y for derivatives) with the op's parameters a, b captured.
bool unary(int op, const float* x, float* y, int64_t n, float a, float b) {
  switch (op) {
#define NT_CASE(NAME, F, DF)                                            \
  case NT_UNARY_##NAME:                                                 \
    map1(x, y, n, [a, b](float x) { (void)a; (void)b; return (F); });  \
    return true;
    NT_UNARY_OPS(NT_CASE)
#undef NT_CASE
    default: return false;
  }
}

bool unary_grad(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float a, float b) {
  switch (op) {
#define NT_CASE(NAME, F, DF)                                                                       \
  case NT_UNARY_##NAME:                                                                            \
    map_grad(x, y, dy, dx, n, [a, b](float x, float y) { (void)x; (void)y; (void)a; (void)b; return (DF); }); \
    return true;
    NT_UNARY_OPS(NT_CASE)
#undef NT_CASE
    default: return false;
  }
}

namespace {

// One op over a block, in place allowed (in may equal out).
void unary_block(int op, const float* in, float* out, int64_t n, float a, float b) {
  switch (op) {
#define NT_CASE(NAME, F, DF)                \
  case NT_UNARY_##NAME:                     \
    for (int64_t i = 0; i < n; i++) {       \
      const float x = in[i];                \
      (void)a;                              \
      (void)b;                              \
      out[i] = (F);                         \
    }                                       \
    return;
    NT_UNARY_OPS(NT_CASE)
#undef NT_CASE
    default: return;
  }
}

// A binary op with a scalar operand (second, or first when `first`) over a block.
void scalar_block(int op, const float* in, float s, bool first, float* out, int64_t n) {
  switch (op) {
#define NT_CASE(NAME, F)                                                                  \
  case NT_BINARY_##NAME:                                                                  \
    if (first) {                                                                          \
      for (int64_t i = 0; i < n; i++) { const float a = s, b = in[i]; out[i] = (F); }     \
    } else {                                                                              \
      for (int64_t i = 0; i < n; i++) { const float a = in[i], b = s; out[i] = (F); }     \
    }                                                                                     \
    return;
    NT_BINARY_OPS(NT_CASE)
#undef NT_CASE
    default: return;
  }
}

}  // namespace

// The fused chain: per block of 1024 elements (kept in L1 between steps), every step in
// turn; each step's results are stored as float, like separate kernels would store them.
bool elementwise_chain(int nsteps, const int32_t* codes, const float* params, const float* x, float* y, int64_t n) {
  for (int s = 0; s < nsteps; s++) {
    const int kind = codes[2 * s], op = codes[2 * s + 1];
    if (kind == NT_CHAIN_UNARY ? (op < 0 || op >= NT_UNARY_COUNT) : (op < 0 || op >= NT_BINARY_COUNT)) return false;
  }
  constexpr int64_t kBlock = 1024;
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t at = begin; at < end; at += kBlock) {
      const int64_t len = std::min(kBlock, end - at);
      const float* src = x + at;
      float* dst = y + at;
      if (nsteps == 0) std::copy(src, src + len, dst);
      for (int s = 0; s < nsteps; s++) {
        const int kind = codes[2 * s], op = codes[2 * s + 1];
        if (kind == NT_CHAIN_UNARY) unary_block(op, src, dst, len, params[2 * s], params[2 * s + 1]);
        else scalar_block(op, src, params[2 * s], kind == NT_CHAIN_SCALAR_FIRST, dst, len);
        src = dst;
      }
    }
  });
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
