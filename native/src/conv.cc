// 2-D convolution in NHWC with HWIO filters. Forward: the direct kernel (conv_direct.cc)
// for small batches, else oneDNN (dnnl_conv.cc) when built with it, else im2col + OpenBLAS
// sgemm for general shapes, one big sgemm for pointwise (1x1) convolutions and direct
// kernels for depthwise ones (set_conv_engine forces one). Gradients: oneDNN or im2col.
// Work is split over output rows (forward, filter gradient) or images (input gradient);
// each thread owns its scratch buffers and runs single-threaded BLAS on its chunk.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "dnnl_conv.h"
#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

// Target size of one thread's im2col buffer, in floats (~2 MiB: stays in L2/L3).
constexpr int64_t kColsTarget = 1 << 19;

struct Geo {
  int64_t P;      // output pixels per image
  int64_t cinG;   // input channels per group
  int64_t outCg;  // output channels per group
  int64_t K;      // kH * kW * cinG
  int64_t R;      // output rows in the batch (batch * outH)
  int64_t rowsPerChunk;  // output rows per task
};

Geo geometry(const ConvInfo& c) {
  Geo g;
  g.P = static_cast<int64_t>(c.outH) * c.outW;
  g.cinG = c.inC / c.groups;
  g.outCg = c.outC / c.groups;
  g.K = static_cast<int64_t>(c.kH) * c.kW * g.cinG;
  g.R = static_cast<int64_t>(c.batch) * c.outH;
  const int64_t perRow = std::max<int64_t>(1, c.outW * g.K);
  g.rowsPerChunk = std::max<int64_t>(1, std::min<int64_t>(g.R, kColsTarget / perRow));
  return g;
}

bool pointwise(const ConvInfo& c) {
  return c.kH == 1 && c.kW == 1 && c.strideH == 1 && c.strideW == 1 && (c.padTop | c.padLeft) == 0 &&
         c.groups == 1 && c.outH == c.inH && c.outW == c.inW;
}

bool depthwise(const ConvInfo& c) { return c.groups > 1 && c.groups == c.inC; }

// Patches of output rows [r0, r1) (r = n * outH + oh) for group grp: one row per output
// pixel, columns ordered (kh, kw, ci) like the filter.
void im2col(const float* x, const ConvInfo& c, const Geo& g, int64_t r0, int64_t r1, int grp, float* cols) {
  const int64_t cinG = g.cinG;
  const int64_t c0 = grp * cinG;
  const bool contiguousTaps = c.dilationW == 1 && c.groups == 1;
  float* dst = cols;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / c.outH;
    const int oh = static_cast<int>(r % c.outH);
    for (int ow = 0; ow < c.outW; ow++) {
      for (int kh = 0; kh < c.kH; kh++) {
        const int ih = oh * c.strideH - c.padTop + kh * c.dilationH;
        if (ih < 0 || ih >= c.inH) {
          std::memset(dst, 0, sizeof(float) * c.kW * cinG);
          dst += c.kW * cinG;
          continue;
        }
        const float* row = x + (n * c.inH + ih) * static_cast<int64_t>(c.inW) * c.inC;
        const int iw0 = ow * c.strideW - c.padLeft;
        if (contiguousTaps && iw0 >= 0 && iw0 + c.kW <= c.inW) {
          std::memcpy(dst, row + static_cast<int64_t>(iw0) * c.inC, sizeof(float) * c.kW * cinG);
          dst += c.kW * cinG;
          continue;
        }
        for (int kw = 0; kw < c.kW; kw++) {
          const int iw = iw0 + kw * c.dilationW;
          if (iw < 0 || iw >= c.inW) std::memset(dst, 0, sizeof(float) * cinG);
          else std::memcpy(dst, row + static_cast<int64_t>(iw) * c.inC + c0, sizeof(float) * cinG);
          dst += cinG;
        }
      }
    }
  }
}

// Adds patch gradients back onto dx (the adjoint of im2col).
void col2im(const float* cols, const ConvInfo& c, const Geo& g, int64_t r0, int64_t r1, int grp, float* dx) {
  const int64_t cinG = g.cinG;
  const int64_t c0 = grp * cinG;
  const float* src = cols;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / c.outH;
    const int oh = static_cast<int>(r % c.outH);
    for (int ow = 0; ow < c.outW; ow++) {
      for (int kh = 0; kh < c.kH; kh++) {
        const int ih = oh * c.strideH - c.padTop + kh * c.dilationH;
        if (ih < 0 || ih >= c.inH) {
          src += c.kW * cinG;
          continue;
        }
        float* row = dx + (n * c.inH + ih) * static_cast<int64_t>(c.inW) * c.inC;
        for (int kw = 0; kw < c.kW; kw++) {
          const int iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
          if (iw >= 0 && iw < c.inW) {
            float* d = row + static_cast<int64_t>(iw) * c.inC + c0;
            for (int64_t ci = 0; ci < cinG; ci++) d[ci] += src[ci];
          }
          src += cinG;
        }
      }
    }
  }
}

/** y[rows, C] = act(y + bias) in place (the fused epilogue of the built-in kernels). */
void apply_epilogue(float* y, int64_t rows, int64_t C, const Epilogue& ep) {
  if (!ep.active()) return;
  for (int64_t r = 0; r < rows; r++) {
    float* p = y + r * C;
    if (ep.bias) for (int64_t c = 0; c < C; c++) p[c] += ep.bias[c];
    if (ep.relu) for (int64_t c = 0; c < C; c++) p[c] = relu_keep_nan(p[c]);
  }
}

// Runs fn(r0, r1, thread) over chunks of output rows, with single-threaded BLAS inside.
template <typename F>
void over_row_chunks(const Geo& g, F fn) {
  const int64_t chunks = (g.R + g.rowsPerChunk - 1) / g.rowsPerChunk;
  const int saved = blas_threads();
  if (chunks > 1 && num_threads() > 1) set_blas_threads(1);
  parallel_tasks(chunks, [&](int64_t t, int thread) {
    const int64_t r0 = t * g.rowsPerChunk;
    fn(r0, std::min(g.R, r0 + g.rowsPerChunk), thread);
  });
  if (chunks > 1 && num_threads() > 1) set_blas_threads(saved);
}

// ---- depthwise (groups == inC): direct loops vectorized over channels ----

void depthwise_forward(const float* x, const float* w, float* y, const ConvInfo& c) {
  const int mult = c.outC / c.inC;
  const int64_t R = static_cast<int64_t>(c.batch) * c.outH;
  parallel_for(R, 4, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / c.outH;
      const int oh = static_cast<int>(r % c.outH);
      std::memset(y + r * c.outW * c.outC, 0, sizeof(float) * c.outW * c.outC);
      for (int ow = 0; ow < c.outW; ow++) {
        float* yp = y + (r * c.outW + ow) * c.outC;
        for (int kh = 0; kh < c.kH; kh++) {
          const int ih = oh * c.strideH - c.padTop + kh * c.dilationH;
          if (ih < 0 || ih >= c.inH) continue;
          for (int kw = 0; kw < c.kW; kw++) {
            const int iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
            if (iw < 0 || iw >= c.inW) continue;
            const float* xp = x + ((n * c.inH + ih) * c.inW + iw) * c.inC;
            const float* wp = w + (static_cast<int64_t>(kh) * c.kW + kw) * c.outC;
            if (mult == 1) {
              for (int ch = 0; ch < c.inC; ch++) yp[ch] += xp[ch] * wp[ch];
            } else {
              for (int ch = 0; ch < c.inC; ch++)
                for (int m = 0; m < mult; m++) yp[ch * mult + m] += xp[ch] * wp[ch * mult + m];
            }
          }
        }
      }
    }
  });
}

// Gather form: each input pixel sums the outputs it fed, so threads never write the same dx.
void depthwise_backprop_input(const float* dy, const float* w, float* dx, const ConvInfo& c) {
  const int mult = c.outC / c.inC;
  const int64_t R = static_cast<int64_t>(c.batch) * c.inH;
  parallel_for(R, 4, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / c.inH;
      const int ih = static_cast<int>(r % c.inH);
      std::memset(dx + r * c.inW * c.inC, 0, sizeof(float) * c.inW * c.inC);
      for (int iw = 0; iw < c.inW; iw++) {
        float* dxp = dx + (r * c.inW + iw) * c.inC;
        for (int kh = 0; kh < c.kH; kh++) {
          const int th = ih + c.padTop - kh * c.dilationH;
          if (th < 0 || th % c.strideH != 0 || th / c.strideH >= c.outH) continue;
          const int oh = th / c.strideH;
          for (int kw = 0; kw < c.kW; kw++) {
            const int tw = iw + c.padLeft - kw * c.dilationW;
            if (tw < 0 || tw % c.strideW != 0 || tw / c.strideW >= c.outW) continue;
            const int ow = tw / c.strideW;
            const float* dyp = dy + ((n * c.outH + oh) * c.outW + ow) * c.outC;
            const float* wp = w + (static_cast<int64_t>(kh) * c.kW + kw) * c.outC;
            for (int ch = 0; ch < c.inC; ch++)
              for (int m = 0; m < mult; m++) dxp[ch] += dyp[ch * mult + m] * wp[ch * mult + m];
          }
        }
      }
    }
  });
}

void depthwise_backprop_filter(const float* x, const float* dy, float* dw, const ConvInfo& c) {
  const int mult = c.outC / c.inC;
  const int64_t R = static_cast<int64_t>(c.batch) * c.outH;
  const int64_t W = static_cast<int64_t>(c.kH) * c.kW * c.outC;
  const int threads = num_threads();
  std::vector<std::vector<double>> partial(threads, std::vector<double>(W, 0.0));
  const int64_t tasks = std::min<int64_t>(R, threads * 4);
  parallel_tasks(tasks, [&](int64_t t, int thread) {
    std::vector<double>& acc = partial[thread];
    for (int64_t r = t * R / tasks; r < (t + 1) * R / tasks; r++) {
      const int64_t n = r / c.outH;
      const int oh = static_cast<int>(r % c.outH);
      for (int ow = 0; ow < c.outW; ow++) {
        const float* dyp = dy + (r * c.outW + ow) * c.outC;
        for (int kh = 0; kh < c.kH; kh++) {
          const int ih = oh * c.strideH - c.padTop + kh * c.dilationH;
          if (ih < 0 || ih >= c.inH) continue;
          for (int kw = 0; kw < c.kW; kw++) {
            const int iw = ow * c.strideW - c.padLeft + kw * c.dilationW;
            if (iw < 0 || iw >= c.inW) continue;
            const float* xp = x + ((n * c.inH + ih) * c.inW + iw) * c.inC;
            double* ap = acc.data() + (static_cast<int64_t>(kh) * c.kW + kw) * c.outC;
            for (int ch = 0; ch < c.inC; ch++)
              for (int m = 0; m < mult; m++) ap[ch * mult + m] += static_cast<double>(xp[ch]) * dyp[ch * mult + m];
          }
        }
      }
    }
  });
  for (int64_t i = 0; i < W; i++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[t][i];
    dw[i] = static_cast<float>(s);
  }
}

ConvEngine engine_choice = ConvEngine::kAuto;

// Forward convolutions: by default the direct kernel takes small batches (where oneDNN's
// per-call setup outweighs its kernels) and oneDNN, else im2col + BLAS, the rest;
// set_conv_engine forces one (tests and benchmarks compare them).
bool direct_preferred(const ConvInfo& c) {
  if (engine_choice == ConvEngine::kDirect) return true;
  if (engine_choice != ConvEngine::kAuto) return false;
  return static_cast<int64_t>(c.batch) * c.outH * c.outW <= 8192;
}

}  // namespace

void set_conv_engine(ConvEngine e) {
  engine_choice = e;
  dnnl_set_enabled(e == ConvEngine::kAuto || e == ConvEngine::kDnnl || e == ConvEngine::kDirect);
}

ConvEngine conv_engine() { return engine_choice; }

void conv2d(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep, const WeightsStamp& stamp) {
  if (c.batch == 0 || c.outH == 0 || c.outW == 0 || c.outC == 0) return;
  if (direct_preferred(c) && conv2d_direct(x, w, y, c, ep)) return;
  quiesce_pool();  // oneDNN and OpenBLAS bring their own threads
  if (dnnl_conv2d(x, w, y, c, ep, stamp)) return;
  const Geo g = geometry(c);
  if (depthwise(c) || pointwise(c)) {
    if (depthwise(c)) {
      depthwise_forward(x, w, y, c);
    } else {
      sgemm(false, false, c.batch * g.P, c.outC, c.inC, x, c.inC, w, c.outC, 0.0f, y, c.outC);
    }
    parallel_for(c.batch * g.P, 1024, [&](int64_t r0, int64_t r1) { apply_epilogue(y + r0 * c.outC, r1 - r0, c.outC, ep); });
    return;
  }
  std::vector<std::vector<float>> scratch(num_threads(), std::vector<float>(g.rowsPerChunk * c.outW * g.K));
  over_row_chunks(g, [&](int64_t r0, int64_t r1, int thread) {
    float* cols = scratch[thread].data();
    const int rows = static_cast<int>((r1 - r0) * c.outW);
    for (int grp = 0; grp < c.groups; grp++) {
      im2col(x, c, g, r0, r1, grp, cols);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, g.outCg, g.K, 1.0f, cols, g.K, w + grp * g.outCg,
                  c.outC, 0.0f, y + r0 * c.outW * c.outC + grp * g.outCg, c.outC);
    }
    apply_epilogue(y + r0 * c.outW * c.outC, rows, c.outC, ep);  // while the chunk is in cache
  });
}

void bias_activation_grad(const float* y, const float* dy, float* dpre, float* dbias, int64_t rows, int64_t channels, bool relu) {
  const int threads = num_threads();
  std::vector<std::vector<double>> partial(threads, std::vector<double>(channels, 0.0));
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(rows, threads * 4));
  parallel_tasks(tasks, [&](int64_t t, int thread) {
    double* acc = partial[thread].data();
    // Float sums over blocks of kBlock rows (vectorized, in L1), added into the thread's
    // double sums after each block: the precision of double accumulation at float speed.
    constexpr int64_t kBlock = 64;
    std::vector<float> block(static_cast<size_t>(channels));
    const int64_t r0 = t * rows / tasks, r1 = (t + 1) * rows / tasks;
    for (int64_t b0 = r0; b0 < r1; b0 += kBlock) {
      const int64_t b1 = std::min(r1, b0 + kBlock);
      float* __restrict bs = block.data();
      for (int64_t c = 0; c < channels; c++) bs[c] = 0.0f;
      for (int64_t r = b0; r < b1; r++) {
        const float* __restrict yp = y + r * channels;
        const float* __restrict gp = dy + r * channels;
        float* __restrict out = dpre + r * channels;
        if (relu) {
          for (int64_t c = 0; c < channels; c++) {
            const float v = yp[c] > 0 ? gp[c] : 0.0f;
            out[c] = v;
            bs[c] += v;
          }
        } else {
          for (int64_t c = 0; c < channels; c++) {
            out[c] = gp[c];
            bs[c] += gp[c];
          }
        }
      }
      for (int64_t c = 0; c < channels; c++) acc[c] += bs[c];
    }
  });
  for (int64_t c = 0; c < channels; c++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[t][c];
    dbias[c] = static_cast<float>(s);
  }
}

void conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvInfo& c, const WeightsStamp& stamp) {
  if (c.batch == 0 || c.outH == 0 || c.outW == 0 || c.outC == 0 || c.inC == 0) return;
  if (depthwise(c)) return depthwise_backprop_input(dy, w, dx, c);
  quiesce_pool();
  if (dnnl_conv2d_backprop_input(dy, w, dx, c, stamp)) return;
  Geo g = geometry(c);
  if (pointwise(c)) {
    sgemm(false, true, c.batch * g.P, c.inC, c.outC, dy, c.outC, w, c.outC, 0.0f, dx, c.inC);
    return;
  }
  if (c.strideH == 1 && c.strideW == 1 && c.groups == 1) {
    // dx = dy ⋆ flip(W)ᵀ: a forward convolution of dy with the spatially flipped filter whose
    // in/out channels are swapped, padded by (k − 1)·d − pad. It writes each dx element once
    // (no read-modify-write on fresh pages) and has the forward pass's GEMM shape.
    std::vector<float> flipped(static_cast<size_t>(c.kH) * c.kW * c.inC * c.outC);
    for (int kh = 0; kh < c.kH; kh++)
      for (int kw = 0; kw < c.kW; kw++)
        for (int ci = 0; ci < c.inC; ci++)
          for (int co = 0; co < c.outC; co++)
            flipped[((static_cast<size_t>(kh) * c.kW + kw) * c.outC + co) * c.inC + ci] =
                w[((static_cast<size_t>(c.kH - 1 - kh) * c.kW + (c.kW - 1 - kw)) * c.inC + ci) * c.outC + co];
    const ConvInfo t{c.batch, c.outH, c.outW, c.outC, c.inH, c.inW, c.inC, c.kH, c.kW, 1, 1, c.dilationH, c.dilationW,
                     (c.kH - 1) * c.dilationH - c.padTop, (c.kW - 1) * c.dilationW - c.padLeft, 1};
    return conv2d(dy, flipped.data(), dx, t);
  }
  // Strided: GEMM into patch gradients, then col2im. Chunks must not share input rows, so
  // they are whole images when there are enough; otherwise they run one after another and
  // BLAS keeps its threads.
  const bool byImage = c.batch >= num_threads();
  if (byImage) g.rowsPerChunk = std::max<int64_t>(c.outH, (g.rowsPerChunk / c.outH) * c.outH);
  std::vector<std::vector<float>> scratch(num_threads(), std::vector<float>(g.rowsPerChunk * c.outW * g.K));
  const int64_t image = static_cast<int64_t>(c.inH) * c.inW * c.inC;
  auto chunk = [&](int64_t r0, int64_t r1, int thread) {
    float* dcols = scratch[thread].data();
    const int rows = static_cast<int>((r1 - r0) * c.outW);
    if (byImage) {
      // First touch of these images' dx pages by a plain write (one page fault each, by
      // the thread that owns them) before col2im reads and adds.
      std::memset(dx + (r0 / c.outH) * image, 0, sizeof(float) * ((r1 - r0) / c.outH) * image);
    }
    for (int grp = 0; grp < c.groups; grp++) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, g.K, g.outCg, 1.0f,
                  dy + r0 * c.outW * c.outC + grp * g.outCg, c.outC, w + grp * g.outCg, c.outC, 0.0f, dcols, g.K);
      col2im(dcols, c, g, r0, r1, grp, dx);
    }
  };
  if (byImage) {
    over_row_chunks(g, chunk);
  } else {
    std::memset(dx, 0, sizeof(float) * static_cast<size_t>(c.batch) * image);
    for (int64_t r0 = 0; r0 < g.R; r0 += g.rowsPerChunk) chunk(r0, std::min(g.R, r0 + g.rowsPerChunk), 0);
  }
}

void conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvInfo& c) {
  if (c.batch == 0 || c.outH == 0 || c.outW == 0 || c.outC == 0) return;
  if (depthwise(c)) return depthwise_backprop_filter(x, dy, dw, c);
  quiesce_pool();
  if (dnnl_conv2d_backprop_filter(x, dy, dw, c)) return;
  const Geo g = geometry(c);
  if (pointwise(c)) {
    sgemm(true, false, c.inC, c.outC, c.batch * g.P, x, c.inC, dy, c.outC, 0.0f, dw, c.outC);
    return;
  }
  const int threads = num_threads();
  const int64_t wsize = g.K * c.outC;
  std::vector<std::vector<float>> scratch(threads, std::vector<float>(g.rowsPerChunk * c.outW * g.K));
  std::vector<std::vector<float>> partial(threads, std::vector<float>(wsize, 0.0f));
  over_row_chunks(g, [&](int64_t r0, int64_t r1, int thread) {
    float* cols = scratch[thread].data();
    const int rows = static_cast<int>((r1 - r0) * c.outW);
    for (int grp = 0; grp < c.groups; grp++) {
      im2col(x, c, g, r0, r1, grp, cols);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.K, g.outCg, rows, 1.0f, cols, g.K,
                  dy + r0 * c.outW * c.outC + grp * g.outCg, c.outC, 1.0f, partial[thread].data() + grp * g.outCg,
                  c.outC);
    }
  });
  for (int64_t i = 0; i < wsize; i++) {
    float s = 0;
    for (int t = 0; t < threads; t++) s += partial[t][i];
    dw[i] = s;
  }
}

}  // namespace neurite
