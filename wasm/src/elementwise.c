// Unary activations and their derivatives, broadcasting binary ops, and the backward of
// the fused bias + activation epilogue. Formulas and codes come from the op table
// (src/backends/op-table.ts → build/gen/nt_ops.h); exp, relu and the four arithmetic ops
// have hand-vectorized loops, the others are scalar loops clang vectorizes where it can.
#include "nt.h"
#include "nt_elementwise.h"
#include "nt_math.h"
#include "nt_ops.h"

int EXPORT(nt_unary)(int op, const float* in, float* out, int n, float a, float b) {
  if (op == NT_UNARY_EXP) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, nt_exp4(wasm_v128_load(in + i)));
    for (; i < n; i++) out[i] = nt_expf(in[i]);
    return 1;
  }
  if (op == NT_UNARY_RELU) {
    int i = 0;
    const v128_t z = wasm_f32x4_splat(0);
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_max(wasm_v128_load(in + i), z));
    for (; i < n; i++) {
      const float x = in[i];
      out[i] = x > 0 ? x : (x <= 0 ? 0.0f : x);
    }
    return 1;
  }
  return nt_unary_range(op, in, out, 0, n, a, b);
}

int EXPORT(nt_unary_grad)(int op, const float* in, const float* outv, const float* dy, float* dx, int n, float a, float b) {
  return nt_unary_grad_range(op, in, outv, dy, dx, 0, n, a, b);
}

// ---- binary ------------------------------------------------------------------------------

static inline float bin(int op, float a, float b) {
  switch (op) {
#define NT_CASE(NAME, F) \
  case NT_BINARY_##NAME: return (F);
    NT_BINARY_OPS(NT_CASE)
#undef NT_CASE
    default: return 0;
  }
}

static inline int simd_op(int op) { return op == NT_BINARY_ADD || op == NT_BINARY_SUB || op == NT_BINARY_MUL || op == NT_BINARY_DIV; }

static inline v128_t bin4(int op, v128_t x, v128_t y) {
  switch (op) {
    case NT_BINARY_ADD: return wasm_f32x4_add(x, y);
    case NT_BINARY_SUB: return wasm_f32x4_sub(x, y);
    case NT_BINARY_MUL: return wasm_f32x4_mul(x, y);
    default: return wasm_f32x4_div(x, y);
  }
}

// One row of the broadcast: len elements with inner strides ia, ib (0 or 1 on fast paths).
static void bin_row(int op, const float* a, int ia, const float* b, int ib, float* o, int len) {
  int j = 0;
  if (simd_op(op)) {
    if (ia == 1 && ib == 1) {
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, wasm_v128_load(a + j), wasm_v128_load(b + j)));
    } else if (ia == 1 && ib == 0) {
      const v128_t vb = wasm_f32x4_splat(b[0]);
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, wasm_v128_load(a + j), vb));
    } else if (ia == 0 && ib == 1) {
      const v128_t va = wasm_f32x4_splat(a[0]);
      for (; j + 4 <= len; j += 4) wasm_v128_store(o + j, bin4(op, va, wasm_v128_load(b + j)));
    }
  }
  for (; j < len; j++) o[j] = bin(op, a[(size_t)j * ia], b[(size_t)j * ib]);
}

int EXPORT(nt_binary)(int op, const float* a, const float* b, float* out, int rank, const int32_t* dims, const int32_t* sa,
                      const int32_t* sb) {
  if (op < 0 || op >= NT_BINARY_COUNT) return 0;
  const int len = dims[rank - 1];
  const int ia = sa[rank - 1], ib = sb[rank - 1];
  int rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= dims[d];
  for (int r = 0; r < rows; r++) {
    size_t oa = 0, ob = 0;
    int rem = r;
    for (int d = rank - 2; d >= 0; d--) {
      const int i = rem % dims[d];
      rem /= dims[d];
      oa += (size_t)i * sa[d];
      ob += (size_t)i * sb[d];
    }
    bin_row(op, a + oa, ia, b + ob, ib, out + (size_t)r * len, len);
  }
  return 1;
}

// dpre = dy · act'(y) over [rows, channels]; dbias = column sums of dpre in float64
// (like the reference: Adam turns tiny gradient differences into whole steps).
void EXPORT(nt_bias_activation_grad)(const float* y, const float* dy, float* dpre, float* dbias, int rows, int channels,
                                     int relu) {
  double* acc = (double*)nt_arena_alloc(sizeof(double) * (size_t)channels);
  for (int c = 0; c < channels; c++) acc[c] = 0;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int r = 0; r < rows; r++) {
    const float* yr = y + (size_t)r * channels;
    const float* gr = dy + (size_t)r * channels;
    float* pr = dpre + (size_t)r * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      v128_t g = wasm_v128_load(gr + c);
      if (relu) g = wasm_v128_and(g, wasm_f32x4_gt(wasm_v128_load(yr + c), zero));
      wasm_v128_store(pr + c, g);
      wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), wasm_f64x2_promote_low_f32x4(g)));
      wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(g, g, 2, 3, 0, 1))));
    }
    for (; c < channels; c++) {
      const float g = relu ? (yr[c] > 0 ? gr[c] : 0.0f) : gr[c];
      pr[c] = g;
      acc[c] += g;
    }
  }
  for (int c = 0; c < channels; c++) dbias[c] = (float)acc[c];
}

// ---- fused elementwise chains --------------------------------------------------------------

// The fused chain (kernels/include/nt_elementwise.h). codes: [kind, op] per step;
// params: [p1, p2] per step (kinds: NT_CHAIN_*). Returns 0 for an unknown op.
int EXPORT(nt_elementwise_chain)(int nsteps, const int32_t* codes, const float* params, const float* x, float* y, int n) {
  if (!nt_chain_valid(nsteps, codes)) return 0;
  nt_chain_range(nsteps, codes, params, x, y, 0, n);
  return 1;
}
