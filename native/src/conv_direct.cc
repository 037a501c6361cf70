// A direct NHWC convolution for the forward pass (groups 1, any stride, dilation 1): each
// call computes a tile of kTile output pixels × up to kBlocks·16 output channels in vector
// registers, looping over (kh, kw, ci) with one broadcast of an input value per pixel and one
// load of 16 filter values per channel vector; bias and ReLU are applied as the tile is
// stored. No im2col buffer, no reordering of the HWIO filter (its output channels are
// contiguous), so a batch-1 layer costs its arithmetic, not the setup of a GEMM library
// (oneDNN spends 40–70 µs per call on a 0.4 MFLOP first layer here). GCC vector extensions:
// -march=native picks AVX-512 (one register per vector) or AVX2 (two).
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

typedef float v16 __attribute__((vector_size(64), aligned(4)));

constexpr int kTile = 6;

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void store16(float* p, v16 v) { std::memcpy(p, &v, sizeof(v)); }

inline v16 splat(float s) { return v16{} + s; }

// Output pixels [ow0, ow0 + T) of row (n, oh), channels [ob, ob + 16·B); every tap in bounds
// except where `checked` (then taps outside the input contribute nothing).
template <int B, int T>
void tile(const float* x, const float* w, float* y, const ConvInfo& c, int64_t n, int oh, int ow0, int ob, const Epilogue& ep, bool checked) {
  v16 acc[T][B];
  for (int t = 0; t < T; t++)
    for (int j = 0; j < B; j++) acc[t][j] = v16{};
  const int C = c.inC, O = c.outC;
  for (int kh = 0; kh < c.kH; kh++) {
    const int ih = oh * c.strideH - c.padTop + kh;
    if (ih < 0 || ih >= c.inH) continue;
    const float* xrow = x + ((n * c.inH + ih) * static_cast<int64_t>(c.inW)) * C;
    for (int kw = 0; kw < c.kW; kw++) {
      const float* wp = w + (static_cast<int64_t>(kh * c.kW + kw) * C) * O + ob;
      const float* xp[T];
      bool valid[T];
      for (int t = 0; t < T; t++) {
        const int iw = (ow0 + t) * c.strideW - c.padLeft + kw;
        valid[t] = !checked || (iw >= 0 && iw < c.inW);
        xp[t] = xrow + static_cast<int64_t>(valid[t] ? iw : 0) * C;
      }
      for (int ci = 0; ci < C; ci++) {
        v16 wv[B];
        for (int j = 0; j < B; j++) wv[j] = load16(wp + static_cast<int64_t>(ci) * O + 16 * j);
        for (int t = 0; t < T; t++) {
          const v16 xv = splat(valid[t] ? xp[t][ci] : 0.0f);
          for (int j = 0; j < B; j++) acc[t][j] += xv * wv[j];
        }
      }
    }
  }
  for (int t = 0; t < T; t++) {
    float* yp = y + ((n * c.outH + oh) * static_cast<int64_t>(c.outW) + ow0 + t) * O + ob;
    for (int j = 0; j < B; j++) {
      v16 v = acc[t][j];
      if (ep.bias) v += load16(ep.bias + ob + 16 * j);
      if (ep.relu) {
        for (int l = 0; l < 16; l++) v[l] = relu_keep_nan(v[l]);
      }
      store16(yp + 16 * j, v);
    }
  }
}

template <int B>
void row(const float* x, const float* w, float* y, const ConvInfo& c, int64_t n, int oh, int ob, const Epilogue& ep) {
  // Columns whose taps all fall inside the input run unchecked.
  const bool rowInside = oh * c.strideH - c.padTop >= 0 && (oh * c.strideH - c.padTop + c.kH - 1) < c.inH;
  int ow = 0;
  for (; ow + kTile <= c.outW; ow += kTile) {
    const int first = ow * c.strideW - c.padLeft;
    const int last = (ow + kTile - 1) * c.strideW - c.padLeft + c.kW - 1;
    const bool inside = rowInside && first >= 0 && last < c.inW;
    tile<B, kTile>(x, w, y, c, n, oh, ow, ob, ep, !inside);
  }
  for (; ow < c.outW; ow++) tile<B, 1>(x, w, y, c, n, oh, ow, ob, ep, true);
}

}  // namespace

bool conv2d_direct(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep) {
  if (c.groups != 1 || c.dilationH != 1 || c.dilationW != 1 || c.outC % 16 != 0) return false;
  const int blocks = c.outC / 16;
  // Channel groups of up to 4 vectors (64 channels): 6 pixels × 4 vectors of accumulators.
  const int groups = (blocks + 3) / 4;
  const int64_t rows = static_cast<int64_t>(c.batch) * c.outH;
  const int64_t work = rows * groups;
  const int64_t flops = 2LL * c.batch * c.outH * c.outW * c.outC * c.kH * c.kW * c.inC;
  parallel_for(work, flops > (1 << 18) ? 1 : work, [&](int64_t a, int64_t b) {
    for (int64_t i = a; i < b; i++) {
      const int64_t r = i / groups;
      const int g = static_cast<int>(i % groups);
      const int64_t n = r / c.outH;
      const int oh = static_cast<int>(r % c.outH);
      const int ob = g * 64;
      const int vectors = std::min(4, blocks - g * 4);
      if (vectors >= 4) row<4>(x, w, y, c, n, oh, ob, ep);
      else if (vectors == 3) row<3>(x, w, y, c, n, oh, ob, ep);
      else if (vectors == 2) row<2>(x, w, y, c, n, oh, ob, ep);
      else row<1>(x, w, y, c, n, oh, ob, ep);
    }
  });
  return true;
}

}  // namespace neurite
