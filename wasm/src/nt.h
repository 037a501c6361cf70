// Shared declarations of the WebAssembly kernels (wasm32, SIMD128, freestanding: no libc).
// Every exported kernel works on float32 arrays that the JavaScript side has copied into
// this module's linear memory (see src/backends/wasm/). Scratch space comes from a bump
// arena that JavaScript resets after each call.
#ifndef NT_H
#define NT_H

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) name

#ifndef NT_THREADS
#define NT_THREADS 0
#endif

// ---- memory ---------------------------------------------------------------------------
// Bump allocation from the heap (64-byte aligned); grows the memory when needed. Returns
// 0 when the memory cannot grow. Only the calling (main) thread allocates.
void* nt_arena_alloc(size_t bytes);
static inline float* falloc(size_t n) { return (float*)nt_arena_alloc(n * sizeof(float)); }
uint32_t nt_mark(void);
void nt_release(uint32_t mark);
void nt_zero(float* p, size_t n);
void nt_copy(float* dst, const float* src, size_t n);

// ---- threads --------------------------------------------------------------------------
// parallel_run(fn, ctx) calls fn(ctx, t, T) for t = 0..T-1 on T threads (the caller is
// thread 0) and returns when all are done. T = 1 without workers.
typedef void (*task_fn)(void* ctx, int tid, int nthreads);
void parallel_run(task_fn fn, void* ctx, int max_threads);
// A copy of a task's context in the arena, on cache lines of its own: contexts on the
// caller's stack would share lines with the caller's spilled locals, and every worker read
// would then miss (false sharing).
void* task_copy(const void* ctx, size_t bytes);
int nt_threads(void);

// ---- GEMM -----------------------------------------------------------------------------
// B packed for gemm_packed: panels of NR columns over all K rows.
#define NR 8
#define MR 4
size_t gemm_packed_b_size(int K, int N);
// op(B) is [K, N]: B stored [K, N] (ldb) or, with transB, [N, K].
void gemm_pack_b(int transB, int K, int N, const float* B, int ldb, float* Bp);
// C[M, N] (ldc) = (accumulate ? C : 0) + op(A) · Bp, then, when `last`, bias and relu.
// op(A) is [M, K]: A stored [M, K] (lda) or, with transA, [K, M]. `apack` holds
// gemm_apack_size() floats. Single-threaded.
size_t gemm_apack_size(void);
void gemm_packed(int transA, int M, int N, int K, const float* A, int lda, const float* Bp, float* C, int ldc,
                 int accumulate, const float* bias, int relu, float* apack);
// The whole product, threaded over rows or column panels.
void gemm(int transA, int transB, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          int accumulate, const float* bias, int relu);

// ---- math (float, vectorized where it matters) -----------------------------------------
float nt_expf(float x);
float nt_logf(float x);
float nt_expm1f(float x);
float nt_log1pf(float x);
float nt_tanhf(float x);
float nt_sqrtf(float x);
v128_t nt_exp4(v128_t x);

#endif
