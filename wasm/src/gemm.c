// Single-precision GEMM: B packed into NR-wide column panels, A packed per block into
// MR-row strips, and an MR×NR register-blocked micro-kernel (f32x4 multiply + add; wasm
// SIMD has no fused multiply-add). Blocks of KC along K keep the A block in L2 and a B
// panel slice in L1. Threads split the rows (or, for short matrices, the column panels).
#include "nt.h"

#define KC 320
#define MC 64

static inline int imin(int a, int b) { return a < b ? a : b; }

size_t gemm_packed_b_size(int K, int N) { return (size_t)((N + NR - 1) / NR) * (size_t)K * NR; }
size_t gemm_apack_size(void) { return (size_t)MC * KC; }

void gemm_pack_b(int transB, int K, int N, const float* B, int ldb, float* Bp) {
  for (int j0 = 0; j0 < N; j0 += NR) {
    float* dst = Bp + (size_t)(j0 / NR) * K * NR;
    const int nr = imin(NR, N - j0);
    if (!transB) {
      if (nr == NR) {
        for (int k = 0; k < K; k++) {
          const float* src = B + (size_t)k * ldb + j0;
          wasm_v128_store(dst + k * NR, wasm_v128_load(src));
          wasm_v128_store(dst + k * NR + 4, wasm_v128_load(src + 4));
        }
      } else {
        for (int k = 0; k < K; k++) {
          const float* src = B + (size_t)k * ldb + j0;
          for (int j = 0; j < NR; j++) dst[k * NR + j] = j < nr ? src[j] : 0.0f;
        }
      }
    } else {
      for (int j = 0; j < NR; j++) {
        if (j < nr) {
          const float* src = B + (size_t)(j0 + j) * ldb;
          for (int k = 0; k < K; k++) dst[k * NR + j] = src[k];
        } else {
          for (int k = 0; k < K; k++) dst[k * NR + j] = 0.0f;
        }
      }
    }
  }
}

// Packs rows [i0, i0+mc) × columns [k0, k0+kc) of op(A) into strips of MR rows: strip s
// holds kc groups of MR values (rows past M are zero).
static void pack_a(int transA, const float* A, int lda, int M, int i0, int mc, int k0, int kc, float* Ap) {
  for (int s = 0; s < mc; s += MR) {
    const int mr = imin(MR, M - (i0 + s));
    float* dst = Ap + (size_t)s * kc;
    if (!transA) {
      if (mr == MR) {
        const float* r0 = A + (size_t)(i0 + s) * lda + k0;
        const float* r1 = r0 + lda;
        const float* r2 = r1 + lda;
        const float* r3 = r2 + lda;
        int k = 0;
        for (; k + 4 <= kc; k += 4) {
          v128_t a = wasm_v128_load(r0 + k), b = wasm_v128_load(r1 + k);
          v128_t c = wasm_v128_load(r2 + k), d = wasm_v128_load(r3 + k);
          v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
          v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
          wasm_v128_store(dst + k * 4, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
          wasm_v128_store(dst + k * 4 + 4, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
          wasm_v128_store(dst + k * 4 + 8, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
          wasm_v128_store(dst + k * 4 + 12, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
        }
        for (; k < kc; k++) {
          dst[k * 4] = r0[k];
          dst[k * 4 + 1] = r1[k];
          dst[k * 4 + 2] = r2[k];
          dst[k * 4 + 3] = r3[k];
        }
      } else {
        for (int i = 0; i < MR; i++) {
          const float* r = A + (size_t)(i0 + s + i) * lda + k0;
          for (int k = 0; k < kc; k++) dst[k * MR + i] = i < mr ? r[k] : 0.0f;
        }
      }
    } else {
      const float* src = A + (size_t)k0 * lda + i0 + s;
      if (mr == MR) {
        for (int k = 0; k < kc; k++) wasm_v128_store(dst + k * MR, wasm_v128_load(src + (size_t)k * lda));
      } else {
        for (int k = 0; k < kc; k++)
          for (int i = 0; i < MR; i++) dst[k * MR + i] = i < mr ? src[(size_t)k * lda + i] : 0.0f;
      }
    }
  }
}

// One MR×NR tile: C = (acc ? C : 0) + a·b over kc, then bias/relu when `last`.
static void kernel(int kc, const float* a, const float* b, float* C, int ldc, int mr, int nr, int acc,
                   const float* bias, int relu, int last) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t x = wasm_v128_load32_splat(a);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
    a += MR;
    b += NR;
  }
  float tile[MR * NR] __attribute__((aligned(16)));
  const int full = mr == MR && nr == NR;
  float* t = full ? C : tile;
  const int ldt = full ? ldc : NR;
  if (acc) {
    if (full) {
      c00 = wasm_f32x4_add(c00, wasm_v128_load(C));
      c01 = wasm_f32x4_add(c01, wasm_v128_load(C + 4));
      c10 = wasm_f32x4_add(c10, wasm_v128_load(C + ldc));
      c11 = wasm_f32x4_add(c11, wasm_v128_load(C + ldc + 4));
      c20 = wasm_f32x4_add(c20, wasm_v128_load(C + 2 * ldc));
      c21 = wasm_f32x4_add(c21, wasm_v128_load(C + 2 * ldc + 4));
      c30 = wasm_f32x4_add(c30, wasm_v128_load(C + 3 * ldc));
      c31 = wasm_f32x4_add(c31, wasm_v128_load(C + 3 * ldc + 4));
    } else {
      for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) tile[i * NR + j] = (i < mr && j < nr) ? C[(size_t)i * ldc + j] : 0.0f;
      c00 = wasm_f32x4_add(c00, wasm_v128_load(tile));
      c01 = wasm_f32x4_add(c01, wasm_v128_load(tile + 4));
      c10 = wasm_f32x4_add(c10, wasm_v128_load(tile + 8));
      c11 = wasm_f32x4_add(c11, wasm_v128_load(tile + 12));
      c20 = wasm_f32x4_add(c20, wasm_v128_load(tile + 16));
      c21 = wasm_f32x4_add(c21, wasm_v128_load(tile + 20));
      c30 = wasm_f32x4_add(c30, wasm_v128_load(tile + 24));
      c31 = wasm_f32x4_add(c31, wasm_v128_load(tile + 28));
    }
  }
  if (last && bias) {
    v128_t b0, b1;
    if (nr == NR) {
      b0 = wasm_v128_load(bias);
      b1 = wasm_v128_load(bias + 4);
    } else {
      float bb[NR] __attribute__((aligned(16)));
      for (int j = 0; j < NR; j++) bb[j] = j < nr ? bias[j] : 0.0f;
      b0 = wasm_v128_load(bb);
      b1 = wasm_v128_load(bb + 4);
    }
    c00 = wasm_f32x4_add(c00, b0);
    c01 = wasm_f32x4_add(c01, b1);
    c10 = wasm_f32x4_add(c10, b0);
    c11 = wasm_f32x4_add(c11, b1);
    c20 = wasm_f32x4_add(c20, b0);
    c21 = wasm_f32x4_add(c21, b1);
    c30 = wasm_f32x4_add(c30, b0);
    c31 = wasm_f32x4_add(c31, b1);
  }
  if (last && relu) {
    // max(x, 0) with NaN kept (f32x4.max propagates NaN).
    const v128_t z = wasm_f32x4_splat(0);
    c00 = wasm_f32x4_max(c00, z);
    c01 = wasm_f32x4_max(c01, z);
    c10 = wasm_f32x4_max(c10, z);
    c11 = wasm_f32x4_max(c11, z);
    c20 = wasm_f32x4_max(c20, z);
    c21 = wasm_f32x4_max(c21, z);
    c30 = wasm_f32x4_max(c30, z);
    c31 = wasm_f32x4_max(c31, z);
  }
  wasm_v128_store(t, c00);
  wasm_v128_store(t + 4, c01);
  wasm_v128_store(t + ldt, c10);
  wasm_v128_store(t + ldt + 4, c11);
  wasm_v128_store(t + 2 * ldt, c20);
  wasm_v128_store(t + 2 * ldt + 4, c21);
  wasm_v128_store(t + 3 * ldt, c30);
  wasm_v128_store(t + 3 * ldt + 4, c31);
  if (!full) {
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) C[(size_t)i * ldc + j] = tile[i * NR + j];
  }
}

// Applies the epilogue to a product with K = 0 (C = bias, relu).
static void empty_product(int M, int N, float* C, int ldc, int accumulate, const float* bias, int relu) {
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) {
      float v = accumulate ? C[(size_t)i * ldc + j] : 0.0f;
      if (bias) v += bias[j];
      if (relu) v = v > 0 ? v : (v <= 0 ? 0.0f : v);
      C[(size_t)i * ldc + j] = v;
    }
  }
}

// Columns [j0, j1) (multiples of NR except at N) of C for rows [0, M).
static void gemm_packed_cols(int transA, int M, int N, int K, const float* A, int lda, const float* Bp, float* C, int ldc,
                             int accumulate, const float* bias, int relu, float* apack, int j0, int j1) {
  if (K == 0) {
    empty_product(M, j1 - j0, C + j0, ldc, accumulate, bias ? bias + j0 : 0, relu);
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = imin(KC, K - k0);
    const int acc = accumulate || k0 > 0;
    const int last = k0 + kc >= K;
    for (int i0 = 0; i0 < M; i0 += MC) {
      const int mc = imin(MC, M - i0);
      pack_a(transA, A, lda, M, i0, mc, k0, kc, apack);
      for (int j = j0; j < j1; j += NR) {
        const float* bp = Bp + (size_t)(j / NR) * K * NR + (size_t)k0 * NR;
        const int nr = imin(NR, N - j);
        for (int s = 0; s < mc; s += MR) {
          kernel(kc, apack + (size_t)s * kc, bp, C + (size_t)(i0 + s) * ldc + j, ldc, imin(MR, mc - s), nr, acc,
                 bias ? bias + j : 0, relu, last);
        }
      }
    }
  }
}

void gemm_packed(int transA, int M, int N, int K, const float* A, int lda, const float* Bp, float* C, int ldc,
                 int accumulate, const float* bias, int relu, float* apack) {
  gemm_packed_cols(transA, M, N, K, A, lda, Bp, C, ldc, accumulate, bias, relu, apack, 0, N);
}

typedef struct {
  int transA, M, N, K, lda, ldc, accumulate, relu, by_rows;
  const float *A, *Bp, *bias;
  float *C, *apacks;
} gemm_task;

static void gemm_run(void* p, int tid, int T) {
  const gemm_task* g = (const gemm_task*)p;
  float* apack = g->apacks + (size_t)tid * gemm_apack_size();
  if (g->by_rows) {
    const int strips = (g->M + MR - 1) / MR;
    const int per = (strips + T - 1) / T;
    const int r0 = tid * per * MR;
    const int r1 = imin(g->M, r0 + per * MR);
    if (r0 >= r1) return;
    const float* A = g->transA ? g->A + r0 : g->A + (size_t)r0 * g->lda;
    gemm_packed_cols(g->transA, r1 - r0, g->N, g->K, A, g->lda, g->Bp, g->C + (size_t)r0 * g->ldc, g->ldc, g->accumulate,
                     g->bias, g->relu, apack, 0, g->N);
  } else {
    const int panels = (g->N + NR - 1) / NR;
    const int per = (panels + T - 1) / T;
    const int j0 = tid * per * NR;
    const int j1 = imin(g->N, j0 + per * NR);
    if (j0 >= j1) return;
    gemm_packed_cols(g->transA, g->M, g->N, g->K, g->A, g->lda, g->Bp, g->C, g->ldc, g->accumulate, g->bias, g->relu, apack,
                     j0, j1);
  }
}

// Below this many multiply-adds a product stays on one thread (waking workers costs more).
#define PARALLEL_MACS (1 << 18)

typedef struct {
  int transB, K, N, ldb;
  const float* B;
  float* Bp;
} pack_task;

// Packs a share of B's column panels (a large B takes long enough to split).
static void pack_run(void* p, int tid, int T) {
  const pack_task* t = (const pack_task*)p;
  const int panels = (t->N + NR - 1) / NR;
  const int per = (panels + T - 1) / T;
  const int j0 = tid * per * NR, j1 = imin(t->N, j0 + per * NR);
  if (j0 >= j1) return;
  const float* B = t->transB ? t->B + (size_t)j0 * t->ldb : t->B + j0;
  gemm_pack_b(t->transB, t->K, j1 - j0, B, t->ldb, t->Bp + (size_t)(j0 / NR) * t->K * NR);
}

void gemm(int transA, int transB, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          int accumulate, const float* bias, int relu) {
  float* Bp = falloc(gemm_packed_b_size(K, N));
  int T = nt_threads();
  if ((double)M * N * K < PARALLEL_MACS) T = 1;
  pack_task pk = {transB, K, N, ldb, B, Bp};
  parallel_run(pack_run, task_copy(&pk, sizeof pk), (double)K * N < (1 << 16) ? 1 : T);
  gemm_task g = {transA, M, N, K, lda, ldc, accumulate, relu, 1, A, Bp, bias, C, 0};
  const int strips = (M + MR - 1) / MR;
  g.by_rows = strips >= 4 * T || strips >= (N + NR - 1) / NR;
  g.apacks = falloc(gemm_apack_size() * (size_t)T);
  parallel_run(gemm_run, &g, T);
}

// Batched product for the Backend's matmul: batchA and batchB are equal or 1.
void EXPORT(nt_matmul)(const float* a, const float* b, float* c, int batchA, int batchB, int m, int k, int n, int transA,
                      int transB, const float* bias, int relu) {
  const int batch = batchA > batchB ? batchA : batchB;
  for (int i = 0; i < batch; i++) {
    const float* A = a + (size_t)(batchA == 1 ? 0 : i) * m * k;
    const float* B = b + (size_t)(batchB == 1 ? 0 : i) * k * n;
    const uint32_t mark = nt_mark();
    gemm(transA, transB, m, n, k, A, transA ? m : k, B, transB ? k : n, c + (size_t)i * m * n, n, 0, bias, relu);
    nt_release(mark);
  }
}
