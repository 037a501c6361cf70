// Max and average pooling over NHWC windows, vectorized over channels, parallel over
// output rows (forward) or images (backward, so no two threads write the same dx).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

int divisor(const PoolInfo& p, int oh, int ow) {
  const int loH = p.countIncludePad ? -p.padTop : 0;
  const int hiH = p.countIncludePad ? p.inH + p.padBottom : p.inH;
  const int loW = p.countIncludePad ? -p.padLeft : 0;
  const int hiW = p.countIncludePad ? p.inW + p.padRight : p.inW;
  int rows = 0, cols = 0;
  for (int kh = 0; kh < p.kH; kh++) {
    const int ih = oh * p.strideH - p.padTop + kh * p.dilationH;
    if (ih >= loH && ih < hiH) rows++;
  }
  for (int kw = 0; kw < p.kW; kw++) {
    const int iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
    if (iw >= loW && iw < hiW) cols++;
  }
  return rows * cols;
}

// Calls f(offset) with the element offset of every tap of window (oh, ow) of image n that
// lies inside the image (padding taps are skipped), row by row.
template <typename F>
void for_each_tap(const PoolInfo& p, int64_t n, int oh, int ow, F f) {
  for (int kh = 0; kh < p.kH; kh++) {
    const int ih = oh * p.strideH - p.padTop + kh * p.dilationH;
    if (ih < 0 || ih >= p.inH) continue;
    for (int kw = 0; kw < p.kW; kw++) {
      const int iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
      if (iw < 0 || iw >= p.inW) continue;
      f(((n * p.inH + ih) * p.inW + iw) * p.channels);
    }
  }
}

// Windows that tile the input (stride = window, no padding or dilation, every window fully
// inside): each input pixel belongs to at most one window, so dx is written exactly once —
// the window's gradient at its first maximum (max) or spread evenly (average), zeros
// elsewhere — with no separate clearing pass.
constexpr int kMaxTiledTaps = 16;

bool tiled(const PoolInfo& p) {
  return p.kH * p.kW <= kMaxTiledTaps && p.strideH == p.kH && p.strideW == p.kW && p.dilationH == 1 && p.dilationW == 1 && (p.padTop | p.padLeft) == 0 &&
         p.outH * p.kH <= p.inH && p.outW * p.kW <= p.inW;
}

// Forward over tiling windows: every tap is inside the image, so the loop has no bounds
// tests and the channel loop vectorizes (NaN propagates as in the general loop: a NaN tap
// wins, v != v being the vectorizable test).
void pool2d_tiled(const float* x, float* y, const PoolInfo& p) {
  const int C = p.channels;
  const int kH = p.kH, kW = p.kW, inW = p.inW, outW = p.outW, outH = p.outH, inH = p.inH;
  const bool isMax = p.isMax != 0;
  const float inv = 1.0f / static_cast<float>(kH * kW);
  const int64_t rows = static_cast<int64_t>(p.batch) * outH;
  // about 64K taps per task: below that a second thread costs more than it saves
  const int64_t grain = std::max<int64_t>(1, 65536 / (static_cast<int64_t>(outW) * C * kH * kW + 1));
  parallel_for(rows, grain, [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / outH;
      const int64_t firstRow = n * inH + (r % outH) * kH;
      for (int ow = 0; ow < outW; ow++) {
        float* __restrict out = y + (r * outW + ow) * C;
        const float* first = x + (firstRow * inW + static_cast<int64_t>(ow) * kW) * C;
        std::memcpy(out, first, sizeof(float) * C);
        for (int kh = 0; kh < kH; kh++) {
          for (int kw = kh == 0 ? 1 : 0; kw < kW; kw++) {
            const float* __restrict v = x + ((firstRow + kh) * inW + static_cast<int64_t>(ow) * kW + kw) * C;
            if (isMax) {
              for (int c = 0; c < C; c++) out[c] = (v[c] > out[c] || v[c] != v[c]) ? v[c] : out[c];
            } else {
              for (int c = 0; c < C; c++) out[c] += v[c];
            }
          }
        }
        if (!isMax) {
          for (int c = 0; c < C; c++) out[c] *= inv;
        }
      }
    }
  });
}

// kBiasRelu: max pooling only; x is the output of a bias + ReLU epilogue, whose gradient
// is folded in: a window's gradient goes to its first maximum only when that maximum is
// > 0 (relu'(x) there), and its channel sums go to dbias (float sums per task of rows,
// added in double per thread, as bias_activation_grad sums).
template <bool kBiasRelu>
void pool2d_grad_tiled(const float* x, const float* dy, float* dx, float* dbias, const PoolInfo& p) {
  const int C = p.channels;
  const int64_t rowLen = static_cast<int64_t>(p.inW) * C;
  const int taps = p.kH * p.kW;
  const float inv = 1.0f / static_cast<float>(taps);
  const bool isMax = kBiasRelu || p.isMax != 0;
  const int kH = p.kH, kW = p.kW, inW = p.inW, outW = p.outW, outH = p.outH, inH = p.inH;
  const int64_t R = static_cast<int64_t>(p.batch) * outH;
  const int threads = num_threads();
  std::vector<double> partialStore(kBiasRelu ? static_cast<size_t>(threads) * C : 0, 0.0);
  double* const partial = partialStore.data();
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(R, threads * 4));
  // Captured by value: the loop bounds stay in registers (by reference, the stores into dx
  // might alias them, and the channel loops would not vectorize).
  parallel_tasks(tasks, [=](int64_t task, int thread) {
    const int64_t r0 = task * R / tasks, r1 = (task + 1) * R / tasks;
    const float* src[kMaxTiledTaps];
    float* dst[kMaxTiledTaps];
    std::vector<float> bestStore(C), sumStore(kBiasRelu ? C : 0, 0.0f);
    std::vector<int> atStore(C);
    float* __restrict best = bestStore.data();
    float* __restrict sum = sumStore.data();
    int* __restrict at = atStore.data();
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / outH;
      const int oh = static_cast<int>(r % outH);
      const int64_t firstRow = n * inH + static_cast<int64_t>(oh) * kH;
      for (int kh = 0; kh < kH; kh++) {  // columns right of the last window
        float* row = dx + (firstRow + kh) * rowLen;
        std::memset(row + static_cast<int64_t>(outW) * kW * C, 0, sizeof(float) * (inW - outW * kW) * C);
      }
      for (int ow = 0; ow < outW; ow++) {
        const float* __restrict g = dy + ((n * outH + oh) * outW + ow) * C;
        for (int t = 0; t < taps; t++) {
          const int64_t off = ((firstRow + t / kW) * inW + static_cast<int64_t>(ow) * kW + t % kW) * C;
          src[t] = x + off;
          dst[t] = dx + off;
        }
        if (!isMax) {
          for (int t = 0; t < taps; t++) {
            float* __restrict o = dst[t];
            for (int c = 0; c < C; c++) o[c] = g[c] * inv;
          }
          continue;
        }
        // Channel loops innermost so they vectorize: first maximum per channel, then the writes.
        const float* __restrict s0 = src[0];
        for (int c = 0; c < C; c++) {
          best[c] = s0[c];
          at[c] = 0;
        }
        for (int t = 1; t < taps; t++) {
          const float* __restrict v = src[t];
          for (int c = 0; c < C; c++) {
            const bool better = v[c] > best[c];
            best[c] = better ? v[c] : best[c];
            at[c] = better ? t : at[c];
          }
        }
        if (kBiasRelu) {
          for (int c = 0; c < C; c++) {
            at[c] = best[c] > 0 ? at[c] : -1;
            sum[c] += best[c] > 0 ? g[c] : 0.0f;
          }
        }
        for (int t = 0; t < taps; t++) {
          float* __restrict o = dst[t];
          for (int c = 0; c < C; c++) o[c] = at[c] == t ? g[c] : 0.0f;
        }
      }
      if (kBiasRelu && (r + 1 - r0) % 8 == 0) {  // float sums over 8 rows of windows at a time
        double* acc = partial + static_cast<int64_t>(thread) * C;
        for (int c = 0; c < C; c++) {
          acc[c] += sum[c];
          sum[c] = 0.0f;
        }
      }
    }
    if (kBiasRelu) {
      double* acc = partial + static_cast<int64_t>(thread) * C;
      for (int c = 0; c < C; c++) acc[c] += sum[c];
    }
  });
  if (kBiasRelu) {
    for (int c = 0; c < C; c++) {
      double t = 0;
      for (int th = 0; th < threads; th++) t += partial[static_cast<int64_t>(th) * C + c];
      dbias[c] = static_cast<float>(t);
    }
  }
  // rows below the last window
  const int64_t tail = inH - static_cast<int64_t>(outH) * kH;
  if (tail > 0) {
    for (int64_t n = 0; n < p.batch; n++) std::memset(dx + (n * inH + outH * kH) * rowLen, 0, sizeof(float) * tail * rowLen);
  }
}

}  // namespace

void pool2d(const float* x, float* y, const PoolInfo& p) {
  if (tiled(p)) return pool2d_tiled(x, y, p);
  const int C = p.channels;
  const int64_t R = static_cast<int64_t>(p.batch) * p.outH;
  parallel_for(R, 8, [&](int64_t r0, int64_t r1) {
    std::vector<float> acc(C);
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / p.outH;
      const int oh = static_cast<int>(r % p.outH);
      for (int ow = 0; ow < p.outW; ow++) {
        std::fill(acc.begin(), acc.end(), p.isMax ? -std::numeric_limits<float>::infinity() : 0.0f);
        for_each_tap(p, n, oh, ow, [&](int64_t at) {
          const float* xp = x + at;
          if (p.isMax) {
            for (int c = 0; c < C; c++) acc[c] = (xp[c] > acc[c] || std::isnan(xp[c])) ? xp[c] : acc[c];
          } else {
            for (int c = 0; c < C; c++) acc[c] += xp[c];
          }
        });
        float* yp = y + (r * p.outW + ow) * C;
        if (p.isMax) {
          std::copy(acc.begin(), acc.end(), yp);
        } else {
          const int d = divisor(p, oh, ow);
          const float inv = d > 0 ? 1.0f / d : 0.0f;
          for (int c = 0; c < C; c++) yp[c] = acc[c] * inv;
        }
      }
    }
  });
}

bool pool2d_grad_bias_relu(const float* x, const float* dy, float* dx, float* dbias, const PoolInfo& p) {
  if (!p.isMax || !tiled(p)) return false;
  pool2d_grad_tiled<true>(x, dy, dx, dbias, p);
  return true;
}

void pool2d_grad(const float* x, const float* dy, float* dx, const PoolInfo& p) {
  if (tiled(p)) return pool2d_grad_tiled<false>(x, dy, dx, nullptr, p);
  const int C = p.channels;
  parallel_for(p.batch, 1, [&](int64_t n0, int64_t n1) {
    std::vector<float> best(C);
    std::vector<int64_t> where(C);
    const int64_t image = static_cast<int64_t>(p.inH) * p.inW * C;
    std::memset(dx + n0 * image, 0, sizeof(float) * (n1 - n0) * image);  // accumulated below
    for (int64_t n = n0; n < n1; n++) {
      for (int oh = 0; oh < p.outH; oh++) {
        for (int ow = 0; ow < p.outW; ow++) {
          const float* dyp = dy + ((n * p.outH + oh) * p.outW + ow) * C;
          if (p.isMax) {
            std::fill(where.begin(), where.end(), -1);
            for_each_tap(p, n, oh, ow, [&](int64_t pix) {
              for (int c = 0; c < C; c++) {
                if (where[c] < 0 || x[pix + c] > best[c]) {
                  best[c] = x[pix + c];
                  where[c] = pix + c;
                }
              }
            });
            for (int c = 0; c < C; c++)
              if (where[c] >= 0) dx[where[c]] += dyp[c];
          } else {
            const int d = divisor(p, oh, ow);
            if (d == 0) continue;
            const float inv = 1.0f / d;
            for_each_tap(p, n, oh, ow, [&](int64_t at) {
              float* dxp = dx + at;
              for (int c = 0; c < C; c++) dxp[c] += dyp[c] * inv;
            });
          }
        }
      }
    }
  });
}

// Keras' map_coordinates (Backend.sampleImage): each output pixel reads x at (sy, sx), bilinear
// or nearest, each neighbour outside the image mapped by the fill mode (0 reflect, 1 wrap,
// 2 constant: reads fill, 3 nearest). Parallel over pixels.
static inline int64_t fold_index(int64_t i, int64_t n, int mode) {
  if (i >= 0 && i < n) return i;
  if (mode == 2) return -1;
  if (mode == 3) return i < 0 ? 0 : n - 1;
  if (mode == 1) {
    const int64_t k = i % n;
    return k < 0 ? k + n : k;
  }
  const int64_t m = 2 * n;
  int64_t k = i % m;
  if (k < 0) k += m;
  return k >= n ? m - 1 - k : k;
}

void sample_image(const float* x, const float* sx, const float* sy, float* y, int64_t batch, int64_t h, int64_t w, int64_t c, bool nearest,
                  int mode, float fill) {
  const int64_t pixels = h * w;
  parallel_for(batch * pixels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, c)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t base = (p - p % pixels) * c;
      float* out = y + p * c;
      const float v = sx[p], u = sy[p];
      if (nearest) {
        const int64_t r = fold_index(static_cast<int64_t>(std::floor(u + 0.5f)), h, mode);
        const int64_t q = fold_index(static_cast<int64_t>(std::floor(v + 0.5f)), w, mode);
        const float* at = x + base + (r * w + q) * c;
        for (int64_t k = 0; k < c; k++) out[k] = r < 0 || q < 0 ? fill : at[k];
        continue;
      }
      const float r0 = std::floor(u), q0 = std::floor(v);
      const float fr = u - r0, fq = v - q0;
      const int64_t ri = static_cast<int64_t>(r0), qi = static_cast<int64_t>(q0);
      const int64_t ra = fold_index(ri, h, mode), rb = fold_index(ri + 1, h, mode);
      const int64_t qa = fold_index(qi, w, mode), qb = fold_index(qi + 1, w, mode);
      const float gr = 1.0f - fr, gq = 1.0f - fq;
      const float w00 = gr * gq, w01 = gr * fq, w10 = fr * gq, w11 = fr * fq;
      const float* a00 = ra < 0 || qa < 0 ? nullptr : x + base + (ra * w + qa) * c;
      const float* a01 = ra < 0 || qb < 0 ? nullptr : x + base + (ra * w + qb) * c;
      const float* a10 = rb < 0 || qa < 0 ? nullptr : x + base + (rb * w + qa) * c;
      const float* a11 = rb < 0 || qb < 0 ? nullptr : x + base + (rb * w + qb) * c;
      for (int64_t k = 0; k < c; k++) {
        float acc = w00 * (a00 ? a00[k] : fill);
        acc += w01 * (a01 ? a01[k] : fill);
        acc += w10 * (a10 ? a10[k] : fill);
        acc += w11 * (a11 ? a11[k] : fill);
        out[k] = acc;
      }
    }
  });
}

}  // namespace neurite
