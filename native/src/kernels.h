// Kernel declarations. Every kernel writes ALL of its caller-allocated output buffers
// (allocated in JavaScript, uninitialized, passed in without copying); kernels that
// accumulate clear their output first. Nothing is allocated per element; scratch buffers
// are sized once per call.
#pragma once
#include <cstdint>

#include "nt_math.h"
#include "nt_ops.h"

namespace neurite {

// ---- geometry shared with src/backends/interface.ts (Conv2DInfo / Pool2DInfo order) ----
struct ConvInfo {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, groups;
};
struct PoolInfo {
  int isMax, batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft,
      padBottom, padRight, countIncludePad;
};

// ReLU as every kernel here writes it: x > 0 ? x : (x <= 0 ? 0 : x), so NaN passes through.
inline float relu_keep_nan(float v) { return v > 0 ? v : v <= 0 ? 0.0f : v; }

// exp(x) for float: Cephes' range reduction x = n·ln2 + r and a degree-6 polynomial in r
// (about 1 ulp; no calls or branches, so loops over it vectorize; NaN in gives NaN out).
inline float exp_poly(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  const float p = nt_exp_reduced(r);
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = (static_cast<int32_t>(n) + 127) << 23;
  return p * scale.f;
}

// Optional fused epilogue: y = act(y + bias) over the last axis; bias may be null, relu selects the activation.
struct Epilogue {
  const float* bias = nullptr;
  bool relu = false;
  bool active() const { return bias != nullptr || relu; }
};

// ---- gemm.cc ----
void matmul(const float* a, const float* b, float* out, int batchA, int batchB, int m, int k, int n, bool transA,
            bool transB);
// Row-major C[m, n] = op(A)·op(B) + beta·C with leading dimensions: every GEMM of the addon
// goes through here. oneDNN's sgemm (when built with it) takes every product of at least
// kDnnlGemmWork multiply-adds: it dispatches on the CPU's instruction set (AVX-512 here),
// where OpenBLAS under OPENBLAS_CORETYPE=Haswell runs its AVX2 kernels at about half the
// speed. Smaller products stay on OpenBLAS, whose per-call cost is lower.
void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc);
// Threads of OpenBLAS and of oneDNN's OpenMP runtime.
void set_blas_threads(int n);
// C = act(A·B + bias) for few rows of A (batch-1 dense layers), no batch; false where it does
// not apply (transA, m above its limit) and the caller uses matmul + bias_activation.
bool matmul_small(const float* a, const float* b, float* out, int m, int k, int n, bool transA, bool transB, const float* bias, bool relu);
// y[rows, channels] = act(y + bias) in place, in parallel (the epilogue of a dense layer).
void bias_activation(float* y, int64_t rows, int64_t channels, const Epilogue& ep);
int blas_threads();
// oneDNN's OpenMP thread count (0 when built without oneDNN).
int openmp_threads();

// ---- conv.cc ----
// kAuto: direct kernel for small batches, oneDNN (when built with it) otherwise, im2col + BLAS
// where neither applies; the others force one (where it applies).
enum class ConvEngine { kAuto, kDirect, kDnnl, kIm2col };
void set_conv_engine(ConvEngine e);
ConvEngine conv_engine();
// Who the weights are: a Variable's storage id and its version (bumped by every in-place
// write), so a convolution may keep the weights reordered into its kernel's layout and
// reorder again only when they change. id 0: unknown (reordered on every call).
struct WeightsStamp {
  double id = 0, version = 0;
  bool known() const { return id > 0; }
};
void conv2d(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep = Epilogue(), const WeightsStamp& stamp = WeightsStamp());
// ---- conv_direct.cc ----
// Direct NHWC forward (groups 1, dilation 1, outC a multiple of 16); false where it does not apply.
bool conv2d_direct(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep);
// Backward of the epilogue over [rows, channels]: dpre = dy·act'(y), dbias = column sums of dpre.
void bias_activation_grad(const float* y, const float* dy, float* dpre, float* dbias, int64_t rows, int64_t channels, bool relu);
void conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvInfo& c, const WeightsStamp& stamp = WeightsStamp());
void conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvInfo& c);

// ---- pooling.cc ----
void pool2d(const float* x, float* y, const PoolInfo& p);
// Keras' map_coordinates on NHWC images (Backend.sampleImage); mode 0 reflect, 1 wrap, 2 constant, 3 nearest.
void sample_image(const float* x, const float* sx, const float* sy, float* y, int64_t batch, int64_t h, int64_t w, int64_t c, bool nearest,
                  int mode, float fill);
void pool2d_grad(const float* x, const float* dy, float* dx, const PoolInfo& p);
// Max-pool gradient through the bias/ReLU epilogue that produced x (Backend.pool2dGradBiasRelu):
// dx = pool2d_grad · relu'(x), dbias = channel sums of dx. False where it does not apply
// (not max pooling, or windows that do not tile the input): the caller composes it.
bool pool2d_grad_bias_relu(const float* x, const float* dy, float* dx, float* dbias, const PoolInfo& p);

// ---- elementwise.cc (op codes: NT_UNARY_* / NT_BINARY_* of the generated nt_ops.h) ----
bool unary(int op, const float* x, float* y, int64_t n, float alpha, float beta);
bool unary_grad(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha, float beta);
// A chain of steps per element block: codes [kind, op] and params [p1, p2] per step (kinds: NT_CHAIN_*).
bool elementwise_chain(int nsteps, const int32_t* codes, const float* params, const float* x, float* y, int64_t n);
// Broadcast plan: `rank` merged dims, each operand's element stride per dim (0 = broadcast).
bool binary(int op, const float* a, const float* b, float* out, int rank, const int32_t* dims, const int32_t* sa,
            const int32_t* sb);

// ---- reduce.cc ----
bool reduce(int op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log);
void softmax_grad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner, bool log);
void transpose(const float* x, float* y, int rank, const int32_t* shape, const int32_t* perm);

// ---- random.cc ----
// Same stream as src/tensor/rng.ts (xoshiro128** seeded through splitmix32).
void dropout_mask(float* mask, int64_t n, double rate, double seed);
// The mask of dropout_mask and y = x · mask in one pass (x null: the mask only).
void dropout(const float* x, float* y, float* mask, int64_t n, double rate, double seed);

// ---- optimizers.cc ----
// In-place update of param and slots (rules and the hyperparameter structs come from the op
// table, nt_ops.h; formulas and layouts are those of src/backends/js/optimizers.ts; slot
// counts are validated in JavaScript). Returns false for an unknown rule.
bool apply_update(int rule, float* param, const float* grad, float* const* slots, int nslots, const double* hyper,
                  int64_t n);

// ---- peak.cc ----
// fp32 GFLOP/s of multiply-add chains on every thread for `seconds` (the benchmarks' peak).
double peak_gflops(double seconds);

// ---- norm.cc ----
void batch_norm(const float* x, const float* mean, const float* var, const float* offset, const float* scale, float* y,
                float eps, int64_t outer, int64_t c, int64_t inner);
void batch_norm_grad(const float* x, const float* mean, const float* var, const float* scale, const float* dy,
                     float* dx, float* dmean, float* dvar, float* dscale, float* doffset, float eps, int64_t outer,
                     int64_t c, int64_t inner);
// Layer normalization over the last axis of x [rows, c] (gamma, beta [c], either may be null);
// writes y and each row's mean and rstd = 1/√(variance + eps) [rows].
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd, float eps, int64_t rows,
                int64_t c);
// Its gradient: dx, and dgamma/dbeta [c] where not null.
void layer_norm_grad(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy, float* dx, float* dgamma,
                     float* dbeta, int64_t rows, int64_t c);

// ---- rnn.cc (layouts: RnnInfo in src/backends/interface.ts; cells: NT_RNN_* of nt_ops.h) ----
constexpr int kRnnLstm = NT_RNN_LSTM, kRnnGru = NT_RNN_GRU, kRnnGruResetBefore = NT_RNN_GRU_RESET_BEFORE;
struct RnnDims {
  int cell;
  int64_t batch, time, units;
  bool goBackwards, sequence, zeroOutputForMask;
};
// Whole-sequence forward: y is the packed result, reserve (null when not training) what the
// backward needs. bias: the GRU (resetAfter) recurrent bias or null; c0 for LSTM only.
void rnn_forward(const RnnDims& d, const float* xw, const float* K, const float* bias, const float* h0, const float* c0,
                 const float* mask, float* y, float* reserve);
// Backpropagation through time from dy (packed like y). dBias may be null; dc0 for LSTM only.
void rnn_backward(const RnnDims& d, const float* dy, const float* K, const float* mask, const float* reserve, float* dxw,
                  float* dK, float* dBias, float* dh0, float* dc0);

}  // namespace neurite
