#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#ifdef NEURITE_HAVE_DNNL
#include <dnnl.h>
#endif

#include "dnnl_conv.h"
#include "kernels.h"
#include "threadpool.h"

extern "C" {
// Provided by OpenBLAS; declared here because not every cblas.h exposes them.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#ifdef NEURITE_HAVE_DNNL
// libgomp, oneDNN's thread runtime in Debian's build (linked through libdnnl).
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
#endif
}

namespace neurite {

namespace {

// Rows of A per call of the small-m kernel; above this BLAS is faster.
constexpr int kSmallM = 16;
// Columns of C per block: the accumulators of kSmallM rows stay in L1.
constexpr int64_t kSmallBlock = 128;

// Partial sums of rows [p0, p1) of B into acc[m][jn] (row stride kSmallBlock) for columns
// [j0, j0 + jn) (B [k, n]).
void accumulate_rows(const float* A, const float* B, float* acc, int m, int k, int n, int64_t j0, int64_t jn, int p0, int p1) {
  for (int r = 0; r < m; r++) {
    float* ar = acc + r * kSmallBlock;
    for (int64_t j = 0; j < jn; j++) ar[j] = 0.0f;
  }
  int p = p0;
  for (; p + 4 <= p1; p += 4) {
    const float* b0r = B + static_cast<int64_t>(p) * n + j0;
    const float* b1r = b0r + n;
    const float* b2r = b1r + n;
    const float* b3r = b2r + n;
    for (int r = 0; r < m; r++) {
      const float* ap = A + static_cast<int64_t>(r) * k + p;
      const float a0 = ap[0], a1 = ap[1], a2 = ap[2], a3 = ap[3];
      float* ar = acc + r * kSmallBlock;
      for (int64_t j = 0; j < jn; j++) ar[j] += a0 * b0r[j] + a1 * b1r[j] + a2 * b2r[j] + a3 * b3r[j];
    }
  }
  for (; p < p1; p++) {
    const float* br = B + static_cast<int64_t>(p) * n + j0;
    for (int r = 0; r < m; r++) {
      const float a = A[static_cast<int64_t>(r) * k + p];
      float* ar = acc + r * kSmallBlock;
      for (int64_t j = 0; j < jn; j++) ar[j] += a * br[j];
    }
  }
}

inline float epilogue(float v, const float* bias, int64_t j, bool relu) {
  v += bias ? bias[j] : 0.0f;
  return relu ? relu_keep_nan(v) : v;
}

// Dot product of n floats with 16 independent partial sums (vectorizes without reassociation).
inline float dot(const float* a, const float* b, int n) {
  float part[16] = {};
  int p = 0;
  for (; p + 16 <= n; p += 16)
    for (int q = 0; q < 16; q++) part[q] += a[p + q] * b[p + q];
  float s = 0.0f;
  for (int q = 0; q < 16; q++) s += part[q];
  for (; p < n; p++) s += a[p] * b[p];
  return s;
}

// Few column blocks but a long reduction (a flattened conv map into a small dense layer):
// the rows of B are split across the threads, each summing into its own accumulators,
// and the partial sums are added up with the epilogue.
void gemm_small_m_split_k(const float* A, const float* B, float* C, int m, int k, int n, const float* bias, bool relu, int parts) {
  const int64_t blocks = (n + kSmallBlock - 1) / kSmallBlock;
  std::vector<float> partial(static_cast<size_t>(parts) * blocks * kSmallM * kSmallBlock);
  parallel_tasks(static_cast<int64_t>(parts) * blocks, [&](int64_t task, int) {
    const int part = static_cast<int>(task / blocks);
    const int64_t blk = task % blocks;
    const int64_t j0 = blk * kSmallBlock;
    const int64_t jn = std::min<int64_t>(kSmallBlock, n - j0);
    const int p0 = static_cast<int>(static_cast<int64_t>(k) * part / parts), p1 = static_cast<int>(static_cast<int64_t>(k) * (part + 1) / parts);
    accumulate_rows(A, B, partial.data() + task * kSmallM * kSmallBlock, m, k, n, j0, jn, p0, p1);
  });
  for (int64_t blk = 0; blk < blocks; blk++) {
    const int64_t j0 = blk * kSmallBlock;
    const int64_t jn = std::min<int64_t>(kSmallBlock, n - j0);
    for (int r = 0; r < m; r++) {
      float* cr = C + static_cast<int64_t>(r) * n + j0;
      for (int64_t j = 0; j < jn; j++) {
        float s = 0.0f;
        for (int part = 0; part < parts; part++) s += partial[((part * blocks + blk) * kSmallM + r) * kSmallBlock + j];
        cr[j] = epilogue(s, bias, j0 + j, relu);
      }
    }
  }
}

// C[m, n] = act(A[m, k]·B + bias) for few rows (m ≤ kSmallM): a batch-1 dense layer. BLAS
// libraries handle m = 1 poorly (measured 90–250 µs for 784×512 where streaming the
// weights once takes ~25 µs); here B is read once, 4 rows of it per pass over the
// accumulators, and the epilogue is applied as C is written. B is [k, n] or, with transB,
// [n, k] (each output a dot product). Columns are split across the thread pool.
void gemm_small_m(const float* A, const float* B, float* C, int m, int k, int n, bool transB, const float* bias, bool relu) {
  const int64_t blocks = (n + kSmallBlock - 1) / kSmallBlock;
  const int64_t work = static_cast<int64_t>(m) * k * n;
  const int threads = num_threads();
  if (!transB && blocks < threads && work >= (1 << 18) && k >= 1024) return gemm_small_m_split_k(A, B, C, m, k, n, bias, relu, threads);
  const int64_t grain = work >= (1 << 16) ? 1 : blocks;  // small products stay on one thread
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    alignas(64) float acc[kSmallM * kSmallBlock];
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t j0 = blk * kSmallBlock;
      const int64_t jn = std::min<int64_t>(kSmallBlock, n - j0);
      if (!transB) {
        accumulate_rows(A, B, acc, m, k, n, j0, jn, 0, k);
      } else {
        for (int r = 0; r < m; r++) {
          const float* ar = A + static_cast<int64_t>(r) * k;
          for (int64_t j = 0; j < jn; j++) acc[r * kSmallBlock + j] = dot(ar, B + (j0 + j) * k, k);
        }
      }
      for (int r = 0; r < m; r++) {
        const float* ar = acc + r * kSmallBlock;
        float* cr = C + static_cast<int64_t>(r) * n + j0;
        for (int64_t j = 0; j < jn; j++) cr[j] = epilogue(ar[j], bias, j0 + j, relu);
      }
    }
  });
}


// ---- batched small products (attention's per-head scores and mixing) ----------------------
// One product of a batch is too small for BLAS to pay off (64×64×32: OpenBLAS ~80 GFLOP/s on
// one thread, and a call per product); here each thread takes whole products. B is packed
// into a zero-padded [k, npad] panel (npad = n rounded up to 16; this also undoes transB),
// and register tiles of up to 6 rows × 64 columns of C accumulate in vectors over k, A
// read in place (transposed or not). Measured 120–195 GFLOP/s on one thread for the
// attention shapes against OpenBLAS's 80–97.
typedef float v16 __attribute__((vector_size(64), aligned(4)));
constexpr int kPanel = 16;

// C rows [0, MR) × columns [0, 16·NV) (the last vector keeps `tail` columns) from A rows
// (a(r, p) = a[r·ai + p·ap]) and the packed panel b (row length ldb).
template <int MR, int NV>
inline void tile(const float* a, int64_t ai, int64_t ap, const float* b, int64_t ldb, float* c, int64_t ldc, int k, int tail) {
  v16 acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NV; j++) acc[r][j] = v16{};
  for (int p = 0; p < k; p++) {
    v16 bv[NV];
    for (int j = 0; j < NV; j++) std::memcpy(&bv[j], b + p * ldb + kPanel * j, sizeof(v16));
    for (int r = 0; r < MR; r++) {
      const float av = a[r * ai + p * ap];
      for (int j = 0; j < NV; j++) acc[r][j] += av * bv[j];
    }
  }
  for (int r = 0; r < MR; r++) {
    for (int j = 0; j + 1 < NV; j++) std::memcpy(c + r * ldc + kPanel * j, &acc[r][j], sizeof(v16));
    std::memcpy(c + r * ldc + kPanel * (NV - 1), &acc[r][NV - 1], sizeof(float) * tail);
  }
}

template <int NV>
void tile_rows(const float* a, int64_t ai, int64_t ap, const float* b, int64_t ldb, float* c, int64_t ldc, int m, int k, int tail) {
  int i = 0;
  for (; i + 6 <= m; i += 6) tile<6, NV>(a + i * ai, ai, ap, b, ldb, c + i * ldc, ldc, k, tail);
  for (; i + 3 <= m; i += 3) tile<3, NV>(a + i * ai, ai, ap, b, ldb, c + i * ldc, ldc, k, tail);
  for (; i < m; i++) tile<1, NV>(a + i * ai, ai, ap, b, ldb, c + i * ldc, ldc, k, tail);
}

// C[m, n] = op(A)·op(B) for one product; panel holds k·npad floats.
void small_product(const float* A, const float* B, float* C, int m, int k, int n, bool transA, bool transB, float* panel) {
  const int npad = (n + kPanel - 1) / kPanel * kPanel;
  for (int p = 0; p < k; p++) {
    float* row = panel + static_cast<int64_t>(p) * npad;
    if (transB) {
      for (int j = 0; j < n; j++) row[j] = B[static_cast<int64_t>(j) * k + p];
    } else {
      std::memcpy(row, B + static_cast<int64_t>(p) * n, sizeof(float) * n);
    }
    for (int j = n; j < npad; j++) row[j] = 0.0f;
  }
  const int64_t ai = transA ? 1 : k, ap = transA ? m : 1;
  int j = 0;
  auto tail_of = [&](int width) { return std::min(kPanel, n - j - (width - kPanel)); };
  for (; n - j > 48; j += 64) tile_rows<4>(A, ai, ap, panel + j, npad, C + j, n, m, k, tail_of(64));
  for (; n - j > 32; j += 48) tile_rows<3>(A, ai, ap, panel + j, npad, C + j, n, m, k, tail_of(48));
  for (; n - j > 16; j += 32) tile_rows<2>(A, ai, ap, panel + j, npad, C + j, n, m, k, tail_of(32));
  for (; n - j > 0; j += 16) tile_rows<1>(A, ai, ap, panel + j, npad, C + j, n, m, k, tail_of(16));
}

// Batches of products below this many multiply-adds each take the kernel above.
constexpr int64_t kBatchedSmallWork = int64_t{1} << 20;

}  // namespace

bool matmul_small(const float* a, const float* b, float* out, int m, int k, int n, bool transA, bool transB, const float* bias, bool relu) {
  if (transA || m > kSmallM || m == 0 || n == 0 || k == 0) return false;
  gemm_small_m(a, b, out, m, k, n, transB, bias, relu);
  return true;
}

void set_blas_threads(int n) {
  openblas_set_num_threads(n);
#ifdef NEURITE_HAVE_DNNL
  omp_set_num_threads(n);
#endif
}

namespace {
// Products below this many multiply-adds run on OpenBLAS: measured here (2 threads), oneDNN
// loses on some small shapes (64³: 18 against 90 GFLOP/s) and wins 1.4–3x from about 128³
// up (W1's 128×512×784 and its two gradients: 250–360 against 120–165 GFLOP/s).
constexpr int64_t kDnnlGemmWork = int64_t{1} << 21;
}  // namespace

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc) {
  if (m == 0 || n == 0) return;
#ifdef NEURITE_HAVE_DNNL
  if (m * n * k >= kDnnlGemmWork && std::min({m, n, k}) >= 16) {
    const SignalsBlocked quiet;
    if (dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, A, lda, B, ldb, beta, C, ldc) == dnnl_success) return;
  }
#endif
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0f, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta, C,
              static_cast<int>(ldc));
}
int blas_threads() { return openblas_get_num_threads(); }
int openmp_threads() {
#ifdef NEURITE_HAVE_DNNL
  return omp_get_max_threads();
#else
  return 0;
#endif
}

// Batched row-major C = op(A)·op(B); a batch count of 1 broadcasts that operand.
void matmul(const float* a, const float* b, float* out, int batchA, int batchB, int m, int k, int n, bool transA,
            bool transB) {
  const int batch = batchA > batchB ? batchA : batchB;
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: zeros
    std::memset(out, 0, sizeof(float) * static_cast<size_t>(batch) * m * n);
    return;
  }
  if (batch > 1 && static_cast<int64_t>(m) * k * n < kBatchedSmallWork) {
    const int64_t npad = (n + kPanel - 1) / kPanel * kPanel;
    std::vector<float> panels(static_cast<size_t>(num_threads()) * k * npad);
    parallel_tasks(batch, [&](int64_t t, int thread) {
      small_product(a + (batchA == 1 ? 0 : t * static_cast<int64_t>(m) * k), b + (batchB == 1 ? 0 : t * static_cast<int64_t>(k) * n),
                    out + t * static_cast<int64_t>(m) * n, m, k, n, transA, transB, panels.data() + thread * k * npad);
    });
    return;
  }
  quiesce_pool();  // OpenBLAS / oneDNN bring their own threads
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const int64_t sa = static_cast<int64_t>(m) * k;
  const int64_t sb = static_cast<int64_t>(k) * n;
  const int64_t sc = static_cast<int64_t>(m) * n;
  for (int t = 0; t < batch; t++)
    sgemm(transA, transB, m, n, k, a + (batchA == 1 ? 0 : t * sa), lda, b + (batchB == 1 ? 0 : t * sb), ldb, 0.0f, out + t * sc, n);
}

void bias_activation(float* y, int64_t rows, int64_t channels, const Epilogue& ep) {
  if (!ep.active()) return;
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(channels, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float* p = y + r * channels;
      if (ep.bias) for (int64_t c = 0; c < channels; c++) p[c] += ep.bias[c];
      if (ep.relu) for (int64_t c = 0; c < channels; c++) p[c] = relu_keep_nan(p[c]);
    }
  });
}

}  // namespace neurite
