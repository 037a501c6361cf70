// Fused LSTM and GRU over a whole sequence (layouts and formulas: RnnInfo in
// src/backends/interface.ts; reference: src/backends/js/rnn.ts).
//
// Forward: per step one GEMM for the recurrent term h·U ([batch, units] × [units, gates·units],
// two for GRU with the reset gate before the product), then the gate math for every row in
// one tight, vectorizable pass (exp/tanh below are branch-free polynomial versions, ~2 ulp).
// Backward: per step the gate gradients (written straight into d(xw)) and one GEMM
// dA·Uᵀ for the previous h's gradient; the recurrent kernel's gradient is ONE GEMM over all
// steps at the end, hprevᵀ·dA over [batch·time] rows (OpenBLAS's threads). The time loops run
// on blocks of batch rows, one thread each (see over_row_blocks); nothing is allocated inside
// them.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

inline float sigm(float x) { return 1.0f / (1.0f + exp_poly(-x)); }

// tanh: an odd polynomial below 0.625 (Cephes tanhf), 1 − 2/(e^{2|x|} + 1) with the sign above.
inline float tanh_poly(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  const float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
  const float big = 1.0f - 2.0f / (exp_poly(2.0f * ax) + 1.0f);
  return ax < 0.625f ? small : (x < 0 ? -big : big);
}

struct Geometry {
  int64_t B, T, U, G;
  int64_t GU() const { return G * U; }
  int64_t rows() const { return B * T; }
};

Geometry geometry(const RnnDims& d) { return Geometry{d.batch, d.time, d.units, d.cell == kRnnLstm ? 4 : 3}; }

// Reserve sections (see RnnInfo): gates [B·T, G·U], hprev, aux1, aux2 [B·T, U] each.
struct Reserve {
  float* gates;
  float* hprev;
  float* aux1;
  float* aux2;
};

Reserve reserve_layout(const Geometry& g, float* base) {
  if (base == nullptr) return Reserve{nullptr, nullptr, nullptr, nullptr};
  float* gates = base;
  float* hprev = gates + g.rows() * g.GU();
  float* aux1 = hprev + g.rows() * g.U;
  return Reserve{gates, hprev, aux1, aux1 + g.rows() * g.U};
}

// C[m, n] = A[m, k]·B[k, n] (+ C when accumulate), row-major with leading dimensions.
inline void gemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  sgemm(false, false, m, n, k, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
}

// C[m, n] = A[m, k]·B[n, k]ᵀ (+ C when accumulate).
inline void gemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  sgemm(false, true, m, n, k, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
}

// C[m, n] = A[k, m]ᵀ·B[k, n] (+ C when accumulate).
inline void gemm_tn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  sgemm(true, false, m, n, k, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
}

// ---- forward gate math (one row of U units) ----------------------------------------------

// LSTM: rec = h·U (4U), x = xw row; reads c, writes hn, cn (and the reserve row when saving).
template <bool kSave>
void lstm_forward_row(int64_t U, const float* rec, const float* x, const float* c, float* hn, float* cn, float* gates, float* th) {
#pragma GCC ivdep
  for (int64_t j = 0; j < U; j++) {
    const float i = sigm(x[j] + rec[j]);
    const float f = sigm(x[U + j] + rec[U + j]);
    const float g = tanh_poly(x[2 * U + j] + rec[2 * U + j]);
    const float o = sigm(x[3 * U + j] + rec[3 * U + j]);
    const float cc = f * c[j] + i * g;
    const float t = tanh_poly(cc);
    cn[j] = cc;
    hn[j] = o * t;
    if (kSave) {
      gates[j] = i;
      gates[U + j] = f;
      gates[2 * U + j] = g;
      gates[3 * U + j] = o;
      th[j] = t;
    }
  }
}

// GRU z and r: zr[0..2U) = σ(x + rec) over the first two gate blocks.
inline void gru_zr_row(int64_t U, const float* rec, const float* x, float* zr) {
#pragma GCC ivdep
  for (int64_t j = 0; j < 2 * U; j++) zr[j] = sigm(x[j] + rec[j]);
}

// GRU candidate and mix: hh = tanh(xh + pre), h' = hh + z·(h − hh); `pre` is r·m_h or (r·h)·U_h.
inline void gru_mix_row(int64_t U, const float* xh, const float* pre, const float* z, const float* h, float* hh, float* hn) {
#pragma GCC ivdep
  for (int64_t j = 0; j < U; j++) {
    const float v = tanh_poly(xh[j] + pre[j]);
    hh[j] = v;
    hn[j] = v + z[j] * (h[j] - v);
  }
}

// ---- row chunks -----------------------------------------------------------------------------

// The rows of a batch never interact in a recurrence, so each thread runs the whole time loop
// for its own block of rows (one single-threaded GEMM per step each): no synchronization per
// step. A thread that is late finds the blocks taken and the caller does them (dynamic
// scheduling), so a busy machine degrades to the one-thread speed, not below it.
struct Rows {
  int64_t b0, b1;
  int64_t n() const { return b1 - b0; }
};

template <typename F>
void over_row_blocks(int64_t B, F fn) {
  const int threads = num_threads();
  const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(threads, B / 8));
  if (blocks == 1) {
    fn(Rows{0, B});
    return;
  }
  const int saved = blas_threads();
  set_blas_threads(1);
  parallel_tasks(blocks, [&](int64_t t, int) { fn(Rows{t * B / blocks, (t + 1) * B / blocks}); });
  set_blas_threads(saved);
}

// ---- the forward time loop -----------------------------------------------------------------

struct ForwardState {
  float* h;     // [B, U] carried h (inside y)
  float* c;     // [B, U] carried c (LSTM, inside y)
  float* last;  // [B, U] last output (inside y)
  float* seq;   // [B, T, U] outputs or null
};

// Per-row scratch ([B, ...]; each block of rows uses its own rows), allocated once per call.
struct ForwardScratch {
  std::vector<float> rec, hn, cn, zr, hh, aux;
  explicit ForwardScratch(const Geometry& g)
      : rec(g.B * g.GU()), hn(g.B * g.U), cn(g.B * g.U), zr(g.B * 2 * g.U), hh(g.B * g.U), aux(g.B * g.U) {}
};

// The gate math of one step for rows [b0, b1) (results in scratch hn, cn); saves the reserve rows.
template <bool kSave>
void forward_step(const RnnDims& d, const Geometry& g, Rows rows, int64_t tau, const float* xw, const float* K, const float* bias, ForwardState& st, ForwardScratch& s, const Reserve& r) {
  const int64_t U = g.U, GU = g.GU(), b0 = rows.b0;
  float* rec0 = s.rec.data() + b0 * GU;
  if (d.cell == kRnnLstm) {
    gemm_nn(rows.n(), GU, U, st.h + b0 * U, U, K, GU, rec0, GU, false);
    for (int64_t b = b0; b < rows.b1; b++) {
      const int64_t row = b * g.T + tau;
      if (kSave) {
        std::memcpy(r.hprev + row * U, st.h + b * U, sizeof(float) * U);
        std::memcpy(r.aux1 + row * U, st.c + b * U, sizeof(float) * U);
      }
      lstm_forward_row<kSave>(U, s.rec.data() + b * GU, xw + row * GU, st.c + b * U, s.hn.data() + b * U, s.cn.data() + b * U,
                              kSave ? r.gates + row * GU : nullptr, kSave ? r.aux2 + row * U : nullptr);
    }
    return;
  }
  const bool after = d.cell == kRnnGru;
  gemm_nn(rows.n(), after ? GU : 2 * U, U, st.h + b0 * U, U, K, GU, rec0, GU, false);
  for (int64_t b = b0; b < rows.b1; b++) {
    const int64_t row = b * g.T + tau;
    float* rec = s.rec.data() + b * GU;
    float* zr = s.zr.data() + b * 2 * U;
    if (after && bias) {
#pragma GCC ivdep
      for (int64_t j = 0; j < GU; j++) rec[j] += bias[j];
    }
    gru_zr_row(U, rec, xw + row * GU, zr);
    float* aux = s.aux.data() + b * U;
    const float* h = st.h + b * U;
    if (after) {
#pragma GCC ivdep
      for (int64_t j = 0; j < U; j++) {
        aux[j] = rec[2 * U + j];
        rec[2 * U + j] = zr[U + j] * aux[j];
      }
    } else {
#pragma GCC ivdep
      for (int64_t j = 0; j < U; j++) aux[j] = zr[U + j] * h[j];
    }
  }
  // resetAfter false: the candidate's recurrent term (r·h)·U_h needs r first: a second GEMM.
  if (!after) gemm_nn(rows.n(), U, U, s.aux.data() + b0 * U, U, K + 2 * U, GU, rec0 + 2 * U, GU, false);
  for (int64_t b = b0; b < rows.b1; b++) {
    const int64_t row = b * g.T + tau;
    const float* zr = s.zr.data() + b * 2 * U;
    gru_mix_row(U, xw + row * GU + 2 * U, s.rec.data() + b * GU + 2 * U, zr, st.h + b * U, s.hh.data() + b * U, s.hn.data() + b * U);
    if (kSave) {
      std::memcpy(r.hprev + row * U, st.h + b * U, sizeof(float) * U);
      std::memcpy(r.gates + row * GU, zr, sizeof(float) * 2 * U);
      std::memcpy(r.gates + row * GU + 2 * U, s.hh.data() + b * U, sizeof(float) * U);
      std::memcpy(r.aux1 + row * U, s.aux.data() + b * U, sizeof(float) * U);
    }
  }
}

// Masking: an active row takes the new states and outputs h'; a masked row keeps its states
// and repeats the previous output (or outputs zeros).
void commit_step(const RnnDims& d, const Geometry& g, Rows rows, int64_t step, int64_t tau, const float* mask, ForwardState& st, const ForwardScratch& s) {
  const int64_t U = g.U;
  const size_t bytes = sizeof(float) * U;
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    const bool active = mask == nullptr || mask[b * g.T + tau] != 0;
    float* last = st.last + b * U;
    if (active) {
      std::memcpy(st.h + b * U, s.hn.data() + b * U, bytes);
      if (d.cell == kRnnLstm) std::memcpy(st.c + b * U, s.cn.data() + b * U, bytes);
      std::memcpy(last, s.hn.data() + b * U, bytes);
    } else if (d.zeroOutputForMask) {
      std::memset(last, 0, bytes);
    }
    if (st.seq) std::memcpy(st.seq + (b * g.T + step) * U, last, bytes);
  }
}

}  // namespace

void rnn_forward(const RnnDims& d, const float* xw, const float* K, const float* bias, const float* h0, const float* c0, const float* mask, float* y, float* reserve) {
  quiesce_pool();  // its GEMMs run on OpenBLAS threads
  const Geometry g = geometry(d);
  const int64_t BU = g.B * g.U;
  float* seq = d.sequence ? y : nullptr;
  float* base = y + (d.sequence ? g.T * BU : 0);
  ForwardState st{base + BU, d.cell == kRnnLstm ? base + 2 * BU : nullptr, base, seq};
  std::memcpy(st.h, h0, sizeof(float) * BU);
  if (st.c) std::memcpy(st.c, c0, sizeof(float) * BU);
  std::memset(st.last, 0, sizeof(float) * BU);
  ForwardScratch s(g);
  const Reserve r = reserve_layout(g, reserve);
  over_row_blocks(g.B, [&](Rows rows) {
    for (int64_t step = 0; step < g.T; step++) {
      const int64_t tau = d.goBackwards ? g.T - 1 - step : step;
      if (reserve) forward_step<true>(d, g, rows, tau, xw, K, bias, st, s, r);
      else forward_step<false>(d, g, rows, tau, xw, K, bias, st, s, r);
      commit_step(d, g, rows, step, tau, mask, st, s);
    }
  });
}

namespace {

// ---- backward ------------------------------------------------------------------------------

struct BackwardState {
  float* gh;     // [B, U] gradient reaching h (ends as dh0)
  float* gc;     // [B, U] gradient reaching c (LSTM; ends as dc0)
  float* carry;  // [B, U] gradient reaching the previous output (masked repeats)
  float* gout;   // [B, U] the output gradient at this step
  float* back;   // [B, U] dA·Uᵀ
  uint8_t* active;  // [B] whether the row runs this step
  double* dbias;    // [B, G·U] per-row sums of dm (GRU recurrent bias), or null
};

// Output gradient of rows [b0, b1) at `step`; masked rows pass it to the previous output (or
// drop it) and zero their gate gradients. Marks the active rows.
void output_grads(const RnnDims& d, const Geometry& g, Rows rows, int64_t step, int64_t tau, const float* dy, const float* mask, float* dxw, float* dm, BackwardState& st) {
  const int64_t U = g.U, GU = g.GU(), BU = g.B * g.U;
  const int64_t seqLen = d.sequence ? g.T * BU : 0;
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    const int64_t row = b * g.T + tau;
    float* go = st.gout + b * U;
    float* carry = st.carry + b * U;
    const float* dseq = d.sequence ? dy + (b * g.T + step) * U : nullptr;
    const float* dlast = step == g.T - 1 ? dy + seqLen + b * U : nullptr;
#pragma GCC ivdep
    for (int64_t j = 0; j < U; j++) go[j] = carry[j] + (dseq ? dseq[j] : 0.0f) + (dlast ? dlast[j] : 0.0f);
    const bool active = mask == nullptr || mask[row] != 0;
    st.active[b] = active;
    if (active) {
      std::memset(carry, 0, sizeof(float) * U);
    } else {
      if (d.zeroOutputForMask) std::memset(carry, 0, sizeof(float) * U);
      else std::memcpy(carry, go, sizeof(float) * U);
      std::memset(dxw + row * GU, 0, sizeof(float) * GU);
      if (dm) std::memset(dm + row * GU, 0, sizeof(float) * GU);
    }
  }
}

void lstm_backward_rows(const Geometry& g, Rows rows, int64_t tau, const Reserve& r, float* dxw, BackwardState& st) {
  const int64_t U = g.U, GU = g.GU();
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    if (!st.active[b]) continue;
    const int64_t row = b * g.T + tau;
    const float* gt = r.gates + row * GU;
    const float* cp = r.aux1 + row * U;
    const float* th = r.aux2 + row * U;
    const float* go = st.gout + b * U;
    float* gh = st.gh + b * U;
    float* gc = st.gc + b * U;
    float* da = dxw + row * GU;
#pragma GCC ivdep
    for (int64_t j = 0; j < U; j++) {
      const float i = gt[j], f = gt[U + j], gg = gt[2 * U + j], o = gt[3 * U + j], t = th[j];
      const float dh = go[j] + gh[j];
      const float dc = gc[j] + dh * o * (1 - t * t);
      da[j] = dc * gg * i * (1 - i);
      da[U + j] = dc * cp[j] * f * (1 - f);
      da[2 * U + j] = dc * i * (1 - gg * gg);
      da[3 * U + j] = dh * t * o * (1 - o);
      gc[j] = dc * f;
      gh[j] = 0;
    }
  }
}

// GRU: writes d(xw) (z, r, h blocks) and, for resetAfter, dm (the gradient of h·U + bias);
// gh becomes the direct share dh·z. Reset-before leaves r's block for after the (r·h) GEMM.
void gru_backward_rows(bool after, const Geometry& g, Rows rows, int64_t tau, const Reserve& r, float* dxw, float* dm, BackwardState& st) {
  const int64_t U = g.U, GU = g.GU();
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    if (!st.active[b]) continue;
    const int64_t row = b * g.T + tau;
    const float* gt = r.gates + row * GU;
    const float* hp = r.hprev + row * U;
    const float* aux = r.aux1 + row * U;
    const float* go = st.gout + b * U;
    float* gh = st.gh + b * U;
    float* da = dxw + row * GU;
    float* m = after ? dm + row * GU : nullptr;
#pragma GCC ivdep
    for (int64_t j = 0; j < U; j++) {
      const float z = gt[j], rr = gt[U + j], hh = gt[2 * U + j];
      const float dh = go[j] + gh[j];
      const float dhh = dh * (1 - z) * (1 - hh * hh);
      da[j] = dh * (hp[j] - hh) * z * (1 - z);
      da[2 * U + j] = dhh;
      gh[j] = dh * z;
      if (after) {
        da[U + j] = dhh * aux[j] * rr * (1 - rr);
        m[j] = da[j];
        m[U + j] = da[U + j];
        m[2 * U + j] = dhh * rr;
      }
    }
    if (after && st.dbias) {
      double* acc = st.dbias + b * GU;
#pragma GCC ivdep
      for (int64_t j = 0; j < GU; j++) acc[j] += m[j];
    }
  }
}

// Reset-before, after d(r·h) = dhh·U_hᵀ is in `back`: r's gate gradient and h's share r·d(r·h).
void gru_reset_before_rows(const Geometry& g, Rows rows, int64_t tau, const Reserve& r, float* dxw, BackwardState& st) {
  const int64_t U = g.U, GU = g.GU();
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    if (!st.active[b]) continue;
    const int64_t row = b * g.T + tau;
    const float* rg = r.gates + row * GU + U;
    const float* hp = r.hprev + row * U;
    const float* drh = st.back + b * U;
    float* gh = st.gh + b * U;
    float* da = dxw + row * GU;
#pragma GCC ivdep
    for (int64_t j = 0; j < U; j++) {
      da[U + j] = drh[j] * hp[j] * rg[j] * (1 - rg[j]);
      gh[j] += drh[j] * rg[j];
    }
  }
}

void add_back(const Geometry& g, Rows rows, BackwardState& st) {
  for (int64_t b = rows.b0; b < rows.b1; b++) {
    if (!st.active[b]) continue;
    float* gh = st.gh + b * g.U;
    const float* bk = st.back + b * g.U;
#pragma GCC ivdep
    for (int64_t j = 0; j < g.U; j++) gh[j] += bk[j];
  }
}

// One step backwards for rows [b0, b1): gate gradients, then gh = direct share + dA·Uᵀ.
void backward_step(const RnnDims& d, const Geometry& g, Rows rows, int64_t step, const float* dy, const float* K, const float* mask, const Reserve& r, float* dxw, float* dm, BackwardState& st) {
  const int64_t U = g.U, GU = g.GU(), T = g.T, b0 = rows.b0, m = rows.n();
  const int64_t tau = d.goBackwards ? T - 1 - step : step;
  output_grads(d, g, rows, step, tau, dy, mask, dxw, dm, st);
  const float* da = dxw + (b0 * T + tau) * GU;  // row b0 of this step; the next row is T·GU further
  float* back = st.back + b0 * U;
  if (d.cell == kRnnLstm) {
    lstm_backward_rows(g, rows, tau, r, dxw, st);
    gemm_nt(m, U, GU, da, T * GU, K, GU, back, U, false);
  } else if (d.cell == kRnnGru) {
    gru_backward_rows(true, g, rows, tau, r, dxw, dm, st);
    gemm_nt(m, U, GU, dm + (b0 * T + tau) * GU, T * GU, K, GU, back, U, false);
  } else {
    gru_backward_rows(false, g, rows, tau, r, dxw, nullptr, st);
    gemm_nt(m, U, U, da + 2 * U, T * GU, K + 2 * U, GU, back, U, false);
    gru_reset_before_rows(g, rows, tau, r, dxw, st);
    gemm_nt(m, U, 2 * U, da, T * GU, K, GU, back, U, false);
  }
  add_back(g, rows, st);
}

// out[j] = Σ_b acc[b, j]: the per-row sums of the bias gradient, added up.
void sum_rows(const double* acc, int64_t rows, int64_t n, float* out) {
  for (int64_t j = 0; j < n; j++) {
    double v = 0;
    for (int64_t b = 0; b < rows; b++) v += acc[b * n + j];
    out[j] = static_cast<float>(v);
  }
}

}  // namespace

void rnn_backward(const RnnDims& d, const float* dy, const float* K, const float* mask, const float* reserve, float* dxw, float* dK, float* dBias, float* dh0, float* dc0) {
  quiesce_pool();  // its GEMMs run on OpenBLAS threads
  const Geometry g = geometry(d);
  const int64_t U = g.U, GU = g.GU(), BU = g.B * g.U, T = g.T;
  const int64_t seqLen = d.sequence ? T * BU : 0;
  const Reserve r = reserve_layout(g, const_cast<float*>(reserve));
  const bool lstm = d.cell == kRnnLstm, after = d.cell == kRnnGru;
  std::vector<float> scratch(3 * BU);
  std::vector<uint8_t> active(g.B);
  std::unique_ptr<float[]> dmBuf(after ? new float[g.rows() * GU] : nullptr);  // fully written by the loop
  float* dm = dmBuf.get();
  std::vector<double> biasAcc(after && dBias ? g.B * GU : 0, 0.0);
  BackwardState st{dh0, dc0, scratch.data(), scratch.data() + BU, scratch.data() + 2 * BU, active.data(), biasAcc.empty() ? nullptr : biasAcc.data()};
  std::memcpy(st.gh, dy + seqLen + BU, sizeof(float) * BU);
  if (lstm) std::memcpy(st.gc, dy + seqLen + 2 * BU, sizeof(float) * BU);
  over_row_blocks(g.B, [&](Rows rows) {
    for (int64_t step = T - 1; step >= 0; step--) backward_step(d, g, rows, step, dy, K, mask, r, dxw, dm, st);
  });
  // The recurrent kernel's gradient over all steps at once: hprevᵀ·dA ([U, B·T] × [B·T, G·U]).
  if (lstm) {
    gemm_tn(U, GU, g.rows(), r.hprev, U, dxw, GU, dK, GU, false);
  } else if (after) {
    gemm_tn(U, GU, g.rows(), r.hprev, U, dm, GU, dK, GU, false);
    if (dBias) sum_rows(biasAcc.data(), g.B, GU, dBias);
  } else {
    gemm_tn(U, 2 * U, g.rows(), r.hprev, U, dxw, GU, dK, GU, false);
    gemm_tn(U, U, g.rows(), r.aux1, U, dxw + 2 * U, GU, dK + 2 * U, GU, false);
  }
}

}  // namespace neurite
